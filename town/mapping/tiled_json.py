"""Writing Tiled's JSON format: small builders for maps, layers, tilesets and properties that the Tiled editor opens.

Every layer gets the fields Tiled 1.8+ writes itself (id, x, y, opacity, visible, ...), so a written map opens in the
editor and round-trips through `tiled --export-map`.
"""

from __future__ import annotations

from typing import Any

TILED_VERSION = "1.8.2"
FORMAT_VERSION = "1.8"


def properties(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Tiled's typed property list for plain values (bool, int, float, string)."""
    out = []
    for name, value in values.items():
        if isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, int):
            kind = "int"
        elif isinstance(value, float):
            kind = "float"
        else:
            kind = "string"
        out.append({"name": name, "type": kind, "value": value if kind != "string" else str(value)})
    return out


class LayerIds:
    """Hands out layer and object ids the way Tiled numbers them (from 1, never reused)."""

    def __init__(self) -> None:
        self.next_layer = 1
        self.next_object = 1

    def layer(self) -> int:
        self.next_layer += 1
        return self.next_layer - 1

    def object(self) -> int:
        self.next_object += 1
        return self.next_object - 1


def tile_layer(
    ids: LayerIds, name: str, width: int, height: int, data: list[int], visible: bool = True, **extra: Any
) -> dict[str, Any]:
    layer = {
        "id": ids.layer(),
        "name": name,
        "type": "tilelayer",
        "x": 0,
        "y": 0,
        "width": width,
        "height": height,
        "opacity": 1,
        "visible": visible,
        "data": data,
    }
    layer.update(extra)
    return layer


def object_layer(ids: LayerIds, name: str, objects: list[dict[str, Any]], visible: bool = True) -> dict[str, Any]:
    return {
        "id": ids.layer(),
        "name": name,
        "type": "objectgroup",
        "draworder": "topdown",
        "x": 0,
        "y": 0,
        "opacity": 1,
        "visible": visible,
        "objects": objects,
    }


def group_layer(ids: LayerIds, name: str, layers: list[dict[str, Any]], visible: bool = True) -> dict[str, Any]:
    group = {"id": ids.layer(), "name": name, "type": "group", "x": 0, "y": 0, "opacity": 1, "visible": visible}
    group["layers"] = layers
    return group


def point(ids: LayerIds, name: str, x: float, y: float) -> dict[str, Any]:
    return {
        "id": ids.object(),
        "name": name,
        "type": "",
        "point": True,
        "x": x,
        "y": y,
        "width": 0,
        "height": 0,
        "rotation": 0,
        "visible": True,
    }


def rectangle(ids: LayerIds, name: str, x: float, y: float, width: float, height: float) -> dict[str, Any]:
    return {
        "id": ids.object(),
        "name": name,
        "type": "",
        "x": x,
        "y": y,
        "width": width,
        "height": height,
        "rotation": 0,
        "visible": True,
    }


def tiled_map(
    width: int,
    height: int,
    tile_w: int,
    tile_h: int,
    layers: list[dict[str, Any]],
    tilesets: list[dict[str, Any]],
    ids: LayerIds,
    props: dict[str, Any],
) -> dict[str, Any]:
    return {
        "compressionlevel": -1,
        "type": "map",
        "version": FORMAT_VERSION,
        "tiledversion": TILED_VERSION,
        "orientation": "orthogonal",
        "renderorder": "right-down",
        "infinite": False,
        "width": width,
        "height": height,
        "tilewidth": tile_w,
        "tileheight": tile_h,
        "nextlayerid": ids.next_layer,
        "nextobjectid": ids.next_object,
        "properties": properties(props),
        "tilesets": tilesets,
        "layers": layers,
    }
