"""`town bench scaling`: `engine_curve`, `retrieval_curve`, `bench_scaling`.

Engine overhead per tick against the number of agents, and retrieval latency against the number of memories, as a
table and a log-log plot; a curve growing faster than linearly is flagged.

Engine runs use the instant fake model (everything but the model is measured) deciding talk, importance and where
planned steps go at a real model's measured rates (`town bench rates`), in a town sized for each count (`town map
generate`'s town, `town population`'s people, both seeded), so density stays human as the town grows and the curve
shows the engine's cost for a town that behaves like one, not a crowd squeezed into one map or wandering at random.
A size whose run takes only seconds is run again and its median run kept: a 2-second run moves ±20% with the
machine's load alone, which would decide a ratio taken against it. Retrieval uses synthetic memories with random
unit embeddings loaded straight into a memory stream, so the curve is the scoring itself, not the embedder.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from agents.embedding import HashingEmbedder
from agents.llm.protocol import ChatModel
from agents.memory import MemoryRecord, MemoryState, MemoryStream
from agents.persona import Persona
from agents.retrieval import RetrievalWeights, recall_at_k
from agents.vector_index import NumpyIndex, VectorIndex
from town.bench.workload import generated_world, realistic_fake
from town.core.clock import GameClock
from town.core.places import TownMap
from town.runtime.builders import build_simulation
from town.runtime.config import RunConfig

AGENT_COUNTS = (100, 300, 1000, 3000, 10_000)
SHORT_RUN_S = 10.0  # a size run faster than this is measured again ...
RUNS_OF_A_SHORT_SIZE = 3  # ... up to this many times, and its median run kept
MEMORY_COUNTS = (1_000, 10_000, 100_000, 1_000_000)
SUPER_LINEAR = 1.15  # a log-log slope above this is flagged (1.0 is linear)


def log_log_slope(xs: list[float], ys: list[float]) -> float:
    """How the cost grows: the slope of log(y) against log(x) (1 linear, 2 quadratic)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def engine_curve(
    counts: tuple[int, ...] = AGENT_COUNTS, ticks: int = 360, fake: Callable[[], ChatModel] = realistic_fake
) -> list[dict[str, Any]]:
    """Wall time per tick of `ticks` ticks (default one game hour from 08:00) for each town size.

    A small town runs first, untimed, so one-time costs (imports, schemas built on first use) are not charged to the
    first size measured. Every run of a size is the same seeded day, so repeats differ only by the machine.
    """
    _timed_run(generated_world(20), 60, fake)
    rows = []
    for agents in counts:
        world = generated_world(agents)
        runs = [_timed_run(world, ticks, fake)]
        if runs[0][0] < SHORT_RUN_S:  # an odd number of runs in all, so the median is one of them
            runs += [_timed_run(world, ticks, fake) for _ in range(RUNS_OF_A_SHORT_SIZE - 1)]
        walls = sorted(wall for wall, _ in runs)
        wall = statistics.median(walls)
        rows.append(
            {
                "agents": agents,
                "ticks": ticks,
                "map_tiles": world[0].width * world[0].height,
                "ms_per_tick": round(1000 * wall / ticks, 3),
                "us_per_agent_tick": round(1e6 * wall / (ticks * agents), 1),
                "runs_us_per_agent_tick": [round(1e6 * w / (ticks * agents), 1) for w in walls],
                "memories": runs[0][1],
            }
        )
        del world
    return rows


def _timed_run(world: tuple[TownMap, list[Persona]], ticks: int, fake: Callable[[], ChatModel]) -> tuple[float, int]:
    """Wall seconds of `ticks` ticks of a fresh town on `world`, and the memories its people made."""
    agents = len(world[1])
    config = RunConfig(agents=agents, hours=ticks / 360, model="fake", embedder="hashing", index="numpy", cache="off")
    sim = build_simulation(config, model=fake(), world=world)
    started = time.perf_counter()
    asyncio.run(sim.run(ticks))
    wall = time.perf_counter() - started
    return wall, sum(len(m.memory.records) for m in sim.minds)


