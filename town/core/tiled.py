"""Reading maps in Tiled's formats: `TiledMap` with its `TileLayer`, `ObjectLayer`, `ImageLayer`, `TiledObject` and
`Tileset`, and `load_tiled`.

JSON maps (.tmj/.json) and TMX maps (.tmx, through town.core.tmx) are read by the same parser, so every check holds for
both. What a real map uses is kept: tile layers (CSV, XML or base64 with zlib/gzip), flip flags, object layers with
rectangles, points, ellipses, polygons, polylines and tile objects, object templates (.tx/.tj), group layers (their
offsets, visibility and opacity pass to the layers inside), image layers, embedded and external tilesets (.tsx/.tsj,
relative paths, names with spaces) with per-tile properties and image-collection tiles.

Layer offsets are applied: object coordinates come out in map pixels; a tile layer keeps its pixel offset for
drawing, and data read from it is shifted by whole tiles (`TileLayer.grid`) or refused when the shift is fractional.
Object rotation is kept and applied where shapes become tiles (town.core.shapes). Isometric, staggered, hexagonal
and infinite maps are refused with the setting to change. Every problem is a one-line `MapError`.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from town.core.errors import MapError
from town.core.tmx import MAX_NESTING, parse_xml, tmx_to_json, tsx_to_json, tx_to_json

# Tiled stores flip/rotation flags in the top four bits of a gid; the tile id is what remains.
GID_MASK = 0x0FFFFFFF
FLIP_SHIFT = 28
# A map past these sizes is a mistake or an attack, not a town (4 million cells is a 2048x2048 map).
MAX_SIDE = 4096
MAX_CELLS = 4_194_304
MAP_SUFFIXES = {".tmj", ".json", ".tmx"}

Shape = Literal["rectangle", "point", "ellipse", "polygon", "polyline", "tile", "text"]


class TiledObject(BaseModel):
    """An object of an object layer, in map pixels (layer and group offsets already added).

    `x, y` is Tiled's anchor: the top-left corner of rectangles and ellipses, the first vertex's origin of
    polygons/polylines (whose `points` are relative to it), the bottom-left corner of tile objects. `rotation` is in
    degrees clockwise about that anchor, as Tiled draws it.
    """

    model_config = ConfigDict(frozen=True)

    id: int = 0
    name: str = ""
    kind: str = Field("", description="the object's class (Tiled >= 1.9) or type")
    x: float
    y: float
    width: float = 0.0
    height: float = 0.0
    rotation: float = 0.0
    shape: Shape = "rectangle"
    points: tuple[tuple[float, float], ...] = ()
    gid: int = 0
    visible: bool = True
    properties: dict[str, Any] = Field(default_factory=dict)

    @property
    def point(self) -> bool:
        return self.shape == "point"


class TileLayer(BaseModel):
    """A finite tile layer: `data` holds tile ids without flip flags, `flips` the flags (only when any is set)."""

    kind: Literal["tile"] = "tile"
    name: str
    data: list[int]
    flips: list[int] | None = None
    visible: bool = True
    opacity: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    parallax: tuple[float, float] = (1.0, 1.0)
    group: str = ""
    properties: dict[str, Any] = Field(default_factory=dict)

    def grid(self, width: int, height: int, tile_w: int, tile_h: int, source: str) -> np.ndarray:
        """The layer as a (height, width) array of tile ids, shifted by its offset in whole tiles."""
        grid = np.asarray(self.data, dtype=np.int64).reshape(height, width)
        ox, oy = self.offset
        if ox == 0 and oy == 0:
            return grid
        if ox % tile_w or oy % tile_h:
            raise MapError(
                f"map {source}: layer '{self.name}' is offset by ({ox:g}, {oy:g}) px, not whole tiles; "
                f"set its offset to a multiple of {tile_w}x{tile_h} or 0 in Tiled's layer properties"
            )
        dx, dy = int(ox // tile_w), int(oy // tile_h)
        shifted = np.zeros_like(grid)
        src = grid[max(0, -dy) : height - max(0, dy), max(0, -dx) : width - max(0, dx)]
        shifted[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
        return shifted


class ObjectLayer(BaseModel):
    kind: Literal["object"] = "object"
    name: str
    objects: list[TiledObject]
    visible: bool = True
    group: str = ""
    properties: dict[str, Any] = Field(default_factory=dict)


class ImageLayer(BaseModel):
    kind: Literal["image"] = "image"
    name: str
    image: str = Field("", description="the image path, resolved from the map's folder")
    visible: bool = True
    opacity: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    transparent_color: str = ""
    group: str = ""
    properties: dict[str, Any] = Field(default_factory=dict)


Layer = TileLayer | ObjectLayer | ImageLayer


class TileInfo(BaseModel):
    """What a tileset says about one of its tiles: class, properties, and its own image in a collection tileset."""

    kind: str = ""
    properties: dict[str, Any] = Field(default_factory=dict)
    image: str = ""
    width: int = 0
    height: int = 0


class Tileset(BaseModel):
    """A tileset with paths resolved: `image` (or each tile's image) is relative to the current folder or absolute."""

    firstgid: int = Field(ge=1)
    name: str = ""
    source: str = Field("", description="the .tsx/.tsj file it came from; empty when embedded in the map")
    image: str = ""
    image_width: int = 0
    image_height: int = 0
    tile_width: int = 0
    tile_height: int = 0
    tilecount: int = 0
    columns: int = 0
    margin: int = 0
    spacing: int = 0
    transparent_color: str = ""
    offset: tuple[int, int] = (0, 0)
    tiles: dict[int, TileInfo] = Field(default_factory=dict)

    @property
    def collection(self) -> bool:
        """An image-collection tileset: each tile has its own image file."""
        return not self.image and any(t.image for t in self.tiles.values())

    def last_gid(self) -> int:
        count = self.tilecount or (max(self.tiles) + 1 if self.tiles else 0)
        return self.firstgid + count - 1


class TiledMap(BaseModel):
    """The parts of a Tiled map the town reads: layers in drawing order, tilesets, map properties."""

    source: str
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    tile_width: int = Field(gt=0)
    tile_height: int = Field(gt=0)
    layers: list[Layer] = Field(default_factory=list)
    tilesets: list[Tileset] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)

    @property
    def tile_layers(self) -> list[TileLayer]:
        return [layer for layer in self.layers if isinstance(layer, TileLayer)]

    @property
    def object_layers(self) -> list[ObjectLayer]:
        return [layer for layer in self.layers if isinstance(layer, ObjectLayer)]

    def tile_layer(self, name: str) -> TileLayer | None:
        return next((layer for layer in self.tile_layers if layer.name == name), None)

    def object_layer(self, name: str) -> ObjectLayer | None:
        return next((layer for layer in self.object_layers if layer.name == name), None)

    def tileset_of(self, gid: int) -> Tileset | None:
        """The tileset a tile id belongs to (the one with the greatest firstgid not above it)."""
        best = None
        for tileset in self.tilesets:
            if tileset.firstgid <= gid and (best is None or tileset.firstgid > best.firstgid):
                best = tileset
        return best

    def tile_info(self, gid: int) -> TileInfo | None:
        tileset = self.tileset_of(gid)
        return tileset.tiles.get(gid - tileset.firstgid) if tileset else None

    def gids_where(self, test: Any) -> set[int]:
        """Every gid whose tile info passes `test(info)` — e.g. the tiles with a true `collides` property."""
        return {t.firstgid + local for t in self.tilesets for local, info in t.tiles.items() if test(info)}


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


