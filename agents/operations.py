"""What cognition hands back to the runtime: `Outcome`, and the `Operation` type.

An operation is built synchronously — every read of the agent's memory happens then, at a known tick — and returns an
async function that only talks to the model and computes its `Outcome` from the answer. The runtime applies outcomes
in agent order at a fixed tick, so results never depend on which model call finished first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, PlainSerializer

from agents.effects import Effect
from agents.llm.structured import CallRecord, StructuredLLM
from agents.memory import MemoryDraft
from town.core.events import Event, event_class
from town.core.inputs import WorldInput


def _events_in(items: Any) -> Any:
    if not isinstance(items, list):
        return items  # the field's own validation names the problem
    return [
        e if isinstance(e, Event) else event_class(e.get("type") if isinstance(e, dict) else None).model_validate(e)
        for e in items
    ]


# Each event is written and read back by its own class (the list's type, Event, knows none of their fields).
LoggedEvents = Annotated[
    list[Event],
    BeforeValidator(_events_in),
    PlainSerializer(lambda events: [e.model_dump(mode="json") for e in events], return_type=list[dict[str, Any]]),
]


@dataclass
class Outcome:
    """What an operation produced, applied when it lands; an outcome still waiting is saved as it is (runtime.json)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    purpose: str
    inputs: list[WorldInput] = field(default_factory=list)
    memories: list[MemoryDraft] = field(default_factory=list)
    events: LoggedEvents = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    touched: list[int] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


Operation = Callable[[StructuredLLM], Awaitable[Outcome]]


@dataclass(frozen=True)
class Launch:
    """An operation to start now whose outcome is applied before the engine steps tick `due`."""

    op: Operation
    purpose: str
    due: int


def numbered(lines: list[str], empty: str = "(nothing yet)") -> str:
    """Number lines as '1. first', '2. second': the layout prompts use for lists the model must refer back to."""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1)) or empty
