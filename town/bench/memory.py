"""`town bench memory`: resident memory per stored memory, and whether it grows linearly.

One memory stream (hashing embedder, 384-d, numpy index) is filled with observation-like memories in batches as a
tick delivers them; the process's resident set is read before and at each step (Linux /proc; elsewhere the peak
from getrusage), so the figure includes the record, its text, its embedding, the scoring columns and the slack of
growing arrays — what a memory really costs a town.
"""

from __future__ import annotations

import gc
import resource
import sys
from pathlib import Path
from typing import Any

import numpy as np

from agents.embedding import HashingEmbedder
from agents.llm.block_rows import BlockRows
from agents.memory import MemoryDraft, MemoryStream
from agents.vector_index import NumpyIndex
from town.bench.embed import memory_texts
from town.core.clock import GameClock

STEPS = (25_000, 50_000, 100_000)
BATCH = 40  # memories a busy agent makes in a few ticks


def resident_bytes() -> int:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def bench_memory(steps: tuple[int, ...] = STEPS, half: bool = True) -> dict[str, Any]:
    """Resident bytes per memory with float32 rows (numpy index), and with float16 rows (half index) if asked."""
    figures: dict[str, Any] = {"benchmark": "memory", **_measure(NumpyIndex, steps)}
    if half:
        from agents.llm.half_index import HalfIndex  # noqa: PLC0415 - imports torch

        half_rows = _measure(HalfIndex, steps)
        kept = ("embedding", "bytes_per_memory_at_largest", "growth_vs_linear")
        figures["half_index"] = {k: half_rows[k] for k in kept}
    figures["target_bytes_per_memory"] = 2048
    return figures


def _measure(index_type: type[BlockRows], steps: tuple[int, ...]) -> dict[str, Any]:
    embedder = HashingEmbedder()
    stream = MemoryStream(embedder, index_type(embedder.dim), GameClock())
    texts = memory_texts(max(steps))
    gc.collect()
    base = resident_bytes()
    rows = []
    done = 0
    for target in steps:
        while done < target:
            chunk = texts[done : min(target, done + BATCH)]
            stream.add_many([MemoryDraft(kind="observation", text=t, importance=2) for t in chunk], tick=done)
            stream.embed_waiting()  # as the tick's batch embedding does: the rows must be in the figure
            done += len(chunk)
        gc.collect()
        used = resident_bytes() - base
        rows.append(
            {"memories": target, "resident_mb": round(used / 2**20, 1), "bytes_per_memory": round(used / target)}
        )
    first, last = rows[0], rows[-1]
    growth = (last["resident_mb"] / first["resident_mb"]) / (last["memories"] / first["memories"])
    row = np.dtype(index_type.ROW_DTYPE)
    return {
        "embedding": f"{embedder.dim}-d {row.name} ({row.itemsize * embedder.dim} bytes)",
        "steps": rows,
        "bytes_per_memory_at_largest": last["bytes_per_memory"],
        "growth_vs_linear": round(growth, 2),  # 1.0: linear in memories
    }
