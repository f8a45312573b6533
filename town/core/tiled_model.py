"""The parts of a Tiled map the town reads, as typed models.

`TiledMap` holds its `TileLayer`, `ObjectLayer`, `ImageLayer` (and their `TiledObject`s) and its `Tileset`s with
their `TileInfo`. Coordinates are map pixels with every layer and group offset already added; paths (tileset and
layer images) are resolved from the file that named them. Reading is town.core.tiled's job.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from town.core.errors import MapError

Shape = Literal["rectangle", "point", "ellipse", "polygon", "polyline", "tile", "text"]


GID_MASK = 0x0FFFFFFF  # Tiled keeps flip flags in a gid's top four bits; the tile id is what remains


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
    blocks_centre: bool = Field(
        False, description="a collision shape drawn on the tile (Tiled's collision editor) covers its centre"
    )


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
