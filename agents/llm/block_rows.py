"""`BlockRows`: embedding rows kept in blocks that never move, and their similarity to a query.

Shared by the exact float32 index (agents.vector_index.NumpyIndex) and the float16 one (agents.llm.half_index).
"""

from __future__ import annotations

import numpy as np


class BlockRows:
    """Rows in blocks (float32 unless a subclass says otherwise): each twice the last up to `BLOCK_ROWS`, then as big.

    Rows are never copied when the index grows, and the unused space is at most one block — under 5% of a big
    stream, where doubling one array leaves up to half of it empty. Similarities are one matrix-vector product per
    block.
    """

    BLOCK_ROWS = 4096
    FIRST_ROWS = 64
    ROW_DTYPE: type[np.generic] = np.float32  # how rows are stored (a subclass may store them smaller)

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._blocks: list[np.ndarray] = []
        self._size = 0
        self._capacity = 0

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        done = 0
        while done < len(vectors):
            if self._size == self._capacity:
                rows = min(self.BLOCK_ROWS, max(self.FIRST_ROWS, self._capacity))
                self._blocks.append(self._new_block(rows))
                self._capacity += rows
            block = self._blocks[-1]
            at = self._size - (self._capacity - len(block))
            take = min(len(block) - at, len(vectors) - done)
            block[at : at + take] = vectors[done : done + take]
            done += take
            self._size += take

    def _new_block(self, rows: int) -> np.ndarray:
        return np.zeros((rows, self.dim), dtype=self.ROW_DTYPE)

    def _filled(self) -> list[np.ndarray]:
        used = self._size - (self._capacity - len(self._blocks[-1])) if self._blocks else 0
        return [*self._blocks[:-1], self._blocks[-1][:used]] if self._blocks else []

    def similarities(self, query: np.ndarray) -> np.ndarray:
        q = np.asarray(query, dtype=np.float32).reshape(self.dim)
        parts = self._products(self._filled(), q)
        if not parts:
            return np.zeros(0, dtype=np.float32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _products(self, blocks: list[np.ndarray], query: np.ndarray) -> list[np.ndarray]:
        """Each block's similarities to `query` (float32), one matrix-vector product a block."""
        return [block @ query for block in blocks]

    def vectors(self, start: int = 0) -> np.ndarray:
        parts, first = [], 0
        for block in self._filled():  # only the blocks from `start` on: a save asks for the newest rows alone
            if first + len(block) > start:
                parts.append(block[max(0, start - first) :])
            first += len(block)
        if not parts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate(parts).astype(np.float32, copy=False)  # float16 rows widen exactly

    def __len__(self) -> int:
        return self._size
