"""Social outcomes from a trajectory log (pure functions, no model): diffusion, relationships, attendance.

- Diffusion of a seeded `Fact`: who knows it over time and from whom. The origin knows it from the start (or from the
  tick an experiment seeded it); anyone else from the tick they heard, in a conversation they were in, a line that
  mentions it from someone who knew it by then — the whole line, however long the talk — or were whispered it, told it
  by a visitor (an interviewer's questions teach nothing: interview mode remembers nothing), noticed a broadcast of it,
  or were asked a remembered survey question naming it. A claim is an utterance mentioning the fact; a claim by
  someone who did not know it yet is unsourced (a hallucination, in Park et al.'s sense); a rumour made up that way
  passes nothing on. Everyone who was ever in the run stays in the population (a removed agent keeps what they knew).
- Relationships: A knows B once A's persona names B, or A has talked with B or thought about B (a chat or thought memory
  told by B or naming B; merely seeing B is not knowing B). An edge needs both directions;
  density = 2|E| / (|V| (|V| - 1)).
- Attendance: who had heard of an event before it began (invited) and who was at its place at some tick of
  [start, end) (came): anywhere in the sector (doorways included) or the arena named; exact, not sampled; a removal
  ends presence.
Intentions (planned steps against where the agent was) are in town/evaluation/intentions.py.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from agents.events import (
    AgentRemoved,
    Broadcast,
    FactSeeded,
    MemoryAdded,
    VisitorExchange,
    Whispered,
)
from agents.settings_files import load_model_file
from agents.survey import SURVEY_MEMORY
from town.core.clock import GameClock
from town.core.errors import ConfigError
from town.core.events import AgentSpawned, Event, Moves, RunStarted, Utterance
from town.core.places import TownMap


class EventWindow(BaseModel):
    place: str  # a sector name (or an arena label "Sector: arena")
    start: str  # HH:MM on the first day
    end: str


class ParkReference(BaseModel):
    start: float
    end: float
    label: str


class Fact(BaseModel):
    name: str
    keywords: list[str] = Field(min_length=1)
    origin: str
    event: EventWindow | None = None
    park_reference: ParkReference | None = None

    def mentioned_in(self, text: str) -> bool:
        return any(re.search(rf"\b{re.escape(k)}", text, re.IGNORECASE) for k in self.keywords)


class FactsFile(BaseModel):
    facts: list[Fact]


def load_facts(path: str | Path) -> list[Fact]:
    return load_model_file(path, FactsFile, "facts", ConfigError).facts


# -- diffusion ---------------------------------------------------------------------------------------------------------
class Learned(BaseModel):
    agent: str
    tick: int
    source: str  # who told them (an agent), "whisper" or "visitor"


class Diffusion(BaseModel):
    fact: str
    origin: str
    origin_present: bool  # the fact's origin is one of this run's agents
    population: int
    learned: list[Learned]
    curve: list[tuple[int, int]]  # (tick, agents who know, origin included)
    claims: int
    unsourced_claims: int
    share_start: float
    share_end: float


def diffusion(events: Sequence[Event], fact: Fact, agents: list[str], clock: GameClock) -> Diffusion:
    """Who learned `fact` when, and which claims of it had no source yet (see the module docstring for the rules)."""
    first_tick, origin_tick = _origin(events, fact)
    learned = _learning(events, fact, origin_tick)
    claims = unsourced = 0
    for e in events:
        if isinstance(e, Utterance) and fact.mentioned_in(e.text):
            claims += 1
            known = learned.get(e.speaker)
            # Knowing since this very tick counts: a line heard and a reply are never in one tick (turns alternate).
            if known is None or known.tick > e.tick:
                unsourced += 1
    last = events[-1].tick if events else 0
    step = max(1, clock.ticks_for(minutes=60))
    ticks = sorted(x.tick for x in learned.values())
    curve = [(t, bisect.bisect_right(ticks, t)) for t in range(0, last + 1, step)]
    if not curve or curve[-1][0] != last:
        curve.append((last, len(ticks)))
    population = max(1, len(agents))
    at_start = sum(1 for t in ticks if t <= first_tick)
    return Diffusion(
        fact=fact.name,
        origin=fact.origin,
        origin_present=fact.origin in agents,
        population=len(agents),
        learned=sorted((x for x in learned.values() if x.source != "origin"), key=lambda x: (x.tick, x.agent)),
        curve=curve,
        claims=claims,
        unsourced_claims=unsourced,
        share_start=at_start / population,
        share_end=len(ticks) / population,
    )


def _origin(events: Sequence[Event], fact: Fact) -> tuple[int, int | None]:
    """The log's first tick, and when the origin came to know the fact (None: the origin is not in this run).

    The origin knows from the start, or from the moment an experiment seeded the fact.
    """
    first = events[0].tick if events else 0
    present = {e.agent for e in events if isinstance(e, AgentSpawned)} | {
        a for e in events if isinstance(e, RunStarted) for a in e.agents
    }
    seeded = next((e.tick for e in events if isinstance(e, FactSeeded) and e.fact == fact.name), None)
    if seeded is not None:
        return first, seeded
    return first, first if fact.origin in present else None


def _learning(events: Sequence[Event], fact: Fact, origin_tick: int | None) -> dict[str, Learned]:
    """The earliest verified moment each agent came to know the fact, and from whom."""
    learned: dict[str, Learned] = {}
    if origin_tick is not None:
        learned[fact.origin] = Learned(agent=fact.origin, tick=origin_tick, source="origin")

    def credit(agent: str, tick: int, source: str) -> None:
        if agent not in learned or learned[agent].tick > tick:
            learned[agent] = Learned(agent=agent, tick=tick, source=source)

    broadcasts = {e.text for e in events if isinstance(e, Broadcast) and fact.mentioned_in(e.text)}
    for e in events:
        if isinstance(e, Utterance):
            # Heard in a conversation the agent was in (the log's utterance names its listener), from someone who
            # knew it by then: a rumour made up by someone who never heard it passes nothing on. The whole line
            # counts, however long the talk (the chat memory written at its end is cut short).
            teller = learned.get(e.speaker)
            if teller is not None and teller.tick <= e.tick and e.listener != e.speaker and fact.mentioned_in(e.text):
                credit(e.listener, e.tick, e.speaker)
        elif isinstance(e, Whispered) and fact.mentioned_in(e.thought):
            credit(e.agent, e.tick, "whisper")
        elif isinstance(e, VisitorExchange) and e.mode == "visitor" and fact.mentioned_in(e.said):
            credit(e.agent, e.tick, "visitor")  # an interviewer's question is not remembered: nobody learns from it
        elif isinstance(e, MemoryAdded) and e.kind == "observation" and e.text in broadcasts:
            credit(e.agent, e.tick, "broadcast")  # a town-wide announcement, noticed by those awake
        elif isinstance(e, MemoryAdded) and e.kind == "thought" and e.text.startswith(f"{e.agent}{SURVEY_MEMORY}"):
            question = e.text.removeprefix(f"{e.agent}{SURVEY_MEMORY}").split(f" {e.agent} answered:", 1)[0]
            if fact.mentioned_in(question):
                credit(e.agent, e.tick, "survey")  # a survey question the agent was told to remember
    return learned


# -- relationships -----------------------------------------------------------------------------------------------------
class Network(BaseModel):
    agents: list[str]
    edges_start: list[tuple[str, str]]
    edges_end: list[tuple[str, str]]
    density_start: float
    density_end: float
    density_curve: list[tuple[int, float]]


def density(edges: int, nodes: int) -> float:
    return 2 * edges / (nodes * (nodes - 1)) if nodes > 1 else 0.0


def _mutual(knows: dict[str, set[str]], agents: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(agents) for b in agents[i + 1 :] if b in knows[a] and a in knows[b]]


def network(
    events: Sequence[Event], agents: list[str], acquaintances: dict[str, set[str]], clock: GameClock
) -> Network:
    """`acquaintances`: whom each agent's persona names (by name), the relationships the run starts with.

    The density curve is sampled every game hour.
    """
    step_ticks = max(1, clock.ticks_for(minutes=60))
    knows = {a: set(acquaintances.get(a, set())) & set(agents) for a in agents}
    start_edges = _mutual(knows, agents)
    names = list(agents)
    patterns = {n: re.compile(rf"\b{re.escape(n)}\b(?! \d)") for n in names}  # "Mei Lin" is not "Mei Lin 2"
    curve: list[tuple[int, float]] = [(0, density(len(start_edges), len(agents)))]
    next_sample = step_ticks
    for e in events:
        while e.tick >= next_sample:
            curve.append((next_sample, density(len(_mutual(knows, agents)), len(agents))))
            next_sample += step_ticks
        if not isinstance(e, MemoryAdded) or e.agent not in knows or e.kind not in ("chat", "thought"):
            continue  # seeing someone walk past is not knowing them: only talk and thought about them count
        for other in {e.told_by} | {n for n in names if patterns[n].search(e.text)}:
            if other in knows and other != e.agent:
                knows[e.agent].add(other)
    end_edges = _mutual(knows, agents)
    last = events[-1].tick if events else 0
    curve.append((last, density(len(end_edges), len(agents))))
    return Network(
        agents=agents,
        edges_start=start_edges,
        edges_end=end_edges,
        density_start=density(len(start_edges), len(agents)),
        density_end=density(len(end_edges), len(agents)),
        density_curve=curve,
    )


# -- positions over time -----------------------------------------------------------------------------------------------
class Whereabouts:
    """Where every agent is as the log is read in order: spawns and moves place them, a removal takes them away."""

    def __init__(self, town_map: TownMap) -> None:
        self.town_map = town_map
        self.tiles: dict[str, tuple[int, int]] = {}

    def apply(self, e: Event) -> bool:
        """Take in one event; True when someone's position changed."""
        if isinstance(e, AgentSpawned):
            self.tiles[e.agent] = e.tile
        elif isinstance(e, Moves):
            self.tiles.update(e.positions)
        elif isinstance(e, AgentRemoved):
            self.tiles.pop(e.agent, None)  # gone from town: nowhere from now on
        else:
            return False
        return True

    def arena_label(self, agent: str) -> str:
        """The arena label ("Sector: arena") under the agent, '' outdoors or gone."""
        tile = self.tiles.get(agent)
        arena = self.town_map.arena_at(tile) if tile is not None else None
        return arena.label if arena else ""

    def at(self, place: str) -> set[str]:
        """Who is at `place`: a sector name (anywhere in it, doorways included) or an arena label."""
        here = set()
        for agent, tile in self.tiles.items():
            arena = self.town_map.arena_at(tile)
            if arena is not None and arena.label == place:
                here.add(agent)
            elif (sector := self.town_map.sector_at(tile)) is not None and sector.name == place:
                here.add(agent)
        return here


