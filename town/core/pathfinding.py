"""Shortest four-way paths over the walkable grid: `PathFinder`.

Near goals (within `FIELD_FROM` tiles, Manhattan) are found by A*: Manhattan heuristic, deterministic tie-breaking
(lower f, then lower h, then insertion order), no iteration cap. Far goals are read from a breadth-first tree (scipy's
csgraph, in C), kept for the most recently used roots. A tree covers the goal's region: the square of `REGION`-tile
blocks around the goal's block, clipped to the map (the whole map, in a town smaller than that). A start inside it
walks the region's tree; one outside it, or walled off from the goal within it, the whole map's. So a tree costs the
same to build however big the town, where a whole-map tree per door made a big town's paths cost in proportion to
its size (and its thousands of doors each a tree the size of the map). With `anchors` (each room's door tile,
`TownMap.door_anchors`) the tree is the goal room's: the walk goes to the room's door by its tree and on to the
goal inside by A*, so one tree serves everyone going to that cafe or office, whichever chair they go to — where A*
would search the town afresh for each. Which method serves a pair depends only on the two tiles, so a path never
depends on what was cached before (a resumed run walks the same steps). An unreachable goal raises `NoPathError`
naming both tiles. Paths between the same tiles are cached too, since agents walk the same routes (home, work,
cafe) many times a day.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from typing import Any

import numpy as np

from town.core.errors import NoPathError

Tile = tuple[int, int]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1: the tiles x0 <= x < x1, y0 <= y < y1

# Enough for every (spawn, place) pair a few hundred agents use in a day; evicts least recently used.
PATH_CACHE_SIZE = 20_000
FIELD_FROM = 48  # Manhattan tiles from which a goal's breadth-first tree is used instead of A*
FIELD_BUDGET_BYTES = 512 * 1024 * 1024  # trees kept (a byte per tile each), least recently used evicted
_NOWHERE = 255  # a tile the tree does not reach (or the root)
# A region's tree spans three blocks of this many tiles each way: far walks (a few hundred tiles between a home and the
# places near it) start inside their goal's region, and a tree is 147k tiles, not a 10,000-person town's 788k.
REGION = 128
# Regions' graphs (about 2 MB each) kept for the next tree in the same region, least recently used evicted. Far goals
# come from every region in turn, so a budget below the map's ~50 regions at 10,000 people rebuilt a graph for most
# new trees (2,048 builds in a game hour, 2.6 us an agent-tick); the whole map's fit.
GRAPH_BUDGET_BYTES = 192 * 1024 * 1024


class PathFinder:
    def __init__(self, walkable: np.ndarray, anchors: np.ndarray | None = None) -> None:
        self._walkable = walkable
        self._anchors = anchors  # per tile: the tile id of its room's door, or -1
        self._height, self._width = walkable.shape
        self._cache: OrderedDict[tuple[Tile, Tile], tuple[Tile, ...]] = OrderedDict()
        # (root, box) -> per tile of the box (x0, y0, x1, y1), the way to its parent
        self._trees: OrderedDict[tuple[Tile, Box], bytes] = OrderedDict()
        # One tuple per tile a far path has crossed, shared by every path through it: a path of 500 steps in a big
        # town is then 500 references, not 500 new tuples for the garbage collector to follow and the memory to hold.
        self._tiles: list[Tile | None] = [None] * walkable.size
        self._tree_bytes = 0  # kept within FIELD_BUDGET_BYTES (a region's tree is smaller than the whole map's)
        self._graphs: OrderedDict[Box, Any] = OrderedDict()  # box -> its four-way graph, built on first use
        self._graph_bytes = 0  # kept within GRAPH_BUDGET_BYTES

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
        if abs(start[0] - goal[0]) + abs(start[1] - goal[1]) < FIELD_FROM:
            return self._astar(start, goal)
        anchor = -1 if self._anchors is None else int(self._anchors[goal[1], goal[0]])
        door = (anchor % self._width, anchor // self._width)
        if anchor < 0 or door == goal or abs(start[0] - door[0]) + abs(start[1] - door[1]) < FIELD_FROM:
            return self._from_tree(start, goal)
        return self._from_tree(start, door) + self._astar(door, goal)

    def _from_tree(self, start: Tile, goal: Tile) -> tuple[Tile, ...]:
        """Follow the goal's breadth-first tree from the start: each tile's step leads one tile nearer the goal."""
        region = self._region(goal)
        if region != self._whole and _inside(start, region):
            steps = self._walk(start, goal, region)
            if steps is not None:
                return steps  # else walled off from the goal within the region: the whole map may go round
        steps = self._walk(start, goal, self._whole)
        if steps is None:
            raise NoPathError(f"no path from {start} to {goal}: the goal is walled off from the start")
        return steps

    @property
    def _whole(self) -> Box:
        return (0, 0, self._width, self._height)

    def _region(self, goal: Tile) -> Box:
        """The blocks of `REGION` tiles around the goal's block, clipped to the map."""
        bx, by = goal[0] // REGION, goal[1] // REGION
        return (
            max(0, (bx - 1) * REGION),
            max(0, (by - 1) * REGION),
            min(self._width, (bx + 2) * REGION),
            min(self._height, (by + 2) * REGION),
        )

    def _walk(self, start: Tile, goal: Tile, box: Box) -> tuple[Tile, ...] | None:
        directions = self._tree(goal, box)
        x0, y0, x1, _ = box
        width, map_width = x1 - x0, self._width
        offsets = (1, -1, width, -width)
        tiles = self._tiles
        node = (start[1] - y0) * width + start[0] - x0
        steps: list[Tile] = []
        target = (goal[1] - y0) * width + goal[0] - x0
        while node != target:
            code = directions[node]
            if code == _NOWHERE:
                return None
            node += offsets[code]
            x, y = x0 + node % width, y0 + node // width
            tile = tiles[y * map_width + x]
            if tile is None:
                tile = tiles[y * map_width + x] = (x, y)
            steps.append(tile)
        return tuple(steps)

    def _tree(self, goal: Tile, box: Box) -> bytes:
        key = (goal, box)
        tree = self._trees.get(key)
        if tree is not None:
            self._trees.move_to_end(key)
            return tree
        from scipy.sparse.csgraph import breadth_first_order  # noqa: PLC0415

        x0, y0, x1, y1 = box
        width = x1 - x0
        graph = self._graphs.get(box)
        if graph is None:
            graph = self._graphs[box] = _grid_graph(self._walkable[y0:y1, x0:x1])
            self._graph_bytes += _graph_bytes(graph)
            while self._graph_bytes > GRAPH_BUDGET_BYTES and len(self._graphs) > 1:
                self._graph_bytes -= _graph_bytes(self._graphs.popitem(last=False)[1])
        else:
            self._graphs.move_to_end(box)
        _, parents = breadth_first_order(
            graph, (goal[1] - y0) * width + goal[0] - x0, directed=True, return_predecessors=True
        )
        # Each tile keeps only which way its parent lies (one byte, not a four-byte tile id): four times the trees
        # fit the same memory. Kept as bytes, whose items read as plain ints, several times faster to walk.
        codes = np.full(parents.shape, _NOWHERE, dtype=np.uint8)
        step = parents - np.arange(len(parents))
        reached = parents >= 0
        for code, offset in enumerate((1, -1, width, -width)):
            codes[reached & (step == offset)] = code
        tree = codes.tobytes()
        self._trees[key] = tree
        self._tree_bytes += len(tree)
        while self._tree_bytes > FIELD_BUDGET_BYTES and len(self._trees) > 1:
            self._tree_bytes -= len(self._trees.popitem(last=False)[1])
        return tree

    def _astar(self, start: Tile, goal: Tile) -> tuple[Tile, ...]:
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


