"""Reading maps in Tiled's formats: `load_tiled` and `parse_tiled_json` (the models are in town.core.tiled_model).

JSON maps (.tmj/.json) and TMX maps (.tmx, through town.core.tmx) are read by the same parser, so every check holds for
both. What a real map uses is kept: tile layers (CSV, XML or base64 with zlib/gzip), flip flags, object layers with
rectangles, points, ellipses, polygons, polylines and tile objects, object templates (.tx/.tj), group layers (their
offsets, visibility and opacity pass to the layers inside), image layers, embedded and external tilesets (.tsx/.tsj,
relative paths, names with spaces; town.core.tiled_files) with per-tile properties and image-collection tiles.

Layer offsets are applied: object coordinates come out in map pixels; a tile layer keeps its pixel offset for
drawing, and data read from it is shifted by whole tiles (`TileLayer.grid`) or refused when the shift is fractional.
Object rotation is kept and applied where shapes become tiles (town.core.shapes). Isometric, staggered, hexagonal
and infinite maps are refused with the setting to change. Every problem is a one-line `MapError`.
"""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path
from typing import Any

from town.core.errors import MapError
from town.core.tiled_files import (
    MAP_SUFFIXES,
    TemplateCache,
    finite,
    joined,
    properties,
    read_tiled_document,
    read_tileset,
    with_template,
)
from town.core.tiled_model import (
    GID_MASK,
    ImageLayer,
    Layer,
    ObjectLayer,
    Shape,
    TiledMap,
    TiledObject,
    TileInfo,
    TileLayer,
    Tileset,
)
from town.core.tmx import MAX_NESTING

FLIP_SHIFT = 28  # where the flip flags start in a gid (GID_MASK keeps the tile id)
# A map past these sizes is a mistake or an attack, not a town (4 million cells is a 2048x2048 map).
MAX_SIDE = 4096
MAX_CELLS = 4_194_304

__all__ = [
    "GID_MASK",
    "MAP_SUFFIXES",
    "ImageLayer",
    "Layer",
    "ObjectLayer",
    "TileInfo",
    "TileLayer",
    "TiledMap",
    "TiledObject",
    "Tileset",
    "load_tiled",
    "parse_tiled_json",
    "read_tiled_document",
]


def load_tiled(path: str | Path) -> TiledMap:
    """Load a Tiled map (.tmj/.json or .tmx) with its external tilesets and templates."""
    path = Path(path)
    if not path.is_file():
        raise MapError(f"map {path}: file not found (pass --map with a .tmj or .tmx file)")
    if path.suffix.lower() not in MAP_SUFFIXES:
        raise MapError(f"map {path}: unknown map format {path.suffix!r}; save it from Tiled as .tmj or .tmx")
    try:
        raw = read_tiled_document(path, "map")
        return parse_tiled_json(raw, str(path), base=path.parent)
    except RecursionError:
        raise MapError(f"map {path}: nested too deeply to be a map") from None


def parse_tiled_json(raw: Any, source: str, base: Path | None = None) -> TiledMap:
    """Turn Tiled's JSON layout into a `TiledMap`, rejecting what the town cannot use.

    `base` is the folder that relative tileset, template and image paths start from (the map's folder).
    """
    try:
        return _Parser(source, base or Path(source).parent).map(raw)
    except MapError:
        raise
    except RecursionError:
        raise MapError(f"map {source}: nested too deeply to be a map") from None
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        raise MapError(f"map {source}: malformed content ({type(exc).__name__}: {exc})") from None


