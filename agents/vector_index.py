"""`VectorIndex`: where a memory stream keeps its embeddings; `NumpyIndex` is the exact in-memory implementation.

Retrieval min-max normalises relevance over every record (as Park et al. define it), so the index must give the
similarity of the query to all rows, in insertion order, not only the nearest few. The FAISS implementation lives in
`agents.llm.faiss_index`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorIndex(Protocol):
    def add(self, vectors: np.ndarray) -> None: ...

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of `query` to every stored row, in insertion order."""
        ...

    def vectors(self) -> np.ndarray: ...

    def __len__(self) -> int: ...


class NumpyIndex:
    """A growable float32 matrix; doubling capacity keeps appends amortised O(1)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._data = np.zeros((64, dim), dtype=np.float32)
        self._size = 0

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        needed = self._size + len(vectors)
        if needed > len(self._data):
            grown = np.zeros((max(needed, 2 * len(self._data)), self.dim), dtype=np.float32)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : needed] = vectors
        self._size = needed

    def similarities(self, query: np.ndarray) -> np.ndarray:
        return self._data[: self._size] @ np.asarray(query, dtype=np.float32).reshape(self.dim)

    def vectors(self) -> np.ndarray:
        return self._data[: self._size].copy()

    def __len__(self) -> int:
        return self._size
