"""Immutable views of a running town for the app: `Snapshot`, `AgentView`, and `SnapshotBuilder`.

The app's render loop reads only snapshots (never the live world), so the simulation thread can change the world
while a frame is drawn. The builder also follows the event stream for what the world state does not keep: who said
what last, which way each agent faces, and a feed of notable events.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from town.core.events import Event, Utterance
from town.runtime.event_text import FEED_TYPES, feed_line
from town.runtime.simulation import Simulation

# A line stays in its speech bubble for two game minutes (a reply to the player for ten, so it can be read at any
# speed); the feed keeps the last forty notable events.
SPEECH_MINUTES = 2
REPLY_MINUTES = 10
FEED_LENGTH = 40


@dataclass(frozen=True)
class AgentView:
    name: str
    tile: tuple[int, int]
    facing: tuple[int, int]
    moving: bool
    action: str
    emoji: str
    place: str
    asleep: bool
    talking_to: str | None
    speech: str | None
    thinking: bool = False  # a model call for this agent's next action is in flight


INSPECTOR_MEMORIES = 5


@dataclass(frozen=True)
class MemoryLine:
    """A memory as the inspector shows it: recency 0-1, importance on the memory's own 1-10 scale, relevance 0-1."""

    text: str
    recency: float
    importance: float
    relevance: float
    score: float


@dataclass(frozen=True)
class InspectorView:
    """What the inspector panel shows about one agent, computed on the simulation thread."""

    name: str
    summary: str
    action: str
    place: str
    schedule: tuple[tuple[str, str], ...]
    current_block: int
    next_steps: tuple[str, ...]
    memories: tuple[MemoryLine, ...]
    relationships: tuple[tuple[str, str], ...]
    chat: tuple[tuple[str, str], ...]
    waiting: bool
    memories_title: str = "Top memories  (recency · importance 1-10 · relevance)"


def inspector_view(
    *,
    name: str,
    summary: str,
    action: str,
    place: str,
    schedule: list[tuple[int, str]],
    minute: int,
    steps: list[tuple[int, str]],
    memories: list[MemoryLine],
    relationships: list[tuple[str, str]],
    chat: list[tuple[str, str]],
    waiting: bool = False,
    memories_title: str | None = None,
) -> InspectorView:
    """The inspector's view, built the same way live and in replay.

    `schedule` and `minute` count minutes of the agent's waking day (after midnight, past 1440); `steps` are the queued
    (minutes, action) pairs.
    """
    block = max((i for i, (start, _) in enumerate(schedule) if start <= minute), default=-1)
    return InspectorView(
        name=name,
        summary=summary,
        action=action,
        place=place,
        schedule=tuple((f"{(m // 60) % 24:02d}:{m % 60:02d}", activity) for m, activity in schedule),
        current_block=block,
        next_steps=tuple(f"{minutes} min: {what}" for minutes, what in steps[:4]),
        memories=tuple(memories),
        relationships=tuple(relationships),
        chat=tuple(chat[-12:]),
        waiting=waiting,
        **({"memories_title": memories_title} if memories_title else {}),
    )


@dataclass(frozen=True)
class Snapshot:
    tick: int
    time: datetime
    agents: tuple[AgentView, ...]
    calls: int
    tokens: int
    cost: float
    fallbacks: int
    feed: tuple[str, ...]
    paused: bool = False
    speed: str = "1x"
    inspected: InspectorView | None = None
    notice: str = ""  # the latest save (or save failure), shown in the status bar
    in_flight: int = 0  # model calls the town is waiting on
    oldest_wait_s: float = 0.0  # how long the oldest of them has been running, in real seconds
    held: bool = False  # the clock stands still until an overdue answer arrives ("wait for the model")
    wait_for_model: bool = False
    model_away_s: float = 0.0  # > 0 while the model is not answering: calls are paused and it is being probed
    model_gone: str = ""  # why the model was given up (its outage outlasted the budget, or it refuses us)


