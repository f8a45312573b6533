"""What each agent notices this tick: `Percept`, `Perceiver`.

Vision is a radius in tiles; attention keeps the nearest `attention_bandwidth` new things; retention stops an agent
re-noticing the same thing (the same agent doing the same action, the same object state) among its last `retention`
percepts — Park et al.'s 4 / 3 / 5. Only what is new counts: something that stays in view is noticed once, when it
enters view or changes, and the same thing is not noticed again within `renotice_ticks`, so a busy cafe or a crowd
walking past does not produce a fresh memory every tick. Sight does not pass walls: an agent sees only what is in
the arena it stands in (or, standing outside every arena, what is also outside), as Park et al.'s agents perceive only
their own arena — a cafe's guests do not watch the street, and two neighbours do not notice each other through a
wall. Distances take one vectorised pass per agent, and in a crowd only the nearest few dozen are considered, so the
cost stays near-linear in agents.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from town.core.places import TownMap
from town.core.state import PerceiverState
from town.core.world import IDLE, SAVED, Body, WorldState


@dataclass(frozen=True)
class Percept:
    __pydantic_config__ = SAVED

    kind: str  # "agent" | "object"
    subject: str
    text: str
    distance: float
    key: str


class Perceiver:
    def __init__(
        self, town_map: TownMap, vision_radius: int, attention_bandwidth: int, retention: int, renotice_ticks: int = 0
    ) -> None:
        self._map = town_map
        self.radius = vision_radius
        self.bandwidth = attention_bandwidth
        self.retention = retention
        # In a crowd only the nearest few dozen are in view at all: this bounds the work per agent.
        self.pool = max(4 * attention_bandwidth, 16)
        self.recent: dict[str, deque[str]] = {}
        self.in_view: dict[str, set[str]] = {}
        self.renotice_ticks = renotice_ticks
        self.noticed_at: dict[str, dict[str, int]] = {}
        # Which arena each tile and each object is in (-1: outside every arena), for the same-room rule of sight.
        self._arena_grid = town_map.arena_grid
        self._object_arena = {address: self._room_of(town_map, obj.arena) for address, obj in town_map.objects.items()}
        # The grid cells each object is used from (fixed: objects do not move).
        r = vision_radius
        self._object_cells = {
            address: {(ax // r, ay // r) for ax, ay in obj.access_tiles or (obj.access_tile,)}
            for address, obj in town_map.objects.items()
        }
        # What each body and busy object was at the last tick, to find the cells where nothing changed (a cache: an
        # empty one after loading a save only means the first tick looks at everyone).
        self._last_tiles: dict[str, tuple[int, int]] = {}
        self._last_keys: dict[str, str] = {}
        self._last_busy: dict[str, str] = {}

    @staticmethod
    def _room_of(town_map: TownMap, arena_address: str) -> int:
        """The arena grid's number for an arena (read off one of its tiles)."""
        arena = town_map.arenas.get(arena_address)
        if arena is None or not arena.tiles:
            return -1
        x, y = arena.tiles[0]
        return int(town_map.arena_grid[y, x])

    def get_state(self) -> PerceiverState:
        return PerceiverState(
            recent={name: list(keys) for name, keys in self.recent.items()},
            in_view={name: set(keys) for name, keys in self.in_view.items()},
            noticed_at={name: dict(seen) for name, seen in self.noticed_at.items()},
        )

    def set_state(self, state: PerceiverState) -> None:
        self.recent = {name: deque(keys, maxlen=self.retention) for name, keys in state.recent.items()}
        self.in_view = {name: set(keys) for name, keys in state.in_view.items()}
        self.noticed_at = {name: dict(seen) for name, seen in state.noticed_at.items()}

    def perceive(self, world: WorldState) -> dict[str, list[Percept]]:
        bodies = list(world.bodies.values())
        if not bodies:
            return {}
        positions = np.array([b.tile for b in bodies], dtype=np.int64)
        rooms = self._arena_grid[positions[:, 1], positions[:, 0]].astype(np.int64)
        keys = [_agent_key(b) for b in bodies]
        busy_states = {a: state for a, state in world.objects.items() if state != IDLE}
        busy = [(self._map.objects[a], state) for a, state in busy_states.items()]
        changed = self._changed_cells(bodies, keys, busy_states)
        r = self.radius
        result: dict[str, list[Percept]] = {}
        # Agents are grouped by grid cell of the vision radius; each cell's members are compared with the 3x3 cells
        # around it in one vectorised step, so the work grows with crowding, not with the square of the population.
        cells: dict[tuple[int, int], list[int]] = {}
        for i, (x, y) in enumerate(positions.tolist()):
            cells.setdefault((x // r, y // r), []).append(i)
        # Busy objects go into the same cells by each tile they are used from: one within the radius has such a
        # tile in the 3x3 cells around the onlooker's cell, so a big town's thousands of busy objects are not all
        # measured against every agent.
        object_cells: dict[tuple[int, int], list[int]] = {}
        object_rooms = [self._object_arena.get(obj.address, -1) for obj, _ in busy]
        for n, (obj, _) in enumerate(busy):
            for cell in self._object_cells[obj.address]:
                object_cells.setdefault(cell, []).append(n)
        neighbourhood = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        for (cx, cy), members in cells.items():
            awake = [i for i in members if not bodies[i].asleep]
            if not awake:
                continue
            if not any((cx + dx, cy + dy) in changed for dx, dy in neighbourhood):
                # Everyone and everything within sight is where and as it was: each onlooker here sees what it saw
                # last tick, and nothing that stays in view is new, so there is nothing to notice.
                continue
            around = np.array(
                [j for dx, dy in neighbourhood for j in cells.get((cx + dx, cy + dy), ())], dtype=np.int64
            )
            nearby = {n for dx, dy in neighbourhood for n in object_cells.get((cx + dx, cy + dy), ())}
            near_objects = [(busy[n], object_rooms[n]) for n in sorted(nearby)]
            around_rooms = rooms[around]
            diff = positions[awake][:, None, :] - positions[around][None, :, :]
            dist2 = (diff * diff).sum(axis=2)
            for row, i in enumerate(awake):
                d2 = dist2[row]
                room = rooms[i]
                near = np.flatnonzero((d2 <= r * r) & (around != i) & (around_rooms == room))
                if len(near) > self.pool:
                    near = near[np.argpartition(d2[near], self.pool)[: self.pool]]
                in_view: list[tuple[float, str, Body | tuple[str, str, str]]] = [
                    (math.sqrt(d2[k]), keys[around[k]], bodies[around[k]]) for k in near.tolist()
                ]
                x, y = bodies[i].tile
                for (obj, state), object_room in near_objects:
                    if object_room != room:
                        continue
                    d = min(math.hypot(ax - x, ay - y) for ax, ay in obj.access_tiles or (obj.access_tile,))
                    if d <= r:
                        in_view.append((d, f"{obj.address}#{state}", (obj.address, obj.name, state)))
                fresh = self._notice(bodies[i].name, in_view, world)
                if fresh:
                    result[bodies[i].name] = fresh
        return {b.name: result[b.name] for b in bodies if b.name in result}

    def _changed_cells(self, bodies: list[Body], keys: list[str], busy: dict[str, str]) -> set[tuple[int, int]]:
        """The cells where a body moved, came, went or changed what it does, or an object changed state."""
        r = self.radius
        changed: set[tuple[int, int]] = set()
        # Tiles and keys are kept as they are (no tuple per body and tick for the collector to follow).
        last_tiles, last_keys = self._last_tiles, self._last_keys
        tiles, now_keys = {}, {}
        for body, key in zip(bodies, keys, strict=True):
            name, tile = body.name, body.tile
            tiles[name], now_keys[name] = tile, key
            before = last_tiles.pop(name, None)
            if before != tile or last_keys.get(name) != key:
                changed.add((tile[0] // r, tile[1] // r))
                if before is not None:
                    changed.add((before[0] // r, before[1] // r))
        changed.update((x // r, y // r) for x, y in last_tiles.values())  # those who left the world
        for address in busy.keys() | self._last_busy.keys():
            if busy.get(address) != self._last_busy.get(address):
                changed.update(self._object_cells[address])
        self._last_tiles, self._last_keys, self._last_busy = tiles, now_keys, busy
        return changed

    def _notice(
        self, name: str, in_view: list[tuple[float, str, Body | tuple[str, str, str]]], world: WorldState
    ) -> list[Percept]:
        """The nearest new things, up to the attention bandwidth; what stays in view is not noticed again."""
        previously_in_view = self.in_view.get(name, set())
        self.in_view[name] = {key for _, key, _ in in_view}
        if not in_view:
            return []
        in_view.sort(key=lambda item: (item[0], item[1]))
        recent = self.recent.setdefault(name, deque(maxlen=self.retention))
        noticed_at = self.noticed_at.setdefault(name, {})
        tick = world.tick
        if len(noticed_at) > 512:  # forget what is past the re-notice window
            for old in [k for k, t in noticed_at.items() if tick - t >= self.renotice_ticks]:
                del noticed_at[old]
        fresh: list[Percept] = []
        for distance, key, what in in_view:
            if key in recent or key in previously_in_view:
                continue
            if tick - noticed_at.get(key, -(10**9)) < self.renotice_ticks:
                continue
            if isinstance(what, Body):
                fresh.append(Percept("agent", what.name, what.status_text(world), distance, key))
            else:
                address, obj_name, state = what
                fresh.append(Percept("object", address, f"the {obj_name} is {state}", distance, key))
            recent.append(key)
            noticed_at[key] = tick
            if len(fresh) == self.bandwidth:
                break
        return fresh


def _agent_key(body: Body) -> str:
    """What an onlooker would call 'the same thing': this agent in this action, asleep, or in this conversation."""
    if body.asleep:
        return f"{body.name}#asleep"
    if body.conversation is not None:
        return f"{body.name}#c{body.conversation}"
    return f"{body.name}#{body.action_seq}"