def _inside(tile: Tile, box: Box) -> bool:
    return box[0] <= tile[0] < box[2] and box[1] <= tile[1] < box[3]


def _graph_bytes(graph: Any) -> int:
    return int(graph.indptr.nbytes + graph.indices.nbytes + graph.data.nbytes)


def _grid_graph(walkable: np.ndarray):  # noqa: ANN202 - a scipy sparse matrix
    """The four-way adjacency of walkable tiles as a symmetric sparse matrix over tile ids y * width + x.

    Written straight into canonical CSR (each row's neighbours in id order: above, left, right, below), so no sort
    is needed and each breadth-first search reads it as it is; a region's graph is built in a few milliseconds.
    """
    from scipy.sparse import csr_matrix  # noqa: PLC0415

    height, width = walkable.shape
    size = height * width
    valid = np.zeros((height, width, 4), dtype=bool)
    valid[1:, :, 0] = walkable[1:, :] & walkable[:-1, :]
    valid[:, 1:, 1] = walkable[:, 1:] & walkable[:, :-1]
    valid[:, :-1, 2] = walkable[:, :-1] & walkable[:, 1:]
    valid[:-1, :, 3] = walkable[:-1, :] & walkable[1:, :]
    node, way = np.divmod(np.flatnonzero(valid), 4)
    indices = (node + np.array([-width, -1, 1, width])[way]).astype(np.int32)
    indptr = np.searchsorted(node, np.arange(size + 1)).astype(np.int32)
    graph = csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(size, size))
    graph.has_sorted_indices = True  # canonical as written: no search re-checks it
    return graph


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
