"""The replay window: frames with the timeline, seeking by clicking it, and "fork here" continuing live."""

import asyncio

import pygame

from tests.conftest import fake_config
from town.commands.replay import fork_to_live
from town.persistence.replay import open_replay
from town.persistence.replay_session import ReplaySession
from town.runtime.live import LiveSession
from town.runtime.runner import run_headless
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
