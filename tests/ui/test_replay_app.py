"""The replay window: frames with the timeline, seeking by clicking it, and "fork here" continuing live."""

import asyncio

import pygame

from tests.conftest import fake_config
from town.commands.replay import fork_to_live
from town.persistence.replay import open_replay
from town.persistence.replay_session import ReplaySession
from town.persistence.runner import run_headless
from town.runtime.live import LiveSession
from town.ui.app import App


def _recorded(tmp_path):
    config = fake_config(tmp_path, agents=4, hours=2, seed=8, cache="record", autosave_minutes=0)
    asyncio.run(run_headless(config))
    return config.out


def test_replay_window_renders_and_the_timeline_seeks(tmp_path):
    run = _recorded(tmp_path)
    replay = open_replay(run)
    session = ReplaySession(replay)
    app = App(session, size=(1000, 600), replay=True)
    view = app.states[0]
    bar = view.bar((1000, 600))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(bar.x + bar.width // 2, bar.centery)))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, unicode=" ", mod=0))
    app.run(max_frames=10, screenshot_dir=tmp_path, screenshot_every=10)
    assert abs(session.tick - replay.last_tick // 2) <= 2 and session.paused
    image = pygame.image.load(str(tmp_path / "frame-00010.png"))
    # The timeline's played part is drawn in its gold colour left of the playhead, the rest in grey.
    assert image.get_at((bar.x + bar.width // 4, bar.centery))[:3] == (230, 200, 120)
    assert image.get_at((bar.x + 3 * bar.width // 4, bar.centery))[:3] != (230, 200, 120)


def test_fork_here_continues_live_from_the_replayed_moment(tmp_path):
    run = _recorded(tmp_path)
    replay = open_replay(run)
    session = ReplaySession(replay, fork=lambda tick: fork_to_live(run, tick, replay).session)
    session.seek(400)
    app = App(session, size=(800, 500), replay=True)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_k, unicode="k", mod=0))
    app.run(max_frames=3000, stop_when=lambda a: isinstance(a.session, LiveSession) and a.session.sim.tick > 400)
    assert isinstance(app.session, LiveSession), session.notice
    live = app.session
    assert live.sim.tick >= 400
    assert (tmp_path / "saves").is_dir() and any((tmp_path / "saves").glob("*-fork-*/manifest.json"))


def test_a_jump_pauses_centres_selects_and_shows_the_conversation(tmp_path):
    from town.runtime.live import Command

    run = _recorded(tmp_path)
    replay = open_replay(run)
    talks = [m for m in replay.markers if m.kind == "conversation"]
    assert talks, "the recorded town talked"
    session = ReplaySession(replay)
    app = App(session, size=(1000, 600), replay=True)
    view = app.states[0]
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_c, unicode="c", mod=0))
    app.run(max_frames=5, screenshot_dir=tmp_path, screenshot_every=5)
    first = talks[0]
    assert session.paused and session.tick == first.tick
    assert view.selected == first.agents[0] and session.inspected == first.agents[0]
    assert session.transcript == replay.transcript(first.conversation) and session.transcript
    size = app.renderer.tile
    agent = next(a for a in session.snapshot.agents if a.name == first.agents[0])
    x, y = app.camera.to_screen((agent.tile[0] + 0.5) * size, (agent.tile[1] + 0.5) * size)
    assert view.free_area().collidepoint(x, y), "the jumped-to speaker is on screen, not under a panel"
    session.send(Command(kind="seek", tick=0))  # scrubbing away drops the jump's note and transcript
    assert session.notice == "" and session.transcript == []


def test_the_selected_agent_is_brought_out_from_under_the_inspector(tmp_path):
    from town.runtime.builders import build_simulation

    sim = build_simulation(fake_config(tmp_path, agents=3, hours=1))
    session = LiveSession(sim)
    app = App(session, size=(900, 500))
    view = app.states[0]
    name = sim.minds[0].name
    tile = session.snapshot.agents[0].tile
    size = app.renderer.tile
    app.camera.x = (tile[0] + 0.5) * size - 880 / app.camera.zoom  # the agent at the window's right edge
    app.camera.clamp()
    view.select(name)
    session._publish()
    view.update(0.0)
    agent = next(a for a in session.snapshot.agents if a.name == name)
    x, y = app.camera.to_screen((agent.tile[0] + 0.5) * size, (agent.tile[1] + 0.5) * size)
    assert view.free_area().collidepoint(x, y)
    pygame.display.quit()
