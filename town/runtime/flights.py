"""`InFlight`: one operation started by a mind, its model call under way or answered, and the tick it lands at.

`drop_flights` ends the operations whose outcome never lands (a run that stops).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agents.llm.structured import CallRecord
from agents.operations import Outcome


@dataclass
class InFlight:
    """An operation started at `started` whose outcome lands at `due`; `result` is set once known (or restored)."""

    agent_index: int
    lane: str
    started: int
    due: int
    task: asyncio.Future[Outcome] | None
    result: Outcome | None = None
    # Wall-clock start (not saved): how long the town has waited on this call, for the app's status.
    since: float = field(default_factory=time.monotonic)

    @property
    def ready(self) -> bool:
        return self.result is not None or (self.task is not None and self.task.done())

    def outcome(self) -> Outcome:
        if self.result is None:
            assert self.task is not None
            self.result = self.task.result()
        return self.result


def drop_flights(flights: list[InFlight], on_call: Callable[[CallRecord], None] | None) -> int:
    """Cancel operations whose outcome will never land; how many there were.

    They are still waiting for the model, or answered but due after the end. Their calls reached the provider, so
    what was answered still goes to `on_call` (telemetry), not to the log: in the town it never happened. Every
    error is retrieved (now, or when the task ends), so none is logged later by the garbage collector.
    """
    for flight in flights:
        task = flight.task
        if task is None:
            continue
        if on_call is not None and task.done() and not task.cancelled() and task.exception() is None:
            for record in task.result().calls:
                on_call(record)
        task.add_done_callback(_drop_outcome)
        task.cancel()
    return len(flights)


def _drop_outcome(task: asyncio.Future[Outcome]) -> None:
    if not task.cancelled():
        task.exception()
