"""What cognition hands back to the runtime: `Outcome`, and the `Operation` type.

An operation is built synchronously — every read of the agent's memory happens then, at a known tick — and returns an
async function that only talks to the model and computes its `Outcome` from the answer. The runtime applies outcomes
in agent order at a fixed tick, so results never depend on which model call finished first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agents.effects import Effect
from agents.llm.structured import CallRecord, StructuredLLM
from agents.memory import MemoryDraft
from town.core.events import Event
from town.core.inputs import WorldInput

if TYPE_CHECKING:
    pass


@dataclass
class Outcome:
    purpose: str
    inputs: list[WorldInput] = field(default_factory=list)
    memories: list[MemoryDraft] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
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
