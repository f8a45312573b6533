"""`MapPainter`: draws a town's map in cached chunks.

It draws every visible tile layer of its Tiled map in order, foreground layers above the
agents, in chunks of 16x16 tiles, each drawn once and scaled once per zoom level, so a frame costs the chunks on
screen whatever the map's size (Smallville is 140x100 tiles with ten art layers).

Where a map's art is missing (a converted Smallville without GA's tileset images, or a map with no tilesets), the
painter lays its own plan-view style underneath — grass, paths, floors, walls and hedges from the map's collision and
places, and code-drawn furniture — so a map always renders. Code-drawn furniture is also drawn for the objects of a
visible `objects` object layer (the default town's way of furnishing itself).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pygame

from town.core.layers import drawn_layers
from town.core.places import TownMap, connected_pieces
from town.core.tiled import ImageLayer, TileLayer
from town.runtime.config import ASSETS
from town.ui import art
from town.ui.camera import Camera
from town.ui.dress import draw_dressing, dress
from town.ui.tiles import TileImages, load_image

CHUNK = 16  # tiles per chunk side: 512 px at 32 px tiles
CACHE_BYTES = 160 * 2**20  # scaled chunks kept, at 4 bytes a pixel
BASE_CHUNKS_KEPT = 96  # unscaled chunks (1 MiB each at 32 px tiles): more than a 1280x720 view at zoom 0.5 needs
BACKGROUND = (96, 160, 72)
LABEL_INK = (250, 248, 240)
LABEL_TOP = 30  # the status bar's height: a label pushed below it stays readable


class MapPainter:
    def __init__(self, town_map: TownMap, font: pygame.font.Font) -> None:
        self.map = town_map
        self.ts = town_map.tile_size
        self.font = font
        self.tiled = town_map.tiled
        self.images = TileImages(self.tiled) if self.tiled else None
        below, above = drawn_layers(self.tiled) if self.tiled else ([], [])
        self.layers = {"below": below, "above": above}
        self._grids: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        w, h = town_map.width, town_map.height
        for layer in below + above:
            if isinstance(layer, TileLayer):
                flips = np.asarray(layer.flips, dtype=np.int64).reshape(h, w) if layer.flips else None
                self._grids[id(layer)] = (np.asarray(layer.data, dtype=np.int64).reshape(h, w), flips)
        self.missing_art = self._probe_art()
        self.plan_view = bool(self.missing_art) or not (below or above)
        self._plan = self._plan_kinds() if self.plan_view else None
        # The town's own look (its tileset, or the plan view) gets the town's code-drawn decoration; other art is left
        # as its authors drew it.
        self.dressing = dress(town_map) if (self.plan_view or self._own_tileset()) else None
        self._furniture = self._furniture_spots()
        self._above_chunks = self._chunks_with(above)
        self._label_cache: dict[tuple[str, int], pygame.Surface] = {}
        self._labels = self._sector_labels()
        self._margin = self._overhang()
        self._base: OrderedDict[tuple[str, int, int], pygame.Surface | None] = OrderedDict()
        self._scaled: OrderedDict[tuple[str, int, int, float], pygame.Surface | None] = OrderedDict()
        self._scaled_bytes = 0
        self._plan_tiles: dict[str, pygame.Surface] = {}
        self._image_layers: dict[int, pygame.Surface | None] = {}

    # -- what to draw -------------------------------------------------------------------------------------------------
    def _probe_art(self) -> set[int]:
        """Tile ids on drawn layers whose image cannot be had (no tileset holds them, or its file is missing)."""
        if self.images is None:
            return set()
        gids: set[int] = set()
        for grid, _ in self._grids.values():
            gids.update(int(g) for g in np.unique(grid) if g)
        return {gid for gid in gids if self.images.tile(gid) is None}

    def _own_tileset(self) -> bool:
        """Every tileset is the town's own: the file itself, or a copy of it (a generated town carries one)."""
        own = (ASSETS / "tiles" / "town.png").resolve()
        tilesets = self.tiled.tilesets if self.tiled else []
        return bool(tilesets) and all(t.image and _same_file(Path(t.image), own) for t in tilesets)

    def _plan_kinds(self) -> np.ndarray:
        m = self.map
        h, w = m.height, m.width
        kinds = np.full((h, w), "grass", dtype=object)
        in_arena = m.arena_grid >= 0
        in_sector = m.sector_grid >= 0 if m.sector_grid is not None else in_arena
        kinds[in_sector & m.walkable] = "path"
        kinds[in_arena & m.walkable] = "floor"
        kinds[in_sector & ~m.walkable] = "wall"
        kinds[in_arena & ~m.walkable] = "fixture"  # blocked inside a room: shelves, counters, beds
        kinds[~(in_sector | in_arena) & ~m.walkable] = "hedge"
        return kinds

    def _furniture_spots(self) -> list[tuple[str, int, int]]:
        """(object name, x px, y px) of the code-drawn furniture."""
        spots: list[tuple[str, int, int]] = []
        layer = self.tiled.object_layer("objects") if self.tiled else None
        if layer is not None and layer.visible:
            spots += [(o.name, int(o.x), int(o.y)) for o in layer.objects]
        elif self.plan_view:
            for obj in self.map.objects.values():
                for piece in connected_pieces(set(obj.tiles)):
                    x, y = min(piece, key=lambda t: (t[1], t[0]))
                    spots.append((obj.name, x * self.ts, y * self.ts))
        return spots

    def _chunks_with(self, layers: list[TileLayer | ImageLayer]) -> set[tuple[int, int]]:
        chunks: set[tuple[int, int]] = set()
        for layer in layers:
            if isinstance(layer, ImageLayer):
                return {(cx, cy) for cx in range(self._cols()) for cy in range(self._rows())}
            ys, xs = np.nonzero(self._grids[id(layer)][0])
            chunks |= {(int(x) // CHUNK, int(y) // CHUNK) for x, y in zip(xs, ys, strict=True)}
        return chunks

    def _overhang(self) -> int:
        """Tiles a tile may reach past its cell (tall trees, layer offsets): chunks draw that margin around them."""
        extra = 0
        for tileset in self.tiled.tilesets if self.tiled else []:
            extra = max(extra, tileset.tile_width // self.ts, tileset.tile_height // self.ts)
        for layer in self.layers["below"] + self.layers["above"]:
            extra = max(extra, int(abs(layer.offset[0]) // self.ts) + 1, int(abs(layer.offset[1]) // self.ts) + 1)
        return extra

    def _label_surface(self, name: str, font: pygame.font.Font) -> pygame.Surface:
        key = (name, id(font))
        if key not in self._label_cache:
            self._label_cache[key] = font.render(name, True, LABEL_INK)
        return self._label_cache[key]

    def _sector_labels(self) -> list[tuple[str, int, int]]:
        """Each sector's name at the top middle of its biggest piece."""
        labels = []
        grid = self.map.sector_grid
        order = self.map._sector_order  # noqa: SLF001 - the map's own index of its sector grid
        if grid is None:
            return labels
        for index, name in enumerate(order):
            ys, xs = np.nonzero(grid == index)
            if not len(xs):
                continue
            pieces = connected_pieces(set(zip(xs.tolist(), ys.tolist(), strict=True)))
            piece = max(pieces, key=len)
            left, right = min(t[0] for t in piece), max(t[0] for t in piece)
            top = min(t[1] for t in piece)
            labels.append((name, (left + right + 1) * self.ts // 2, top * self.ts))
        return labels

    def _cols(self) -> int:
        return -(-self.map.width // CHUNK)

    def _rows(self) -> int:
        return -(-self.map.height // CHUNK)

    # -- drawing ------------------------------------------------------------------------------------------------------
    def draw(self, target: pygame.Surface, camera: Camera, kind: str) -> None:
        """Blit the chunks on screen: kind 'below' (ground to furniture) or 'above' (foreground)."""
        size = CHUNK * self.ts
        x0, y0 = camera.to_world(0, 0)
        x1, y1 = camera.to_world(*target.get_size())
        for cy in range(max(0, int(y0 // size)), min(self._rows(), int(y1 // size) + 1)):
            for cx in range(max(0, int(x0 // size)), min(self._cols(), int(x1 // size) + 1)):
                if kind == "above" and (cx, cy) not in self._above_chunks:
                    continue
                surface = self._scaled_chunk(kind, cx, cy, camera.zoom)
                if surface is not None:
                    target.blit(surface, camera.to_screen(cx * size, cy * size))

    def draw_labels(self, target: pygame.Surface, camera: Camera, font: pygame.font.Font | None = None) -> None:
        """Sector names at the top of each sector, in a font that follows the zoom; never under the status bar."""
        for name, wx, wy in self._labels:
            label = self._label_surface(name, font or self.font)
            sx, sy = camera.to_screen(wx, wy)
            if sy < 0:
                continue  # the sector's top is above the window: its label would float over other places
            sy = max(sy, LABEL_TOP + label.get_height() + 2)  # just under the status bar, still readable
            box = label.get_rect(midbottom=(sx, sy - 2))
            if box.right < 0 or box.left > target.get_width() or box.bottom < 0 or box.top > target.get_height():
                continue
            pygame.draw.rect(target, (40, 40, 48), box.inflate(8, 4), border_radius=4)
            target.blit(label, box)

    def _scaled_chunk(self, kind: str, cx: int, cy: int, zoom: float) -> pygame.Surface | None:
        key = (kind, cx, cy, zoom)
        if key in self._scaled:
            self._scaled.move_to_end(key)
            return self._scaled[key]
        base = self._chunk(kind, cx, cy)
        if base is None or zoom == 1.0:
            scaled = base
        else:
            w, h = base.get_size()
            scaled = (
                pygame.transform.smoothscale(base, (round(w * zoom), round(h * zoom)))
                if zoom < 1
                else (pygame.transform.scale(base, (round(w * zoom), round(h * zoom))))
            )
        self._scaled[key] = scaled
        self._scaled_bytes += _bytes(scaled)
        while self._scaled_bytes > CACHE_BYTES and len(self._scaled) > 1:
            _, dropped = self._scaled.popitem(last=False)
            self._scaled_bytes -= _bytes(dropped)
        return scaled

    def _chunk(self, kind: str, cx: int, cy: int) -> pygame.Surface | None:
        key = (kind, cx, cy)
        if key in self._base:
            return self._base[key]
        ts = self.ts
        size = CHUNK * ts
        surface = pygame.Surface((size, size), pygame.SRCALPHA)
        ox, oy = cx * size, cy * size
        if kind == "below":
            surface.fill(BACKGROUND)
            if self._plan is not None:
                self._draw_plan(surface, cx, cy)
        drawn = False
        for layer in self.layers[kind]:
            drawn |= self._draw_layer(surface, layer, cx, cy)
        if kind == "below":
            if self.dressing is not None:
                draw_dressing(surface, self.dressing, (cx * CHUNK, cy * CHUNK), ts, CHUNK)
            for name, x, y in self._furniture:
                if ox - ts <= x < ox + size and oy - ts <= y < oy + size:
                    surface.blit(self._fit(art.furniture(name)), (x - ox, y - oy))
        result = surface if (kind == "below" or drawn) else None
        self._base[key] = result
        # Unscaled chunks are re-made from the map when needed; a few screens' worth is kept.
        while len(self._base) > BASE_CHUNKS_KEPT:
            self._base.popitem(last=False)
        return result

    def _fit(self, image: pygame.Surface) -> pygame.Surface:
        if image.get_size() == (self.ts, self.ts):
            return image
        return pygame.transform.scale(image, (self.ts, self.ts))

    def _draw_plan(self, surface: pygame.Surface, cx: int, cy: int) -> None:
        assert self._plan is not None
        for y in range(cy * CHUNK, min(self.map.height, (cy + 1) * CHUNK)):
            for x in range(cx * CHUNK, min(self.map.width, (cx + 1) * CHUNK)):
                kind = str(self._plan[y, x])
                tile = self._plan_tiles.get(kind)
                if tile is None:
                    tile = self._plan_tiles[kind] = self._fit(art.plan_tile(kind))
                surface.blit(tile, ((x - cx * CHUNK) * self.ts, (y - cy * CHUNK) * self.ts))

    def _draw_layer(self, surface: pygame.Surface, layer: TileLayer | ImageLayer, cx: int, cy: int) -> bool:
        ts, size = self.ts, CHUNK * self.ts
        ox, oy = cx * size - layer.offset[0], cy * size - layer.offset[1]
        canvas = surface if layer.opacity >= 1 else pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        drawn = False
        if isinstance(layer, ImageLayer):
            image = self._image_layer(layer)
            if image is not None:
                canvas.blit(image, (-ox, -oy))
                drawn = True
        else:
            assert self.images is not None
            grid, flips = self._grids[id(layer)]
            m = self._margin
            y_lo, y_hi = max(0, cy * CHUNK - m), min(self.map.height, (cy + 1) * CHUNK + m)
            x_lo, x_hi = max(0, cx * CHUNK - m), min(self.map.width, (cx + 1) * CHUNK + m)
            block = grid[y_lo:y_hi, x_lo:x_hi]
            for dy, dx in zip(*np.nonzero(block), strict=True):
                y, x = y_lo + int(dy), x_lo + int(dx)
                gid = int(block[dy, dx])
                image = self.images.tile(gid, int(flips[y, x]) if flips is not None else 0)
                if image is None:
                    continue
                tileset = self.tiled.tileset_of(gid) if self.tiled else None
                tx, ty = tileset.offset if tileset else (0, 0)
                # A tile taller or wider than the grid stands on its cell's bottom-left corner, as in Tiled.
                canvas.blit(image, (x * ts - ox + tx, (y + 1) * ts - image.get_height() - oy + ty))
                drawn = True
        if canvas is not surface and drawn:
            canvas.set_alpha(round(255 * layer.opacity))
            surface.blit(canvas, (0, 0))
        return drawn

    def _image_layer(self, layer: ImageLayer) -> pygame.Surface | None:
        if id(layer) not in self._image_layers:
            self._image_layers[id(layer)] = load_image(layer.image, layer.transparent_color)
        return self._image_layers[id(layer)]


def _bytes(surface: pygame.Surface | None) -> int:
    return 0 if surface is None else surface.get_width() * surface.get_height() * 4


def _same_file(path: Path, own: Path) -> bool:
    try:
        return path.resolve() == own or (
            path.stat().st_size == own.stat().st_size and path.read_bytes() == own.read_bytes()
        )
    except OSError:
        return False
