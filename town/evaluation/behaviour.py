"""What agents do, not only what they say (OmniBehavior asks for both), counted from the log.

- Activity: actions begun per awake agent-hour (sleep is not an action).
- Homogenization of behaviour: each agent's mix of activities (the first word of each action: "working", "reading")
  as a vector; the mean cosine over all pairs of agents (1: everybody does the same things in the same proportions).
- Where the waking hours go: the share of each agent's awake time at home, at work, at third places (every other
  place) and outdoors, beside the same split of its persona's routine (each routine block weighted by its length).

Pure functions over typed events, the map and the personas.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from agents.events import AgentRemoved
from agents.persona import Persona, minute_of_day
from agents.persona_facts import waking_hours
from town.core.clock import GameClock
from town.core.events import ActionStarted, AgentSpawned, Event, Moves, SleepChanged
from town.core.places import TownMap
from town.evaluation.similarity import mean_pairwise_cosine

WHERE = ("home", "work", "third place", "outdoors")


class AgentBehaviour(BaseModel):
    agent: str
    awake_hours: float
    actions: int
    actions_per_awake_hour: float | None
    time_share: dict[str, float]  # of awake time, by WHERE
    routine_share: dict[str, float] | None  # the persona's routine split the same way (None: no persona)


class Behaviour(BaseModel):
    agents: list[AgentBehaviour]
    actions_per_awake_agent_hour: float | None
    activity_homogenization: float | None  # mean pairwise cosine of activity mixes; None with fewer than two agents
    distinct_activities: int


def _kind(sector: str | None, persona: Persona | None) -> str:
    if sector is None:
        return "outdoors"
    if persona is not None and sector == persona.home:
        return "home"
    if persona is not None and sector == persona.workplace:
        return "work"
    return "third place"


def routine_share(persona: Persona, town_map: TownMap) -> dict[str, float]:
    """The persona's routine split by where each block is, each block lasting until the next (the last until bed)."""
    wake, bed = waking_hours(persona)
    starts = [(minute_of_day(item.time), item.place) for item in persona.routine]
    items = sorted((m if m >= wake else m + 1440, place) for m, place in starts)
    spent: Counter[str] = Counter()
    for (start, place), (end, _) in zip(items, [*items[1:], (bed, "")], strict=True):
        arena = town_map.arena_by_label(place)
        spent[_kind(arena.sector if arena else None, persona)] += max(0, end - start)
    total = sum(spent.values())
    return {k: round(spent[k] / total, 4) if total else 0.0 for k in WHERE}


def _activity(description: str) -> str:
    words = description.lower().split()
    return words[0].strip(".,;:!") if words else ""


def behaviour(events: Sequence[Event], personas: Sequence[Persona], town_map: TownMap, clock: GameClock) -> Behaviour:
    by_name = {p.name: p for p in personas}
    last = events[-1].tick if events else 0
    tiles: dict[str, tuple[int, int]] = {}
    asleep: dict[str, bool] = {}
    awake_ticks: dict[str, Counter[str]] = {}
    since: dict[str, int] = {}  # the tick from which the agent's current place and state have held
    actions: Counter[str] = Counter()
    mixes: dict[str, Counter[str]] = {}

    def settle(agent: str, tick: int) -> None:
        """Credit the time since the agent's last change to where it was, if it was awake."""
        start = since.get(agent)
        if start is not None and agent in tiles and not asleep.get(agent, False):
            sector = town_map.sector_at(tiles[agent])
            awake_ticks.setdefault(agent, Counter())[_kind(sector.name if sector else None, by_name.get(agent))] += (
                tick - start
            )
        since[agent] = tick

    for e in events:
        if isinstance(e, AgentSpawned):
            settle(e.agent, e.tick)
            tiles[e.agent] = e.tile
        elif isinstance(e, Moves):
            for agent, tile in e.positions.items():
                settle(agent, e.tick)
                tiles[agent] = tile
        elif isinstance(e, SleepChanged):
            settle(e.agent, e.tick)
            asleep[e.agent] = e.asleep
        elif isinstance(e, AgentRemoved):
            settle(e.agent, e.tick)
            tiles.pop(e.agent, None)
        elif isinstance(e, ActionStarted) and e.description != "sleeping":
            actions[e.agent] += 1
            mixes.setdefault(e.agent, Counter())[_activity(e.description)] += 1
    for agent in list(tiles):
        settle(agent, last)

    rows = []
    hours_per_tick = clock.tick_seconds / 3600
    for agent in sorted(set(awake_ticks) | set(actions)):
        spent = awake_ticks.get(agent, Counter())
        total = sum(spent.values())
        hours = total * hours_per_tick
        persona = by_name.get(agent)
        rows.append(
            AgentBehaviour(
                agent=agent,
                awake_hours=round(hours, 3),
                actions=actions[agent],
                actions_per_awake_hour=round(actions[agent] / hours, 3) if hours else None,
                time_share={k: round(spent[k] / total, 4) if total else 0.0 for k in WHERE},
                routine_share=routine_share(persona, town_map) if persona else None,
            )
        )
    awake = sum(r.awake_hours for r in rows)
    return Behaviour(
        agents=rows,
        actions_per_awake_agent_hour=round(sum(actions.values()) / awake, 3) if awake else None,
        activity_homogenization=homogenization(list(mixes.values())),
        distinct_activities=len({a for mix in mixes.values() for a in mix}),
    )


def homogenization(mixes: list[Counter[str]]) -> float | None:
    """Mean cosine similarity over all pairs of activity mixes (1: identical mixes; 0: nothing in common)."""
    vocabulary = sorted({a for mix in mixes for a in mix})
    return mean_pairwise_cosine(np.array([[mix[a] for a in vocabulary] for mix in mixes], dtype=float))
