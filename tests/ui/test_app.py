"""The desktop app driven headless (SDL dummy video): frames are rendered to PNG and inspected."""

import json
import os
from datetime import datetime

import pygame
import pytest

from tests.conftest import fake_config
from tests.helpers import interrupt_town
from town.runtime.builders import build_simulation
from town.runtime.live import Command, LiveSession
from town.runtime.snapshot import AgentView, Snapshot
from town.ui.app import App
from town.ui.camera import Camera
from town.ui.render import PAPER, TownRenderer, night_alpha


def _session(tmp_path, agents=6):
    sim = build_simulation(fake_config(tmp_path, agents=agents, hours=2, fake_latency_s=0.005))
    return sim, LiveSession(sim)


def test_the_app_runs_renders_frames_and_closes_cleanly(tmp_path):
    sim, session = _session(tmp_path)
    session.send(Command(kind="speed", speed="max"))
    events = []
    sim.subscribe(events.append)
    app = App(session, size=(960, 600))
    app.run(max_frames=90, screenshot_dir=tmp_path, screenshot_every=30)
    frames = sorted(tmp_path.glob("frame-*.png"))
    assert [f.name for f in frames] == ["frame-00030.png", "frame-00060.png", "frame-00090.png"]
    image = pygame.image.load(str(frames[-1]))
    assert image.get_size() == (960, 600)
    colours = {image.get_at((x, y))[:3] for x in range(0, 960, 40) for y in range(0, 600, 40)}
    assert len(colours) > 10  # a drawn town, not a blank window
    assert sim.tick > 0 and not session.running
    assert events[-1].type == "run_end" and events[-1].reason == "window closed"


def test_space_pauses_and_n_steps_exactly_one_tick(tmp_path):
    sim, session = _session(tmp_path, agents=2)
    app = App(session, size=(640, 400))
    script = {"phase": "pausing", "tick": -1, "frame": 0}

    def keys(app):
        # Each phase waits for the town itself (the worker thread), not for a number of frames.
        if script["phase"] == "pausing" and session.paused:
            script.update(phase="stepping", tick=sim.tick)
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_n, unicode="n"))
        elif script["phase"] == "stepping" and sim.tick != script["tick"]:
            script.update(phase="stepped", frame=app.frame)
        return script["phase"] == "stepped" and app.frame >= script["frame"] + 30

    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, unicode=" "))
    app.run(max_frames=6000, stop_when=keys)
    assert script["phase"] == "stepped"
    assert sim.tick == script["tick"] + 1 and session.paused  # one tick, and 30 frames later still only one


def test_number_keys_set_the_speed_and_f1_opens_the_help(tmp_path):
    sim, session = _session(tmp_path, agents=2)
    app = App(session, size=(640, 400))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_4, unicode="4"))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F1, unicode=""))
    app.run(max_frames=20)
    assert session.speed == "8x"
    assert type(app.states[-1]).__name__ == "HelpOverlay"


def _snapshot(**agent):
    base = dict(
        name="Mei Lin",
        tile=(6, 8),
        facing=(0, 1),
        moving=False,
        action="baking pastries",
        emoji="🥐",
        place="Rosewood Cafe: cafe",
        asleep=False,
        talking_to=None,
        speech=None,
    )
    base.update(agent)
    return Snapshot(
        tick=0,
        time=datetime(2025, 2, 13, 12, 0),
        agents=(AgentView(**base),),
        calls=0,
        tokens=0,
        cost=0.0,
        fallbacks=0,
        feed=(),
    )


@pytest.fixture(scope="module")
def renderer(town_map):
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((640, 400))
    return TownRenderer(town_map)


def test_speech_bubbles_are_drawn_above_the_speaker(renderer, town_map):
    camera = Camera(0, 0, 1.0, 640, 400, town_map.width * 32, town_map.height * 32)
    plain, talking = pygame.Surface((640, 400)), pygame.Surface((640, 400))
    renderer.draw(plain, _snapshot(), camera, 0, None)
    renderer.draw(talking, _snapshot(speech="The harvest party is at five tonight, come along!"), camera, 0, None)
    x, y = camera.to_screen(6 * 32 + 16, 8 * 32)
    changed = [
        (px, py)
        for px in range(x - 60, x + 60, 3)
        for py in range(y - 60, y - 8, 3)
        if talking.get_at((px, py))[:3] != plain.get_at((px, py))[:3]
    ]
    assert len(changed) > 100
    assert any(talking.get_at(p)[:3] == PAPER for p in changed)


def test_night_is_darker_than_day(renderer, town_map):
    assert night_alpha(datetime(2025, 2, 13, 12, 0)) == 0 and night_alpha(datetime(2025, 2, 13, 23, 0)) == 150
    camera = Camera(0, 0, 1.0, 640, 400, town_map.width * 32, town_map.height * 32)
    day, night = pygame.Surface((640, 400)), pygame.Surface((640, 400))
    renderer.draw(day, _snapshot(), camera, 0, None)
    snap = _snapshot()
    renderer.draw(night, Snapshot(**{**snap.__dict__, "time": datetime(2025, 2, 13, 23, 0)}), camera, 0, None)
    assert sum(night.get_at((320, 200))[:3]) < sum(day.get_at((320, 200))[:3])


