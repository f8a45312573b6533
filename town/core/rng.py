"""`RngTree`: the simulation's one seeded random source and its named child streams.

Each agent (and each subsystem) draws from its own child stream, so adding an agent or a draw in one place does not
shift the numbers every other agent sees. Child seeds come from the root seed and a stable hash of the name (crc32),
never from Python's salted `hash`.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np


class RngTree:
    """Root seed plus lazily created, name-addressed child generators."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._children: dict[str, np.random.Generator] = {}

    def child(self, name: str) -> np.random.Generator:
        if name not in self._children:
            key = zlib.crc32(name.encode("utf-8"))
            self._children[name] = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))
        return self._children[name]

    def state(self) -> dict[str, dict[str, Any]]:
        """JSON-ready bit-generator states of every child stream (for saves)."""
        return {name: dict(gen.bit_generator.state) for name, gen in sorted(self._children.items())}

    def restore(self, state: dict[str, dict[str, Any]]) -> None:
        for name, bit_state in state.items():
            self.child(name).bit_generator.state = bit_state