class SnapshotBuilder:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._speech: dict[str, tuple[str, int]] = {}
        self._facing: dict[str, tuple[int, int]] = {}
        self._last_tile: dict[str, tuple[int, int]] = {}
        self._feed: deque[str] = deque(maxlen=FEED_LENGTH)
        self._speech_ticks = sim.clock.ticks_for(minutes=SPEECH_MINUTES)
        self._reply_ticks = sim.clock.ticks_for(minutes=REPLY_MINUTES)
        sim.subscribe(self._on_event)

    def said(self, name: str, text: str, tick: int) -> None:
        """Show a line in the agent's speech bubble (replies to the player come from outside the event stream)."""
        self._speech[name] = (text, tick + self._reply_ticks - self._speech_ticks)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Utterance):
            self._speech[event.speaker] = (event.text, event.tick)
        elif event.type in FEED_TYPES:
            line = feed_line(event, self.sim.clock.time_at(event.tick).strftime("%H:%M"))
            if line:
                self._feed.append(line)

    def inspect(self, name: str, chat: list[tuple[str, str]], waiting: bool) -> InspectorView | None:
        sim = self.sim
        mind = next((m for m in sim.minds if m.name == name), None)
        body = sim.engine.world.bodies.get(name)
        if mind is None or body is None:
            return None
        tick = sim.tick
        query = mind.agenda.current_activity or mind.current_action_text
        # The same sentence seen five times is one memory to a reader: ask for more, show each text once.
        hits = []
        for hit in mind.memory.retrieve(query, tick, mind.config.retrieval, k=INSPECTOR_MEMORIES * 4, touch=False):
            if all(hit.record.text != kept.record.text for kept in hits):
                hits.append(hit)
        arena = sim.map.arena_at(body.tile)
        return inspector_view(
            name=name,
            summary=mind.identity,
            action="sleeping" if body.asleep else mind.current_action_text,
            place=arena.label if arena else sim.map.world,
            schedule=mind.agenda.schedule,
            minute=mind.minute_of_day(tick),
            steps=[(s.minutes, s.action) for s in mind.agenda.steps],
            memories=[
                MemoryLine(h.record.text, h.recency, float(h.record.importance), h.relevance, h.score)
                for h in hits[:INSPECTOR_MEMORIES]
            ],
            relationships=list(mind.relations.items()),
            chat=chat,
            waiting=waiting,
        )

    def build(
        self,
        *,
        paused: bool = False,
        speed: str = "1x",
        inspected: InspectorView | None = None,
        notice: str = "",
        held: bool = False,
        wait_for_model: bool = False,
    ) -> Snapshot:
        sim = self.sim
        world = sim.engine.world
        tick = world.tick
        thinking = sim.waiting_on_model()
        waiting = [f for f in sim.inflight if not f.ready and f.task is not None]
        now = time.monotonic()
        views = []
        for name, body in world.bodies.items():
            previous = self._last_tile.get(name, body.tile)
            moving = previous != body.tile
            if moving:
                self._facing[name] = (body.tile[0] - previous[0], body.tile[1] - previous[1])
            self._last_tile[name] = body.tile
            said = self._speech.get(name)
            arena = sim.map.arena_at(body.tile)
            partner = None
            if body.conversation is not None and body.conversation in world.conversations:
                partner = world.conversations[body.conversation].partner_of(name)
            action = body.action
            views.append(
                AgentView(
                    name=name,
                    tile=body.tile,
                    facing=self._facing.get(name, (0, 1)),
                    moving=moving,
                    action="sleeping" if body.asleep else (action.description if action else "idle"),
                    emoji=action.emoji if action else "",
                    place=arena.label if arena else sim.map.world,
                    asleep=body.asleep,
                    talking_to=partner,
                    speech=said[0] if said and tick - said[1] <= self._speech_ticks else None,
                    thinking=name in thinking,
                )
            )
        usage = sim.llm.usage
        return Snapshot(
            tick=tick,
            time=sim.clock.time_at(tick),
            agents=tuple(views),
            calls=usage.calls,
            tokens=usage.prompt_tokens + usage.completion_tokens,
            cost=usage.cost,
            fallbacks=usage.fallbacks,
            feed=tuple(self._feed),
            paused=paused,
            speed=speed,
            inspected=inspected,
            notice=notice,
            in_flight=len(waiting),
            oldest_wait_s=round(max((now - f.since for f in waiting), default=0.0), 1),
            held=held,
            wait_for_model=wait_for_model,
            model_away_s=round(sim.llm.breaker.down_for(), 1),
            model_gone=sim.llm.unavailable or "",
        )
