import base64
import copy
import json
import struct
import zlib

import pytest

from town.core.errors import MapError
from town.core.pathfinding import PathFinder
from town.core.places import build_town_map, load_town_map
from town.core.tiled import load_tiled, parse_tiled_json
from town.runtime.config import DEFAULT_MAP


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
            "tile layer 'collision' is missing",
        ),
        (
            lambda m: m.update(layers=[x for x in m["layers"] if x["name"] != "spawns"]),
            "object layer 'spawns' is missing",
        ),
        (lambda m: m["layers"][5]["objects"][0].update(x=-9999), "extends outside"),
        (lambda m: m["layers"][4]["objects"].append(dict(m["layers"][4]["objects"][0])), "appears twice"),
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


def test_tmx_maps_load_through_pytmx(tmp_path, town_map):
    # A TMX with the same layers as the default map's collision and spawns must give the same walkable grid.
    tmj = json.loads(DEFAULT_MAP.read_text())
    w, h = tmj["width"], tmj["height"]
    layers = {layer["name"]: layer for layer in tmj["layers"]}
    csv = ",".join(str(v) for v in layers["collision"]["data"])

    def group(name):
        objs = []
        for o in layers[name]["objects"]:
            if o.get("point"):
                objs.append(f'<object id="{o["id"]}" name="{o["name"]}" x="{o["x"]}" y="{o["y"]}"><point/></object>')
            else:
                objs.append(
                    f'<object id="{o["id"]}" name="{o["name"]}" x="{o["x"]}" y="{o["y"]}" '
                    f'width="{o["width"]}" height="{o["height"]}"/>'
                )
        return f'<objectgroup name="{name}">{"".join(objs)}</objectgroup>'

    xml = (
        f'<?xml version="1.0"?><map version="1.10" orientation="orthogonal" renderorder="right-down" width="{w}" '
        f'height="{h}" tilewidth="32" tileheight="32" infinite="0">'
        f'<properties><property name="world" value="Willowbrook"/></properties>'
        f'<tileset firstgid="1" name="t" tilewidth="32" tileheight="32" tilecount="7" columns="7"/>'
        f'<layer name="collision" width="{w}" height="{h}"><data encoding="csv">{csv}</data></layer>'
        + "".join(group(n) for n in ("sectors", "arenas", "objects", "spawns"))
        + "</map>"
    )
    path = tmp_path / "town.tmx"
    path.write_text(xml)
    loaded = load_town_map(path)
    assert (loaded.walkable == town_map.walkable).all()
    assert loaded.spawns == town_map.spawns
    assert set(loaded.arenas) == set(town_map.arenas)
