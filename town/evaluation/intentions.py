"""Intentions: each planned step (place, minutes) against where the agent actually was halfway through it."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from agents.events import StepsPlanned
from town.core.clock import GameClock
from town.core.events import Event
from town.core.places import TownMap
from town.evaluation.social import places_at


class Intentions(BaseModel):
    planned_steps: int
    realised: int
    share: float | None
    by_agent: dict[str, float]


def intentions(events: Sequence[Event], clock: GameClock, town_map: TownMap) -> Intentions:
    """Planned steps (place, minutes) against where the agent was halfway through each step.

    A plan counts once adopted: steps planned ahead that a re-plan made stale (`adopted` false in the log) were never
    the agent's intention. An adopted plan counts in full: a step cut short by a conversation or a re-plan is an
    intention not realised. Steps whose middle lies past the end of the log are not judged.
    """
    last = events[-1].tick if events else 0
    checks: list[tuple[str, int, str]] = []
    for e in events:
        if not isinstance(e, StepsPlanned) or not e.adopted:
            continue
        at = e.tick
        for minutes, _, arena, _ in e.steps:
            middle = at + clock.ticks_for(minutes=minutes / 2)
            if middle <= last:
                label = town_map.arenas[arena].label if arena in town_map.arenas else arena
                checks.append((e.agent, middle, label))
            at += clock.ticks_for(minutes=minutes)
    where = places_at(events, [t for _, t, _ in checks], town_map)
    hits: dict[str, list[bool]] = {}
    for agent, tick, label in checks:
        hits.setdefault(agent, []).append(where[tick].get(agent) == label)
    realised = sum(sum(v) for v in hits.values())
    return Intentions(
        planned_steps=len(checks),
        realised=realised,
        share=realised / len(checks) if checks else None,
        by_agent={a: sum(v) / len(v) for a, v in sorted(hits.items())},
    )
