"""What cognition hands back to the runtime: `Outcome`, and the `Operation` type.

An operation is built synchronously — every read of the agent's memory happens then, at a known tick — and returns an
async function that only talks to the model and computes its `Outcome` from the answer. The runtime applies outcomes
in agent order at a fixed tick, so results never depend on which model call finished first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from agents.effects import Effect
from agents.events import RetrievalLogged
from agents.llm.protocol import ChatMessage
from agents.llm.structured import Answer, CallRecord, StructuredLLM
from agents.memory import MemoryDraft, Retrieved
from agents.mind_view import MindView
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


T = TypeVar("T", bound=BaseModel)


def asking(
    purpose: str,
    agent: str,
    messages: list[ChatMessage],
    schema: type[T],
    fallback: Callable[[], T],
    conclude: Callable[[Answer[T]], Outcome],
    *,
    check: Callable[[T], None] | None = None,
) -> Operation:
    """The operation that asks the model once (validated, one repair, else `fallback`) and `conclude`s the answer.

    Every operation factory reads what it needs first, renders its prompt, and hands both here: the calls made are
    recorded into the outcome and the purpose is set, the same way for all of them.
    """

    async def run(llm: StructuredLLM) -> Outcome:
        calls: list[CallRecord] = []
        answer = await llm.ask(
            messages, schema, purpose=purpose, agent=agent, fallback=fallback, log=calls, check=check
        )
        return replace(conclude(answer), purpose=purpose, calls=calls)

    return run


@dataclass(frozen=True)
class Recall:
    """Memories retrieved for a prompt as the operation is built; their access times are refreshed by the outcome."""

    query: str
    hits: list[Retrieved]

    @property
    def ids(self) -> list[int]:
        return [hit.record.id for hit in self.hits]

    def numbered(self) -> str:
        return numbered([hit.record.text for hit in self.hits])

    def logged(self, agent: str, purpose: str) -> RetrievalLogged:
        """The log's record of what this decision recalled (the evaluation follows it)."""
        return RetrievalLogged(agent=agent, purpose=purpose, query=self.query, memories=self.ids)


def recall(mind: MindView, query: str, now: int, k: int | None = None) -> Recall:
    """The `k` memories (the configured number for prompts by default) that best fit `query` at tick `now`."""
    config = mind.config
    return Recall(
        query, mind.memory.retrieve(query, now, config.retrieval, k=k or config.memories_in_prompt, touch=False)
    )


def numbered(lines: list[str], empty: str = "(nothing yet)") -> str:
    """Number lines as '1. first', '2. second': the layout prompts use for lists the model must refer back to."""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1)) or empty
