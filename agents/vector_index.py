"""`VectorIndex`: where a memory stream keeps its embeddings; `NumpyIndex` is the exact in-memory implementation.

Retrieval min-max normalises relevance over every record (as Park et al. define it), so the index must give the
similarity of the query to all rows, in insertion order, not only the nearest few. The FAISS implementation lives in
`agents.llm.faiss_index`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from agents.llm.block_rows import BlockRows


@runtime_checkable
class VectorIndex(Protocol):
    def add(self, vectors: np.ndarray) -> None: ...

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of `query` to every stored row, in insertion order."""
        ...

    def vectors(self, start: int = 0) -> np.ndarray:
        """The stored rows from row `start` on, in insertion order (a copy)."""
        ...

    def __len__(self) -> int: ...


class NumpyIndex(BlockRows):
    """The exact index: float32 rows in `BlockRows`' blocks, one numpy matrix-vector product a block."""
