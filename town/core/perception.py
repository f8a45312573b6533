"""What each agent notices this tick: `Percept`, `Perceiver`.

Vision is a radius in tiles; attention keeps the nearest `attention_bandwidth` new things; retention stops an agent
re-noticing the same thing (the same agent doing the same action, the same object state) among its last `retention`
percepts — Park et al.'s 4 / 3 / 5. Only what is new counts: something that stays in view is noticed once, when it
enters view or changes, so a busy cafe does not produce a fresh memory every tick. Agents are bucketed by grid cell so the cost stays near-linear in the number of agents.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from town.core.places import TownMap
from town.core.world import IDLE, WorldState


@dataclass(frozen=True)
class Percept:
    kind: str  # "agent" | "object"
    subject: str
    text: str
    distance: float
    key: str


class Perceiver:
    def __init__(self, town_map: TownMap, vision_radius: int, attention_bandwidth: int, retention: int) -> None:
        self._map = town_map
        self.radius = vision_radius
        self.bandwidth = attention_bandwidth
        self.retention = retention
        self._recent: dict[str, deque[str]] = {}
        self._in_view: dict[str, set[str]] = {}

    def perceive(self, world: WorldState) -> dict[str, list[Percept]]:
        r = self.radius
        buckets: dict[tuple[int, int], list[str]] = {}
        for name, body in world.bodies.items():
            buckets.setdefault((body.tile[0] // r, body.tile[1] // r), []).append(name)
        busy_objects = [(addr, state) for addr, state in world.objects.items() if state != IDLE]
        result: dict[str, list[Percept]] = {}
        for name, body in world.bodies.items():
            if body.asleep:
                continue
            x, y = body.tile
            bx, by = x // r, y // r
            candidates: list[Percept] = []
            for cx in (bx - 1, bx, bx + 1):
                for cy in (by - 1, by, by + 1):
                    for other_name in buckets.get((cx, cy), ()):
                        if other_name == name:
                            continue
                        other = world.bodies[other_name]
                        d = math.hypot(other.tile[0] - x, other.tile[1] - y)
                        if d <= r:
                            state = "asleep" if other.asleep else f"c{other.conversation}" if other.conversation else other.action_seq
                            text = other.status_text(world)
                            candidates.append(Percept("agent", other_name, text, d, f"{other_name}#{state}"))
            for address, state in busy_objects:
                tile = self._map.objects[address].access_tile
                d = math.hypot(tile[0] - x, tile[1] - y)
                if d <= r:
                    obj_name = self._map.objects[address].name
                    candidates.append(Percept("object", address, f"the {obj_name} is {state}", d, f"{address}#{state}"))
            previously_in_view = self._in_view.get(name, set())
            self._in_view[name] = {p.key for p in candidates}
            if not candidates:
                continue
            candidates.sort(key=lambda p: (p.distance, p.key))
            recent = self._recent.setdefault(name, deque(maxlen=self.retention))
            fresh: list[Percept] = []
            for percept in candidates:
                if percept.key in recent or percept.key in previously_in_view:
                    continue
                fresh.append(percept)
                recent.append(percept.key)
                if len(fresh) == self.bandwidth:
                    break
            if fresh:
                result[name] = fresh
        return result