def read_tiled_document(path: Path, what: str) -> Any:
    """A Tiled file as JSON-layout data, whichever of the two formats it is in."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MapError(f"{what} {path}: file not found") from None
    except UnicodeDecodeError:
        raise MapError(f"{what} {path}: not UTF-8 text; save it again from Tiled") from None
    except OSError as exc:
        raise MapError(f"{what} {path}: cannot read ({exc.strerror})") from None
    if path.suffix.lower() in {".tmx", ".tsx", ".tx"} or text.lstrip().startswith("<"):
        root = parse_xml(text, str(path))
        return {"map": tmx_to_json, "tileset": tsx_to_json, "template": tx_to_json}[what](root, str(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MapError(f"{what} {path}: not valid JSON ({exc}); export it from Tiled as JSON") from None


def _joined(folder: Path, relative: str) -> str:
    """A path from a Tiled file, joined to the file's folder with '..' folded away (for messages and loading)."""
    return os.path.normpath(folder / relative)


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
        self._templates: dict[Path, dict[str, Any]] = {}

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
        self.tilesets = [self._tileset(t) for t in self._list(raw, "tilesets", required=False)]
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
                        image=_joined(self.base, image) if image else "",
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
            data = self._decode_base64(str(data), str(layer.get("compression", "") or ""), name)
        if not isinstance(data, list) or len(data) != width * height:
            size = len(data) if isinstance(data, list) else "no"
            raise self.fail(f"layer '{name}' has {size} tiles, expected {width}x{height}={width * height}")
        if not all(isinstance(gid, int) and not isinstance(gid, bool) and 0 <= gid < 2**32 for gid in data):
            raise self.fail(f"layer '{name}' holds a value that is not a tile id")
        masked = [gid & GID_MASK for gid in data]
        flips = [gid >> FLIP_SHIFT for gid in data] if any(gid > GID_MASK for gid in data) else None
        return masked, flips

    def _decode_base64(self, text: str, compression: str, name: str) -> list[int]:
        try:
            blob = base64.b64decode(text, validate=True)
            if compression == "zlib":
                blob = zlib.decompress(blob)
            elif compression == "gzip":
                blob = gzip.decompress(blob)
            elif compression:
                raise self.fail(
                    f"layer '{name}' uses {compression} compression; choose CSV, Base64 (zlib) or Base64 (gzip) "
                    "as the tile layer format in Tiled's Map Properties"
                )
        except (ValueError, zlib.error, OSError, EOFError) as exc:
            raise self.fail(f"layer '{name}' has corrupt base64 tile data ({exc})") from None
        if len(blob) % 4:
            raise self.fail(f"layer '{name}' tile data is truncated")
        return list(struct.unpack(f"<{len(blob) // 4}I", blob))

    # -- objects and templates ------------------------------------------------------------------------------------
    def _object(self, raw: Any, offset: tuple[float, float]) -> TiledObject:
        if not isinstance(raw, dict):
            raise self.fail("an object-layer entry is not an object")
        if raw.get("template"):
            raw = self._with_template(raw)
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

    def _with_template(self, raw: dict) -> dict:
        """An object placed from a template: the template's fields, overridden by what the instance sets."""
        path = (self.base / str(raw["template"])).resolve()
        template = self._templates.get(path)
        if template is None:
            if not path.is_file():
                raise self.fail(f"object template '{raw['template']}' not found (looked for {path})")
            doc = read_tiled_document(path, "template")
            if not isinstance(doc, dict) or not isinstance(doc.get("object"), dict):
                raise self.fail(f"object template '{raw['template']}' holds no object")
            template = dict(doc["object"])
            if template.get("gid") and isinstance(doc.get("tileset"), dict):
                template["gid"] = self._template_gid(int(template["gid"]), doc["tileset"], path.parent)
            self._templates[path] = template
        merged = {**template, **{k: v for k, v in raw.items() if k != "template"}}
        base_props = self._properties(template.get("properties"))
        base_props.update(self._properties(raw.get("properties")))
        merged["properties"] = [{"name": k, "value": v} for k, v in base_props.items()]
        return merged

    def _template_gid(self, gid: int, tileset_ref: dict, folder: Path) -> int:
        """A template's tile id is counted in its own tileset; the map counts the same tileset from its own firstgid."""
        source = tileset_ref.get("source")
        local = (gid & GID_MASK) - int(tileset_ref.get("firstgid", 1))
        if source:
            wanted = str((folder / str(source)).resolve())
            for tileset in self.tilesets:
                if tileset.source and str(Path(tileset.source).resolve()) == wanted:
                    return tileset.firstgid + local
        return 0  # the map does not carry that tileset: the object keeps its size, without a tile to draw

    # -- tilesets -------------------------------------------------------------------------------------------------
    def _tileset(self, raw: Any) -> Tileset:
        if not isinstance(raw, dict):
            raise self.fail("every tileset must be an object")
        firstgid = int(raw.get("firstgid", 1))
        if firstgid < 1:
            raise self.fail(f"tileset firstgid {firstgid} must be at least 1")
        folder, source = self.base, ""
        if raw.get("source"):
            path = self.base / str(raw["source"])
            if not path.is_file():
                raise self.fail(
                    f"tileset '{raw['source']}' not found (looked for {path}); keep it beside the map or embed it "
                    "(Tiled: Map > Embed Tilesets)"
                )
            doc = read_tiled_document(path, "tileset")
            if not isinstance(doc, dict):
                raise self.fail(f"tileset '{raw['source']}' is not a tileset")
            raw, folder, source = doc, path.parent, str(path)
        tiles: dict[int, TileInfo] = {}
        entries = raw.get("tiles", [])
        if isinstance(entries, dict):  # the pre-1.2 layout: tile id -> fields
            entries = [{"id": int(k), **v} for k, v in entries.items() if isinstance(v, dict)]
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            image = str(entry.get("image", "") or "")
            tiles[int(entry.get("id", 0))] = TileInfo(
                kind=str(entry.get("class", "") or entry.get("type", "") or ""),
                properties=self._properties(entry.get("properties")),
                image=_joined(folder, image) if image else "",
                width=int(entry.get("imagewidth", 0) or 0),
                height=int(entry.get("imageheight", 0) or 0),
            )
        image = str(raw.get("image", "") or "")
        offset = raw.get("tileoffset") or {}
        return Tileset(
            firstgid=firstgid,
            name=str(raw.get("name", "")),
            source=source,
            image=_joined(folder, image) if image else "",
            image_width=int(raw.get("imagewidth", 0) or 0),
            image_height=int(raw.get("imageheight", 0) or 0),
            tile_width=int(raw.get("tilewidth", 0) or 0),
            tile_height=int(raw.get("tileheight", 0) or 0),
            tilecount=int(raw.get("tilecount", 0) or 0),
            columns=int(raw.get("columns", 0) or 0),
            margin=int(raw.get("margin", 0) or 0),
            spacing=int(raw.get("spacing", 0) or 0),
            transparent_color=str(raw.get("transparentcolor", "") or ""),
            offset=(int(offset.get("x", 0)), int(offset.get("y", 0))) if isinstance(offset, dict) else (0, 0),
            tiles=tiles,
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
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"'{field}' must be a number, got {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise self.fail(f"'{field}' must be a finite number, got {value!r}")
        return number

    def _properties(self, raw: Any) -> dict[str, Any]:
        if raw is None:
            return {}
        if isinstance(raw, dict):  # the pre-1.2 Tiled layout
            return {str(k): v for k, v in raw.items()}
        if not isinstance(raw, list):
            raise self.fail("'properties' must be a list")
        return {str(p.get("name")): p.get("value") for p in raw if isinstance(p, dict)}
