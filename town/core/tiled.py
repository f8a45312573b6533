"""Reading maps in Tiled's format: `TiledMap`, `TileLayer`, `ObjectLayer`, `TiledObject`, `load_tiled`.

JSON maps (.tmj/.json) are read directly; TMX (.tmx) maps go through pytmx when it is installed. Only what the town
needs is kept: finite orthogonal maps, tile layers (CSV/array or base64 with zlib/gzip), object layers and properties.
Every problem becomes a one-line `MapError` naming the file and what to fix.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import struct
import zlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from town.core.errors import MapError

# Tiled stores flip/rotation flags in the top bits of a gid; the tile id is what remains.
_GID_MASK = 0x0FFFFFFF


class TiledObject(BaseModel):
    """A rectangle or point from an object layer, in pixels."""

    id: int = 0
    name: str = ""
    kind: str = ""
    x: float
    y: float
    width: float = 0.0
    height: float = 0.0
    point: bool = False
    properties: dict[str, Any] = Field(default_factory=dict)


class TileLayer(BaseModel):
    name: str
    data: list[int]


class ObjectLayer(BaseModel):
    name: str
    objects: list[TiledObject]


class TilesetRef(BaseModel):
    firstgid: int
    name: str = ""
    image: str = ""
    tilecount: int = 0
    columns: int = 0


class TiledMap(BaseModel):
    """The parts of a Tiled map the town reads."""

    source: str
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    tile_width: int = Field(gt=0)
    tile_height: int = Field(gt=0)
    tile_layers: list[TileLayer]
    object_layers: list[ObjectLayer]
    tilesets: list[TilesetRef] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)

    def tile_layer(self, name: str) -> TileLayer | None:
        return next((layer for layer in self.tile_layers if layer.name == name), None)

    def object_layer(self, name: str) -> ObjectLayer | None:
        return next((layer for layer in self.object_layers if layer.name == name), None)


def load_tiled(path: str | Path) -> TiledMap:
    """Load a Tiled map, choosing the reader by file extension."""
    path = Path(path)
    if not path.is_file():
        raise MapError(f"map {path}: file not found (pass --map with a .tmj or .tmx file)")
    if path.suffix.lower() == ".tmx":
        return _load_tmx(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MapError(f"map {path}: not valid JSON ({exc}); export it from Tiled as JSON (.tmj)") from None
    return parse_tiled_json(raw, str(path))


def parse_tiled_json(raw: Any, source: str) -> TiledMap:
    """Turn decoded Tiled JSON into a `TiledMap`, rejecting what the town cannot use."""
    if not isinstance(raw, dict) or raw.get("type", "map") != "map":
        raise MapError(f"map {source}: not a Tiled map (top level must be an object with type 'map')")
    if raw.get("infinite"):
        raise MapError(f"map {source}: infinite maps are not supported; uncheck 'Infinite' in Tiled's map properties")
    if raw.get("orientation", "orthogonal") != "orthogonal":
        raise MapError(f"map {source}: orientation {raw.get('orientation')!r} is not supported; use orthogonal")
    try:
        width, height = _positive_int(raw, "width", source), _positive_int(raw, "height", source)
        tile_w, tile_h = _positive_int(raw, "tilewidth", source), _positive_int(raw, "tileheight", source)
        layers = raw.get("layers")
        if not isinstance(layers, list):
            raise MapError(f"map {source}: field 'layers' must be a list")
        tile_layers: list[TileLayer] = []
        object_layers: list[ObjectLayer] = []
        for layer in _flatten_groups(layers, source):
            kind = layer.get("type")
            if kind == "tilelayer":
                tile_layers.append(
                    TileLayer(name=str(layer.get("name", "")), data=_tile_data(layer, width, height, source))
                )
            elif kind == "objectgroup":
                object_layers.append(
                    ObjectLayer(
                        name=str(layer.get("name", "")), objects=[_object(o, source) for o in layer.get("objects", [])]
                    )
                )
        tilesets = [
            TilesetRef(
                firstgid=int(t.get("firstgid", 1)),
                name=str(t.get("name", "")),
                image=str(t.get("image", t.get("source", ""))),
                tilecount=int(t.get("tilecount", 0)),
                columns=int(t.get("columns", 0)),
            )
            for t in raw.get("tilesets", [])
            if isinstance(t, dict)
        ]
        return TiledMap(
            source=source,
            width=width,
            height=height,
            tile_width=tile_w,
            tile_height=tile_h,
            tile_layers=tile_layers,
            object_layers=object_layers,
            tilesets=tilesets,
            properties=_properties(raw.get("properties"), source),
        )
    except MapError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:
        raise MapError(f"map {source}: malformed content ({exc})") from None


def _positive_int(raw: dict, field: str, source: str) -> int:
    value = raw.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise MapError(f"map {source}: field '{field}' must be a positive integer, got {value!r}")
    return value


def _flatten_groups(layers: list, source: str) -> list[dict]:
    flat: list[dict] = []
    for layer in layers:
        if not isinstance(layer, dict):
            raise MapError(f"map {source}: every layer must be an object")
        if layer.get("type") == "group":
            flat.extend(_flatten_groups(layer.get("layers", []), source))
        else:
            flat.append(layer)
    return flat


def _tile_data(layer: dict, width: int, height: int, source: str) -> list[int]:
    name = layer.get("name", "")
    if "chunks" in layer:
        raise MapError(f"map {source}: layer '{name}' uses chunks (infinite map); save it as a finite map")
    data = layer.get("data")
    if layer.get("encoding") == "base64":
        data = _decode_base64(str(data), layer.get("compression", ""), name, source)
    if not isinstance(data, list) or len(data) != width * height:
        size = len(data) if isinstance(data, list) else "no"
        raise MapError(f"map {source}: layer '{name}' has {size} tiles, expected {width}x{height}={width * height}")
    if not all(isinstance(gid, int) and not isinstance(gid, bool) and gid >= 0 for gid in data):
        raise MapError(f"map {source}: layer '{name}' holds a value that is not a tile id")
    return [gid & _GID_MASK for gid in data]


def _decode_base64(text: str, compression: str, name: str, source: str) -> list[int]:
    try:
        blob = base64.b64decode(text, validate=True)
        if compression == "zlib":
            blob = zlib.decompress(blob)
        elif compression == "gzip":
            blob = gzip.decompress(blob)
        elif compression:
            raise MapError(
                f"map {source}: layer '{name}' uses {compression} compression; choose CSV, zlib or gzip in Tiled"
            )
    except (ValueError, zlib.error, OSError) as exc:
        raise MapError(f"map {source}: layer '{name}' has corrupt base64 tile data ({exc})") from None
    if len(blob) % 4:
        raise MapError(f"map {source}: layer '{name}' tile data is truncated")
    return list(struct.unpack(f"<{len(blob) // 4}I", blob))


def _object(raw: Any, source: str) -> TiledObject:
    if not isinstance(raw, dict):
        raise MapError(f"map {source}: an object-layer entry is not an object")
    return TiledObject(
        id=int(raw.get("id", 0)),
        name=str(raw.get("name", "")),
        kind=str(raw.get("class", raw.get("type", ""))),
        x=float(raw.get("x", 0)),
        y=float(raw.get("y", 0)),
        width=float(raw.get("width", 0)),
        height=float(raw.get("height", 0)),
        point=bool(raw.get("point", False)),
        properties=_properties(raw.get("properties"), source),
    )


def _properties(raw: Any, source: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, dict):  # the pre-1.2 Tiled layout
        return dict(raw)
    if not isinstance(raw, list):
        raise MapError(f"map {source}: 'properties' must be a list")
    return {str(p.get("name")): p.get("value") for p in raw if isinstance(p, dict)}


def _load_tmx(path: Path) -> TiledMap:
    try:
        # pytmx logs an error at import when pygame is absent (and the headless town has no pygame): silence just that.
        pytmx_log = logging.getLogger("pytmx")
        level = pytmx_log.level
        pytmx_log.setLevel(logging.CRITICAL)
        try:
            import pytmx  # noqa: PLC0415 - optional reader, imported only for .tmx maps
        finally:
            pytmx_log.setLevel(level)
    except ImportError:
        raise MapError(f"map {path}: reading .tmx needs pytmx (pip install pytmx) or export the map as .tmj") from None
    try:
        tmx = pytmx.TiledMap(str(path), load_all_tiles=False)
    except Exception as exc:  # pytmx raises many kinds of errors for bad XML
        raise MapError(f"map {path}: cannot read TMX ({type(exc).__name__}: {exc})") from None
    tile_layers: list[TileLayer] = []
    object_layers: list[ObjectLayer] = []
    for layer in tmx.layers:
        if isinstance(layer, pytmx.TiledTileLayer):
            data = [0] * (tmx.width * tmx.height)
            for x, y, gid in layer.iter_data():
                data[y * tmx.width + x] = int(tmx.tiledgidmap.get(gid, gid)) if gid else 0
            tile_layers.append(TileLayer(name=layer.name, data=data))
        elif isinstance(layer, pytmx.TiledObjectGroup):
            objects = [
                TiledObject(
                    id=int(o.id or 0),
                    name=o.name or "",
                    kind=o.type or "",
                    x=float(o.x),
                    y=float(o.y),
                    width=float(o.width or 0),
                    height=float(o.height or 0),
                    point=bool(not o.width and not o.height),
                    properties=dict(o.properties),
                )
                for o in layer
            ]
            object_layers.append(ObjectLayer(name=layer.name, objects=objects))
    return TiledMap(
        source=str(path),
        width=tmx.width,
        height=tmx.height,
        tile_width=tmx.tilewidth,
        tile_height=tmx.tileheight,
        tile_layers=tile_layers,
        object_layers=object_layers,
        properties=dict(tmx.properties),
    )