def retrieval_curve(
    counts: tuple[int, ...] = MEMORY_COUNTS, queries: int = 10, half: bool = True
) -> list[dict[str, Any]]:
    """Median top-30 latency at each memory count, exact float32 rows and (with `half`) float16 rows with recall."""
    rows = []
    rng = np.random.default_rng(0)
    embedder = HashingEmbedder()
    weights = RetrievalWeights(top_k=30)
    index_types: list[tuple[str, Callable[[int], VectorIndex]]] = [("numpy", NumpyIndex)]
    if half:
        from agents.llm.half_index import HalfIndex  # noqa: PLC0415 - imports torch

        index_types.append(("half", HalfIndex))
    for n in counts:
        vectors = _unit_rows(rng, n, embedder.dim)
        created = np.sort(rng.integers(0, 8640, size=n))
        importance = rng.integers(1, 11, size=n)
        records = [
            MemoryRecord(
                id=i,
                kind="observation",
                text=f"m{i}",
                created=int(c),
                last_accessed=int(c),
                importance=int(v),
                depth=0,
                evidence=[],
                sources=[],
                subject=None,
                told_by=None,
                scored=True,
            )
            for i, (c, v) in enumerate(zip(created.tolist(), importance.tolist(), strict=True))
        ]
        # Queries near a stored memory, as a real query is near what it should find.
        targets = rng.integers(0, n, size=queries)
        query_vectors = vectors[targets] + 0.5 * _unit_rows(rng, queries, embedder.dim)
        row: dict[str, Any] = {"memories": n}
        chosen: dict[str, list[list[int]]] = {}
        for name, index_type in index_types:
            stream = MemoryStream(_Fixed(embedder.dim, query_vectors), index_type(embedder.dim), GameClock())
            stream.set_state(
                MemoryState.model_construct(records=records, unscored=[], importance_since_reflection=0), vectors
            )
            latencies, ids = [], []
            for q in range(queries):
                started = time.perf_counter()
                found = stream.retrieve(str(q), 8640, weights, touch=False)
                latencies.append(time.perf_counter() - started)
                ids.append([r.record.id for r in found])
            chosen[name] = ids
            key = "retrieve_ms_median" if name == "numpy" else f"{name}_retrieve_ms_median"
            row[key] = round(1000 * statistics.median(latencies), 2)
            del stream
        if half:
            recalls = [recall_at_k(e, a) for e, a in zip(chosen["numpy"], chosen["half"], strict=True)]
            row["half_recall_at_30"] = round(float(np.mean(recalls)), 4)
            row["half_recall_at_30_worst"] = round(min(recalls), 4)
        rows.append(row)
        del vectors, records
    return rows


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


class _Fixed:
    """An embedder that answers query number i (its text is "i") with the i-th prepared vector."""

    name = "fixed-queries"

    def __init__(self, dim: int, queries: np.ndarray) -> None:
        self.dim = dim
        self._queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._queries[[int(t) for t in texts]]


def bench_scaling(
    out: Path | None = None,
    agents: tuple[int, ...] = AGENT_COUNTS,
    memories: tuple[int, ...] = MEMORY_COUNTS,
    ticks: int = 360,
) -> dict[str, Any]:
    engine = engine_curve(agents, ticks)
    retrieval = retrieval_curve(memories)
    figures: dict[str, Any] = {"benchmark": "scaling"}
    for name, rows, x, y in (
        ("engine", engine, "agents", "ms_per_tick"),
        ("retrieval", retrieval, "memories", "retrieve_ms_median"),
    ):
        xs, ys = [r[x] for r in rows], [r[y] for r in rows]
        steepest = max(log_log_slope(xs[i : i + 2], ys[i : i + 2]) for i in range(len(xs) - 1))
        figures[name] = rows
        figures[f"{name}_log_log_slope"] = round(log_log_slope(xs, ys), 2)
        figures[f"{name}_steepest_step_slope"] = round(steepest, 2)  # the worst stretch, not the average
        figures[f"{name}_super_linear"] = steepest > SUPER_LINEAR
    per_agent = [r["us_per_agent_tick"] for r in engine]
    figures["engine_per_agent_spread"] = round(max(per_agent) / min(per_agent), 2)  # 1.0: perfectly linear
    if out is not None:
        figures["plot"] = str(_plot(engine, retrieval, out))
    return figures


def _plot(engine: list[dict[str, Any]], retrieval: list[dict[str, Any]], out: Path) -> Path:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for ax, rows, x, y, title in (
        (left, engine, "agents", "ms_per_tick", "engine overhead per tick (instant fake at a real model's rates)"),
        (right, retrieval, "memories", "retrieve_ms_median", "top-30 retrieval, full scoring (numpy)"),
    ):
        xs, ys = [r[x] for r in rows], [r[y] for r in rows]
        ax.loglog(xs, ys, "o-", label="measured")
        ax.loglog(xs, [ys[0] * v / xs[0] for v in xs], "k:", label="linear from the first point")
        ax.set_xlabel(x)
        ax.set_ylabel(y.replace("_", " "))
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "scaling.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
