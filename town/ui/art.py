"""Pixel art drawn in code: the town tileset, furniture and agent sprites (all original, 32 px).

`make_town_tileset` is what tools/make_tileset.py saves as assets/tiles/town.png, so Tiled shows the same tiles as the
app. Colours and shapes derive from fixed palettes and stable hashes, never from a random generator.
"""

from __future__ import annotations

import zlib

import pygame

TILE = 32
GRASS, ROAD, FLOOR, WALL, WATER, DIRT, BLOCK = 1, 2, 3, 4, 5, 6, 7
SHIRTS = [
    (200, 70, 70),
    (70, 120, 200),
    (80, 160, 90),
    (200, 160, 60),
    (150, 90, 180),
    (60, 160, 170),
    (210, 120, 60),
    (230, 200, 80),
    (170, 60, 110),
    (90, 90, 100),
    (240, 240, 235),
    (120, 170, 220),
    (110, 80, 160),
    (60, 110, 70),
]
SKINS = [(240, 205, 170), (220, 180, 140), (190, 140, 100), (150, 105, 75), (110, 75, 55)]
HAIRS = [
    (40, 30, 25),
    (90, 60, 30),
    (200, 170, 90),
    (150, 60, 30),
    (120, 120, 120),
    (20, 20, 20),
    (230, 220, 200),
    (110, 40, 30),
]


def _speckle(surface: pygame.Surface, colour: tuple[int, int, int], seed: int, count: int) -> None:
    for i in range(count):
        h = zlib.crc32(f"{seed}:{i}".encode())
        surface.set_at((h % TILE, (h >> 8) % TILE), colour)


