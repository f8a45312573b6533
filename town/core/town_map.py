"""The town a map describes: `TownMap` with its `Sector`s, `Arena`s and `GameObject`s, and `MapReport`.

Places are shapes made of tiles (any outline, several pieces); `arena_grid` and `sector_grid` say which arena and
sector each tile is in, and an object keeps one standing tile per piece. town.core.places builds them from a map.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from town.core.tiled import TiledMap

Tile = tuple[int, int]


@dataclass(frozen=True)
class GameObject:
    """Something agents use, at world:sector:arena:object; `access_tiles` has one standing tile per piece."""

    name: str
    address: str
    arena: str
    access_tile: Tile
    access_tiles: tuple[Tile, ...] = ()
    tiles: tuple[Tile, ...] = ()

    def access_for(self, agent: str) -> Tile:
        """The piece an agent uses: stable per agent, so several agents spread over a cafe's seats."""
        tiles = self.access_tiles or (self.access_tile,)
        return tiles[zlib.crc32(agent.encode()) % len(tiles)]


@dataclass
class Arena:
    sector: str
    name: str
    address: str
    tiles: list[Tile]
    objects: dict[str, GameObject] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How prompts name the arena: 'Rosewood Cafe: cafe'."""
        return f"{self.sector}: {self.name}"


@dataclass
class Sector:
    name: str
    public: bool
    arenas: list[str] = field(default_factory=list)


@dataclass
class TownMap:
    """Walkability, places and spawns of one map; read-only after loading."""

    world: str
    width: int
    height: int
    tile_size: int
    walkable: np.ndarray
    sectors: dict[str, Sector]
    arenas: dict[str, Arena]
    objects: dict[str, GameObject]
    spawns: dict[str, Tile]
    arena_grid: np.ndarray
    source: str = ""
    tiled: TiledMap | None = None
    _arena_order: list[str] = field(default_factory=list)
    sector_grid: np.ndarray | None = None
    _sector_order: list[str] = field(default_factory=list)

    def arena_at(self, tile: Tile) -> Arena | None:
        index = int(self.arena_grid[tile[1], tile[0]])
        return self.arenas[self._arena_order[index]] if index >= 0 else None

    def sector_at(self, tile: Tile) -> Sector | None:
        """The sector under a tile, arena or not (a cafe's doorway is in the cafe's sector)."""
        if self.sector_grid is None:
            arena = self.arena_at(tile)
            return self.sectors[arena.sector] if arena else None
        index = int(self.sector_grid[tile[1], tile[0]])
        return self.sectors[self._sector_order[index]] if index >= 0 else None

    def arena_by_label(self, label: str) -> Arena | None:
        return self._arenas_by_label.get(label)

    @cached_property
    def _arenas_by_label(self) -> dict[str, Arena]:
        """'Sector: arena' -> arena, built on first use (the map is read-only after loading).

        A big town's generated people name thousands of places, and a scan per name made that quadratic.
        """
        by_label: dict[str, Arena] = {}
        for arena in self.arenas.values():
            by_label.setdefault(arena.label, arena)  # the first, as a scan in insertion order found it
        return by_label

    def public_near(self, sectors: list[str], count: int) -> list[str]:
        """Public sectors in map order: every one when there are at most `count`, else the `count` nearest each sector.

        Nearness is between the mean tiles of the sectors' arenas (Manhattan), ties broken by map order.
        """
        public = self._public_centres
        if len(public) <= count:
            return [name for name, _ in public]
        chosen: set[str] = set()
        for sector in sectors:
            x, y = self._centre_of(sector)
            by_distance = sorted(public, key=lambda item: abs(item[1][0] - x) + abs(item[1][1] - y))
            chosen.update(name for name, _ in by_distance[:count])
        return [name for name, _ in public if name in chosen]

    @cached_property
    def _public_centres(self) -> list[tuple[str, tuple[float, float]]]:
        """Public sectors that hold arenas, in map order, with their centres (computed once: the map is read-only)."""
        return [(s.name, self._centre_of(s.name)) for s in self.sectors.values() if s.public and s.arenas]

    def _centre_of(self, sector: str) -> tuple[float, float]:
        tiles = [tile for arena in self.arenas_of(sector) for tile in arena.tiles]
        if not tiles:
            return (self.width / 2, self.height / 2)
        return (sum(x for x, _ in tiles) / len(tiles), sum(y for _, y in tiles) / len(tiles))

    def door_anchors(self) -> np.ndarray:
        """Per tile, the tile id (y * width + x) of its room's door, or -1 outside rooms and in rooms without one.

        The door is the first walkable tile of the arena, in row order, that touches walkable ground outside it.
        """
        anchors = np.full((self.height, self.width), -1, dtype=np.int64)
        for arena in self.arenas.values():
            tiles = set(arena.tiles)
            door = next(
                (
                    (x, y)
                    for x, y in sorted(arena.tiles, key=lambda t: (t[1], t[0]))
                    if self.is_walkable((x, y))
                    and any(
                        self.is_walkable(n) and n not in tiles for n in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1))
                    )
                ),
                None,
            )
            if door is not None:
                for x, y in tiles:
                    anchors[y, x] = door[1] * self.width + door[0]
        return anchors

    def arenas_of(self, sector: str) -> list[Arena]:
        return [self.arenas[a] for a in self.sectors[sector].arenas]

    def is_walkable(self, tile: Tile) -> bool:
        x, y = tile
        return 0 <= x < self.width and 0 <= y < self.height and bool(self.walkable[y, x])


@dataclass
class MapReport:
    """What `analyse_map` found: errors block a run, warnings do not; `found` says which conventions were read."""

    source: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)


def connected_pieces(tiles: set[Tile]) -> list[list[Tile]]:
    """Connected pieces (4-neighbour) of a set of tiles, in reading order of their first tile."""
    left = set(tiles)
    pieces: list[list[Tile]] = []
    for start in sorted(tiles, key=lambda t: (t[1], t[0])):
        if start not in left:
            continue
        left.remove(start)
        piece, stack = [start], [start]
        while stack:
            x, y = stack.pop()
            for n in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                if n in left:
                    left.remove(n)
                    piece.append(n)
                    stack.append(n)
        pieces.append(piece)
    return pieces
