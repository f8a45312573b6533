"""The evaluation on messy logs, each with a known answer: written through the trajectory writer as a run writes them.

One test per reported miscount (repeats in the same talk, late mentions, lines said to someone else, interviews,
removals, doorways, stale plans and tick lengths, empty talk, a relative persona folder) and the documented
boundaries (arriving at the window's end, leaving at its start, a removed agent's place in the population).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from agents.embedding import CachingEmbedder, HashingEmbedder
from agents.events import AgentRemoved, MemoryAdded, StepsPlanned, VisitorExchange
from tests.reliability.cli import town
from town.core.clock import GameClock
from town.core.events import AgentSpawned, EventBus, Moves, RunEnded, RunStarted, Utterance
from town.evaluation.evaluate import evaluate_run
from town.evaluation.intentions import intentions
from town.evaluation.reference import load_reference
from town.evaluation.social import EventWindow, Fact, attendance, diffusion
from town.persistence.run_source import read_events
from town.persistence.trajectory import TrajectoryWriter, typed_events
from town.runtime.config import DEFAULT_PERSONAS

AGENTS = ["Ann", "Bo", "Cy", "Di"]
PARTY = Fact(
    name="party",
    keywords=["party"],
    origin="Ann",
    event=EventWindow(place="Rosewood Cafe", start="17:00", end="19:00"),
)
CAFE = (3, 16)  # inside "Rosewood Cafe: cafe"
DOORWAY = (6, 14)  # in the Rosewood Cafe sector, in no arena
PARK = (2, 26)
MARKET = (19, 16)


class Log:
    """A run's log built event by event through the event bus and the trajectory writer (ids and ticks as a run)."""

    def __init__(self, folder: Path, *, tick_seconds: int = 60, agents: list[str] = AGENTS, config=None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.clock = GameClock(start=datetime(2025, 2, 13, 16, 0), tick_seconds=tick_seconds)
        self.writer = TrajectoryWriter(folder / "trajectory.jsonl")
        self.bus = EventBus()
        self.bus.subscribe(self.writer)
        self.agents = agents
        start = RunStarted(
            seed=0,
            model="fake",
            map="Willowbrook",
            start_time=self.clock.start.isoformat(),
            tick_seconds=tick_seconds,
            agents=agents,
            config=config or {},
        )
        self.emit(0, start)

    def emit(self, tick: int, event):
        with self.bus.at(tick):
            return self.bus.emit(event).id

    def spawn(self, **tiles):
        for name in self.agents:
            self.emit(0, AgentSpawned(agent=name, tile=tiles.get(name, PARK)))

    def say(self, tick, speaker, listener, text, conversation=1, turn=1) -> int:
        return self.emit(
            tick,
            Utterance(conversation=conversation, speaker=speaker, listener=listener, text=text, turn=turn),
        )

    def chat_memory(self, tick, agent, partner, text, sources):
        kind = dict(kind="chat", importance=5, told_by=partner, subject=partner)
        self.emit(tick, MemoryAdded(agent=agent, memory=tick, text=text[:700], sources=sources, **kind))

    def at(self, minute: int) -> int:
        """The tick of a game time given in minutes after 16:00."""
        return self.clock.ticks_for(minutes=minute)

    def end(self, tick):
        self.emit(tick, RunEnded(ticks=tick, reason="completed"))
        self.writer.close()
        return typed_events(read_events(self.folder / "trajectory.jsonl"))


def test_1_a_listener_who_repeats_the_news_later_in_the_same_talk_is_not_an_unsourced_claim(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    told = log.say(10, "Ann", "Bo", "Come to my party tonight!", turn=1)
    echoed = log.say(11, "Bo", "Ann", "A party! I will tell everyone about the party.", turn=2)
    log.chat_memory(14, "Bo", "Ann", "Conversation between Bo and Ann: ...", [told, echoed])  # written at the end
    spread = diffusion(log.end(20), PARTY, AGENTS, log.clock)
    assert [(x.agent, x.tick, x.source) for x in spread.learned] == [("Bo", 10, "Ann")]  # the tick it was heard
    assert spread.claims == 2 and spread.unsourced_claims == 0


def test_2_a_fact_mentioned_late_in_a_long_talk_is_credited(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    ids = [
        log.say(
            10 + turn, *(("Ann", "Bo") if turn % 2 else ("Bo", "Ann")), "Lovely weather for the harvest. " * 6, 1, turn
        )
        for turn in range(1, 12)
    ]
    ids.append(log.say(30, "Ann", "Bo", "Oh, and my party is at five at the cafe.", 1, 12))
    body = " / ".join(["Ann: Lovely weather for the harvest. " * 6] * 12)
    log.chat_memory(31, "Bo", "Ann", f"Conversation between Bo and Ann: {body}", ids)  # cut at 700: no "party" in it
    spread = diffusion(log.end(40), PARTY, AGENTS, log.clock)
    assert [(x.agent, x.tick) for x in spread.learned] == [("Bo", 30)]


def test_3_a_memory_citing_a_line_said_to_someone_else_teaches_nothing(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    to_cy = log.say(10, "Ann", "Cy", "My party is tonight.", conversation=1)
    log.chat_memory(12, "Cy", "Ann", "Conversation between Cy and Ann: party", [to_cy])
    log.chat_memory(12, "Di", "Ann", "Conversation between Di and Ann: party", [to_cy])  # Di was not in that talk
    spread = diffusion(log.end(20), PARTY, AGENTS, log.clock)
    assert [x.agent for x in spread.learned] == ["Cy"]


def test_4_an_interview_teaches_nothing_and_invites_nobody_but_a_visitor_does(tmp_path, town_map):
    log = Log(tmp_path)
    log.spawn(Bo=CAFE, Cy=CAFE)
    log.emit(5, VisitorExchange(agent="Bo", mode="interview", said="Are you going to the party?", reply="What party?"))
    log.emit(6, VisitorExchange(agent="Cy", mode="visitor", said="There is a party at the cafe.", reply="Thanks!"))
    events = log.end(log.at(150))
    spread = diffusion(events, PARTY, AGENTS, log.clock)
    assert [(x.agent, x.source) for x in spread.learned] == [("Cy", "visitor")]
    result = attendance(events, PARTY, spread, log.clock, town_map)
    assert result.invited == ["Cy"] and result.came == ["Bo", "Cy"] and result.invited_and_came == ["Cy"]


def test_5_an_agent_removed_from_the_cafe_is_not_counted_after_leaving_town(tmp_path, town_map):
    log = Log(tmp_path)
    log.spawn(Bo=CAFE, Cy=CAFE)
    log.emit(log.at(30), AgentRemoved(agent="Bo"))  # 16:30, before the party
    log.emit(log.at(90), AgentRemoved(agent="Cy"))  # 17:30, during it: Cy was there
    events = log.end(log.at(150))
    spread = diffusion(events, PARTY, AGENTS, log.clock)
    result = attendance(events, PARTY, spread, log.clock, town_map)
    assert result.came == ["Cy"]
    assert result.timeline[0] == (log.at(60), 1) and result.timeline[-1][1] == 0  # Cy counted until removed
    assert spread.population == 4  # a removed agent stays in the population (documented)


def test_6_presence_is_by_sector_so_a_doorway_counts_and_the_window_is_half_open(tmp_path, town_map):
    log = Log(tmp_path)
    log.spawn(Cy=CAFE)
    log.emit(log.at(60), Moves(positions={"Cy": PARK}))  # leaves exactly as the party begins: not there during it
    log.emit(log.at(70), Moves(positions={"Bo": DOORWAY}))  # on the cafe's doorway, in no arena
    log.emit(log.at(180), Moves(positions={"Di": CAFE}))  # arrives exactly at the end (19:00): too late
    events = log.end(log.at(200))
    spread = diffusion(events, PARTY, AGENTS, log.clock)
    assert attendance(events, PARTY, spread, log.clock, town_map).came == ["Bo"]


def test_6b_a_short_visit_between_samples_is_seen(tmp_path, town_map):
    log = Log(tmp_path)
    log.spawn()
    log.emit(log.at(61), Moves(positions={"Bo": CAFE}))
    log.emit(log.at(62), Moves(positions={"Bo": PARK}))  # one minute in the cafe, between two 5-minute samples
    events = log.end(log.at(200))
    spread = diffusion(events, PARTY, AGENTS, log.clock)
    assert attendance(events, PARTY, spread, log.clock, town_map).came == ["Bo"]


def test_7_stale_plans_are_not_intentions_and_time_is_in_game_minutes(tmp_path, town_map):
    log = Log(tmp_path, tick_seconds=30)  # two ticks a minute: 60 game minutes are 120 ticks
    log.spawn(Bo=CAFE)
    cafe, park = "Willowbrook:Rosewood Cafe:cafe", "Willowbrook:Willowbrook Park:park"
    log.emit(10, StepsPlanned(agent="Bo", activity="coffee", steps=[(60, "drink coffee", cafe, "")]))
    stale = StepsPlanned(agent="Bo", activity="walk", steps=[(60, "walk", park, "")], adopted=False)
    log.emit(11, stale)
    told = log.say(log.at(90), "Ann", "Bo", "Party tonight!")
    events = log.end(log.at(150))
    result = intentions(events, log.clock, town_map)
    assert result.planned_steps == 1 and result.realised == 1  # halfway (30 min = 60 ticks in) Bo is at the cafe
    spread = diffusion(events, PARTY, AGENTS, log.clock)
    assert [t for t, _ in spread.curve] == [0, 120, 240, 300]  # every game hour, then the last tick
    assert spread.curve[1][1] == 1 and spread.curve[2][1] == 2 and told > 0


def _evaluate(folder: Path):
    embedder = CachingEmbedder(HashingEmbedder())
    return evaluate_run(folder, embedder=embedder, facts=[PARTY], reference=load_reference())


def test_8_without_a_single_utterance_the_language_rows_are_blank_not_zero(tmp_path):
    config = {"map": "town-assets:maps/willowbrook.tmj", "personas": "town-assets:personas"}
    log = Log(tmp_path / "run", config=config, agents=["Mei Lin", "Jonah Price"])
    log.spawn()
    log.end(30)
    evaluation = _evaluate(tmp_path / "run")
    assert evaluation.utterances == 0
    style = {r.metric: r for r in evaluation.rows if r.dimension in ("style", "language diversity")}
    assert style and all(r.value is None and r.sim is None for r in style.values())
    from town.evaluation.report import write_report

    write_report([evaluation], load_reference(), [PARTY], tmp_path / "report")
    table = (tmp_path / "report" / "report.md").read_text()
    for name in ("Short replies", "Distinct word pairs"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {name} |"))
        assert "0.000" not in row and row.count("–") >= 2  # this run's value and its Sim
    assert "Nothing to score: the run has no lines." in table


def _three_personas(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name in ("01-mei-lin.yaml", "02-jonah-price.yaml", "03-sofia-moreno.yaml"):
        shutil.copy(DEFAULT_PERSONAS / name, folder / name)


OFFLINE = ["--embedder", "hashing", "--index", "numpy", "--quiet", "--model", "fake", "--cache", "off"]


def test_9_a_run_made_with_a_relative_persona_folder_keeps_its_relationships_from_anywhere(tmp_path):
    made, elsewhere = tmp_path / "made-here", tmp_path / "elsewhere"
    _three_personas(made / "cast")
    elsewhere.mkdir()
    run = ["run", "--agents", "3", "--hours", "0.2", "--personas", "cast", "--out", "r", *OFFLINE]
    assert town(run, made).code == 0
    done = town(["eval", str(made / "r"), "--embedder", "hashing", "--out", "rep"], elsewhere)
    assert done.code == 0 and "warning" not in done.err, done.err
    network = json.loads((elsewhere / "rep" / "report.json").read_text())["runs"][0]["network"]
    # Mei Lin names Jonah Price and Sofia Moreno, both name her; Jonah and Sofia do not name each other.
    assert network["density_start"] == pytest.approx(2 / 3)


def test_9b_an_old_log_whose_persona_folder_cannot_be_found_is_warned_about(tmp_path):
    config = {"map": "town-assets:maps/willowbrook.tmj", "personas": "cast-that-moved"}
    log = Log(tmp_path / "run", config=config, agents=["Mei Lin", "Jonah Price"])
    log.spawn()
    log.end(30)
    done = town(["eval", "run", "--embedder", "hashing", "--out", "rep"], tmp_path)
    assert done.code == 0, done.err
    assert "warning: run: the run's personas (cast-that-moved) cannot be read from here" in done.err
    assert "starting relationships and persona texts are missing" in (tmp_path / "rep" / "report.md").read_text()
