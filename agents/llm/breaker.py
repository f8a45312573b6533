"""`Breaker`: calls to an endpoint that stopped answering are paused, probed one at a time, and resumed when it answers.

The gateway trips it after `stop_after_failed_calls` calls in a row failed (each after its retries). While it is open
no call is sent except one probe every `probe_every_s` seconds; the first probe that gets an answer closes it and the
waiting calls go on. An outage longer than `budget_s` ends the run (reason provider_unavailable). Outages are counted
so the summary can say how long the model was away.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from agents.llm.per_loop import PerLoop


class Breaker:
    """Open (`open_since` set) while the endpoint is taken for down; `outages` holds the lengths of those that ended."""

    def __init__(self, budget_s: float, probe_every_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget_s = budget_s
        self.probe_every_s = probe_every_s
        self.clock = clock
        self.open_since: float | None = None
        self.outages: list[float] = []
        self.probes = 0
        self.turn = PerLoop(asyncio.Lock)  # one probe at a time; the other callers queue behind it

    @property
    def is_open(self) -> bool:
        return self.open_since is not None

    def down_for(self) -> float:
        return self.clock() - self.open_since if self.open_since is not None else 0.0

    def trip(self) -> None:
        if self.open_since is None:
            self.open_since = self.clock()

    def close(self) -> None:
        if self.open_since is not None:
            self.outages.append(self.down_for())
            self.open_since = None

    def over_budget(self) -> bool:
        return self.is_open and self.down_for() > self.budget_s

    async def wait_for_probe(self) -> None:
        self.probes += 1
        await asyncio.sleep(self.probe_every_s)
