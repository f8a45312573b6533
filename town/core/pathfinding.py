"""A* over the walkable grid: `PathFinder`.

Four-way moves, Manhattan heuristic, deterministic tie-breaking (lower f, then lower h, then insertion order).
There is no iteration cap: the search ends when the goal is reached or the reachable region is exhausted, and an
unreachable goal raises `NoPathError` naming both tiles. Paths between the same tiles are cached, since agents walk the
same routes (home, work, cafe) many times a day.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict

import numpy as np

from town.core.errors import NoPathError

Tile = tuple[int, int]

# Enough for every (spawn, place) pair a few hundred agents use in a day; evicts least recently used.
PATH_CACHE_SIZE = 20_000


class PathFinder:
    def __init__(self, walkable: np.ndarray) -> None:
        self._walkable = walkable
        self._height, self._width = walkable.shape
        self._cache: OrderedDict[tuple[Tile, Tile], tuple[Tile, ...]] = OrderedDict()

    def path(self, start: Tile, goal: Tile) -> tuple[Tile, ...]:
        """Tiles from the one after `start` up to and including `goal` (empty when already there)."""
        key = (start, goal)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        found = self._search(start, goal)
        self._cache[key] = found
        if len(self._cache) > PATH_CACHE_SIZE:
            self._cache.popitem(last=False)
        return found

    def _passable(self, tile: Tile) -> bool:
        x, y = tile
        return 0 <= x < self._width and 0 <= y < self._height and bool(self._walkable[y, x])

    def _search(self, start: Tile, goal: Tile) -> tuple[Tile, ...]:
        if start == goal:
            return ()
        for name, tile in (("start", start), ("goal", goal)):
            if not self._passable(tile):
                raise NoPathError(f"no path from {start} to {goal}: {name} tile is blocked or off the map")
        gx, gy = goal
        came_from: dict[Tile, Tile] = {}
        best_cost: dict[Tile, int] = {start: 0}
        counter = 0
        frontier: list[tuple[int, int, int, Tile]] = [(abs(start[0] - gx) + abs(start[1] - gy), 0, counter, start)]
        while frontier:
            _, _, _, current = heapq.heappop(frontier)
            if current == goal:
                steps = [current]
                while steps[-1] in came_from:
                    steps.append(came_from[steps[-1]])
                steps.reverse()
                return tuple(steps[1:])
            cost = best_cost[current] + 1
            cx, cy = current
            for nxt in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                if cost < best_cost.get(nxt, 1 << 30) and self._passable(nxt):
                    best_cost[nxt] = cost
                    came_from[nxt] = current
                    h = abs(nxt[0] - gx) + abs(nxt[1] - gy)
                    counter += 1
                    heapq.heappush(frontier, (cost + h, h, counter, nxt))
        raise NoPathError(f"no path from {start} to {goal}: the goal is walled off from the start")


def reachable(walkable: np.ndarray, starts: list[Tile]) -> np.ndarray:
    """Tiles reachable (four-way) from any of `starts` over walkable tiles, as a boolean grid like `walkable`."""
    height, width = walkable.shape
    seen = np.zeros_like(walkable, dtype=bool)
    frontier = [(x, y) for x, y in starts if 0 <= x < width and 0 <= y < height and walkable[y, x]]
    for x, y in frontier:
        seen[y, x] = True
    while frontier:
        x, y = frontier.pop()
        for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if 0 <= nx < width and 0 <= ny < height and walkable[ny, nx] and not seen[ny, nx]:
                seen[ny, nx] = True
                frontier.append((nx, ny))
    return seen
