"""Small Tiled maps made for the tests, written as .tmj (Tiled JSON) or .tmx (Tiled XML) from one description.

`town_doc()` is a 10x8 map of 16 px tiles with two buildings, in the town's plain convention; the tests change one
part of it (how collision is given, how places are drawn, where the tilesets live) and check the result. `write_tmx`
writes the same document as Tiled's XML, so every case runs through both readers.
"""

from __future__ import annotations

import base64
import copy
import json
import struct
import zlib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

W, H, TS = 10, 8, 16
WALL_TILES = {(1, 1), (2, 1), (3, 1), (4, 1), (1, 2), (4, 2), (1, 3), (4, 3), (1, 4), (3, 4), (4, 4)}  # door (2, 4)


def grid(tiles: set[tuple[int, int]], gid: int = 1) -> list[int]:
    return [gid if (x, y) in tiles else 0 for y in range(H) for x in range(W)]


def rect(name: str, x: int, y: int, w: int, h: int, oid: int, **extra: Any) -> dict[str, Any]:
    obj = {
        "id": oid,
        "name": name,
        "type": "",
        "x": x * TS,
        "y": y * TS,
        "width": w * TS,
        "height": h * TS,
        "rotation": 0,
    }
    obj.update(extra)
    return obj


def point(name: str, x: int, y: int, oid: int) -> dict[str, Any]:
    return {"id": oid, "name": name, "type": "", "point": True, "x": (x + 0.5) * TS, "y": (y + 0.5) * TS}


def objects_layer(name: str, objects: list[dict[str, Any]], lid: int) -> dict[str, Any]:
    return {
        "id": lid,
        "name": name,
        "type": "objectgroup",
        "visible": True,
        "opacity": 1,
        "x": 0,
        "y": 0,
        "objects": objects,
    }


def tile_layer(name: str, data: list[int], lid: int, **extra: Any) -> dict[str, Any]:
    layer = {
        "id": lid,
        "name": name,
        "type": "tilelayer",
        "width": W,
        "height": H,
        "x": 0,
        "y": 0,
        "opacity": 1,
        "visible": True,
        "data": data,
    }
    layer.update(extra)
    return layer


def tileset(firstgid: int = 1, tiles: list[dict[str, Any]] | None = None, image: str = "tiles.png") -> dict[str, Any]:
    ts = {
        "firstgid": firstgid,
        "name": "tiles",
        "image": image,
        "imagewidth": 64,
        "imageheight": 16,
        "tilewidth": TS,
        "tileheight": TS,
        "tilecount": 4,
        "columns": 4,
        "margin": 0,
        "spacing": 0,
    }
    if tiles:
        ts["tiles"] = tiles
    return ts


def place_layers(start_id: int = 10) -> list[dict[str, Any]]:
    """Sectors, arenas, objects and spawns of the two buildings (the house has a chair in two pieces)."""
    return [
        objects_layer(
            "sectors",
            [
                rect("Green House", 1, 1, 4, 4, 1, properties=[{"name": "public", "type": "bool", "value": False}]),
                rect("Corner Cafe", 6, 1, 4, 5, 2, properties=[{"name": "public", "type": "bool", "value": True}]),
            ],
            start_id,
        ),
        objects_layer("arenas", [rect("kitchen", 2, 2, 2, 2, 3), rect("hall", 7, 2, 2, 3, 4)], start_id + 1),
        objects_layer(
            "objects",
            [
                rect("bed", 2, 2, 1, 1, 5),
                rect("chair", 3, 2, 1, 1, 6),
                rect("chair", 2, 3, 1, 1, 7),
                rect("counter", 7, 2, 1, 1, 8),
            ],
            start_id + 2,
        ),
        objects_layer(
            "spawns", [point("alice", 3, 3, 9), point("bob", 8, 4, 10), point("square", 5, 6, 11)], start_id + 3
        ),
    ]


def town_doc() -> dict[str, Any]:
    return {
        "type": "map",
        "version": "1.10",
        "orientation": "orthogonal",
        "renderorder": "right-down",
        "infinite": False,
        "width": W,
        "height": H,
        "tilewidth": TS,
        "tileheight": TS,
        "properties": [{"name": "world", "type": "string", "value": "Testville"}],
        "tilesets": [tileset()],
        "layers": [
            tile_layer("ground", [1] * (W * H), 1),
            tile_layer("collision", grid(WALL_TILES, 2), 2, visible=False),
        ]
        + place_layers(),
        "nextlayerid": 20,
        "nextobjectid": 20,
    }


