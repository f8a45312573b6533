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


def test_an_agent_waiting_for_the_model_wears_a_thought_cloud(tmp_path):
    import pygame

    from tests.mapkit import town_doc, write_json
    from town.core.places import load_town_map
    from town.ui.camera import Camera
    from town.ui.render import TownRenderer

    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((320, 256))
    town_map = load_town_map(write_json(town_doc(), tmp_path / "t.tmj"))
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


def test_the_inspector_scrolls_when_its_content_is_taller_than_the_window():
    import pygame

    from town.runtime.snapshot import InspectorView
    from town.ui.panels import PANEL_W, draw_inspector

    pygame.display.init()
    pygame.font.init()
    fonts = (pygame.font.Font(None, 15), pygame.font.Font(None, 18), pygame.font.Font(None, 24))
    view = InspectorView(
        name="Mei Lin",
        summary="Owner of the cafe.",
        action="serving coffee",
        place="Rosewood Cafe: cafe",
        schedule=tuple((f"{h:02d}:00", f"block {h}") for h in range(8, 20)),
        current_block=3,
        next_steps=(),
        memories=(),
        relationships=(),
        chat=tuple(
            ("You" if i % 2 else "Mei Lin", f"line {i} of a long talk about the harvest party") for i in range(12)
        ),
        waiting=False,
    )
    surface = pygame.Surface((900, 360))
    room = draw_inspector(surface, fonts, view, None, "", scroll=0)
    assert room > 0
    top = surface.subsurface((900 - PANEL_W, 30, PANEL_W, 330)).copy()
    assert draw_inspector(surface, fonts, view, None, "", scroll=room) == room
    bottom = surface.subsurface((900 - PANEL_W, 30, PANEL_W, 330)).copy()
    assert pygame.image.tobytes(top, "RGB") != pygame.image.tobytes(bottom, "RGB")  # scrolled to other content
    tall = pygame.Surface((900, 2000))
    assert draw_inspector(tall, fonts, view, None, "") == 0  # it all fits: nothing to scroll
    pygame.display.quit()
