import base64
import copy
import json
import struct
import zlib
from pathlib import Path

import pytest

from town.core.errors import MapError
from town.core.pathfinding import PathFinder
from town.core.places import build_town_map, load_town_map
from town.core.tiled import load_tiled, parse_tiled_json
from town.runtime.config import DEFAULT_MAP

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def raw_map():
    return json.loads(DEFAULT_MAP.read_text())


def test_default_town_has_the_places_the_issue_asks_for(town_map):
    sectors = town_map.sectors
    homes = [s for s in sectors.values() if not s.public]
    assert len(homes) >= 3
    for public in ("Rosewood Cafe", "Willow Market", "Willowbrook Park", "Oak Hill College"):
        assert sectors[public].public
    objects = {o.name for o in town_map.objects.values()}
    assert {"bed", "desk", "stove", "counter", "bench"} <= objects


def test_every_arena_is_reachable_from_every_spawn(town_map):
    finder = PathFinder(town_map.walkable)
    start = town_map.spawns["town square"]
    for arena in town_map.arenas.values():
        finder.path(start, arena.tiles[0])
        for obj in arena.objects.values():
            finder.path(start, obj.access_tile)
    for tile in town_map.spawns.values():
        finder.path(tile, start)


def test_addresses_follow_world_sector_arena_object(town_map):
    assert "Willowbrook:Rosewood Cafe:cafe:counter" in town_map.objects
    arena = town_map.arena_at(town_map.objects["Willowbrook:Rosewood Cafe:cafe:counter"].access_tile)
    assert arena.label == "Rosewood Cafe: cafe"


def test_base64_zlib_layers_read_the_same_as_csv(raw_map):
    data = raw_map["layers"][2]["data"]
    encoded = copy.deepcopy(raw_map)
    packed = zlib.compress(struct.pack(f"<{len(data)}I", *data))
    encoded["layers"][2].update(
        {"data": base64.b64encode(packed).decode(), "encoding": "base64", "compression": "zlib"}
    )
    assert parse_tiled_json(encoded, "x").tile_layer("collision").data == data


def test_flip_flags_are_masked(raw_map):
    flipped = copy.deepcopy(raw_map)
    flipped["layers"][0]["data"][0] |= 0x80000000
    assert parse_tiled_json(flipped, "x").tile_layer("ground").data[0] == raw_map["layers"][0]["data"][0]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda m: m.update(infinite=True), "infinite maps are not supported"),
        (lambda m: m.update(width=0), "field 'width' must be a positive integer"),
        (lambda m: m["layers"][2]["data"].pop(), "layer 'collision' has"),
        (
            lambda m: m.update(layers=[x for x in m["layers"] if x["name"] != "collision"]),
            "no collision: add a tile layer named 'collision'",
        ),
        (
            lambda m: m.update(layers=[x for x in m["layers"] if x["name"] != "spawns"]),
            "object layer 'spawns' is missing",
        ),
        (lambda m: m["layers"][5]["objects"][0].update(x=-9999), "lies outside the 60x36 map"),
        (lambda m: m["layers"][4]["objects"].append({**m["layers"][4]["objects"][1], "name": "other"}), "overlap on"),
        (lambda m: m["layers"][2].update(encoding="base64", data="@@@", compression="zlib"), "corrupt base64"),
    ],
)
def test_malformed_maps_give_one_line_errors(raw_map, mutate, message):
    bad = copy.deepcopy(raw_map)
    mutate(bad)
    with pytest.raises(MapError) as err:
        build_town_map(parse_tiled_json(bad, "bad.tmj"))
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("map bad.tmj:")


def test_missing_and_non_json_files(tmp_path):
    with pytest.raises(MapError, match="file not found"):
        load_tiled(tmp_path / "nope.tmj")
    broken = tmp_path / "broken.tmj"
    broken.write_text("{not json")
    with pytest.raises(MapError, match="not valid JSON"):
        load_tiled(broken)


def test_the_map_as_saved_by_the_tiled_editor_loads_to_the_same_town(town_map):
    # The fixture is the default map opened and exported as TMX by Tiled 1.8.2 itself (`tiled --export-map`): Tiled
    # reads our JSON, and our TMX reader reads what Tiled writes.
    exported = load_town_map(FIXTURES / "willowbrook-exported-by-tiled-1.8.2.tmx")
    assert (exported.walkable == town_map.walkable).all()
    assert exported.spawns == town_map.spawns
    assert set(exported.arenas) == set(town_map.arenas)
    assert {a: o.access_tile for a, o in exported.objects.items()} == {
        a: o.access_tile for a, o in town_map.objects.items()
    }
    assert {n: s.public for n, s in exported.sectors.items()} == {n: s.public for n, s in town_map.sectors.items()}