def write_json(doc: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


# -- TMX ----------------------------------------------------------------------------------------------------------
def _attrs(d: dict[str, Any], keys: tuple[str, ...]) -> str:
    out = []
    for k in keys:
        if k in d:
            v = d[k]
            v = ("1" if v else "0") if isinstance(v, bool) else v
            out.append(f"{k}={quoteattr(str(v))}")
    return " ".join(out)


def _props(props: Any) -> str:
    if not props:
        return ""
    items = "".join(
        f"<property name={quoteattr(p['name'])} type={quoteattr(p.get('type', 'string'))} value={quoteattr(str(p['value']).lower() if isinstance(p['value'], bool) else str(p['value']))}/>"
        for p in props
    )
    return f"<properties>{items}</properties>"


def _tileset_xml(ts: dict[str, Any]) -> str:
    if "source" in ts:
        return f'<tileset firstgid="{ts["firstgid"]}" source={quoteattr(ts["source"])}/>'
    return f"<tileset {_attrs(ts, ('firstgid',))} {tileset_body_xml(ts)}</tileset>"


def tileset_body_xml(ts: dict[str, Any]) -> str:
    """Attributes and children of a <tileset> element (also the whole body of a .tsx file)."""
    head = _attrs(ts, ("name", "tilewidth", "tileheight", "tilecount", "columns", "margin", "spacing")) + ">"
    body = _props(ts.get("properties"))
    if ts.get("image"):
        trans = f' trans="{ts["transparentcolor"].lstrip("#")}"' if ts.get("transparentcolor") else ""
        body += f'<image source={quoteattr(ts["image"])} width="{ts.get("imagewidth", 0)}" height="{ts.get("imageheight", 0)}"{trans}/>'
    for tile in ts.get("tiles", []):
        kind = f" type={quoteattr(tile['type'])}" if tile.get("type") else ""
        body += f'<tile id="{tile["id"]}"{kind}>{_props(tile.get("properties"))}</tile>'
    return head + body


def _object_xml(o: dict[str, Any]) -> str:
    attrs = _attrs(o, ("id", "name", "type", "x", "y", "width", "height", "rotation", "gid", "template"))
    inner = _props(o.get("properties"))
    if o.get("point"):
        inner += "<point/>"
    if o.get("ellipse"):
        inner += "<ellipse/>"
    for shape in ("polygon", "polyline"):
        if shape in o:
            pts = " ".join(f"{p['x']},{p['y']}" for p in o[shape])
            inner += f'<{shape} points="{pts}"/>'
    return f"<object {attrs}>{inner}</object>"


def _layer_xml(layer: dict[str, Any], encoding: str) -> str:
    common = _attrs(layer, ("id", "name", "offsetx", "offsety", "opacity", "parallaxx"))
    vis = "" if layer.get("visible", True) else ' visible="0"'
    props = _props(layer.get("properties"))
    if layer["type"] == "tilelayer":
        data = layer["data"]
        if encoding == "base64-zlib":
            payload = base64.b64encode(zlib.compress(struct.pack(f"<{len(data)}I", *data))).decode()
            body = f'<data encoding="base64" compression="zlib">{payload}</data>'
        elif encoding == "xml":
            body = "<data>" + "".join(f'<tile gid="{g}"/>' for g in data) + "</data>"
        else:
            rows = [",".join(str(g) for g in data[y * W : (y + 1) * W]) for y in range(H)]
            body = '<data encoding="csv">\n' + ",\n".join(rows) + "\n</data>"
        return f'<layer {common} width="{W}" height="{H}"{vis}>{props}{body}</layer>'
    if layer["type"] == "objectgroup":
        return (
            f"<objectgroup {common}{vis}>{props}" + "".join(_object_xml(o) for o in layer["objects"]) + "</objectgroup>"
        )
    if layer["type"] == "group":
        return f"<group {common}{vis}>{props}" + "".join(_layer_xml(x, encoding) for x in layer["layers"]) + "</group>"
    raise ValueError(layer["type"])


def write_tmx(doc: dict[str, Any], path: Path, encoding: str = "csv") -> Path:
    d = copy.deepcopy(doc)
    head = _attrs(
        d,
        (
            "version",
            "orientation",
            "renderorder",
            "width",
            "height",
            "tilewidth",
            "tileheight",
            "nextlayerid",
            "nextobjectid",
        ),
    )
    head += f' infinite="{1 if d.get("infinite") else 0}"'
    if "staggeraxis" in d:
        head += f' staggeraxis="{d["staggeraxis"]}"'
    body = _props(d.get("properties")) + "".join(_tileset_xml(t) for t in d["tilesets"])
    body += "".join(_layer_xml(layer, encoding) for layer in d["layers"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<map {head}>{body}</map>\n')
    return path


def write(doc: dict[str, Any], folder: Path, fmt: str, name: str = "town") -> Path:
    return write_json(doc, folder / f"{name}.tmj") if fmt == "tmj" else write_tmx(doc, folder / f"{name}.tmx")
