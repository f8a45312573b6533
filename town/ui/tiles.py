"""`TileImages`: the image of every tile id of a Tiled map, cut from its tilesets' files on first use.

It handles what real tilesets use: several tilesets, margin and spacing, a transparent colour, tiles larger than
the map's grid (drawn anchored at the cell's bottom-left, as Tiled does), image-collection tilesets (one file per
tile), and Tiled's flip flags (horizontal, vertical, diagonal). A tile whose image is missing or unreadable is None
and is not drawn: the renderer then lays its own plan-view style underneath.
"""

from __future__ import annotations

from pathlib import Path

import pygame

from town.core.tiled import TiledMap, Tileset

FLIP_H, FLIP_V, FLIP_D = 0x8, 0x4, 0x2


def _colour(text: str) -> tuple[int, int, int] | None:
    value = text.lstrip("#")
    if len(value) == 8:  # Tiled writes #AARRGGBB when there is an alpha
        value = value[2:]
    if len(value) != 6:
        return None
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError:
        return None


def load_image(path: str, transparent: str = "") -> pygame.Surface | None:
    """An image file as a surface with per-pixel alpha (the transparent colour keyed out); None if unreadable."""
    if not path or not Path(path).is_file():
        return None
    try:
        image = pygame.image.load(path)
    except (pygame.error, OSError):
        return None
    key = _colour(transparent) if transparent else None
    converted = pygame.display.get_init() and pygame.display.get_surface() is not None
    image = image.convert_alpha() if converted else _with_alpha(image)
    if key is not None:
        # The key colour becomes real transparency (the image may also carry its own alpha, which is kept).
        rgb = pygame.surfarray.pixels3d(image)
        alpha = pygame.surfarray.pixels_alpha(image)
        alpha[(rgb[:, :, 0] == key[0]) & (rgb[:, :, 1] == key[1]) & (rgb[:, :, 2] == key[2])] = 0
        del rgb, alpha  # release the surface lock
    return image


def _with_alpha(image: pygame.Surface) -> pygame.Surface:
    out = pygame.Surface(image.get_size(), pygame.SRCALPHA)
    out.fill((0, 0, 0, 0))
    if image.get_flags() & pygame.SRCALPHA:
        out.blit(image, (0, 0), special_flags=pygame.BLEND_RGBA_ADD)
    else:
        out.blit(image, (0, 0))
    return out


class TileImages:
    def __init__(self, tiled: TiledMap) -> None:
        self.tiled = tiled
        self._sheets: dict[int, pygame.Surface | None] = {}
        self._tiles: dict[tuple[int, int], pygame.Surface | None] = {}

    def tile(self, gid: int, flips: int = 0) -> pygame.Surface | None:
        key = (gid, flips)
        if key not in self._tiles:
            self._tiles[key] = self._make(gid, flips)
        return self._tiles[key]

    def _make(self, gid: int, flips: int) -> pygame.Surface | None:
        if flips:
            base = self.tile(gid, 0)
            if base is None:
                return None
            image = base
            if flips & FLIP_D:  # swap x and y, then the plain flips
                image = pygame.transform.flip(pygame.transform.rotate(image, 90), False, True)
            return pygame.transform.flip(image, bool(flips & FLIP_H), bool(flips & FLIP_V))
        tileset = self.tiled.tileset_of(gid)
        if tileset is None:
            return None
        local = gid - tileset.firstgid
        if tileset.collection or (not tileset.image and local in tileset.tiles):
            info = tileset.tiles.get(local)
            return load_image(info.image, tileset.transparent_color) if info and info.image else None
        sheet = self._sheet(tileset)
        if sheet is None:
            return None
        tw = tileset.tile_width or self.tiled.tile_width
        th = tileset.tile_height or self.tiled.tile_height
        columns = tileset.columns or max(
            1, (sheet.get_width() - 2 * tileset.margin + tileset.spacing) // (tw + tileset.spacing)
        )
        if tileset.tilecount and local >= tileset.tilecount:
            return None
        x = tileset.margin + (local % columns) * (tw + tileset.spacing)
        y = tileset.margin + (local // columns) * (th + tileset.spacing)
        if x + tw > sheet.get_width() or y + th > sheet.get_height():
            return None
        return sheet.subsurface((x, y, tw, th)).copy()

    def _sheet(self, tileset: Tileset) -> pygame.Surface | None:
        if tileset.firstgid not in self._sheets:
            self._sheets[tileset.firstgid] = load_image(tileset.image, tileset.transparent_color)
        return self._sheets[tileset.firstgid]
