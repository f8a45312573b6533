"""Which tiles a Tiled object covers.

`object_tiles` turns rectangles, points, ellipses, polygons, polylines, text
and tile objects — rotated as Tiled draws them — into a set of (x, y) tiles.

Two rules, because places and walls want different things: a place covers the tiles whose centre lies inside its
shape (so two rectangles that share an edge never claim the same tile); a collision shape blocks every tile it
touches noticeably (any of 4x4 sample points per tile), so a thin wall drawn along a tile edge still blocks.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from town.core.tiled_model import TiledObject

Tile = tuple[int, int]
Rule = Literal["centre", "touch"]
ELLIPSE_VERTICES = 32
# Sub-tile samples per axis for the 'touch' rule: 4 catches anything at least a quarter of a tile wide.
TOUCH_SAMPLES = 4


def object_outline(obj: TiledObject) -> list[tuple[float, float]]:
    """The object's outline in map pixels with its rotation applied (one vertex for a point)."""
    x, y, w, h = obj.x, obj.y, obj.width, obj.height
    if obj.shape == "point" or (obj.shape in ("rectangle", "text") and w == 0 and h == 0):
        return [(x, y)]
    if obj.shape in ("polygon", "polyline"):
        local = list(obj.points)
    elif obj.shape == "ellipse":
        local = [
            (
                w / 2 + w / 2 * math.cos(2 * math.pi * i / ELLIPSE_VERTICES),
                h / 2 + h / 2 * math.sin(2 * math.pi * i / ELLIPSE_VERTICES),
            )
            for i in range(ELLIPSE_VERTICES)
        ]
    elif obj.shape == "tile":  # anchored at the bottom-left corner
        local = [(0.0, -h), (w, -h), (w, 0.0), (0.0, 0.0)]
    else:
        local = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    angle = math.radians(obj.rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    # Tiled rotates clockwise on screen (y points down) about the anchor.
    return [(x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in local]


def outline_contains(obj: TiledObject, point: tuple[float, float]) -> bool:
    """Whether a point (in the object's own pixel space) lies inside the object's rotated outline."""
    outline = object_outline(obj)
    if len(outline) < 3:
        return False
    return bool(_inside(np.array([point[0]]), np.array([point[1]]), outline)[0])


def object_tiles(obj: TiledObject, tile_w: int, tile_h: int, width: int, height: int, rule: Rule) -> set[Tile]:
    """Tiles of a width x height map that the object covers under `rule` (clipped to the map)."""
    outline = object_outline(obj)
    if len(outline) == 1:
        px, py = outline[0]
        tile = (math.floor(px / tile_w), math.floor(py / tile_h))
        return {tile} if 0 <= tile[0] < width and 0 <= tile[1] < height else set()
    if obj.shape == "polyline":
        return _polyline_tiles(outline, tile_w, tile_h, width, height)
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    x0, x1 = max(0, math.floor(min(xs) / tile_w)), min(width - 1, math.floor(max(xs) / tile_w))
    y0, y1 = max(0, math.floor(min(ys) / tile_h)), min(height - 1, math.floor(max(ys) / tile_h))
    if x0 > x1 or y0 > y1:
        return set()
    samples = (0.5,) if rule == "centre" else tuple((i + 0.5) / TOUCH_SAMPLES for i in range(TOUCH_SAMPLES))
    cols, rows = np.arange(x0, x1 + 1), np.arange(y0, y1 + 1)
    covered = np.zeros((len(rows), len(cols)), dtype=bool)
    for sy in samples:
        for sx in samples:
            xs_px = (cols[None, :] + sx) * tile_w + np.zeros((len(rows), 1))
            ys_px = (rows[:, None] + sy) * tile_h + np.zeros((1, len(cols)))
            covered |= _inside(xs_px, ys_px, outline)
    r, c = np.nonzero(covered)
    tiles = {(int(cols[j]), int(rows[i])) for i, j in zip(r, c, strict=True)}
    if not tiles and rule == "centre":
        # A shape smaller than a tile that misses every centre still marks the tile under its middle.
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        tile = (math.floor(cx / tile_w), math.floor(cy / tile_h))
        if 0 <= tile[0] < width and 0 <= tile[1] < height:
            tiles.add(tile)
    return tiles


def _inside(px: np.ndarray, py: np.ndarray, polygon: list[tuple[float, float]]) -> np.ndarray:
    """Even-odd rule: points inside the polygon (an edge counts as inside on its left/top side)."""
    inside = np.zeros(px.shape, dtype=bool)
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if y1 == y2:
            continue
        crosses = (y1 > py) != (y2 > py)
        x_at = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (px < x_at)
    return inside


def _polyline_tiles(points: list[tuple[float, float]], tile_w: int, tile_h: int, width: int, height: int) -> set[Tile]:
    tiles: set[Tile] = set()
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        steps = max(1, math.ceil(max(abs(x2 - x1) / tile_w, abs(y2 - y1) / tile_h) * TOUCH_SAMPLES))
        for k in range(steps + 1):
            t = k / steps
            tile = (math.floor((x1 + (x2 - x1) * t) / tile_w), math.floor((y1 + (y2 - y1) * t) / tile_h))
            if 0 <= tile[0] < width and 0 <= tile[1] < height:
                tiles.add(tile)
    return tiles
