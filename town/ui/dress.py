"""`TownDresser`: the town's own decoration, drawn in code over maps in the town's own style.

A map drawn with the town's tileset (the default Willowbrook) or in the plan-view style (a map whose art is missing)
has walls, floors and grass but no life; the dresser adds, from the map's collision and places alone:
- facades: wall tops, windows on walls that face the street (lit at night), door frames and mats in wall gaps;
- streets: lamp posts along the edges of paths (lit at night), flower beds under facades, trees along the map's edge;
- rooms furnished by what they are: shelves in a library or shop, tables and plants in a cafe, crates in a market,
  desks in a classroom, cabinets in a kitchen, rugs and lamps in a bedroom, benches and flowers in a park — along the
  walls, never on an object's standing tile or a doorway.
Everything is chosen by stable hashes of the tile, so a map always looks the same. Maps with their own art are left
as their authors drew them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pygame

from town.core.places import TownMap
from town.ui.art import TILE

Tile = tuple[int, int]
LAMP_EVERY = 6  # tiles between street lamps along a path's edge
WINDOW_EVERY = 2  # every other facade tile has a window
# Room kinds by words in an arena's or its sector's name, most specific first.
ROOM_KINDS = (
    ("library", ("library", "study", "reading")),
    ("cafe", ("cafe", "coffee", "pub", "bar", "restaurant", "diner", "kitchen counter")),
    ("shop", ("shop", "store", "market", "pharmacy", "supply", "grocery")),
    ("classroom", ("classroom", "lecture", "school", "college", "office")),
    ("kitchen", ("kitchen",)),
    ("bedroom", ("bedroom", "room", "dorm")),
    ("park", ("park", "garden", "square", "green")),
)


@dataclass
class Dressing:
    """What is drawn where: (kind, tile) decorations, and the lights that glow at night (world pixels, radius)."""

    items: list[tuple[str, Tile]] = field(default_factory=list)
    lights: list[tuple[int, int, int]] = field(default_factory=list)


def _hash(tile: Tile, salt: str) -> int:
    return zlib.crc32(f"{salt}:{tile[0]},{tile[1]}".encode())


def room_kind(arena_name: str, sector_name: str) -> str | None:
    text = f"{arena_name} {sector_name}".lower()
    for kind, words in ROOM_KINDS:
        if any(word in text for word in words):
            return kind
    return None


def dress(town: TownMap) -> Dressing:
    h, w = town.height, town.width
    walk = town.walkable
    in_arena = town.arena_grid >= 0
    in_sector = town.sector_grid >= 0 if town.sector_grid is not None else in_arena
    wall = ~walk & (in_sector | in_arena)
    outdoor = walk & ~in_sector & ~in_arena
    standing = {t for o in town.objects.values() for t in o.access_tiles}
    object_tiles = {t for o in town.objects.values() for t in o.tiles}
    out = Dressing()
    ts = town.tile_size

    def at(grid: np.ndarray, x: int, y: int) -> bool:
        return 0 <= x < w and 0 <= y < h and bool(grid[y, x])

    doors: set[Tile] = set()
    for y in range(h):
        for x in range(w):
            if walk[y, x] and (in_sector[y, x] or in_arena[y, x]):
                if (at(wall, x - 1, y) and at(wall, x + 1, y)) or (at(wall, x, y - 1) and at(wall, x, y + 1)):
                    doors.add((x, y))
                    out.items.append(("door", (x, y)))
    for y in range(h):
        for x in range(w):
            tile = (x, y)
            if wall[y, x]:
                if not at(wall, x, y - 1):
                    out.items.append(("wall_top", tile))
                if at(outdoor, x, y + 1) and _hash(tile, "window") % WINDOW_EVERY == 0 and (x, y + 1) not in doors:
                    out.items.append(("window", tile))
                    out.lights.append(((x * ts + ts // 2), (y * ts + ts // 2), ts))
            elif outdoor[y, x]:
                under_facade = at(wall, x, y - 1) and not any((x + d, y - 1) in doors for d in (-1, 0, 1))
                if under_facade and _hash(tile, "flowers") % 3 == 0:
                    out.items.append(("flowers", tile))
                edge = any(at(in_sector, x + dx, y + dy) for dx, dy in ((0, -1), (0, 1)))
                if edge and not under_facade and x % LAMP_EVERY == 0 and (x, y) not in standing:
                    out.items.append(("lamp", tile))
                    out.lights.append((x * ts + ts // 2, y * ts + 4, ts * 2))
                elif x in (0, w - 1) or y in (0, h - 1):
                    if tile not in standing and _hash(tile, "tree") % 3 != 0:
                        out.items.append(("tree", tile))  # the town's edge: a belt of trees frames it
                elif not edge and _hash(tile, "tuft") % 11 == 0:
                    out.items.append(("tuft", tile))
    for arena in town.arenas.values():
        kind = room_kind(arena.name, arena.sector)
        if kind is None:
            continue
        for tile in arena.tiles:
            x, y = tile
            if tile in standing or tile in object_tiles or tile in doors:
                continue
            against_wall = at(wall, x, y - 1)
            if kind == "park":
                if _hash(tile, "park") % 9 == 0:
                    out.items.append(("bush" if _hash(tile, "bush") % 2 else "flowers", tile))
            elif against_wall and _hash(tile, kind) % 2 == 0:
                out.items.append((f"{kind}_wall", tile))
            elif kind == "bedroom" and _hash(tile, "rug") % 23 == 0:
                out.items.append(("rug", tile))
            elif kind == "cafe" and not against_wall and _hash(tile, "table") % 13 == 0:
                out.items.append(("cafe_table", tile))
    return out


_PIECES: dict[str, pygame.Surface] = {}


def piece(kind: str) -> pygame.Surface:
    """The 32 px drawing of one decoration (transparent around it)."""
    if kind not in _PIECES:
        _PIECES[kind] = _draw_piece(kind)
    return _PIECES[kind]


def _draw_piece(kind: str) -> pygame.Surface:
    s = pygame.Surface((TILE, TILE), pygame.SRCALPHA)
    wood, dark = (150, 100, 60), (96, 62, 38)
    if kind == "wall_top":
        pygame.draw.rect(s, (186, 120, 96), (0, 0, TILE, 7))
        pygame.draw.line(s, (220, 160, 130), (0, 0), (TILE, 0), 2)
        pygame.draw.line(s, (110, 60, 46), (0, 7), (TILE, 7))
    elif kind == "window":
        pygame.draw.rect(s, (70, 50, 40), (7, 9, 18, 16))
        pygame.draw.rect(s, (150, 200, 235), (9, 11, 14, 12))
        pygame.draw.line(s, (70, 50, 40), (16, 11), (16, 22))
        pygame.draw.line(s, (70, 50, 40), (9, 17), (22, 17))
        pygame.draw.rect(s, (120, 84, 60), (6, 25, 20, 3))
    elif kind == "door":
        pygame.draw.rect(s, (110, 74, 48), (2, 0, 4, TILE))
        pygame.draw.rect(s, (110, 74, 48), (TILE - 6, 0, 4, TILE))
        pygame.draw.rect(s, (170, 60, 50), (8, 22, 16, 8), border_radius=2)
    elif kind == "lamp":
        pygame.draw.rect(s, (50, 52, 60), (15, 8, 3, 22))
        pygame.draw.rect(s, (40, 42, 48), (11, 28, 11, 3))
        pygame.draw.circle(s, (250, 230, 150), (16, 6), 5)
        pygame.draw.circle(s, (60, 62, 70), (16, 6), 5, 1)
    elif kind == "flowers":
        for i, (cx, cy) in enumerate(((7, 10), (16, 6), (25, 11), (11, 21), (22, 22))):
            pygame.draw.circle(s, (70, 140, 60), (cx, cy + 2), 4)
            colour = [(230, 80, 100), (250, 210, 70), (200, 120, 230), (255, 255, 255)][i % 4]
            pygame.draw.circle(s, colour, (cx, cy), 2)
    elif kind == "tuft":
        for dx in (10, 14, 18):
            pygame.draw.line(s, (70, 130, 55), (dx, 22), (dx + (dx - 14) // 2, 15), 2)
    elif kind == "tree":
        pygame.draw.rect(s, (110, 76, 48), (14, 18, 5, 12))
        pygame.draw.circle(s, (44, 100, 48), (16, 13), 12)
        pygame.draw.circle(s, (70, 136, 62), (12, 10), 7)
        pygame.draw.circle(s, (56, 118, 56), (21, 15), 6)
    elif kind == "bush":
        pygame.draw.circle(s, (50, 110, 50), (16, 18), 11)
        pygame.draw.circle(s, (80, 150, 70), (13, 14), 6)
    elif kind == "rug":
        pygame.draw.rect(s, (150, 70, 80), (3, 6, 26, 20), border_radius=3)
        pygame.draw.rect(s, (230, 200, 120), (6, 9, 20, 14), 2, border_radius=2)
    elif kind == "cafe_table":
        pygame.draw.circle(s, dark, (16, 16), 8)
        pygame.draw.circle(s, wood, (16, 15), 7)
        for cx, cy in ((5, 16), (27, 16)):
            pygame.draw.rect(s, (120, 40, 40), (cx - 3, cy - 3, 6, 6), border_radius=2)
        pygame.draw.circle(s, (245, 245, 240), (16, 14), 2)
    elif kind in ("library_wall", "shop_wall"):
        pygame.draw.rect(s, dark, (2, 0, 28, 16))
        pygame.draw.rect(s, wood, (3, 1, 26, 14))
        palette = [(180, 60, 60), (60, 110, 170), (80, 150, 80), (220, 190, 80), (140, 90, 160)]
        if kind == "shop_wall":
            palette = [(230, 140, 60), (220, 210, 90), (120, 190, 80), (200, 80, 80), (240, 240, 240)]
        for row in (2, 9):
            for i in range(6):
                pygame.draw.rect(s, palette[(i + row) % len(palette)], (5 + 4 * i, row, 3, 5))
    elif kind == "cafe_wall":
        pygame.draw.rect(s, (120, 90, 60), (4, 2, 24, 8))
        pygame.draw.circle(s, (60, 130, 60), (9, 5), 5)
        pygame.draw.circle(s, (245, 245, 240), (21, 6), 3)
    elif kind == "classroom_wall":
        pygame.draw.rect(s, (40, 70, 50), (2, 1, 28, 11))
        pygame.draw.line(s, (230, 230, 220), (6, 5), (20, 5))
        pygame.draw.line(s, (230, 230, 220), (6, 8), (14, 8))
    elif kind == "kitchen_wall":
        pygame.draw.rect(s, (200, 200, 205), (2, 0, 28, 13))
        pygame.draw.rect(s, (150, 150, 160), (2, 0, 28, 13), 1)
        pygame.draw.line(s, (150, 150, 160), (16, 1), (16, 12))
    elif kind == "bedroom_wall":
        pygame.draw.rect(s, dark, (9, 2, 14, 10))
        pygame.draw.circle(s, (250, 230, 160), (16, 5), 4)
    elif kind == "park_wall":
        pygame.draw.rect(s, wood, (2, 6, 28, 5), border_radius=2)
    return s


def draw_dressing(surface: pygame.Surface, dressing: Dressing, origin: tuple[int, int], tile: int, size: int) -> None:
    """Blit the decorations that fall in a chunk whose top-left tile is `origin` and side is `size` tiles."""
    ox, oy = origin
    for kind, (x, y) in dressing.items:
        if ox - 1 <= x < ox + size + 1 and oy - 1 <= y < oy + size + 1:
            image = piece(kind)
            if tile != TILE:
                image = pygame.transform.scale(image, (tile, tile))
            surface.blit(image, ((x - ox) * tile, (y - oy) * tile))


def draw_lights(
    target: pygame.Surface,
    dressing: Dressing,
    to_screen: Callable[[float, float], tuple[int, int]],
    zoom: float,
    strength: int,
) -> None:
    """Warm glows of windows and lamps over the night tint (`strength` follows how dark the night is)."""
    if strength <= 0:
        return
    width, height = target.get_size()
    for wx, wy, radius in dressing.lights:
        sx, sy = to_screen(wx, wy)
        r = max(4, round(radius * zoom))
        if sx < -r or sy < -r or sx > width + r or sy > height + r:
            continue
        glow = _glow(r, strength)
        target.blit(glow, (sx - r, sy - r), special_flags=pygame.BLEND_RGB_ADD)


_GLOWS: dict[tuple[int, int], pygame.Surface] = {}


def _glow(radius: int, strength: int) -> pygame.Surface:
    key = (radius, strength // 10)
    if key not in _GLOWS:
        s = pygame.Surface((2 * radius, 2 * radius))
        for step in range(radius, 0, -max(1, radius // 8)):
            level = int(strength * 0.55 * (1 - step / radius) + 8)
            pygame.draw.circle(s, (level, int(level * 0.8), int(level * 0.4)), (radius, radius), step)
        _GLOWS[key] = s
    return _GLOWS[key]
