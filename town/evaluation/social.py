"""Social outcomes from a trajectory log (pure functions, no model): diffusion, relationships, attendance, intentions.

- Diffusion of a seeded `Fact`: who knows it over time and from whom, verified by memory provenance — a `chat` memory
  whose `sources` include an utterance by the partner (`told_by`) that mentions the fact, or a whisper or a visitor's
  words. A claim is an utterance mentioning the fact; a claim by someone who had no verified source yet is counted as
  unsourced (a hallucination, in Park et al.'s sense).
- Relationships: A knows B once A's persona names B, or A has talked with B or thought about B (a chat or thought memory
  told by B or naming B; merely seeing B is not knowing B). An edge needs both directions;
  density = 2|E| / (|V| (|V| - 1)).
- Attendance: who had heard of an event before it began (invited) and who was at its place during it (came).
- Intentions: each planned step (place, minutes) against where the agent actually was halfway through it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from agents.events import MemoryAdded, StepsPlanned, VisitorExchange, Whispered
from town.core.clock import GameClock
from town.core.events import AgentSpawned, Event, Moves, Utterance
from town.core.places import TownMap
from town.runtime.config import load_yaml_model


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
    return load_yaml_model(path, FactsFile, "facts").facts


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


def diffusion(events: Sequence[Event], fact: Fact, agents: list[str], step_ticks: int = 360) -> Diffusion:
    utterances = {e.id: e for e in events if isinstance(e, Utterance)}
    learned: dict[str, Learned] = {}
    claims = unsourced = 0
    for e in events:
        if isinstance(e, MemoryAdded):
            if e.agent == fact.origin or e.agent in learned or e.kind != "chat" or not e.told_by:
                continue
            if fact.mentioned_in(e.text) and any(
                (said := utterances.get(s)) is not None and said.speaker == e.told_by and fact.mentioned_in(said.text)
                for s in e.sources
            ):
                learned[e.agent] = Learned(agent=e.agent, tick=e.tick, source=e.told_by)
        elif isinstance(e, Whispered | VisitorExchange) and e.agent != fact.origin and e.agent not in learned:
            told = e.thought if isinstance(e, Whispered) else e.said
            if fact.mentioned_in(told):
                learned[e.agent] = Learned(agent=e.agent, tick=e.tick, source=e.type)
        elif isinstance(e, Utterance) and fact.mentioned_in(e.text):
            claims += 1
            if e.speaker != fact.origin and (e.speaker not in learned or learned[e.speaker].tick > e.tick):
                unsourced += 1
    last = events[-1].tick if events else 0
    ticks = sorted(x.tick for x in learned.values())
    base = 1 if fact.origin in agents else 0
    curve = [(t, base + bisect.bisect_right(ticks, t)) for t in range(0, last + 1, step_ticks)]
    if not curve or curve[-1][0] != last:
        curve.append((last, base + len(ticks)))
    population = max(1, len(agents))
    return Diffusion(
        fact=fact.name,
        origin=fact.origin,
        origin_present=fact.origin in agents,
        population=len(agents),
        learned=sorted(learned.values(), key=lambda x: (x.tick, x.agent)),
        curve=curve,
        claims=claims,
        unsourced_claims=unsourced,
        share_start=base / population,
        share_end=(base + len(ticks)) / population,
    )


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
    events: Sequence[Event], agents: list[str], acquaintances: dict[str, set[str]], step_ticks: int = 360
) -> Network:
    """`acquaintances`: whom each agent's persona names (by name), the relationships the run starts with."""
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
def places_at(events: Iterable[Event], ticks: list[int], town_map: TownMap) -> dict[int, dict[str, str]]:
    """Each agent's arena label (or '' outdoors) after the events of each wanted tick, in one pass over the log."""
    wanted = sorted(set(ticks))
    tiles: dict[str, tuple[int, int]] = {}
    out: dict[int, dict[str, str]] = {}
    k = 0

    def record(tick: int) -> None:
        out[tick] = {}
        for name, tile in tiles.items():
            arena = town_map.arena_at(tile)
            out[tick][name] = arena.label if arena else ""

    for e in events:
        while k < len(wanted) and e.tick > wanted[k]:
            record(wanted[k])
            k += 1
        if isinstance(e, AgentSpawned):
            tiles[e.agent] = e.tile
        elif isinstance(e, Moves):
            tiles.update(e.positions)
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
    if fact.event is None:
        return None
    start, end = _tick_of(clock, fact.event.start), _tick_of(clock, fact.event.end)
    last = events[-1].tick if events else 0
    samples = list(range(start, min(end, last) + 1, max(1, clock.ticks_for(minutes=5))))
    where = places_at(events, samples, town_map) if samples else {}
    place = fact.event.place
    present: set[str] = set()
    timeline = []
    for tick in samples:
        here = {n for n, label in where[tick].items() if label == place or label.startswith(f"{place}:")}
        present |= here
        timeline.append((tick, len(here)))
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


# -- intentions --------------------------------------------------------------------------------------------------------
class Intentions(BaseModel):
    planned_steps: int
    realised: int
    share: float | None
    by_agent: dict[str, float]


def intentions(events: Sequence[Event], clock: GameClock, town_map: TownMap) -> Intentions:
    """Planned steps (place, minutes) against where the agent was halfway through each step."""
    last = events[-1].tick if events else 0
    checks: list[tuple[str, int, str]] = []
    for e in events:
        if not isinstance(e, StepsPlanned):
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
