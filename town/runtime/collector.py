"""`collector_paused`: Python's cyclic garbage collector held off while a tick's synchronous work runs.

A tick of a big town allocates millions of short-lived objects (percepts, candidate lists, prompts). With the
collector running, those alive across a few thousand allocations are promoted to the oldest generation and counted
as growth there, and every quarter of growth triggers a full collection over every object in the process: at
10,000 agents that was 31% of the run (about 2 s a full collection, one every 8 ticks). Paused for the tick's
synchronous part, its temporaries are freed by reference counting before the collector looks, and the collector then
sees only what really outlives the tick (new memories, plans), so its cost stays proportional to the town's growth.
The pause holds no awaits, so no other task's allocations fall inside it; a collector the user turned off stays off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
