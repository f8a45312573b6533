"""Render the README's screenshots into docs/screenshots/ (SDL's dummy driver; the fake model; seeded).

    python tools/make_screenshots.py

day.png (1x), inspector.png (an agent selected), night.png, zoomed-out.png, replay-jump.png (C pressed in a replay).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame  # noqa: E402

from town.persistence.replay import open_replay  # noqa: E402
from town.persistence.replay_session import ReplaySession  # noqa: E402
from town.persistence.runner import run_headless  # noqa: E402
from town.runtime.builders import build_simulation  # noqa: E402
from town.runtime.config import RunConfig  # noqa: E402
from town.runtime.live import Command, LiveSession  # noqa: E402
from town.ui.app import App  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZE = (1280, 720)


def config(tmp: Path, start_hour: int, hours: float = 3) -> RunConfig:
    return RunConfig(
        start=datetime(2025, 2, 13, start_hour, 0),
        agents=10,
        hours=hours,
        seed=3,
        model="fake",
        embedder="hashing",
        index="numpy",
        cache="record",
        fake_latency_s=0.05,
        autosave_minutes=0,
        out=tmp / f"run-{start_hour}",
        save_dir=tmp / f"save-{start_hour}",
    )


def live_shot(tmp: Path, name: str, start_hour: int, zoom: float, select: bool, ticks: int) -> None:
    sim = build_simulation(config(tmp, start_hour))
    session = LiveSession(sim, max_ticks=ticks)
    session.send(Command(kind="speed", speed="max"))
    app = App(session, size=SIZE)
    app.camera.zoom = zoom
    app.camera.center_on(30 * 32, 18 * 32)
    if select:
        app.states[0].select(sim.minds[0].name)
    app.run(stop_when=lambda a: sim.stats.ticks >= ticks and a.frame > 30, last_frame=OUT / name)


def replay_shot(tmp: Path) -> None:
    cfg = config(tmp / "replay", 9, hours=2)  # its own folders: the live shots left theirs behind
    asyncio.run(run_headless(cfg))
    session = ReplaySession(open_replay(cfg.out))
    app = App(session, size=SIZE, replay=True)
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_c, unicode="c", mod=0))
    app.run(max_frames=8, last_frame=OUT / "replay-jump.png")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        live_shot(tmp, "day.png", 9, 1.0, False, 600)
        live_shot(tmp, "inspector.png", 11, 1.0, True, 600)
        live_shot(tmp, "night.png", 21, 1.0, False, 300)
        live_shot(tmp, "zoomed-out.png", 16, 0.5, False, 300)
        replay_shot(tmp)
    print(f"screenshots in {OUT}")
