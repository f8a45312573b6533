"""Benchmark figures behind `town bench`: calls and tokens per agent-hour, engine, retrieval, saves/replay, experiments.

Each returns plain figures (a dict); `format_figures` prints them. They use the deterministic fakes, the hashing
embedder and the numpy index unless stated, so they measure this project's overhead rather than a model's speed.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import numpy as np

from agents.config import CognitionConfig
from agents.embedding import CachingEmbedder, HashingEmbedder
from agents.llm.fakes import (
    MEASURED_END_SHARE,
    MEASURED_TALK_SHARE,
    MEASURED_USUAL_BUILDING_SHARE,
    MEASURED_USUAL_PLACE_SHARE,
    CountingModel,
    SchemaFakeModel,
)
from agents.llm.protocol import ChatModel
from agents.memory import MemoryDraft, MemoryStream
from agents.retrieval import RetrievalWeights, recall_at_k
from agents.vector_index import NumpyIndex
from town.bench.workload import generated_world, realistic_fake
from town.core.clock import GameClock
from town.runtime.builders import build_simulation
from town.runtime.config import RunConfig

# Park et al.'s public code as measured by a user (REFERENCE.md): 13,705 calls and 6.6 M tokens for 25 agents over
# 3,665 steps of 10 s — about 54 calls and 26k tokens per agent per game hour.
PARK_CALLS_PER_AGENT_HOUR = 54.0
PARK_TOKENS_PER_AGENT_HOUR = 26_000.0


def bench_config(agents: int, hours: float, **extra: Any) -> RunConfig:
    return RunConfig(agents=agents, hours=hours, model="fake", embedder="hashing", index="numpy", cache="off", **extra)


async def _simulate(agents: int, hours: float, model: ChatModel, world: Any = None, **extra: Any) -> tuple[Any, float]:
    config = bench_config(agents, hours, **extra)
    sim = build_simulation(config, model=model, embedder=CachingEmbedder(HashingEmbedder()), world=world)
    started = time.perf_counter()
    await sim.run(config.ticks)
    wall = time.perf_counter() - started
    sim.finish()
    return sim, wall


def bench_calls(agents: int = 25, hours: float = 24.0) -> dict[str, Any]:
    """Calls per awake agent-hour on Willowbrook's cast, and for as many distinct people in a town generated for them.

    Willowbrook has 10 personas: past them, copies share a home and a routine, so a crowd of look-alikes sees each
    other all day (more sightings, scores, reflections and reactions). The generated town is closer to Park et al.'s 25
    distinct people in Smallville; both are printed.
    """
    figures = _calls(agents, hours, None)
    generated = _calls(agents, hours, generated_world(agents))
    shown = ("calls_per_awake_agent_hour", "calls_vs_park", "reflections_per_agent_day", "conversations")
    figures["distinct_people_in_a_generated_town"] = {k: generated[k] for k in shown}
    # What the other setting of `cognition.talk_replan` costs: both speakers re-plan at once after every talk.
    replanning = _calls(agents, hours, None, CognitionConfig(talk_replan="call"))
    figures["with_talk_replan_call"] = {k: replanning[k] for k in shown}
    return figures


def _calls(agents: int, hours: float, world: Any, cognition: CognitionConfig | None = None) -> dict[str, Any]:
    counting = CountingModel(realistic_fake())
    sim, wall = asyncio.run(_simulate(agents, hours, counting, world, cognition=cognition or CognitionConfig()))
    agent_hours = sim.stats.awake_agent_ticks * sim.clock.tick_seconds / 3600
    tokens = {p: counting.prompt_tokens[p] + counting.completion_tokens[p] for p in counting.calls}
    calls_rate = counting.total_calls / agent_hours
    tokens_rate = sum(tokens.values()) / agent_hours
    return {
        "benchmark": "calls",
        "agents": agents,
        "game_hours": hours,
        "awake_agent_hours": round(agent_hours, 1),
        "calls": counting.total_calls,
        "calls_per_awake_agent_hour": round(calls_rate, 2),
        "tokens_per_awake_agent_hour": round(tokens_rate),
        "by_purpose_per_agent_hour": {
            p: {"calls": round(counting.calls[p] / agent_hours, 2), "tokens": round(tokens[p] / agent_hours)}
            for p in sorted(counting.calls)
        },
        "park_calls_per_agent_hour": PARK_CALLS_PER_AGENT_HOUR,
        "calls_vs_park": f"1/{PARK_CALLS_PER_AGENT_HOUR / calls_rate:.1f}",
        "tokens_vs_park": f"1/{PARK_TOKENS_PER_AGENT_HOUR / tokens_rate:.1f}",
        "conversations": sim.stats.counts["conversation_start"],
        "reflections": sim.stats.counts["reflection"],
        "reflections_per_agent_day": round(sim.stats.counts["reflection"] / (agents * hours / 24), 2),
        "park_reflections_per_agent_day": "2-3",
        "importance_scores": "EVERYDAY_IMPORTANCE (agents/llm/fakes.py): 80% score 1-3, mean 2.5",
        "talk_share": f"{MEASURED_TALK_SHARE} of sightings (the 1.5B's, town bench rates)",
        "usual_place_share": f"{MEASURED_USUAL_PLACE_SHARE} of planned steps, {MEASURED_USUAL_BUILDING_SHARE} in its "
        "building (the 1.5B's, town bench rates)",
        "end_share": f"{MEASURED_END_SHARE} of lines after the first end the talk (the 1.5B's, town bench rates)",
        "talk_replan": f"{sim.cognition.talk_replan} (fit: a talk is fitted into the plan without a call)",
        "wall_s": round(wall, 2),
    }


def bench_engine() -> dict[str, Any]:
    rows = []
    for agents, hours in ((25, 24.0), (1000, 1.0)):
        sim, wall = asyncio.run(_simulate(agents, hours, SchemaFakeModel(seed=0)))
        ticks = sim.stats.ticks
        rows.append(
            {
                "agents": agents,
                "game_hours": hours,
                "ticks": ticks,
                "wall_s": round(wall, 2),
                "ms_per_tick": round(1000 * wall / ticks, 3),
                "us_per_agent_tick": round(1e6 * wall / (ticks * agents), 2),
                "game_seconds_per_wall_second": round(ticks * sim.clock.tick_seconds / wall),
                "calls": sim.llm.usage.calls,
            }
        )
    return {"benchmark": "engine", "model": "instant schema fake", "runs": rows}


def bench_retrieval(memories: int = 100_000, top_k: int = 30, queries: int = 30) -> dict[str, Any]:
    """Top-k latency over each index on the same memories and queries, and each quantised index's recall@k."""
    rng = np.random.default_rng(0)
    clock = GameClock()
    embedder = HashingEmbedder()
    texts = [f"memory {i}: {' '.join(map(str, rng.integers(0, 5000, size=8)))}" for i in range(memories)]
    importance = rng.integers(1, 11, size=memories).tolist()
    asked = [texts[int(i)] for i in rng.integers(memories, size=queries)]
    results: dict[str, Any] = {"benchmark": "retrieval", "memories": memories, "top_k": top_k, "indexes": {}}
    from agents.llm.faiss_index import FaissIndex  # noqa: PLC0415 - heavy backends, for this benchmark only
    from agents.llm.half_index import HalfIndex  # noqa: PLC0415

    # faiss and torch are dependencies of the project, so every index is measured (an import guard hid none).
    index_types: list[tuple[str, Any]] = [("numpy", NumpyIndex), ("faiss", FaissIndex), ("half", HalfIndex)]
    weights = RetrievalWeights(top_k=top_k)
    exact: list[list[int]] = []
    for name, index_type in index_types:
        stream = MemoryStream(CachingEmbedder(embedder), index_type(embedder.dim), clock)
        started = time.perf_counter()
        batch = 5000
        for start in range(0, memories, batch):
            drafts = [
                MemoryDraft(kind="observation", text=t, importance=v)
                for t, v in zip(texts[start : start + batch], importance[start : start + batch], strict=True)
            ]
            stream.add_many(drafts, tick=start // 100)
            stream.embed_waiting()
        add_s = time.perf_counter() - started
        latencies, similarities, found = [], [], []
        for q, query in enumerate(asked):
            t0 = time.perf_counter()
            ranked = stream.retrieve(query, memories // 100 + q, weights, touch=False)
            latencies.append(time.perf_counter() - t0)
            found.append([r.record.id for r in ranked])
            vector = embedder.embed([query])[0]
            t0 = time.perf_counter()
            stream.index.similarities(vector)  # the bare matrix-vector product every exact scoring needs
            similarities.append(time.perf_counter() - t0)
        exact = exact or found
        results["indexes"][name] = {
            "add_s": round(add_s, 2),
            "retrieve_ms_median": round(1000 * statistics.median(latencies), 2),
            "retrieve_ms_p95": round(1000 * sorted(latencies)[int(0.95 * (len(latencies) - 1))], 2),
            "similarities_ms_median": round(1000 * statistics.median(similarities), 2),
            f"recall_at_{top_k}_vs_numpy": round(
                float(np.mean([recall_at_k(e, f) for e, f in zip(exact, found, strict=True)])), 4
            ),
        }
    return results


def bench_experiments(runs: int = 8, agents: int = 6, hours: float = 2.0, latency: float = 0.05) -> dict[str, Any]:
    """Runs per hour of an experiment (fixed-latency fake) on the local pool with 1 and 2 workers."""
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from town.experiments.config import ExperimentConfig  # noqa: PLC0415
    from town.experiments.runner import run_experiment  # noqa: PLC0415

    experiment = ExperimentConfig.model_validate(
        {
            "name": "bench",
            "run": {
                "agents": agents,
                "hours": hours,
                "model": "fake",
                "fake_latency_s": latency,
                "embedder": "hashing",
                "index": "numpy",
                "cache": "off",
                "autosave_minutes": 0,
            },
            "replicates": runs // 2,
            "conditions": [{"name": "full"}, {"name": "no-reflection", "ablate": ["reflection"]}],
            "evaluate": False,
        }
    )
    figures: dict[str, Any] = {
        "benchmark": "experiments",
        "runs": runs,
        "agents": agents,
        "game_hours": hours,
        "model_latency_s": latency,
    }
    rates = {}
    with tempfile.TemporaryDirectory(prefix="town-bench-") as tmp:
        for workers in (1, 2):
            started = time.perf_counter()
            result = run_experiment(experiment, Path(tmp) / f"w{workers}", workers=workers)
            wall = time.perf_counter() - started
            rates[workers] = len(result.rows) / wall * 3600
            figures[f"wall_s_{workers}_worker{'s' if workers > 1 else ''}"] = round(wall, 2)
            figures[f"runs_per_hour_{workers}_worker{'s' if workers > 1 else ''}"] = round(rates[workers])
    figures["speedup_2_vs_1"] = round(rates[2] / rates[1], 2)
    return figures
