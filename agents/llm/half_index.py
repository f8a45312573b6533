"""`HalfIndex`: the `VectorIndex` protocol on float16 rows, scanned by torch's half-precision kernel.

Retrieval reads every row for every query (min-max normalisation needs the similarity to all of them), so at 100k
memories its cost is the memory traffic of one matrix-vector product: 154 MB a query in float32. Float16 rows halve
that and halve the embedding's share of a memory (768 instead of 1,536 bytes at 384-d). numpy's float16 product has
no BLAS kernel (~150 ms at 100k); torch's CPU kernel widens to float32 in registers (2-3 ms at 100k on 2 threads
here, where numpy's float32 product takes 4.5-5.5 ms).

A row is rounded to float16 once, when it is added; `vectors` widens it back exactly, so a save holds the rounded
values and a resumed run ranks as the run that saved did. Results are the float32 ranking of rounded embeddings, not
of the originals: `town bench retrieval` and `town bench scaling` print recall@k against exact float32.
"""

from __future__ import annotations

import numpy as np

from agents.llm.block_rows import BlockRows


class HalfIndex(BlockRows):
    """`BlockRows` stored as float16 and scanned by torch."""

    ROW_DTYPE = np.float16

    def __init__(self, dim: int) -> None:
        import torch  # noqa: PLC0415 - heavy backend, imported only when this index is chosen

        super().__init__(dim)
        self._torch = torch

    def _new_block(self, rows: int) -> np.ndarray:
        # Allocated by torch (aligned for its vector loads) and written through numpy's view of the same memory.
        return self._torch.zeros((rows, self.dim), dtype=self._torch.float16).numpy()

    def _products(self, blocks: list[np.ndarray], query: np.ndarray) -> list[np.ndarray]:
        if not blocks:
            return []
        torch = self._torch
        q = torch.from_numpy(query.astype(np.float16))
        with torch.inference_mode():  # widened to float32 by torch in one pass (numpy's float16 casts are slow)
            parts = [torch.mv(torch.from_numpy(block), q) for block in blocks]
            return [torch.cat(parts).float().numpy()]
