"""Generate the default town, Willowbrook, as a Tiled JSON map plus its placeholder tileset PNG.

Run `python tools/make_town_map.py` after editing the layout below; the output opens in the Tiled editor, where it can
be refined by hand (the engine reads whatever is saved there). Buildings are rectangles of wall tiles split into arenas,
each arena with its own door in the outer wall.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
W, H, TS = 60, 36, 32
GRASS, ROAD, FLOOR, WALL, WATER, DIRT, BLOCK = 1, 2, 3, 4, 5, 6, 7
TILE_COLOURS = {
    GRASS: (106, 168, 79),
    ROAD: (150, 150, 150),
    FLOOR: (196, 160, 110),
    WALL: (90, 70, 60),
    WATER: (80, 140, 210),
    DIRT: (190, 170, 120),
    BLOCK: (200, 40, 40),
}

# (sector, x, y, door on 'top' or 'bottom', public, [(arena, width, [(object, dx, dy), ...]), ...])
BUILDINGS = [
    (
        "Lin Family Home",
        1,
        1,
        "bottom",
        False,
        [
            ("bedroom", 5, [("bed", 1, 1), ("desk", 3, 1), ("wardrobe", 3, 4)]),
            ("kitchen", 5, [("stove", 1, 1), ("fridge", 3, 1), ("dining table", 2, 4)]),
        ],
    ),
    (
        "Moreno House",
        14,
        1,
        "bottom",
        False,
        [
            ("Rafael's bedroom", 5, [("bed", 1, 1), ("desk", 3, 4)]),
            ("Sofia's bedroom", 5, [("bed", 1, 1), ("desk", 3, 1), ("bookshelf", 3, 4)]),
            ("kitchen", 5, [("stove", 1, 1), ("fridge", 3, 1), ("dining table", 2, 4)]),
        ],
    ),
    (
        "Maple House",
        32,
        1,
        "bottom",
        False,
        [
            ("bedroom", 5, [("bed", 1, 1), ("armchair", 3, 4)]),
            ("studio", 5, [("easel", 2, 2), ("paint shelf", 3, 4)]),
            ("kitchen", 5, [("stove", 1, 1), ("fridge", 3, 1), ("dining table", 2, 4)]),
        ],
    ),
    (
        "Rosewood Cafe",
        1,
        14,
        "top",
        True,
        [
            (
                "cafe",
                9,
                [
                    ("counter", 1, 2),
                    ("coffee machine", 1, 5),
                    ("window table", 6, 2),
                    ("corner table", 6, 5),
                    ("piano", 4, 6),
                ],
            ),
            ("cafe kitchen", 4, [("stove", 1, 2), ("sink", 2, 5)]),
        ],
    ),
    (
        "Willow Market",
        17,
        14,
        "top",
        True,
        [
            (
                "shop floor",
                8,
                [
                    ("checkout counter", 1, 2),
                    ("produce shelves", 5, 2),
                    ("bakery shelf", 5, 5),
                    ("storeroom door", 1, 6),
                ],
            ),
        ],
    ),
    (
        "Oak Hill College",
        28,
        14,
        "top",
        True,
        [
            ("classroom", 8, [("lectern", 4, 1), ("student desks", 3, 4), ("blackboard", 6, 1)]),
            ("library", 8, [("bookshelves", 1, 1), ("reading table", 4, 4), ("librarian desk", 6, 1)]),
            ("faculty office", 5, [("office desk", 2, 2), ("filing cabinet", 3, 5)]),
        ],
    ),
    (
        "Riverside Apartments",
        28,
        26,
        "top",
        False,
        [
            ("apartment A", 5, [("bed", 1, 1), ("desk", 3, 4)]),
            ("apartment B", 5, [("bed", 1, 1), ("desk", 3, 4), ("guitar stand", 3, 1)]),
            ("apartment C", 5, [("bed", 1, 1), ("desk", 3, 4)]),
            ("apartment D", 5, [("bed", 1, 1), ("desk", 3, 4)]),
            ("shared kitchen", 5, [("stove", 1, 1), ("fridge", 3, 1), ("dining table", 2, 4)]),
        ],
    ),
]
BUILDING_INNER_HEIGHT = 7
PARK = (
    "Willowbrook Park",
    1,
    25,
    25,
    10,
    [("park", [("bench", 4, 3), ("fountain", 12, 5), ("garden", 20, 2), ("picnic table", 6, 8)])],
)

PERSONA_HOMES = {
    "mei-lin": ("Lin Family Home", "bedroom"),
    "david-lin": ("Lin Family Home", "kitchen"),
    "sofia-moreno": ("Moreno House", "Sofia's bedroom"),
    "rafael-moreno": ("Moreno House", "Rafael's bedroom"),
    "tom-becker": ("Maple House", "bedroom"),
    "anna-becker": ("Maple House", "studio"),
    "jonah-price": ("Riverside Apartments", "apartment B"),
    "priya-shah": ("Riverside Apartments", "apartment A"),
    "leo-novak": ("Riverside Apartments", "apartment C"),
    "grace-okafor": ("Riverside Apartments", "apartment D"),
}


def build() -> tuple[dict, bytes]:
    ground = [GRASS] * (W * H)
    walls = [0] * (W * H)

    def put(layer: list[int], x: int, y: int, gid: int) -> None:
        layer[y * W + x] = gid

    for x in range(W):
        for y in (11, 12, 23, 24):
            put(ground, x, y, ROAD)
    for y in range(H):
        for x in (26, 27):
            put(ground, x, y, ROAD)

    sectors, arenas, objects, spawns = [], [], [], []
    next_id = [1]

    def rect(name: str, x: int, y: int, w: int, h: int, props: list | None = None, point: bool = False) -> dict:
        obj = {
            "id": next_id[0],
            "name": name,
            "type": "",
            "x": x * TS,
            "y": y * TS,
            "width": 0 if point else w * TS,
            "height": 0 if point else h * TS,
            "rotation": 0,
            "visible": True,
        }
        if point:
            obj["point"] = True
            obj["x"], obj["y"] = x * TS + TS // 2, y * TS + TS // 2
        if props:
            obj["properties"] = props
        next_id[0] += 1
        return obj

    arena_origin: dict[tuple[str, str], tuple[int, int]] = {}
    for sector, bx, by, door, public, parts in BUILDINGS:
        inner_w = sum(p[1] for p in parts) + len(parts) - 1
        bw, bh = inner_w + 2, BUILDING_INNER_HEIGHT + 2
        props = [{"name": "public", "type": "bool", "value": public}]
        sectors.append(rect(sector, bx, by, bw, bh, props))
        for x in range(bx, bx + bw):
            for y in range(by, by + bh):
                edge = x in (bx, bx + bw - 1) or y in (by, by + bh - 1)
                put(walls if edge else ground, x, y, WALL if edge else FLOOR)
        ax = bx + 1
        for arena, aw, objs in parts:
            arenas.append(rect(arena, ax, by + 1, aw, BUILDING_INNER_HEIGHT))
            arena_origin[(sector, arena)] = (ax, by + 1)
            door_x = ax + aw // 2
            door_y = by + bh - 1 if door == "bottom" else by
            put(walls, door_x, door_y, 0)
            put(ground, door_x, door_y, FLOOR)
            for name, dx, dy in objs:
                objects.append(rect(name, ax + dx, by + 1 + dy, 1, 1))
            if ax + aw < bx + bw - 1:
                for y in range(by, by + bh):
                    put(walls, ax + aw, y, WALL)
            ax += aw + 1

    name, px, py, pw, ph, parks = PARK
    sectors.append(rect(name, px, py, pw, ph, [{"name": "public", "type": "bool", "value": True}]))
    for arena, objs in parks:
        arenas.append(rect(arena, px, py, pw, ph))
        arena_origin[(name, arena)] = (px, py)
        for oname, dx, dy in objs:
            objects.append(rect(oname, px + dx, py + dy, 1, 1))
            put(ground, px + dx, py + dy, WATER if oname == "fountain" else DIRT)

    for persona, (sector, arena) in PERSONA_HOMES.items():
        ox, oy = arena_origin[(sector, arena)]
        spawns.append(rect(persona, ox + 2, oy + 3, 0, 0, point=True))
    spawns.append(rect("town square", 26, 12, 0, 0, point=True))

    # A fountain is water: walls and water block walking; everything else is open ground.
    collision = [BLOCK if walls[i] or ground[i] == WATER else 0 for i in range(W * H)]

    def tile_layer(lid: int, lname: str, data: list[int], visible: bool = True) -> dict:
        return {
            "id": lid,
            "name": lname,
            "type": "tilelayer",
            "width": W,
            "height": H,
            "x": 0,
            "y": 0,
            "opacity": 1,
            "visible": visible,
            "data": data,
        }

    def object_layer(lid: int, lname: str, objs: list[dict]) -> dict:
        return {
            "id": lid,
            "name": lname,
            "type": "objectgroup",
            "draworder": "topdown",
            "x": 0,
            "y": 0,
            "opacity": 1,
            "visible": True,
            "objects": objs,
        }

    tmj = {
        "type": "map",
        "version": "1.10",
        "tiledversion": "1.10.2",
        "orientation": "orthogonal",
        "renderorder": "right-down",
        "width": W,
        "height": H,
        "tilewidth": TS,
        "tileheight": TS,
        "infinite": False,
        "compressionlevel": -1,
        "nextlayerid": 8,
        "nextobjectid": next_id[0],
        "properties": [{"name": "world", "type": "string", "value": "Willowbrook"}],
        "tilesets": [
            {
                "firstgid": 1,
                "name": "town",
                "image": "../tiles/town.png",
                "imagewidth": TS * len(TILE_COLOURS),
                "imageheight": TS,
                "tilewidth": TS,
                "tileheight": TS,
                "tilecount": len(TILE_COLOURS),
                "columns": len(TILE_COLOURS),
                "margin": 0,
                "spacing": 0,
            }
        ],
        "layers": [
            tile_layer(1, "ground", ground),
            tile_layer(2, "walls", walls),
            tile_layer(3, "collision", collision, visible=False),
            object_layer(4, "sectors", sectors),
            object_layer(5, "arenas", arenas),
            object_layer(6, "objects", objects),
            object_layer(7, "spawns", spawns),
        ],
    }
    return tmj, _tileset_png()


def _tileset_png() -> bytes:
    """A minimal RGB PNG strip, one flat-coloured tile per gid with a darker border (placeholder art)."""
    width = TS * len(TILE_COLOURS)
    rows = []
    for y in range(TS):
        row = bytearray([0])
        for gid in sorted(TILE_COLOURS):
            r, g, b = TILE_COLOURS[gid]
            for x in range(TS):
                edge = x in (0, TS - 1) or y in (0, TS - 1)
                row += bytes((int(r * 0.8), int(g * 0.8), int(b * 0.8)) if edge else (r, g, b))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, TS, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    tmj, png = build()
    (ROOT / "assets/maps").mkdir(parents=True, exist_ok=True)
    (ROOT / "assets/tiles").mkdir(parents=True, exist_ok=True)
    (ROOT / "assets/maps/willowbrook.tmj").write_text(json.dumps(tmj, indent=1) + "\n", encoding="utf-8")
    (ROOT / "assets/tiles/town.png").write_bytes(png)
