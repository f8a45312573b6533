"""`load_tile_images`: the tile images of a Tiled map, by gid, cut from its tilesets' image files.

Tile layers are drawn from these; a tileset whose image is missing or unreadable falls back to the code-drawn tiles
of `art`, so a map always renders.
"""

from __future__ import annotations

import pygame

from town.core.tiled import TiledMap
from town.ui import art


def load_tile_images(tiled: TiledMap) -> dict[int, pygame.Surface]:
    size = tiled.tile_width
    images: dict[int, pygame.Surface] = {}
    for tileset in tiled.tilesets:
        sheet = None
        if tileset.image:
            try:
                sheet = pygame.image.load(tileset.image)
            except (pygame.error, FileNotFoundError):
                sheet = None
        count = tileset.tilecount or (sheet.get_width() // size if sheet else 0)
        columns = tileset.columns or max(1, (sheet.get_width() // size) if sheet else 1)
        for index in range(count):
            gid = tileset.firstgid + index
            if sheet is not None:
                x, y = (index % columns) * size, (index // columns) * size
                images[gid] = sheet.subsurface((x, y, size, size)).copy()
            else:
                images[gid] = art.make_tile(gid)
    return images
