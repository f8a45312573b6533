"""Events the simulation emits and the `EventBus` that numbers them and hands them to observers.

Every event has a `type`, a sequential `id` and the `tick` it happened at; the trajectory log is these events, one per
line, in emission order. Agents-layer events (memories, plans, LLM calls) subclass `Event` the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from pydantic import BaseModel, Field

TRAJECTORY_SCHEMA_VERSION = 1


class Event(BaseModel):
    type: str
    id: int = 0
    tick: int = 0


class AgentSpawned(Event):
    type: Literal["spawn"] = "spawn"
    agent: str
    tile: tuple[int, int]
    home: str = ""


class Moves(Event):
    """All agents that changed tile this tick; one event per tick keeps the log compact."""

    type: Literal["moves"] = "moves"
    positions: dict[str, tuple[int, int]]


class ActionStarted(Event):
    type: Literal["action"] = "action"
    agent: str
    description: str
    emoji: str = ""
    place: str
    object: str | None = None
    object_state: str | None = None
    until_tick: int


class ObjectStateChanged(Event):
    type: Literal["object_state"] = "object_state"
    object: str
    state: str


class SleepChanged(Event):
    type: Literal["sleep"] = "sleep"
    agent: str
    asleep: bool


class ConversationStarted(Event):
    type: Literal["conversation_start"] = "conversation_start"
    conversation: int
    participants: tuple[str, str]
    place: str


class Utterance(Event):
    type: Literal["utterance"] = "utterance"
    conversation: int
    speaker: str
    listener: str
    text: str
    turn: int


class ConversationEnded(Event):
    type: Literal["conversation_end"] = "conversation_end"
    conversation: int
    participants: tuple[str, str]
    reason: str
    turns: int


class InputRejected(Event):
    type: Literal["input_rejected"] = "input_rejected"
    input: dict[str, Any]
    reason: str


class PathBlocked(Event):
    type: Literal["path_blocked"] = "path_blocked"
    agent: str
    target: tuple[int, int]
    reason: str


class RunStarted(Event):
    type: Literal["run_start"] = "run_start"
    schema_version: int = TRAJECTORY_SCHEMA_VERSION
    seed: int
    model: str
    map: str
    start_time: str
    tick_seconds: int
    agents: list[str]
    config: dict[str, Any] = Field(default_factory=dict)


class RunEnded(Event):
    """The log's last line: how the run ended.

    `reason` is completed, interrupted, save_failed, write_failed, provider_unavailable or crashed (a bug); `detail`
    says more when it is not `completed` (the signal, or the one-line error).
    """

    type: Literal["run_end"] = "run_end"
    ticks: int
    reason: str
    detail: str | None = None
    totals: dict[str, Any] = Field(default_factory=dict)


Observer = Callable[[Event], None]


class EventBus:
    """Assigns ids in emission order and ticks from the world's time, and fans events out to observers.

    The tick an event carries is read, never set from outside: from the clock given to `keep_time` (the engine gives
    its world's tick), or, inside `with bus.at(tick)`, that tick (minds deciding after the world has moved on record
    what they did at the tick they saw).
    """

    def __init__(self) -> None:
        self._observers: list[Observer] = []
        self.next_id = 1
        self._now: Callable[[], int] = lambda: 0
        self._at: int | None = None

    def keep_time(self, now: Callable[[], int]) -> None:
        self._now = now

    @contextmanager
    def at(self, tick: int) -> Iterator[None]:
        """Stamp what is emitted inside the block with `tick`."""
        outer, self._at = self._at, tick
        try:
            yield
        finally:
            self._at = outer

    @property
    def tick(self) -> int:
        return self._now() if self._at is None else self._at

    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def emit(self, event: Event) -> Event:
        event.id = self.next_id
        event.tick = self.tick
        self.next_id += 1
        for observer in self._observers:
            observer(event)
        return event


def event_class(type_name: object) -> type[Event]:
    """The event model for a logged `type` (core and agents events alike); ValueError for an unknown type."""
    pending: list[type[Event]] = [Event]
    while pending:
        cls = pending.pop()
        field = cls.model_fields.get("type")
        if cls is not Event and field is not None and field.default == type_name:
            return cls
        pending.extend(cls.__subclasses__())
    raise ValueError(f"unknown event type {type_name!r}")
