"""Replay rebuilds the town from the log alone: positions, actions, talk and plans match the live run at every tick."""

import asyncio
import json

import pytest

from tests.conftest import fake_config
from town.cli import main
from town.core.errors import TownError
from town.persistence.fork import fork_run
from town.persistence.replay import open_replay
from town.persistence.replay_session import ReplaySession
from town.persistence.runner import run_headless
from town.persistence.saving import load_for_resume
from town.runtime.live import Command


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A 4-agent, 3-hour headless run with its cache, and what the live world looked like after every tick."""
    root = tmp_path_factory.mktemp("recorded")
    config = fake_config(root, agents=4, hours=3, seed=6, cache="record", autosave_minutes=0)
    seen = {}

    def watch(sim):
        world = sim.engine.world
        seen[sim.tick - 1] = {
            name: (body.tile, body.asleep, body.action.description if body.action else "idle")
            for name, body in world.bodies.items()
        }

    asyncio.run(run_headless(config, on_tick=watch))
    return config, seen


def test_the_replayed_town_matches_the_live_town_at_every_tick(recorded):
    config, seen = recorded
    replay = open_replay(config.out)
    assert replay.ended and replay.last_tick == max(seen) + 1  # run_end is logged at the tick after the last step
    for tick in sorted(seen)[::7] + [max(seen)]:
        snap = replay.snapshot(tick)
        got = {a.name: (a.tile, a.asleep, a.action) for a in snap.agents}
        live = {n: (tile, asleep, "sleeping" if asleep else action) for n, (tile, asleep, action) in seen[tick].items()}
        assert got == live, f"tick {tick}"


def test_the_replay_inspector_shows_the_logged_plan_and_what_was_recalled(recorded):
    config, _ = recorded
    replay = open_replay(config.out)
    events = [json.loads(line) for line in (config.out / "trajectory.jsonl").read_text().splitlines()]
    plan = next(e for e in events if e["type"] == "day_plan")
    view = replay.inspect(plan["agent"], plan["tick"] + 100)
    assert [list(row) for row in view.schedule] == plan["schedule"]
    recalled = next(e for e in events if e["type"] == "retrieval" and e["agent"] == plan["agent"])
    at = replay.inspect(plan["agent"], recalled["tick"])
    texts = {e["memory"]: e["text"] for e in events if e["type"] == "memory" and e["agent"] == plan["agent"]}
    assert [m.text for m in at.memories] == [texts[i] for i in recalled["memories"][:5]]
    assert view.summary  # persona summaries come from the logged persona folder


def test_replay_session_plays_seeks_and_jumps(recorded):
    config, _ = recorded
    replay = open_replay(config.out)
    session = ReplaySession(replay)
    session.send(Command(kind="speed", speed="32x"))
    session.advance(0.5)
    assert session.tick == 160 and not session.paused
    conversation = next(m for m in replay.markers if m.kind == "conversation")
    session.send(Command(kind="seek", tick=0))
    session.send(Command(kind="jump", marker="conversation"))
    assert session.tick == conversation.tick and "conversation" in session.notice
    session.send(Command(kind="seek", tick=conversation.tick + 1))
    session.send(Command(kind="jump", marker="conversation", backwards=True))
    assert session.tick == conversation.tick  # back to the conversation just passed
    session.send(Command(kind="seek", tick=10**9))
    session.advance(1.0)
    assert session.tick == replay.last_tick and session.paused


def test_text_replay_prints_a_readable_timeline(recorded, capsys):
    config, _ = recorded
    assert main(["replay", str(config.out), "--text", "--from", "09:00", "--to", "10:00"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out and all("Thu 09:" in line or "Thu 10:00" in line for line in out)
    assert any(" is " in line for line in out)
    first_agent = open_replay(config.out).agents[0]
    assert main(["replay", str(config.out), "--text", "--agent", first_agent]) == 0
    assert all(
        first_agent in line or line.split("  ", 1)[1].startswith("    ")
        for line in capsys.readouterr().out.splitlines()
    )
    assert main(["replay", str(config.out), "--text", "--agent", "Nobody"]) == 2


def test_replaying_something_that_is_not_a_run_is_a_one_line_error(tmp_path, capsys):
    assert main(["replay", str(tmp_path), "--text"]) == 2
    assert "neither a run folder" in capsys.readouterr().err


def test_a_fork_of_a_headless_run_is_exact_and_continues_to_the_same_end(recorded, tmp_path):
    config, _ = recorded
    result = asyncio.run(fork_run(config.out, 700, tmp_path / "fork", work=tmp_path / "work"))
    assert result.matches_log and result.cache_misses == 0 and result.resimulated_ticks == 700
    resumed_config, loaded = load_for_resume(tmp_path / "fork", {"out": tmp_path / "continued"})
    assert loaded.manifest.tick == 700
    asyncio.run(run_headless(resumed_config, resume=loaded))
    original = (config.out / "trajectory.jsonl").read_bytes()
    assert (tmp_path / "continued" / "trajectory.jsonl").read_bytes() == original

    with pytest.raises(TownError, match="outside the log"):
        asyncio.run(fork_run(config.out, 10**6, tmp_path / "nope", work=tmp_path / "w2"))


def test_town_fork_command(recorded, tmp_path, capsys):
    config, _ = recorded
    assert main(["fork", str(config.out), "--at", "09:30", "--save", str(tmp_path / "f")]) == 0
    out = capsys.readouterr().out
    assert "matches the recorded log exactly" in out and "town play --resume" in out
    assert (
        json.loads((tmp_path / "f" / "manifest.json").read_text())["tick"] == 90 * 6
    )  # 09:30 is 90 game minutes after the 08:00 start


def test_a_fork_of_a_log_the_resimulation_does_not_reproduce_reports_the_first_line_that_differs(tmp_path):
    """A run played in the app applies answers when they arrive, so its log is not a function of seed and answers.

    Here such a log is made without timing: a recorded headless log whose one action reads otherwise, as if an answer
    had landed a tick late. The fork must name exactly that line (1-based), not just say "differs".
    """
    config = fake_config(tmp_path, agents=3, hours=1, seed=2, cache="record")
    asyncio.run(run_headless(config))
    path = config.out / "trajectory.jsonl"
    lines = path.read_text().splitlines()
    changed = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "action" and i > 20)
    event = json.loads(lines[changed])
    assert event["tick"] < 250
    lines[changed] = json.dumps({**event, "description": "standing by the window"})
    path.write_text("\n".join(lines) + "\n")
    result = asyncio.run(fork_run(config.out, 250, tmp_path / "fork", work=tmp_path / "w"))
    assert result.save.exists()
    assert not result.matches_log and result.first_difference == changed + 1


def test_the_replay_inspector_uses_the_runs_own_recency_decay(recorded):
    config, _ = recorded
    events = [json.loads(line) for line in (config.out / "trajectory.jsonl").read_text().splitlines()]
    events[0]["config"]["cognition"]["retrieval"]["decay"] = 0.5  # as if the run had been configured so
    from town.persistence.replay import Replay

    replay = Replay(events, open_replay(config.out).map)
    made: dict[tuple[str, int], int] = {(e["agent"], e["memory"]): e["tick"] for e in events if e["type"] == "memory"}

    def age(e, memory_id):
        return replay.clock.hours_between(made[(e["agent"], memory_id)], e["tick"])

    # A recall of an old memory: its recency tells the run's decay from the default one.
    recalled = next(e for e in events if e["type"] == "retrieval" and any(age(e, m) >= 0.5 for m in e["memories"][:5]))
    at = replay.inspect(recalled["agent"], recalled["tick"])
    for memory_id, line in zip(recalled["memories"], at.memories, strict=False):
        assert line.recency == pytest.approx(0.5 ** age(recalled, memory_id))