def places_at(events: Iterable[Event], ticks: list[int], town_map: TownMap) -> dict[int, dict[str, str]]:
    """Each agent's arena label (or '' outdoors) after the events of each wanted tick, in one pass over the log."""
    wanted = sorted(set(ticks))
    where = Whereabouts(town_map)
    out: dict[int, dict[str, str]] = {}
    k = 0

    def record(tick: int) -> None:
        out[tick] = {name: where.arena_label(name) for name in where.tiles}

    for e in events:
        while k < len(wanted) and e.tick > wanted[k]:
            record(wanted[k])
            k += 1
        where.apply(e)
    while k < len(wanted):
        record(wanted[k])
        k += 1
    return out


# -- attendance --------------------------------------------------------------------------------------------------------
class Attendance(BaseModel):
    fact: str
    place: str
    window: tuple[str, str]
    invited: list[str]
    came: list[str]
    invited_and_came: list[str]
    timeline: list[tuple[int, int]]  # (tick, agents present)
    in_run: bool  # the window lies inside the logged time


def _tick_of(clock: GameClock, hhmm: str) -> int:
    when = datetime.strptime(hhmm, "%H:%M")
    return clock.tick_of(clock.start.replace(hour=when.hour, minute=when.minute, second=0))


def attendance(
    events: Sequence[Event], fact: Fact, spread: Diffusion, clock: GameClock, town_map: TownMap
) -> Attendance | None:
    """Who had heard of the event before it began, and who was at its place at any tick of [start, end).

    Presence is exact (every position change in the window, not samples): an agent counts when, after some tick's
    events within the window, they stand anywhere in the place (a sector includes its doorways and yards). Arriving
    exactly at the end is too late; leaving town (a removal) ends presence at once.
    """
    if fact.event is None:
        return None
    start, end = _tick_of(clock, fact.event.start), _tick_of(clock, fact.event.end)
    last = events[-1].tick if events else 0
    place = fact.event.place
    where = Whereabouts(town_map)
    present: set[str] = set()
    sample_every = max(1, clock.ticks_for(minutes=5))
    timeline: list[tuple[int, int]] = []
    next_sample = start

    def settle(upto: int) -> None:
        """The positions hold unchanged through tick `upto`: record presence and the samples up to it."""
        nonlocal next_sample
        if upto < start:
            return
        here = where.at(place)
        present.update(here)
        while next_sample <= min(upto, end - 1, last):
            timeline.append((next_sample, len(here)))
            next_sample += sample_every

    tick = None
    for e in events:
        if tick is not None and e.tick != tick:
            settle(min(e.tick - 1, end - 1))  # the state after tick `tick` lasts until this event's tick
        if e.tick >= end:
            break
        tick = e.tick
        where.apply(e)
    else:
        if tick is not None:
            settle(min(last, end - 1))
    invited = sorted(x.agent for x in spread.learned if x.tick < start)
    came = sorted(present - {fact.origin})
    return Attendance(
        fact=fact.name,
        place=place,
        window=(fact.event.start, fact.event.end),
        invited=invited,
        came=came,
        invited_and_came=sorted(set(invited) & set(came)),
        timeline=timeline,
        in_run=start <= last,
    )
