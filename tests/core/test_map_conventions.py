"""Real maps' conventions, on maps made for the tests, through both readers (.tmj and .tmx): collision from tile
properties, objects, a named layer or a layer property; external tilesets and templates; group and layer offsets;
rotated and polygon shapes; places drawn as merged shapes or painted per tile; and every refusal as one line."""

import copy
import json
import subprocess
import sys

import pytest

from tests import mapkit as mk
from town.core.errors import MapError
from town.core.places import analyse_map, build_town_map, load_town_map
from town.core.tiled import load_tiled, parse_tiled_json

FORMATS = ("tmj", "tmx")


def blocked(town) -> set[tuple[int, int]]:
    return {(x, y) for y in range(town.height) for x in range(town.width) if not town.walkable[y, x]}


def without(doc, name):
    doc["layers"] = [layer for layer in doc["layers"] if layer["name"] != name]
    return doc


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_plain_convention_gives_walls_places_pieces_and_spawns(tmp_path, fmt):
    town = load_town_map(mk.write(mk.town_doc(), tmp_path, fmt))
    assert blocked(town) == mk.WALL_TILES
    kitchen = town.arenas["Testville:Green House:kitchen"]
    assert set(kitchen.tiles) == {(2, 2), (3, 2), (2, 3), (3, 3)}
    assert town.sector_at((2, 4)).name == "Green House"  # the doorway: in the sector, in no arena
    assert town.arena_at((2, 4)) is None
    chair = town.objects["Testville:Green House:kitchen:chair"]
    assert sorted(chair.access_tiles) == [(2, 3), (3, 2)]  # two shapes of one name: one object in two pieces
    assert town.sectors["Corner Cafe"].public and not town.sectors["Green House"].public
    assert town.spawns == {"alice": (3, 3), "bob": (8, 4), "square": (5, 6)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_tiles_with_a_collides_property_block_wherever_they_are_painted(tmp_path, fmt):
    doc = without(mk.town_doc(), "collision")
    doc["tilesets"] = [
        mk.tileset(tiles=[{"id": 1, "properties": [{"name": "collides", "type": "bool", "value": True}]}])
    ]
    doc["layers"].insert(1, mk.tile_layer("World", mk.grid(mk.WALL_TILES, 2), 3))
    town = load_town_map(mk.write(doc, tmp_path, fmt))
    assert blocked(town) == mk.WALL_TILES


@pytest.mark.parametrize("fmt", FORMATS)
def test_collision_objects_block_the_tiles_they_cover_rotated_and_polygons_included(tmp_path, fmt):
    doc = without(mk.town_doc(), "collision")
    walls = [mk.rect("", x, y, 1, 1, 100 + i, type="collision") for i, (x, y) in enumerate(sorted(mk.WALL_TILES))]
    triangle = {
        "id": 200,
        "name": "",
        "type": "collision",
        "x": 0,
        "y": 6 * mk.TS,
        "polygon": [{"x": 0, "y": 0}, {"x": 48, "y": 0}, {"x": 0, "y": 48}],
    }
    rotated = mk.rect("", 8, 6, 2, 1, 201, type="collision", rotation=90)  # 2x1 tiles turned about its corner
    doc["layers"].append(mk.objects_layer("Collision", walls + [triangle, rotated], 30))
    town = load_town_map(mk.write(doc, tmp_path, fmt))
    cells = blocked(town)
    assert mk.WALL_TILES <= cells
    assert {(0, 6), (1, 6), (0, 7)} <= cells and (3, 7) not in cells  # the triangle, not past its hypotenuse
    assert {(7, 6), (7, 7)} <= cells and not {(8, 6), (9, 6)} & cells  # rotation applied, not ignored


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_map_property_names_the_collision_layer_and_a_near_miss_is_hinted(tmp_path, fmt):
    doc = mk.town_doc()
    doc["layers"][1]["name"] = "Collisions"
    with pytest.raises(MapError, match="found layer 'Collisions': did you mean collision"):
        load_town_map(mk.write(doc, tmp_path / "a", fmt))
    doc["properties"].append({"name": "collision_layer", "type": "string", "value": "Collisions"})
    assert blocked(load_town_map(mk.write(doc, tmp_path / "b", fmt))) == mk.WALL_TILES


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_tile_layer_with_the_collides_property_blocks_all_its_tiles(tmp_path, fmt):
    doc = mk.town_doc()
    doc["layers"][1].update(
        name="Walls", visible=True, properties=[{"name": "collides", "type": "bool", "value": True}]
    )
    assert blocked(load_town_map(mk.write(doc, tmp_path, fmt))) == mk.WALL_TILES


@pytest.mark.parametrize(("fmt", "tileset_file"), [("tmj", "tsx"), ("tmx", "tsx"), ("tmj", "tsj"), ("tmx", "tsj")])
def test_external_tilesets_with_spaces_in_their_path_keep_their_tile_properties(tmp_path, fmt, tileset_file):
    body = mk.tileset(
        tiles=[{"id": 1, "properties": [{"name": "collides", "type": "bool", "value": True}]}],
        image="outdoor tiles.png",
    )
    body.pop("firstgid")
    folder = tmp_path / "tile sets"
    folder.mkdir()
    if tileset_file == "tsx":
        (folder / "outdoor tiles.tsx").write_text(
            f'<?xml version="1.0"?>\n<tileset version="1.10" {mk.tileset_body_xml(body)}</tileset>\n'
        )
    else:
        (folder / "outdoor tiles.tsj").write_text(json.dumps({"type": "tileset", **body}))
    doc = without(mk.town_doc(), "collision")
    doc["tilesets"] = [{"firstgid": 1, "source": f"tile sets/outdoor tiles.{tileset_file}"}]
    doc["layers"].insert(1, mk.tile_layer("World", mk.grid(mk.WALL_TILES, 2), 3))
    path = mk.write(doc, tmp_path, fmt)
    tiled = load_tiled(path)
    assert tiled.tilesets[0].image.endswith("tile sets/outdoor tiles.png")  # resolved from the tileset's folder
    assert blocked(build_town_map(tiled)) == mk.WALL_TILES


@pytest.mark.parametrize(("fmt", "template_file"), [("tmj", "tx"), ("tmx", "tx"), ("tmj", "tj"), ("tmx", "tj")])
def test_objects_placed_from_templates_take_the_templates_fields(tmp_path, fmt, template_file):
    folder = tmp_path / "templates"
    folder.mkdir()
    if template_file == "tx":
        (folder / "seat.tx").write_text(
            '<?xml version="1.0"?>\n<template><object name="counter" width="16" height="16">'
            '<properties><property name="note" value="from the template"/></properties></object></template>\n'
        )
    else:
        (folder / "seat.tj").write_text(
            json.dumps({"type": "template", "object": {"name": "counter", "width": 16, "height": 16}})
        )
    doc = mk.town_doc()
    objects = next(layer for layer in doc["layers"] if layer["name"] == "objects")
    objects["objects"] = [o for o in objects["objects"] if o["name"] != "counter"]
    objects["objects"].append({"id": 50, "template": f"templates/seat.{template_file}", "x": 8 * mk.TS, "y": 3 * mk.TS})
    town = load_town_map(mk.write(doc, tmp_path, fmt))
    counter = town.objects["Testville:Corner Cafe:hall:counter"]
    assert counter.tiles == ((8, 3),)  # the template's name and size, the instance's position


@pytest.mark.parametrize("fmt", FORMATS)
def test_group_offsets_move_the_objects_inside_and_tile_layer_offsets_shift_by_whole_tiles(tmp_path, fmt):
    doc = mk.town_doc()
    places = [layer for layer in doc["layers"] if layer["type"] == "objectgroup"]
    doc["layers"] = [layer for layer in doc["layers"] if layer["type"] != "objectgroup"]
    doc["layers"].append(
        {"id": 40, "name": "Town", "type": "group", "offsetx": 0, "offsety": mk.TS, "visible": False, "layers": places}
    )
    doc["layers"][1]["offsetx"] = mk.TS
    town = load_town_map(mk.write(doc, tmp_path / "a", fmt))
    assert blocked(town) == {(x + 1, y) for x, y in mk.WALL_TILES}
    assert town.arena_at((2, 4)).name == "kitchen" and town.arena_at((2, 2)) is None  # the places moved one tile down
    assert town.spawns["square"] == (5, 7)
    doc["layers"][1]["offsetx"] = mk.TS / 2
    with pytest.raises(MapError, match="not whole tiles"):
        load_town_map(mk.write(doc, tmp_path / "b", fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_polygons_and_same_name_rectangles_make_places_of_any_shape(tmp_path, fmt):
    doc = mk.town_doc()
    arenas = next(layer for layer in doc["layers"] if layer["name"] == "arenas")
    arenas["objects"][1] = mk.rect("hall", 7, 2, 2, 1, 4)
    arenas["objects"].append(mk.rect("hall", 7, 3, 1, 2, 12))  # an L-shaped hall from two rectangles
    sectors = next(layer for layer in doc["layers"] if layer["name"] == "sectors")
    ts = mk.TS
    sectors["objects"][1] = {
        "id": 2,
        "name": "Corner Cafe",
        "x": 6 * ts,
        "y": 1 * ts,
        "polygon": [
            {"x": 0, "y": 0},
            {"x": 4 * ts, "y": 0},
            {"x": 4 * ts, "y": 2 * ts},
            {"x": 3 * ts, "y": 2 * ts},
            {"x": 3 * ts, "y": 5 * ts},
            {"x": 0, "y": 5 * ts},
        ],
        "properties": [{"name": "public", "type": "bool", "value": True}],
    }
    town = load_town_map(mk.write(doc, tmp_path, fmt))
    assert set(town.arenas["Testville:Corner Cafe:hall"].tiles) == {(7, 2), (8, 2), (7, 3), (7, 4)}
    assert town.sector_at((9, 2)).name == "Corner Cafe" and town.sector_at((9, 4)) is None  # the polygon's notch


@pytest.mark.parametrize("fmt", FORMATS)
def test_places_painted_per_tile_read_like_the_same_places_drawn_as_shapes(tmp_path, fmt):
    drawn = load_town_map(mk.write(mk.town_doc(), tmp_path / "drawn", fmt))
    names = ["Green House", "Corner Cafe", "kitchen", "hall", "bed", "chair", "counter"]
    tiles = [{"id": i, "properties": [{"name": "name", "type": "string", "value": n}]} for i, n in enumerate(names)]
    tiles[1]["properties"].append({"name": "public", "type": "bool", "value": True})
    doc = mk.town_doc()
    doc["tilesets"].append(
        {**mk.tileset(firstgid=10, tiles=tiles, image="places.png"), "tilecount": len(names), "name": "places"}
    )

    def paint(level, names_here):
        data = [0] * (mk.W * mk.H)
        for name in names_here:
            obj_tiles = (
                {t for o in drawn.objects.values() if o.name == name for t in o.tiles} if level == "objects" else None
            )
            if level == "sectors":
                obj_tiles = {
                    (x, y)
                    for y in range(mk.H)
                    for x in range(mk.W)
                    if drawn.sector_at((x, y)) and drawn.sector_at((x, y)).name == name
                }
            if level == "arenas":
                obj_tiles = {
                    (x, y)
                    for y in range(mk.H)
                    for x in range(mk.W)
                    if drawn.arena_at((x, y)) and drawn.arena_at((x, y)).name == name
                }
            for x, y in obj_tiles:
                data[y * mk.W + x] = 10 + names.index(name)
        return data

    layers = [layer for layer in doc["layers"] if layer["name"] not in ("sectors", "arenas", "objects")]
    layers += [
        mk.tile_layer("sectors", paint("sectors", names[:2]), 31, visible=False),
        mk.tile_layer("arenas", paint("arenas", names[2:4]), 32, visible=False),
        mk.tile_layer("objects", paint("objects", names[4:]), 33, visible=False),
    ]
    doc["layers"] = layers
    painted = load_town_map(mk.write(doc, tmp_path / "painted", fmt))
    assert set(painted.arenas) == set(drawn.arenas)
    assert {a: set(x.tiles) for a, x in painted.arenas.items()} == {a: set(x.tiles) for a, x in drawn.arenas.items()}
    assert {a: sorted(o.access_tiles) for a, o in painted.objects.items()} == {
        a: sorted(o.access_tiles) for a, o in drawn.objects.items()
    }
    assert {n: s.public for n, s in painted.sectors.items()} == {n: s.public for n, s in drawn.sectors.items()}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("orientation", ["isometric", "staggered", "hexagonal"])
def test_non_orthogonal_maps_are_refused_naming_the_setting(tmp_path, fmt, orientation):
    doc = mk.town_doc()
    doc["orientation"] = orientation
    with pytest.raises(MapError) as err:
        load_tiled(mk.write(doc, tmp_path, fmt))
    assert f"orientation '{orientation}' is not supported" in str(err.value)
    assert "Orientation to Orthogonal" in str(err.value) and "\n" not in str(err.value)


def test_infinite_maps_are_refused_in_both_formats(tmp_path):
    doc = mk.town_doc()
    doc["infinite"] = True
    for layer in doc["layers"]:
        if layer["type"] == "tilelayer":
            layer["chunks"] = [{"x": 0, "y": 0, "width": mk.W, "height": mk.H, "data": layer.pop("data")}]
    with pytest.raises(MapError, match="uncheck 'Infinite'"):
        load_tiled(mk.write_json(doc, tmp_path / "inf.tmj"))
    tmx = tmp_path / "inf.tmx"
    tmx.write_text(
        '<?xml version="1.0"?><map version="1.10" orientation="orthogonal" width="10" height="8" tilewidth="16" '
        'tileheight="16" infinite="1"><layer id="1" name="ground" width="10" height="8"><data encoding="csv">'
        '<chunk x="0" y="0" width="16" height="16">1,1</chunk></data></layer></map>'
    )
    with pytest.raises(MapError, match="uncheck 'Infinite'"):
        load_tiled(tmx)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unnamed_object_layer_is_just_another_layer(tmp_path, fmt):
    doc = mk.town_doc()
    doc["layers"].append({"id": 60, "type": "objectgroup", "objects": [mk.rect("lamp", 5, 5, 1, 1, 70)]})
    town = load_town_map(mk.write(doc, tmp_path, fmt))
    assert "Testville:Green House:kitchen" in town.arenas


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["layers"][2]["objects"][0].update(x=float("nan")), "NaN is not a number JSON allows"),
        (lambda d: d["layers"][0].update(encoding="base64", compression="zstd", data="AAAA"), "zstd compression"),
        (lambda d: d["layers"][0].update(type="weird"), "unknown type 'weird'"),
        (lambda d: d.update(tilesets=[{"firstgid": 1, "source": "missing.tsx"}]), "tileset 'missing.tsx' not found"),
        (
            lambda d: d["layers"][5]["objects"].append({"id": 99, "template": "gone.tx", "x": 0, "y": 0}),
            "template 'gone.tx' not found",
        ),
    ],
)
def test_broken_details_are_one_line_errors(tmp_path, mutate, message):
    doc = mk.town_doc()
    mutate(doc)
    path = tmp_path / "bad.tmj"
    path.write_text(json.dumps(doc, allow_nan=True))
    with pytest.raises(MapError) as err:
        load_town_map(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_absurd_nesting_is_refused_not_a_recursion_error(tmp_path):
    deep = tmp_path / "deep.tmj"
    deep.write_text('{"type": "map", "layers": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(MapError):
        load_tiled(deep)
    groups = "".join(f'<group id="{i}" name="g{i}">' for i in range(100)) + "</group>" * 100
    tmx = tmp_path / "deep.tmx"
    tmx.write_text(f'<map orientation="orthogonal" width="2" height="2" tilewidth="16" tileheight="16">{groups}</map>')
    with pytest.raises(MapError, match="nest more than"):
        load_tiled(tmx)


def test_every_problem_of_a_map_is_collected_not_only_the_first(tmp_path):
    doc = mk.town_doc()
    doc["layers"] = [
        mk.tile_layer("ground", [1] * (mk.W * mk.H), 1),
        mk.tile_layer("Collisions", mk.grid(mk.WALL_TILES), 2),
    ]
    doc["layers"].append(mk.objects_layer("Sector Blocks", [], 3))
    _, report = analyse_map(parse_tiled_json(doc, "empty.tmj"))
    text = " | ".join(report.errors)
    for needed in (
        "no collision",
        "did you mean collision",
        "layer 'sectors' is missing",
        "did you mean sectors",
        "layer 'arenas' is missing",
        "'spawns' is missing",
    ):
        assert needed in text, needed


def test_loading_a_tmx_map_prints_nothing_and_never_imports_pygame(tmp_path):
    path = mk.write_tmx(mk.town_doc(), tmp_path / "quiet.tmx")
    script = f"import sys\nfrom town.core.places import load_town_map\nload_town_map({str(path)!r})\nsys.stderr.write(str('pygame' in sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # no banner, no stray output
    assert done.stderr == "False"


@pytest.mark.parametrize("encoding", ["csv", "base64-zlib", "xml"])
def test_tmx_tile_data_in_every_encoding_reads_the_same(tmp_path, encoding):
    doc = mk.town_doc()
    doc["layers"][1]["data"] = [g | (0x80000000 if g else 0) for g in doc["layers"][1]["data"]]  # flipped walls
    tiled = load_tiled(mk.write_tmx(doc, tmp_path / f"{encoding}.tmx", encoding=encoding))
    layer = tiled.tile_layer("collision")
    assert layer.data == mk.grid(mk.WALL_TILES, 2)
    assert layer.flips is not None and {f for f in layer.flips if f} == {0x8}


def test_the_same_map_in_both_formats_is_the_same_town(tmp_path):
    a = load_town_map(mk.write(mk.town_doc(), tmp_path, "tmj"))
    b = load_town_map(mk.write(copy.deepcopy(mk.town_doc()), tmp_path, "tmx"))
    assert (a.walkable == b.walkable).all() and a.spawns == b.spawns
    assert {k: v.access_tiles for k, v in a.objects.items()} == {k: v.access_tiles for k, v in b.objects.items()}


def test_an_arenas_sector_property_is_its_own_not_every_arena_of_that_name(tmp_path):
    doc = mk.town_doc()
    arenas = next(layer for layer in doc["layers"] if layer["name"] == "arenas")
    arenas["objects"][0]["name"] = arenas["objects"][1]["name"] = "room"
    arenas["objects"][1]["properties"] = [{"name": "sector", "type": "string", "value": "Corner Cafe"}]
    town = load_town_map(mk.write_json(doc, tmp_path / "m.tmj"))
    assert {"Testville:Green House:room", "Testville:Corner Cafe:room"} <= set(town.arenas)


@pytest.mark.parametrize("fmt", FORMATS)
def test_collision_shapes_drawn_on_tiles_block_when_they_cover_the_tiles_centre(tmp_path, fmt):
    full = {"id": 1, "objectgroup": {"objects": [{"id": 1, "x": 0, "y": 0, "width": 16, "height": 16}]}}
    thin = {"id": 2, "objectgroup": {"objects": [{"id": 1, "x": 0, "y": 13, "width": 16, "height": 3}]}}
    doc = without(mk.town_doc(), "collision")
    doc["tilesets"] = [mk.tileset(tiles=[full, thin])]
    data = mk.grid(mk.WALL_TILES, 2)
    data[6 * mk.W + 8] = 3  # a low fence along the bottom edge of a tile: walkable
    doc["layers"].insert(1, mk.tile_layer("World", data, 3))
    if fmt == "tmx":
        path = mk.write_tmx(doc, tmp_path / "town.tmx")
        text = path.read_text()
        text = text.replace(
            '<tile id="1"></tile>',
            '<tile id="1"><objectgroup><object id="1" x="0" y="0" width="16" height="16"/></objectgroup></tile>',
        )
        text = text.replace(
            '<tile id="2"></tile>',
            '<tile id="2"><objectgroup><object id="1" x="0" y="13" width="16" height="3"/></objectgroup></tile>',
        )
        path.write_text(text)
    else:
        path = mk.write_json(doc, tmp_path / "town.tmj")
    assert blocked(load_town_map(path)) == mk.WALL_TILES