class _Parser:
    """One map's reading: resolves external files relative to `base` and caches what it loaded."""

    def __init__(self, source: str, base: Path) -> None:
        self.source = source
        self.base = base
        self.tilesets: list[Tileset] = []
        self._templates = TemplateCache()

    def fail(self, message: str) -> MapError:
        return MapError(f"map {self.source}: {message}")

    def map(self, raw: Any) -> TiledMap:
        if not isinstance(raw, dict) or raw.get("type", "map") != "map":
            raise self.fail("not a Tiled map (top level must be an object with type 'map')")
        orientation = raw.get("orientation", "orthogonal")
        if orientation != "orthogonal":
            raise self.fail(
                f"orientation {orientation!r} is not supported; the town walks on a square grid — "
                "set Map > Map Properties > Orientation to Orthogonal (and redraw the tiles)"
            )
        if raw.get("infinite"):
            raise self.fail(
                "infinite maps are not supported; uncheck 'Infinite' in Tiled's Map Properties (Tiled then "
                "asks for a fixed size)"
            )
        width, height = self._positive_int(raw, "width"), self._positive_int(raw, "height")
        if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_CELLS:
            raise self.fail(f"{width}x{height} tiles is larger than the town supports ({MAX_CELLS:,} tiles)")
        tile_w, tile_h = self._positive_int(raw, "tilewidth"), self._positive_int(raw, "tileheight")
        self.tilesets = [read_tileset(t, self.base, self.source) for t in self._list(raw, "tilesets", required=False)]
        layers = self._layers(self._list(raw, "layers"), width, height, (0.0, 0.0), True, 1.0, "", {}, 0)
        return TiledMap(
            source=self.source,
            width=width,
            height=height,
            tile_width=tile_w,
            tile_height=tile_h,
            layers=layers,
            tilesets=self.tilesets,
            properties=self._properties(raw.get("properties")),
        )

    # -- layers -------------------------------------------------------------------------------------------------
    def _layers(
        self,
        raw_layers: list[Any],
        width: int,
        height: int,
        offset: tuple[float, float],
        visible: bool,
        opacity: float,
        group: str,
        inherited: dict[str, Any],
        depth: int,
    ) -> list[Layer]:
        if depth > MAX_NESTING:
            raise self.fail(f"group layers nest more than {MAX_NESTING} deep")
        out: list[Layer] = []
        for layer in raw_layers:
            if not isinstance(layer, dict):
                raise self.fail("every layer must be an object")
            kind = layer.get("type")
            name = str(layer.get("name", ""))
            here = (offset[0] + self._number(layer, "offsetx"), offset[1] + self._number(layer, "offsety"))
            shown = visible and bool(layer.get("visible", True))
            alpha = opacity * self._number(layer, "opacity", 1.0)
            # Group properties are defaults for the layers inside (a 'foreground' group makes its layers foreground).
            properties = {**inherited, **self._properties(layer.get("properties"))}
            if kind == "group":
                path = f"{group}/{name}" if group else name
                out += self._layers(
                    self._list(layer, "layers", required=False),
                    width,
                    height,
                    here,
                    shown,
                    alpha,
                    path,
                    properties,
                    depth + 1,
                )
            elif kind == "tilelayer":
                data, flips = self._tile_data(layer, width, height)
                out.append(
                    TileLayer(
                        name=name,
                        data=data,
                        flips=flips,
                        visible=shown,
                        opacity=alpha,
                        offset=here,
                        parallax=(self._number(layer, "parallaxx", 1.0), self._number(layer, "parallaxy", 1.0)),
                        group=group,
                        properties=properties,
                    )
                )
            elif kind == "objectgroup":
                objects = [self._object(o, here) for o in self._list(layer, "objects", required=False)]
                out.append(ObjectLayer(name=name, objects=objects, visible=shown, group=group, properties=properties))
            elif kind == "imagelayer":
                image = str(layer.get("image", "") or "")
                out.append(
                    ImageLayer(
                        name=name,
                        image=joined(self.base, image) if image else "",
                        visible=shown,
                        opacity=alpha,
                        offset=here,
                        transparent_color=str(layer.get("transparentcolor", "") or ""),
                        group=group,
                        properties=properties,
                    )
                )
            else:
                raise self.fail(f"layer '{name}' has unknown type {kind!r}")
        return out

    def _tile_data(self, layer: dict, width: int, height: int) -> tuple[list[int], list[int] | None]:
        name = layer.get("name", "")
        if "chunks" in layer:
            raise self.fail(f"layer '{name}' is stored in chunks (an infinite map); uncheck 'Infinite' in Tiled")
        data = layer.get("data")
        if layer.get("encoding") == "base64":
            data = self._decode_base64(str(data), str(layer.get("compression", "") or ""), name, width * height)
        if not isinstance(data, list) or len(data) != width * height:
            size = len(data) if isinstance(data, list) else "no"
            raise self.fail(f"layer '{name}' has {size} tiles, expected {width}x{height}={width * height}")
        if not all(isinstance(gid, int) and not isinstance(gid, bool) and 0 <= gid < 2**32 for gid in data):
            raise self.fail(f"layer '{name}' holds a value that is not a tile id")
        masked = [gid & GID_MASK for gid in data]
        flips = [gid >> FLIP_SHIFT for gid in data] if any(gid > GID_MASK for gid in data) else None
        return masked, flips

    def _inflate(self, blob: bytes, compression: str, name: str, cells: int) -> bytes:
        """Decompress no further than the layer's size (4 bytes a tile): a small file never inflates to gigabytes."""
        inflater = zlib.decompressobj(wbits=31 if compression == "gzip" else 15)
        out = inflater.decompress(blob, cells * 4 + 1)
        if len(out) > cells * 4 or inflater.unconsumed_tail:
            raise self.fail(f"layer '{name}' unpacks to more tile data than its {cells:,} tiles")
        return out

    def _decode_base64(self, text: str, compression: str, name: str, cells: int) -> list[int]:
        try:
            blob = base64.b64decode(text, validate=True)
            if compression in ("zlib", "gzip"):
                blob = self._inflate(blob, compression, name, cells)
            elif compression:
                raise self.fail(
                    f"layer '{name}' uses {compression} compression; choose CSV, Base64 (zlib) or Base64 (gzip) "
                    "as the tile layer format in Tiled's Map Properties"
                )
        except (ValueError, zlib.error, OSError, EOFError) as exc:
            raise self.fail(f"layer '{name}' has corrupt base64 tile data ({exc})") from None
        if len(blob) % 4:
            raise self.fail(f"layer '{name}' tile data is truncated")
        if len(blob) // 4 != cells:
            raise self.fail(f"layer '{name}' has {len(blob) // 4} tiles, expected {cells}")
        return list(struct.unpack(f"<{len(blob) // 4}I", blob))

    # -- objects and templates ------------------------------------------------------------------------------------
    def _object(self, raw: Any, offset: tuple[float, float]) -> TiledObject:
        if not isinstance(raw, dict):
            raise self.fail("an object-layer entry is not an object")
        if raw.get("template"):
            raw = with_template(raw, self.base, self.tilesets, self._templates, self.source)
        gid_raw = int(raw.get("gid", 0) or 0)
        shape: Shape = "rectangle"
        points: tuple[tuple[float, float], ...] = ()
        if gid_raw:
            shape = "tile"
        elif raw.get("point"):
            shape = "point"
        elif raw.get("ellipse"):
            shape = "ellipse"
        elif raw.get("polygon") is not None or raw.get("polyline") is not None:
            shape = "polygon" if raw.get("polygon") is not None else "polyline"
            vertices = raw.get(shape)
            if not isinstance(vertices, list) or not vertices:
                raise self.fail(f"object id {raw.get('id', 0)} has an empty {shape}")
            points = tuple((self._finite(p["x"], "x"), self._finite(p["y"], "y")) for p in vertices)
        elif raw.get("text") is not None:
            shape = "text"
        width, height = self._finite(raw.get("width", 0), "width"), self._finite(raw.get("height", 0), "height")
        if shape == "tile" and not (width and height):
            tileset = next(
                (t for t in sorted(self.tilesets, key=lambda t: -t.firstgid) if t.firstgid <= gid_raw & GID_MASK),
                None,
            )
            width = width or float(tileset.tile_width if tileset else 0)
            height = height or float(tileset.tile_height if tileset else 0)
        if width < 0 or height < 0:
            raise self.fail(f"object id {raw.get('id', 0)} has a negative size")
        return TiledObject(
            id=int(raw.get("id", 0) or 0),
            name=str(raw.get("name", "") or ""),
            kind=str(raw.get("class", "") or raw.get("type", "") or ""),
            x=self._finite(raw.get("x", 0), "x") + offset[0],
            y=self._finite(raw.get("y", 0), "y") + offset[1],
            width=width,
            height=height,
            rotation=self._finite(raw.get("rotation", 0), "rotation"),
            shape=shape,
            points=points,
            gid=gid_raw & GID_MASK,
            visible=bool(raw.get("visible", True)),
            properties=self._properties(raw.get("properties")),
        )

    # -- values ---------------------------------------------------------------------------------------------------
    def _positive_int(self, raw: dict, field: str) -> int:
        value = raw.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise self.fail(f"field '{field}' must be a positive integer, got {value!r}")
        return value

    def _list(self, raw: dict, field: str, required: bool = True) -> list[Any]:
        value = raw.get(field)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.fail(f"field '{field}' must be a list")
        return value

    def _number(self, raw: dict, field: str, default: float = 0.0) -> float:
        value = raw.get(field, default)
        return default if value is None else self._finite(value, field)

    def _finite(self, value: Any, field: str) -> float:
        return finite(value, field, self.source)

    def _properties(self, raw: Any) -> dict[str, Any]:
        return properties(raw, self.source)
