"""Immutable views of a running town for the app: `Snapshot`, `AgentView`, and `SnapshotBuilder`.

The app's render loop reads only snapshots (never the live world), so the simulation thread can change the world
while a frame is drawn. The builder also follows the event stream for what the world state does not keep: who said
what last, which way each agent faces, and a feed of notable events.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from agents.events import DayPlanned, Reflected
from town.core.events import ConversationEnded, ConversationStarted, Event, Utterance
from town.runtime.simulation import Simulation

# A line stays in its speech bubble for two game minutes; the feed keeps the last forty notable events.
SPEECH_TICKS = 12
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


class SnapshotBuilder:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._speech: dict[str, tuple[str, int]] = {}
        self._facing: dict[str, tuple[int, int]] = {}
        self._last_tile: dict[str, tuple[int, int]] = {}
        self._feed: deque[str] = deque(maxlen=FEED_LENGTH)
        sim.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        clock = self.sim.clock.time_at(event.tick).strftime("%H:%M")
        if isinstance(event, Utterance):
            self._speech[event.speaker] = (event.text, event.tick)
        elif isinstance(event, ConversationStarted):
            self._feed.append(f"{clock} {event.participants[0]} starts talking with {event.participants[1]}")
        elif isinstance(event, ConversationEnded):
            a, b = event.participants
            self._feed.append(f"{clock} {a} and {b} finish talking ({event.reason}, {event.turns} lines)")
        elif isinstance(event, Reflected):
            self._feed.append(f"{clock} {event.agent} reflects: {'; '.join(event.insights)[:90]}")
        elif isinstance(event, DayPlanned):
            self._feed.append(f"{clock} {event.agent} plans the day: {', '.join(event.broad_strokes)[:90]}")

    def build(self, *, paused: bool = False, speed: str = "1x") -> Snapshot:
        sim = self.sim
        world = sim.engine.world
        tick = world.tick
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
                    speech=said[0] if said and tick - said[1] <= SPEECH_TICKS else None,
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
        )
