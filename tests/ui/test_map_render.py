"""The renderer on maps made for the tests: every visible tile layer in order, the foreground above the agents,
tileset transparency and flips, and the plan-view style where a map's art is missing (SDL dummy video)."""

from datetime import datetime

import pygame
import pytest

from tests import mapkit as mk
from town.core.places import load_town_map
from town.runtime.snapshot import AgentView, Snapshot
from town.ui import art
from town.ui.camera import Camera
from town.ui.render import TownRenderer

RED, GREEN, BLUE, KEY, YELLOW = (200, 30, 30), (30, 200, 30), (30, 30, 200), (255, 0, 255), (230, 210, 20)


@pytest.fixture(autouse=True)
def display():
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((320, 256))
    yield
    pygame.display.quit()


def _tiles_png(path):
    """Four 16 px tiles: red, green, blue-with-a-yellow-left-half, and the transparent key colour."""
    sheet = pygame.Surface((64, 16))
    for i, colour in enumerate((RED, GREEN, BLUE, KEY)):
        sheet.fill(colour, (i * 16, 0, 16, 16))
    sheet.fill(YELLOW, (32, 0, 8, 16))
    pygame.image.save(sheet, str(path))


def _map(tmp_path, art_present=True):
    doc = mk.town_doc()
    if art_present:
        _tiles_png(tmp_path / "tiles.png")
    doc["tilesets"][0]["transparentcolor"] = "#ff00ff"
    deco = [0] * (mk.W * mk.H)
    deco[5 * mk.W + 5] = 4  # the key colour: the ground must show through
    deco[6 * mk.W + 6] = 3 | 0x80000000  # flipped horizontally: its yellow half on the right
    deco[6 * mk.W + 7] = 3
    roof = [0] * (mk.W * mk.H)
    roof[6 * mk.W + 5] = 2
    doc["layers"][1:1] = [mk.tile_layer("deco", deco, 30), mk.tile_layer("Foreground roof", roof, 31)]
    doc["layers"].append(mk.tile_layer("hidden", [2] * (mk.W * mk.H), 32, visible=False))
    return load_town_map(mk.write_json(doc, tmp_path / "town.tmj"))


def _frame(town_map, agents=()):
    renderer = TownRenderer(town_map)
    camera = Camera(0, 0, 1.0, 320, 256, town_map.width * mk.TS, town_map.height * mk.TS)
    camera.x = camera.y = 0
    snap = Snapshot(
        tick=0,
        time=datetime(2025, 2, 13, 12, 0),
        agents=tuple(agents),
        calls=0,
        tokens=0,
        cost=0.0,
        fallbacks=0,
        feed=(),
    )
    target = pygame.Surface((320, 256))
    renderer.draw(target, snap, camera, 0, None)
    return renderer, target


def _at(target, tile, dx=8, dy=8):
    return tuple(target.get_at((tile[0] * mk.TS + dx, tile[1] * mk.TS + dy)))[:3]


def test_visible_layers_draw_in_order_with_transparency_flips_and_the_foreground_on_top(tmp_path):
    town_map = _map(tmp_path)
    walker = AgentView("Ada", (5, 6), (0, 1), False, "", "", "", False, None, None)
    renderer, target = _frame(town_map, [walker])
    assert not renderer.painter.plan_view
    assert _at(target, (0, 7)) == RED  # the ground layer
    assert _at(target, (5, 5)) == RED  # the key colour is see-through, not magenta
    assert _at(target, (7, 6), dx=2) == YELLOW and _at(target, (7, 6), dx=13) == BLUE
    assert _at(target, (6, 6), dx=2) == BLUE and _at(target, (6, 6), dx=13) == YELLOW  # the flip flag applied
    assert _at(target, (5, 6)) == GREEN  # the foreground roof hides the agent under it
    assert _at(target, (9, 7)) != GREEN  # an invisible layer is not drawn
    assert renderer.painter.layers["above"][0].name == "Foreground roof"


def test_an_agent_outside_the_foreground_is_drawn_over_the_ground(tmp_path):
    town_map = _map(tmp_path)
    walker = AgentView("Ada", (0, 6), (0, 1), False, "", "", "", False, None, None)
    _, with_agent = _frame(town_map, [walker])
    _, without = _frame(town_map)
    pixels = lambda t: [tuple(t.get_at((x, y))) for x in range(0, 16) for y in range(96, 112)]  # noqa: E731
    assert pixels(with_agent) != pixels(without)


def test_missing_art_falls_back_to_the_plan_view_style(tmp_path):
    town_map = _map(tmp_path, art_present=False)
    renderer, target = _frame(town_map)
    assert renderer.painter.plan_view
    wall = art.plan_tile("wall")
    floor = art.plan_tile("floor")
    expected_wall = tuple(pygame.transform.scale(wall, (16, 16)).get_at((8, 8)))[:3]
    expected_floor = tuple(pygame.transform.scale(floor, (16, 16)).get_at((8, 8)))[:3]
    assert _at(target, (1, 1)) == expected_wall  # a blocked tile of the house
    assert _at(target, (8, 3)) == expected_floor  # inside the cafe's hall, no furniture there


def test_a_crowd_of_speakers_gets_bubbles_that_overlap_neither_each_other_nor_names(tmp_path):
    from town.ui.render import layout_bubbles

    town_map = _map(tmp_path)
    renderer = TownRenderer(town_map)
    camera = Camera(0, 0, 1.0, 320, 256, town_map.width * mk.TS, town_map.height * mk.TS)
    camera.x = camera.y = 0
    crowd = [
        AgentView(
            f"Person {i}",
            (4 + i % 3, 4 + i // 3),
            (0, 1),
            False,
            "",
            "",
            "",
            False,
            None,
            f"Line number {i}, said loudly.",
        )
        for i in range(8)
    ]
    bubbles = [renderer._bubble(a, camera) for a in crowd]
    size = round(mk.TS * camera.zoom)
    names = [renderer._name_box(a, camera, size) for a in crowd]
    placed = layout_bubbles([box for _, box, _ in bubbles], names)
    assert any(p.topleft != b[1].topleft for p, b in zip(placed, bubbles, strict=True))  # the crowd needed moving
    for i, a in enumerate(placed):
        assert not any(a.colliderect(b) for b in placed[i + 1 :])
        assert not any(a.colliderect(n) for n in names)
    _frame(town_map, crowd)  # and the same layout draws without error


def test_labels_follow_the_zoom_within_readable_limits(tmp_path):
    renderer = TownRenderer(_map(tmp_path))
    sizes = [renderer._name_font(z).get_height() for z in (0.25, 0.5, 1.0, 2.0, 4.0)]
    assert sizes == sorted(sizes) and sizes[0] == sizes[1] and sizes[-1] == sizes[-2]  # grows, but is clamped
    assert sizes[1] < sizes[2] < sizes[3]
