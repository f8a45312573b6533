"""`town bench concurrency`: how the town's calls overlap, on a fake with fixed latency or on a real server.

With `--model M [--api-base URL]` the town lives `--hours` against that model (pre-flighted, structured output
negotiated, the provider flags applied) and every request is timed at the server's door: from the moment it has its
slot on an endpoint (agents/llm/endpoints.py) until the answer is in. The figures: requests, wall time against the sum
of the latencies (what one call at a time would take), latency percentiles, requests in flight over time (the mean in
each wall second, and the peak), and what each server of the pool served at most at once.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from agents.embedding import CachingEmbedder, HashingEmbedder
from agents.llm.fakes import FixedLatencyModel, SchemaFakeModel
from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, SamplingParams
from town.runtime.builders import build_model, build_simulation
from town.runtime.config import RunConfig, validate_run_config

SPARK = " ▁▂▃▄▅▆▇█"


class TimedCalls:
    """Wraps a model (the fake) and keeps (start, end, failed) of every request in monotonic seconds."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.timeline: list[tuple[float, float, bool]] = []

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        started, failed = time.monotonic(), False
        try:
            return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        except Exception:
            failed = True
            raise
        finally:
            self.timeline.append((started, time.monotonic(), failed))


def in_flight_per_second(spans: list[tuple[float, float]], origin: float, wall: float) -> list[float]:
    """The mean number of requests in flight in each wall second from `origin`, time-weighted.

    The last second is averaged over the part of it that the run lasted.
    """
    seconds = max(1, int(np.ceil(wall)))
    load = [0.0] * seconds
    for start, end in spans:
        first, last = int(start - origin), min(int(end - origin), seconds - 1)
        for second in range(max(0, first), last + 1):
            lo, hi = max(start, origin + second), min(end, origin + second + 1)
            load[second] += max(0.0, hi - lo)
    tail = wall - (seconds - 1)
    if 0 < tail < 1:
        load[-1] /= tail
    return [round(x, 2) for x in load]


def peak_in_flight(spans: list[tuple[float, float]]) -> int:
    """The most requests that were ever in flight at once (a request ending as another starts is not overlap)."""
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda edge: (edge[0], edge[1]))
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


def sparkline(values: list[float], top: float) -> str:
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] for v in values)


def bench_concurrency(
    agents: int = 25,
    hours: float = 4.0,
    latency: float = 0.05,
    *,
    model: str | None = None,
    api_base: str | None = None,
    provider: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The town against `model` (a real server) or, without one, the schema fake answering in `latency` seconds."""
    with tempfile.TemporaryDirectory(prefix="town-bench-") as tmp:
        settings: dict[str, Any] = {
            "agents": agents,
            "hours": hours,
            "model": model or "fake",
            "embedder": "hashing",
            "index": "numpy",
            "cache": "off",
            "out": Path(tmp) / "run",
            **(provider or {}),
        }
        if api_base:
            settings["api_base"] = api_base
        config = validate_run_config(settings, "town bench concurrency")
        chat: ChatModel
        if model:  # timed at the server's door: from the moment a request has its endpoint slot
            chat = build_model(config)
            pool = chat.pool  # type: ignore[attr-defined]
            pool.timeline = timeline = []
        else:
            chat = TimedCalls(FixedLatencyModel(SchemaFakeModel(seed=0), latency))
            pool, timeline = None, chat.timeline  # type: ignore[attr-defined]
        sim, wall, origin = asyncio.run(_live(config, chat))
    figures: dict[str, Any] = {
        "benchmark": "concurrency",
        "model": model or f"schema fake, {latency} s per call",
        "agents": agents,
        "game_hours": hours,
        "max_concurrency": config.gateway.concurrency,
    }
    figures |= _timing(timeline, wall, origin)
    if pool is not None and any(pool.bases):
        figures["per_endpoint"] = {
            base: {"served": pool.served[base], "peak_in_flight": pool.peak[base], "limit": pool.limits[base]}
            for base in pool.bases
        }
    figures["reason"] = sim.llm.unavailable or "completed"
    return figures


async def _live(config: RunConfig, model: ChatModel) -> tuple[Any, float, float]:
    sim = build_simulation(config, model=model, embedder=CachingEmbedder(HashingEmbedder()))
    origin = time.monotonic()
    started = time.perf_counter()
    await sim.run(config.ticks)
    wall = time.perf_counter() - started
    sim.finish()
    return sim, wall, origin


def _timing(timeline: list[tuple[float, float, bool]], wall: float, origin: float) -> dict[str, Any]:
    spans = [(start, end) for start, end, _ in timeline]
    latencies = np.array([end - start for start, end in spans]) if spans else np.zeros(1)
    sequential = float(latencies.sum()) if spans else 0.0
    load = in_flight_per_second(spans, origin, wall)
    return {
        "requests": len(spans),
        "failed_requests": sum(failed for *_, failed in timeline),
        "wall_s": round(wall, 2),
        "sequential_latency_s": round(sequential, 2),
        "wall_over_sequential": round(wall / sequential, 4) if sequential else None,
        "latency_s": {f"p{q}": round(float(np.percentile(latencies, q)), 3) for q in (50, 90, 99)}
        | {"max": round(float(latencies.max()), 3)},
        "in_flight": {
            "peak": peak_in_flight(spans),
            "mean": round(sequential / wall, 2) if wall else 0.0,
            "per_second": sparkline(load, max(load)) if len(load) <= 120 else f"{len(load)} s (see --json)",
        },
        "in_flight_per_second": load,
    }
