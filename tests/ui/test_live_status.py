"""What the app shows while the town waits for a model, and refusing to run without a display."""

import os
import subprocess
import sys
from datetime import datetime

import pytest

from tests.ui.test_app import PLAY_FAKE
from town.runtime.snapshot import AgentView, Snapshot
from town.ui.render import thinking_badge


def _snap(**kw):
    base = dict(tick=0, time=datetime(2025, 2, 13, 9, 0), agents=(), calls=0, tokens=0, cost=0.0, fallbacks=0, feed=())
    return Snapshot(**{**base, **kw})


def test_the_badge_says_what_the_town_waits_for():
    assert thinking_badge(_snap()) == ""
    assert thinking_badge(_snap(in_flight=3, oldest_wait_s=41.2)) == "thinking: 3 calls in flight · oldest 41 s"
    assert "the clock waits for the model" in thinking_badge(_snap(in_flight=1, held=True, wait_for_model=True))
    assert "waits for the model when it is late" in thinking_badge(_snap(wait_for_model=True))


def test_an_agent_waiting_for_the_model_wears_a_thought_cloud():
    import pygame

    from tests.mapkit import town_doc, write_json
    from town.core.places import load_town_map
    from town.ui.camera import Camera
    from town.ui.render import TownRenderer

    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((320, 256))
    import tempfile
    from pathlib import Path

    town_map = load_town_map(write_json(town_doc(), Path(tempfile.mkdtemp()) / "t.tmj"))
    renderer = TownRenderer(town_map)
    camera = Camera(0, 0, 2.0, 320, 256, town_map.width * 16, town_map.height * 16)
    camera.x = camera.y = 0

    def frame(thinking):
        agent = AgentView("Ada", (5, 6), (0, 1), False, "", "", "", False, None, None, thinking=thinking)
        target = pygame.Surface((320, 256))
        renderer.draw(target, _snap(agents=(agent,)), camera, 0, None)
        x, y = camera.to_screen(5 * 16, 6 * 16)
        return [tuple(target.get_at((x + dx, y + dy))) for dx in range(0, 40) for dy in range(-14, 0)]

    assert frame(True) != frame(False)


@pytest.mark.parametrize(
    "env",
    [
        {"SDL_VIDEODRIVER": "offscreen"},  # SDL forced to render nowhere
        {"DISPLAY": "", "WAYLAND_DISPLAY": ""},  # no display at all: SDL would fall back to offscreen quietly
    ],
)
def test_town_play_without_a_usable_display_is_one_line_and_writes_nothing(tmp_path, env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY")}
    clean.update({k: v for k, v in env.items() if v})
    done = subprocess.run(
        [sys.executable, "-m", "town.cli", *PLAY_FAKE, "--out", str(tmp_path / "run")],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("town play: starting")]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: town play:") and "display" in lines[0]
    assert "XDG_RUNTIME_DIR" not in done.stderr
    assert not (tmp_path / "run").exists()