def make_tile(gid: int) -> pygame.Surface:
    tile = pygame.Surface((TILE, TILE), pygame.SRCALPHA)
    if gid == GRASS:
        tile.fill((96, 160, 72))
        _speckle(tile, (120, 184, 88), 1, 18)
        _speckle(tile, (76, 136, 60), 2, 12)
    elif gid == ROAD:
        tile.fill((150, 146, 138))
        _speckle(tile, (132, 128, 120), 3, 20)
        pygame.draw.line(tile, (170, 166, 158), (0, 0), (TILE, 0))
    elif gid == FLOOR:
        tile.fill((196, 156, 104))
        for y in range(0, TILE, 8):
            pygame.draw.line(tile, (170, 132, 86), (0, y), (TILE, y))
            offset = 12 if (y // 8) % 2 else 4
            pygame.draw.line(tile, (170, 132, 86), (offset, y), (offset, y + 7))
    elif gid == WALL:
        tile.fill((150, 84, 64))
        for row, y in enumerate(range(0, TILE, 8)):
            pygame.draw.line(tile, (110, 60, 46), (0, y), (TILE, y))
            for x in range(-8 if row % 2 else 0, TILE, 16):
                pygame.draw.line(tile, (110, 60, 46), (x, y), (x, y + 7))
    elif gid == WATER:
        tile.fill((70, 130, 200))
        for y in (8, 20):
            pygame.draw.arc(tile, (150, 200, 240), (4, y, 12, 6), 0, 3.14)
            pygame.draw.arc(tile, (150, 200, 240), (18, y + 4, 12, 6), 0, 3.14)
    elif gid == DIRT:
        tile.fill((186, 160, 110))
        _speckle(tile, (160, 134, 90), 4, 22)
    return tile


def make_town_tileset() -> pygame.Surface:
    """The seven default tiles in one row, in gid order (the collision marker tile is transparent)."""
    sheet = pygame.Surface((TILE * 7, TILE), pygame.SRCALPHA)
    for gid in range(1, 8):
        sheet.blit(make_tile(gid), ((gid - 1) * TILE, 0))
    return sheet


PLAN_KINDS = ("grass", "path", "floor", "wall", "fixture", "hedge")


def plan_tile(kind: str) -> pygame.Surface:
    """A tile of the plan-view style, used where a map's own art is missing.

    Kinds: walkable ground outdoors (grass), inside a sector but no arena (path), inside an arena (floor); blocked
    inside an arena (fixture: furniture), elsewhere in a sector (wall) or outdoors (hedge).
    """
    if kind == "grass":
        return make_tile(GRASS)
    if kind == "path":
        return make_tile(DIRT)
    if kind == "floor":
        return make_tile(FLOOR)
    if kind == "wall":
        return make_tile(WALL)
    if kind == "fixture":  # furniture seen from above: a wooden top on the floor
        tile = make_tile(FLOOR)
        pygame.draw.rect(tile, (120, 82, 50), (2, 2, 28, 28), border_radius=3)
        pygame.draw.rect(tile, (150, 106, 66), (4, 4, 24, 20), border_radius=2)
        return tile
    tile = pygame.Surface((TILE, TILE), pygame.SRCALPHA)
    tile.fill((58, 110, 52))
    for i, (cx, cy) in enumerate(((8, 9), (23, 8), (15, 20), (6, 26), (26, 25))):
        pygame.draw.circle(tile, (44, 92, 42) if i % 2 else (72, 128, 60), (cx, cy), 7)
    return tile


def furniture(name: str) -> pygame.Surface:
    """A small top-down drawing for an object, chosen by words in its name."""
    s = pygame.Surface((TILE, TILE), pygame.SRCALPHA)
    n = name.lower()
    wood, dark = (150, 100, 60), (100, 66, 40)
    if "bed" in n:
        pygame.draw.rect(s, (90, 60, 40), (3, 2, 26, 28), border_radius=3)
        pygame.draw.rect(s, (230, 230, 240), (5, 4, 22, 8), border_radius=2)
        pygame.draw.rect(s, (90, 120, 190), (5, 12, 22, 16), border_radius=2)
    elif "stove" in n or "oven" in n:
        pygame.draw.rect(s, (70, 70, 76), (3, 3, 26, 26), border_radius=3)
        for cx, cy in ((10, 10), (22, 10), (10, 22), (22, 22)):
            pygame.draw.circle(s, (30, 30, 30), (cx, cy), 4, 2)
    elif "fridge" in n:
        pygame.draw.rect(s, (225, 230, 235), (6, 2, 20, 28), border_radius=3)
        pygame.draw.line(s, (160, 165, 170), (7, 12), (25, 12), 2)
    elif "sink" in n:
        pygame.draw.rect(s, (200, 205, 210), (4, 6, 24, 20), border_radius=4)
        pygame.draw.rect(s, (120, 160, 200), (8, 10, 16, 12), border_radius=3)
    elif "fountain" in n:
        pygame.draw.circle(s, (170, 170, 175), (16, 16), 14)
        pygame.draw.circle(s, (90, 150, 220), (16, 16), 10)
        pygame.draw.circle(s, (220, 240, 255), (16, 16), 3)
    elif "garden" in n:
        for i, (cx, cy) in enumerate(((8, 8), (22, 9), (10, 22), (23, 23), (16, 15))):
            pygame.draw.circle(s, (60, 130, 50), (cx, cy), 6)
            pygame.draw.circle(s, [(230, 80, 90), (250, 210, 60), (200, 110, 220)][i % 3], (cx, cy), 2)
    elif "bench" in n:
        pygame.draw.rect(s, wood, (2, 10, 28, 8), border_radius=2)
        pygame.draw.rect(s, dark, (2, 20, 28, 3))
    elif "shel" in n or "bookcase" in n or "bookshel" in n:
        pygame.draw.rect(s, dark, (2, 4, 28, 24))
        for y, colours in (
            (7, ((200, 60, 60), (60, 120, 200), (220, 180, 60))),
            (17, ((80, 160, 90), (150, 90, 180), (230, 120, 60))),
        ):
            for i, colour in enumerate(colours):
                pygame.draw.rect(s, colour, (5 + i * 8, y, 6, 8))
    elif "piano" in n:
        pygame.draw.rect(s, (30, 30, 34), (2, 6, 28, 20), border_radius=2)
        for x in range(4, 28, 4):
            pygame.draw.rect(s, (240, 240, 240), (x, 18, 3, 7))
    elif "easel" in n:
        pygame.draw.line(s, dark, (8, 30), (16, 4), 2)
        pygame.draw.line(s, dark, (24, 30), (16, 4), 2)
        pygame.draw.rect(s, (245, 240, 225), (8, 8, 16, 12))
        pygame.draw.circle(s, (230, 120, 60), (14, 13), 3)
    elif "machine" in n:
        pygame.draw.rect(s, (60, 60, 64), (6, 4, 20, 24), border_radius=3)
        pygame.draw.circle(s, (200, 200, 200), (16, 12), 4)
        pygame.draw.rect(s, (250, 250, 250), (12, 20, 8, 6))
    elif "blackboard" in n:
        pygame.draw.rect(s, (50, 80, 60), (1, 6, 30, 18))
        pygame.draw.rect(s, wood, (1, 6, 30, 18), 2)
        pygame.draw.line(s, (230, 230, 230), (6, 12), (20, 12))
    elif "guitar" in n:
        pygame.draw.circle(s, (180, 110, 50), (16, 21), 7)
        pygame.draw.line(s, dark, (16, 4), (16, 18), 3)
    else:  # tables, desks, counters, lecterns, cabinets, doors: a wooden top with an edge
        pygame.draw.rect(s, wood, (3, 6, 26, 20), border_radius=3)
        pygame.draw.rect(s, dark, (3, 6, 26, 20), 2, border_radius=3)
    return s


def _pick(palette: list[tuple[int, int, int]], name: str, salt: str) -> tuple[int, int, int]:
    return palette[zlib.crc32(f"{salt}:{name}".encode()) % len(palette)]


PANTS = [(58, 64, 92), (84, 62, 46), (40, 44, 52), (96, 104, 120), (70, 90, 60), (120, 60, 70)]
# Weighted: most people have short or long hair; caps and bald heads are the exception.
HAIR_STYLES = ("short", "short", "long", "long", "bun", "curly", "curly", "cap", "bald")
WALK_FRAMES = 4  # stand, left foot forward, stand, right foot forward


def _shade(colour: tuple[int, int, int], by: int) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + by)) for c in colour)  # type: ignore[return-value]


