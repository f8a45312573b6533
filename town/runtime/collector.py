"""Python's cyclic garbage collector in a town's process: `collector_paused` and `space_young_collections`.

`collector_paused` holds the collector off while a tick's synchronous work runs.

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

# Allocations between two young collections in a town's process (Python's default is 700). What a tick leaves alive
# (new memories, plans, answers in flight) is scanned at each young collection it is still young for, and every 10 young
# collections promote the survivors to where the whole heap is scanned: at 3,000 agents the default meant 475 young,
# 43 middle and 4 full collections a game hour, 5.4 us of each agent-tick; spaced, 33 and 3 and none, 1.7 us. What dies
# between two collections (most of what a tick allocates) is freed by reference counting as before.
YOUNG_COLLECTION_EVERY = 20_000


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def space_young_collections() -> None:
    """Collect the young generation every `YOUNG_COLLECTION_EVERY` allocations in this process.

    The command line and each experiment worker call it once; the library itself leaves the collector's settings to
    the process that embeds it.
    """
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)