def test_camera_zoom_keeps_the_point_under_the_cursor():
    camera = Camera(100, 100, 1.0, 800, 600, 4000, 4000)
    before = camera.to_world(200, 150)
    camera.zoom_step(1, (200, 150))
    assert camera.zoom == 1.5
    after = camera.to_world(200, 150)
    assert after == pytest.approx(before)
    camera.pan(-10_000, -10_000)
    assert (camera.x, camera.y) == (0, 0)


# `town play` on the fake model, as a person would start it.
PLAY_FAKE = ["play", "--model", "fake", "--embedder", "hashing", "--index", "numpy", "--agents", "3"]


def test_town_play_runs_and_closes_cleanly_on_ctrl_c(tmp_path):
    out = tmp_path / "run"
    log = out / "trajectory.jsonl"
    args = [*PLAY_FAKE, "--out", str(out), "--size", "800x500"]
    code, err = interrupt_town(args, log, 5_000, env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    assert code == 130, err
    assert "Traceback" not in err and "log is closed" in err
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["type"] == "run_end" and last["reason"] == "interrupted" and last["detail"] == "SIGINT"


def test_no_display_is_a_one_line_error(tmp_path):
    out = tmp_path / "run"
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "town.cli", *PLAY_FAKE, "--out", str(out)],
        cwd=tmp_path,
        env={**os.environ, "SDL_VIDEODRIVER": "no-such-driver"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    err = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(err) == 1, done.stderr
    assert err[0].startswith("error: town play: cannot open a window")
    assert not (out / "trajectory.jsonl").exists()  # refused before anything was written


def test_f5_and_the_menu_save_and_closing_the_window_autosaves(tmp_path):
    from town.persistence.saves import load_save
    from town.persistence.saving import save_simulation

    config = fake_config(tmp_path, agents=3, hours=2, fake_latency_s=0.005)
    sim = build_simulation(config)
    saved_at = []

    async def saver(s):
        path = await save_simulation(s, config, tmp_path / "saves" / "town")
        saved_at.append(s.tick)
        return path

    session = LiveSession(sim, saver=saver, save_on_close=True)
    session.send(Command(kind="speed", speed="max"))
    app = App(session, size=(800, 500))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F5, unicode=""))
    app.run(max_frames=40)
    assert len(saved_at) == 2, "F5 saved once, closing the window saved again"
    assert saved_at[0] < saved_at[1] == sim.tick
    assert load_save(tmp_path / "saves" / "town").manifest.tick == sim.tick
    assert session.snapshot.notice.startswith("saved on close to ")

    # The menu: M opens it, its "Save now" item is clicked, then M and Q save and quit before the frame limit.
    sim2 = build_simulation(fake_config(tmp_path / "b", agents=2, hours=2))
    saved2 = []

    async def saver2(s):
        saved2.append(s.tick)
        return await save_simulation(s, config, tmp_path / "saves" / "menu")

    session2 = LiveSession(sim2, saver=saver2, save_on_close=True)
    app2 = App(session2, size=(800, 500))
    from town.ui.overlays import MenuOverlay

    item = next(r for r, what in MenuOverlay(app2).rects if what == "save")
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_m, unicode="m"))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=item.center))
    app2.run(max_frames=30)
    assert type(app2.states[-1]).__name__ == "TownView", "choosing an item closes the menu"
    assert len(saved2) == 2, "the menu's Save now, then the save on close"


def test_the_menu_quits_with_a_save(tmp_path):
    sim = build_simulation(fake_config(tmp_path, agents=2, hours=2))
    saves = []

    async def saver(s):
        saves.append(s.tick)
        return tmp_path

    session = LiveSession(sim, saver=saver, save_on_close=True)
    app = App(session, size=(800, 500))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_m, unicode="m"))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, unicode="q"))
    app.run(max_frames=500)
    assert app.frame < 10 and saves == [sim.tick]


def test_town_play_leaves_a_summary_and_telemetry_like_town_run(tmp_path):
    out = tmp_path / "run"
    log = out / "trajectory.jsonl"
    args = [*PLAY_FAKE, "--out", str(out), "--size", "640x400"]
    code, err = interrupt_town(args, log, 5_000, env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    assert code == 130, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reason"] == "interrupted" and summary["totals"]["ticks"] > 0
    calls = (out / "telemetry.jsonl").read_text().splitlines()
    # Telemetry has every answered call: those that landed (the log's totals) and those of operations dropped at close.
    assert len(calls) >= summary["totals"]["calls"] > 0
    if len(calls) > summary["totals"]["calls"]:
        assert summary["operations_cancelled_at_end"] > 0