def agent_sprite(name: str, facing: tuple[int, int], frame: int, moving: bool) -> pygame.Surface:
    """A 32 px villager, about 18x28 px, drawn from the name so each persona always looks like themself.

    Clothes, skin, hair colour and hair style come from stable hashes of the name; walking is a four-frame cycle with
    swinging arms; facing down shows the face, sideways a profile, up the back of the head.
    """
    s = pygame.Surface((TILE, TILE), pygame.SRCALPHA)
    shirt, skin, hair = _pick(SHIRTS, name, "shirt"), _pick(SKINS, name, "skin"), _pick(HAIRS, name, "hair")
    pants = _pick(PANTS, name, "pants")
    style = HAIR_STYLES[zlib.crc32(f"{name}:style".encode()) % len(HAIR_STYLES)]
    skirt = zlib.crc32(f"{name}:skirt".encode()) % 3 == 0
    dx, dy = facing
    side = dx != 0 and dy == 0
    phase = frame % WALK_FRAMES if moving else 0
    step = {0: 0, 1: 2, 2: 0, 3: -2}[phase]  # how far the left foot is ahead (px); the right one mirrors it
    bob = 1 if phase in (1, 3) else 0
    pygame.draw.ellipse(s, (0, 0, 0, 70), (8, 27, 16, 5))
    top = 3 + bob
    # Legs and shoes.
    if side:
        pygame.draw.rect(s, pants, (13 - step // 2, top + 17, 4, 8))
        pygame.draw.rect(s, _shade(pants, -25), (15 + step // 2, top + 17, 4, 8))
        pygame.draw.rect(s, (40, 32, 30), (12 - step // 2 + (2 if dx > 0 else -1), top + 24, 5, 2))
    else:
        pygame.draw.rect(s, pants, (11, top + 17 - max(0, step), 4, 8 + max(0, step) - max(0, -step) // 2))
        pygame.draw.rect(s, pants, (17, top + 17 - max(0, -step), 4, 8 + max(0, -step) - max(0, step) // 2))
        pygame.draw.rect(s, (40, 32, 30), (10, top + 24 - max(0, step), 6, 2))
        pygame.draw.rect(s, (40, 32, 30), (16, top + 24 - max(0, -step), 6, 2))
    if skirt:
        pygame.draw.polygon(s, _shade(shirt, -30), [(10, top + 15), (22, top + 15), (24, top + 21), (8, top + 21)])
    # Arms swing opposite the legs, then the torso over them.
    arm = -step
    if side:
        pygame.draw.rect(s, _shade(shirt, -20), (14 + arm, top + 10, 4, 8), border_radius=2)
        pygame.draw.rect(s, skin, (14 + arm, top + 17, 4, 2))
    else:
        pygame.draw.rect(s, _shade(shirt, -20), (7, top + 10 + max(0, arm), 3, 7), border_radius=1)
        pygame.draw.rect(s, _shade(shirt, -20), (22, top + 10 + max(0, -arm), 3, 7), border_radius=1)
        pygame.draw.rect(s, skin, (7, top + 17 + max(0, arm), 3, 2))
        pygame.draw.rect(s, skin, (22, top + 17 + max(0, -arm), 3, 2))
    pygame.draw.rect(s, shirt, (10, top + 9, 12, 9), border_radius=3)
    pygame.draw.line(s, _shade(shirt, 35), (12, top + 10), (19, top + 10))
    # Head, hair and face.
    head = pygame.Rect(10, top - 2, 12, 12)
    pygame.draw.rect(s, skin, head, border_radius=5)
    if style == "long":
        back = pygame.Rect(9, top - 3, 14, 14 if dy < 0 else 6)
        pygame.draw.rect(s, hair, back, border_radius=5)
        if dy >= 0 and not side:
            pygame.draw.rect(s, hair, (9, top + 1, 2, 9))
            pygame.draw.rect(s, hair, (21, top + 1, 2, 9))
    elif style == "bun":
        pygame.draw.rect(s, hair, (10, top - 3, 12, 5 if dy >= 0 else 12), border_radius=4)
        pygame.draw.circle(s, _shade(hair, 15), (16, top - 4), 3)
    elif style == "cap":
        pygame.draw.rect(s, _shade(shirt, -45), (9, top - 3, 14, 5), border_radius=3)
        brim = (18, top + 1, 7, 2) if dx > 0 else (7, top + 1, 7, 2) if dx < 0 else (10, top + 1, 12, 2)
        if dy >= 0:
            pygame.draw.rect(s, _shade(shirt, -60), brim)
    elif style == "curly":
        for cx in (11, 14, 17, 20):
            pygame.draw.circle(s, hair, (cx, top - 1), 3)
        if dy < 0:
            pygame.draw.rect(s, hair, (10, top, 12, 8), border_radius=4)
    elif style == "short":
        pygame.draw.rect(s, hair, (10, top - 3, 12, 5 if dy >= 0 else 10), border_radius=4)
    else:  # bald: a little hair at the sides only
        pygame.draw.rect(s, hair, (10, top + 2, 2, 3))
        pygame.draw.rect(s, hair, (20, top + 2, 2, 3))
    if side:
        back_x = 10 if dx > 0 else 19
        if style not in ("bald", "cap"):
            pygame.draw.rect(s, hair, (back_x, top - 2, 3, 8), border_radius=2)
        eye_x = 19 if dx > 0 else 12
        s.set_at((eye_x, top + 4), (25, 25, 30))
        s.set_at((eye_x + (1 if dx > 0 else -1), top + 7), _shade(skin, -50))
    elif dy >= 0:
        for eye_x in (14, 18):
            s.set_at((eye_x, top + 4), (25, 25, 30))
            s.set_at((eye_x, top + 5), (25, 25, 30))
        pygame.draw.line(s, _shade(skin, -50), (15, top + 8), (17, top + 8))
    return s


# Activity icons for action bubbles, drawn in code (the default font has no emoji): emoji -> icon kind.
ICON_OF = {
    "☕": "cup",
    "🍵": "cup",
    "🍳": "pan",
    "🥪": "plate",
    "🍲": "plate",
    "🍽": "plate",
    "🥐": "pan",
    "📖": "book",
    "📚": "book",
    "✍": "pen",
    "🧑‍🏫": "book",
    "🎨": "brush",
    "🎸": "note",
    "🎵": "note",
    "🎉": "star",
    "🌱": "leaf",
    "🚶": "shoe",
    "🏃": "shoe",
    "💬": "speech",
    "🛒": "cart",
    "🧾": "cart",
    "💼": "case",
    "🧹": "case",
    "😴": "moon",
    "☀": "sun",
    "🚿": "drop",
}


def icon(emoji: str, size: int = 14) -> pygame.Surface:
    """A tiny pictogram for an action's emoji (a plain dot when the activity has none)."""
    s = pygame.Surface((size, size), pygame.SRCALPHA)
    kind = ICON_OF.get(emoji, "dot")
    c = size // 2
    if kind == "cup":
        pygame.draw.rect(s, (250, 250, 250), (2, 4, 8, 8), border_radius=2)
        pygame.draw.circle(s, (250, 250, 250), (11, 8), 3, 1)
        pygame.draw.rect(s, (120, 70, 40), (3, 5, 6, 2))
    elif kind == "pan":
        pygame.draw.circle(s, (60, 60, 66), (6, 8), 5)
        pygame.draw.line(s, (60, 60, 66), (10, 8), (13, 5), 2)
        pygame.draw.circle(s, (250, 220, 90), (6, 8), 2)
    elif kind == "plate":
        pygame.draw.circle(s, (245, 245, 245), (c, c), 6)
        pygame.draw.circle(s, (220, 120, 70), (c, c), 3)
    elif kind == "book":
        pygame.draw.rect(s, (70, 120, 200), (2, 2, 10, 11), border_radius=1)
        pygame.draw.line(s, (240, 240, 240), (4, 5), (10, 5))
        pygame.draw.line(s, (240, 240, 240), (4, 8), (10, 8))
    elif kind == "pen":
        pygame.draw.line(s, (60, 60, 70), (3, 12), (11, 3), 3)
        pygame.draw.line(s, (230, 180, 60), (10, 4), (12, 2), 2)
    elif kind == "brush":
        pygame.draw.line(s, (150, 100, 60), (3, 12), (10, 4), 2)
        pygame.draw.circle(s, (200, 80, 180), (11, 3), 2)
    elif kind == "note":
        pygame.draw.circle(s, (190, 90, 180), (5, 11), 3)
        pygame.draw.line(s, (190, 90, 180), (7, 11), (7, 2), 2)
        pygame.draw.line(s, (190, 90, 180), (7, 2), (11, 4), 2)
    elif kind == "star":
        pygame.draw.polygon(
            s, (250, 200, 60), [(7, 1), (9, 5), (13, 6), (10, 9), (11, 13), (7, 11), (3, 13), (4, 9), (1, 6), (5, 5)]
        )
    elif kind == "leaf":
        pygame.draw.ellipse(s, (80, 170, 80), (2, 3, 10, 8))
        pygame.draw.line(s, (40, 110, 40), (3, 11), (11, 4))
    elif kind == "shoe":
        pygame.draw.rect(s, (150, 90, 50), (2, 7, 10, 5), border_radius=2)
        pygame.draw.rect(s, (150, 90, 50), (2, 3, 5, 6))
    elif kind == "speech":
        pygame.draw.ellipse(s, (250, 250, 250), (1, 2, 12, 8))
        pygame.draw.polygon(s, (250, 250, 250), [(4, 9), (4, 13), (7, 9)])
    elif kind == "cart":
        pygame.draw.rect(s, (120, 120, 130), (2, 3, 10, 6), 2)
        pygame.draw.circle(s, (60, 60, 66), (4, 11), 2)
        pygame.draw.circle(s, (60, 60, 66), (10, 11), 2)
    elif kind == "case":
        pygame.draw.rect(s, (140, 100, 60), (2, 5, 11, 8), border_radius=2)
        pygame.draw.rect(s, (140, 100, 60), (5, 3, 5, 3), 1)
    elif kind == "moon":
        pygame.draw.circle(s, (240, 230, 150), (c, c), 5)
        pygame.draw.circle(s, (0, 0, 0, 0), (c + 3, c - 2), 4)
    elif kind == "sun":
        pygame.draw.circle(s, (250, 200, 60), (c, c), 4)
        for dx, dy in ((0, -6), (0, 6), (-6, 0), (6, 0)):
            pygame.draw.line(s, (250, 200, 60), (c, c), (c + dx, c + dy))
    elif kind == "drop":
        pygame.draw.circle(s, (90, 160, 230), (c, 9), 4)
        pygame.draw.polygon(s, (90, 160, 230), [(c - 3, 8), (c + 3, 8), (c, 2)])
    else:
        pygame.draw.circle(s, (160, 160, 170), (c, c), 4)
    return s
