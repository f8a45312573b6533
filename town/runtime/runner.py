"""`run_headless`: a complete headless run into a run folder, and `RunResult`, what it wrote and measured.

The folder gets trajectory.jsonl (deterministic event log), telemetry.jsonl (per-call latency, cache hits, cost),
llm_cache.jsonl (record/replay cache) and summary.json (totals plus wall-clock figures). Interrupting the run
(Ctrl-C) cancels operations in flight, closes the log with a `run_end` event whose reason is "interrupted", and still
writes the summary.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.llm.cache import RecordReplayModel
from agents.llm.protocol import ChatModel
from agents.llm.structured import CallRecord
from agents.persona import Persona
from town.core.places import TownMap
from town.persistence.saves import LoadedSave
from town.persistence.trajectory import TelemetryWriter, TrajectoryWriter
from town.runtime.builders import build_model, build_simulation, ensure_out_dir, load_world
from town.runtime.config import RunConfig
from town.runtime.saving import Autosaver, simulation_from_save
from town.runtime.simulation import Simulation


@dataclass
class RunResult:
    out: Path
    reason: str
    totals: dict[str, Any]
    wall_s: float
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def cancel_models() -> None:
    """Cut short the embedded model's work in progress, if this process loaded it (remote calls cancel as tasks)."""
    backend = sys.modules.get("agents.llm.litellm_model")
    if backend is not None:
        backend.cancel_embedded()


def close_models(model: ChatModel) -> None:
    """Flush the cache file and free the embedded model (if this process loaded the real backends at all)."""
    for link in _chain(model):
        if isinstance(link, RecordReplayModel):
            link.close()
    backend = sys.modules.get("agents.llm.litellm_model")
    if backend is not None:
        backend.close_embedded()


async def run_headless(
    config: RunConfig,
    *,
    model: ChatModel | None = None,
    world: tuple[TownMap, list[Persona]] | None = None,
    on_tick: Callable[[Simulation], None] | None = None,
    resume: LoadedSave | None = None,
    after_tick: Callable[[Simulation], Awaitable[None]] | None = None,
) -> RunResult:
    """Run to the configured length (counted from tick 0, also when resuming), autosaving on the way.

    Map, personas and model are checked before anything is written. With `resume`, the run folder must already hold
    the saved log (`prepare_resumed_run`) and the run continues from the save's tick.
    """
    if resume is None:
        world = world if world is not None else load_world(config)
        ensure_out_dir(config.out, overwrite=config.overwrite)
    chat_model = model if model is not None else build_model(config)
    out = config.out
    telemetry = TelemetryWriter(out / "telemetry.jsonl")
    on_call = call_recorder(telemetry)

    if resume is None:
        sim = build_simulation(config, model=chat_model, on_call=on_call, world=world)
    else:
        sim = simulation_from_save(config, resume, model=chat_model, on_call=on_call)
    trajectory = TrajectoryWriter(out / "trajectory.jsonl", append=resume is not None)
    sim.subscribe(trajectory)
    autosaver = Autosaver(config, trajectory=trajectory.path, cache=find_cache(chat_model))
    started = time.perf_counter()
    reason = "completed"

    def tick_done(s: Simulation) -> None:
        trajectory.flush()
        telemetry.flush()
        if on_tick is not None:
            on_tick(s)

    try:
        sim.start()
        while sim.stats.ticks < config.ticks:
            await sim.step()
            if after_tick is not None:  # interventions and surveys land between ticks, before the autosave
                await after_tick(sim)
            tick_done(sim)
            if autosaver.due(sim) and sim.stats.ticks < config.ticks:
                await autosaver.save(sim)
    except (asyncio.CancelledError, KeyboardInterrupt):
        reason = "interrupted"
        raise
    finally:
        end = sim.finish(reason)
        trajectory.close()
        telemetry.close()
        close_models(chat_model)
        wall = time.perf_counter() - started
        result = summarise(config, sim, end.totals, reason, wall, chat_model, [trajectory.path, telemetry.path])
        result.summary["autosave"] = {
            "saves": autosaver.saves,
            "path": str(autosaver.last.resolve()) if autosaver.last else None,
        }
        write_summary(out, result)
    return result


def call_recorder(telemetry: TelemetryWriter) -> Callable[[CallRecord], None]:
    """What telemetry.jsonl keeps of each model call (numbered, with its wall-clock latency and cost)."""
    counter = [0]

    def on_call(record: CallRecord) -> None:
        counter[0] += 1
        telemetry.write(
            {
                "call": counter[0],
                "agent": record.agent,
                "purpose": record.purpose,
                "outcome": record.outcome,
                "latency_s": round(record.latency_s, 4),
                "cached": record.cached,
                "cost": record.cost,
                "prompt_tokens": record.prompt_tokens,
                "completion_tokens": record.completion_tokens,
            }
        )

    return on_call


def write_summary(out: Path, result: RunResult) -> None:
    (out / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8")
    result.files.append(out / "summary.json")


def find_cache(model: ChatModel) -> Path | None:
    """The record/replay cache file in a provider chain, if there is one."""
    cache = cache_model(model)
    return cache.path if cache is not None else None


def cache_model(model: ChatModel) -> RecordReplayModel | None:
    return next((m for m in _chain(model) if isinstance(m, RecordReplayModel)), None)


def summarise(
    config: RunConfig,
    sim: Simulation,
    totals: dict[str, Any],
    reason: str,
    wall: float,
    model: ChatModel,
    files: list[Path],
) -> RunResult:
    """The run's summary (summary.json): totals, rates per awake agent-hour, cost, cache use."""
    agent_hours = totals["awake_agent_ticks"] * config.tick_seconds / 3600
    cache = cache_model(model)
    if cache is not None:
        files.append(cache.path)
    summary = {
        "reason": reason,
        "model": config.model,
        "seed": config.seed,
        "agents": config.agents,
        "game_hours": round(totals["ticks"] * config.tick_seconds / 3600, 3),
        "wall_seconds": round(wall, 2),
        "awake_agent_hours": round(agent_hours, 2),
        "calls_per_awake_agent_hour": round(totals["calls"] / agent_hours, 2) if agent_hours else None,
        "tokens_per_awake_agent_hour": round((totals["prompt_tokens"] + totals["completion_tokens"]) / agent_hours)
        if agent_hours
        else None,
        "cost_usd": round(sim.llm.usage.cost, 6),
        "cache": {"hits": cache.hits, "misses": cache.misses, "path": str(cache.path)} if cache else None,
        "totals": totals,
    }
    return RunResult(out=config.out, reason=reason, totals=totals, wall_s=wall, files=files, summary=summary)


def _chain(model: ChatModel) -> list[Any]:
    chain, inner = [], model
    while inner is not None:
        chain.append(inner)
        inner = getattr(inner, "inner", None)
    return chain
