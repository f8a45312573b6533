"""`EndpointPool`: the servers (api_bases) of one model, each with its own limit on calls at once.

A self-hosted model often runs as replicas of different sizes: a llama.cpp server with four slots beside a vLLM box
that takes sixty-four. The gateway's semaphore bounds the town's calls in total; the pool bounds each server and sends
every call to the least busy one that has a free slot (least outstanding requests), so a small replica is never
queued past what it can serve while a large one idles. It also keeps, per server, how many calls are in flight and the
most there ever were, which the concurrency benchmark reports.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from agents.llm.per_loop import PerLoop


class EndpointPool:
    """Calls in flight per endpoint; `limits[base]` (or `default_limit`; None: unbounded) caps each."""

    def __init__(
        self, bases: list[str], limits: dict[str, int] | None = None, default_limit: int | None = None
    ) -> None:
        if not bases:
            raise ValueError("an endpoint pool needs at least one endpoint")
        self.bases = list(bases)
        limits = limits or {}
        self.limits: dict[str, int | None] = {b: limits.get(b, default_limit) for b in self.bases}
        self.in_flight = dict.fromkeys(self.bases, 0)
        self.peak = dict.fromkeys(self.bases, 0)
        self.served = dict.fromkeys(self.bases, 0)
        # When a list: (start, end, failed) of every request, in monotonic seconds from the moment it had its slot
        # (the concurrency benchmark turns it on; a run keeps no per-request list).
        self.timeline: list[tuple[float, float, bool]] | None = None
        self._changed = PerLoop(asyncio.Condition)  # a model outlives the loop of one command step

    def _free(self) -> list[str]:
        return [b for b in self.bases if (limit := self.limits[b]) is None or self.in_flight[b] < limit]

    @asynccontextmanager
    async def endpoint(self) -> AsyncIterator[str]:
        """Hold a slot on the least busy endpoint with room (ties: the first listed) for the duration of one call."""
        changed = self._changed.get()
        async with changed:
            await changed.wait_for(lambda: bool(self._free()))
            base = min(self._free(), key=lambda b: self.in_flight[b])  # min keeps the first of equals
            self.in_flight[base] += 1
            self.peak[base] = max(self.peak[base], self.in_flight[base])
            self.served[base] += 1
        started, failed = time.monotonic(), False
        try:
            yield base
        except BaseException:
            failed = True
            raise
        finally:
            if self.timeline is not None:
                self.timeline.append((started, time.monotonic(), failed))
            async with changed:
                self.in_flight[base] -= 1
                changed.notify_all()
