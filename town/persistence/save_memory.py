"""Reading a version-3 save's memory: the record log, the embedding log and the columns, back into minds and matrices.

`assemble_memory` puts each agent's records back into its mind's JSON (as versions 1 and 2 kept them), so one schema
validates every version, and returns each agent's embedding matrix in record order. `read_prefix` and `copy_prefix`
read an append-only log only as far as its manifest vouches (an interrupted save may have appended more).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from town.core.errors import SaveError


def read_prefix(path: Path, size: int) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def copy_prefix(source: Path, target: Path, size: int) -> None:
    """Copy the first `size` bytes of `source` (the part of a save's log its manifest lists) to `target`."""
    with source.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(_Limited(src, size), dst)


class _Limited:
    """A binary reader that ends after `size` bytes."""

    def __init__(self, handle: Any, size: int) -> None:
        self.handle = handle
        self.left = size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        block = self.handle.read(n)
        self.left -= len(block)
        return block


def assemble_memory(
    where: str, minds: list[Any], log: bytes, vectors: bytes, columns: np.ndarray, dim: int
) -> list[np.ndarray]:
    """Put the logged records into each mind's `memory.records` (in place); each agent's embeddings, in record order.

    `log` is memory.jsonl, `vectors` memory_vectors.f32 and `columns` memory_columns.npy, all as far as the manifest
    lists them. Problems raise `SaveError` naming the file.
    """
    per_agent: list[list[dict[str, Any]]] = [[] for _ in minds]
    rows: list[list[int]] = [[] for _ in minds]
    for number, line in enumerate(log.splitlines(), start=1):
        try:
            record = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):
            raise SaveError(f"{where}: memory.jsonl: line {number} is not JSON (damaged or edited)") from None
        agent = record.pop("agent", None) if isinstance(record, dict) else None
        if not isinstance(agent, int) or isinstance(agent, bool) or not 0 <= agent < len(minds):
            raise SaveError(f"{where}: memory.jsonl: line {number} names no agent of this save ({agent!r})")
        per_agent[agent].append(record)
        rows[agent].append(number - 1)
    total = sum(len(records) for records in per_agent)
    if columns.ndim != 2 or columns.shape != (total, 3) or columns.dtype.kind != "i":
        raise SaveError(
            f"{where}: memory_columns.npy: expected {total} rows of 3 integers, found {columns.shape} {columns.dtype}"
        )
    if len(vectors) != total * dim * 4:
        raise SaveError(f"{where}: memory_vectors.f32: {len(vectors)} bytes, not {total} rows of {dim} float32")
    matrix = np.frombuffer(vectors, dtype="<f4").reshape(total, dim)
    if not np.isfinite(matrix).all():
        raise SaveError(f"{where}: memory_vectors.f32: embeddings contain NaN or infinity")
    at = 0
    out = []
    for agent, (mind, records) in enumerate(zip(minds, per_agent, strict=True)):
        if not isinstance(mind, dict) or not isinstance(mind.get("memory"), dict):
            raise SaveError(f"{where}: minds.jsonl: line {agent + 1} is not a mind with a memory")
        for record, (importance, scored, accessed) in zip(
            records, columns[at : at + len(records)].tolist(), strict=True
        ):
            record.update(importance=importance, scored=scored, last_accessed=accessed)  # the schema checks 0/1
        mind["memory"]["records"] = records
        out.append(matrix[np.asarray(rows[agent], dtype=np.int64)].astype(np.float32))
        at += len(records)
    return out


def assemble_scores(where: str, minds: list[Any], log: bytes) -> None:
    """Put each learned importance score of importance_scores.jsonl back into its mind's cache, in learning order."""
    caches: list[dict[str, Any]] = [{} for _ in minds]
    for number, line in enumerate(log.splitlines(), start=1):
        try:
            entry = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):
            raise SaveError(
                f"{where}: importance_scores.jsonl: line {number} is not JSON (damaged or edited)"
            ) from None
        if not (
            isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], int) and isinstance(entry[1], str)
        ):
            raise SaveError(f"{where}: importance_scores.jsonl: line {number} is not [agent, text, score]")
        agent, text, score = entry
        if isinstance(agent, bool) or not 0 <= agent < len(minds):
            raise SaveError(f"{where}: importance_scores.jsonl: line {number} names no agent of this save ({agent!r})")
        caches[agent].setdefault(text, score)  # the schema checks the score
    for mind, cache in zip(minds, caches, strict=True):
        if isinstance(mind, dict) and isinstance(mind.get("memory_lane"), dict):
            mind["memory_lane"]["importance_cache"] = cache
