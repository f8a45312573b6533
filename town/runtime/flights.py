"""`InFlight`: one operation started by a mind, its model call under way or answered, and the tick it lands at."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

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
