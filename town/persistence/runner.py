"""`run_headless`: a complete headless run into a run folder, and `RunResult`, what it wrote and measured.

The folder gets trajectory.jsonl (deterministic event log), telemetry.jsonl (per-call latency, cache hits, cost),
llm_cache.jsonl (record/replay cache) and summary.json (totals plus wall-clock figures). Interrupting the run
(Ctrl-C, SIGTERM, SIGHUP) cancels operations in flight, closes the log with a `run_end` event whose reason is
"interrupted", and still writes the summary; other endings (a failed save, a full disk, a dead provider) do the same
with their own reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.llm.protocol import ChatModel, EmbedderUnavailable
from agents.llm.structured import CallRecord
from agents.persona import Persona
from town.core.errors import SaveError, TownError
from town.core.events import RunEnded
from town.core.places import TownMap
from town.persistence.run_folders import RunFolders, check_run_folders, open_run_folders
from town.persistence.saves import LoadedSave
from town.persistence.saving import Autosaver, simulation_from_save
from town.persistence.trajectory import TelemetryWriter, TrajectoryWriter
from town.runtime.builders import build_model, build_simulation, load_world
from town.runtime.config import RunConfig
from town.runtime.model_chain import cache_model, close_models, find_cache, structured_output
from town.runtime.signals import StopSignals
from town.runtime.simulation import Simulation


@dataclass
class RunResult:
    out: Path
    reason: str
    totals: dict[str, Any]
    wall_s: float
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ending:
    """How a run ended: its `run_end` reason and, unless it completed, a detail (the signal, or the error line)."""

    reason: str = "completed"
    detail: str | None = None


class RunWriteError(TownError):
    """The run's own files could not be written (disk full, a size limit, a folder gone read-only)."""


async def run_headless(
    config: RunConfig,
    *,
    model: ChatModel | None = None,
    world: tuple[TownMap, list[Persona]] | None = None,
    on_tick: Callable[[Simulation], None] | None = None,
    resume: LoadedSave | None = None,
    after_tick: Callable[[Simulation], Awaitable[None]] | None = None,
    command: str = "run",
    folders: RunFolders | None = None,
) -> RunResult:
    """Run to the configured length (counted from tick 0, also when resuming), autosaving on the way.

    Map, personas, folders and model are checked before anything is written; the run folder and the save directory
    are locked for the whole run (pass `folders` already opened to hold them from earlier; they are released here).
    However the run ends, the log closes with a `run_end` naming the true reason and summary.json is written, as far
    as the disk allows: an interruption re-raises, a failed save raises its `SaveError`, a failed write of the run's
    own files raises `RunWriteError` saying what was lost and what is safe, and a provider that stopped answering
    ends the run early with reason `provider_unavailable`.
    """
    if folders is None:
        if resume is None:
            world = world if world is not None else load_world(config)
        check_run_folders(config, resume)
        chat_model = model if model is not None else build_model(config)
        folders = open_run_folders(config, command=command, resume=resume)
    else:  # the caller checked the world and claimed the folders (`town run`, to print its banner after)
        chat_model = model if model is not None else build_model(config)
    try:
        return await _run(config, chat_model, world, resume, on_tick, after_tick)
    finally:
        folders.release()


async def _run(
    config: RunConfig,
    chat_model: ChatModel,
    world: tuple[TownMap, list[Persona]] | None,
    resume: LoadedSave | None,
    on_tick: Callable[[Simulation], None] | None,
    after_tick: Callable[[Simulation], Awaitable[None]] | None,
) -> RunResult:
    out = config.out
    try:
        telemetry = TelemetryWriter(out / "telemetry.jsonl")
    except OSError as exc:
        raise RunWriteError(f"--out {out}: cannot open its log files ({exc.strerror}); nothing was run") from None
    on_call = call_recorder(telemetry)
    if resume is None:
        sim = build_simulation(config, model=chat_model, on_call=on_call, world=world)
    else:
        sim = simulation_from_save(config, resume, model=chat_model, on_call=on_call)
    try:
        trajectory = TrajectoryWriter(out / "trajectory.jsonl", append=resume is not None)
    except OSError as exc:
        telemetry.close()
        raise RunWriteError(f"--out {out}: cannot open trajectory.jsonl ({exc.strerror}); nothing was run") from None
    sim.subscribe(trajectory)
    autosaver = Autosaver(config, trajectory=trajectory.path, cache=find_cache(chat_model))
    started = time.perf_counter()
    ending = Ending()
    failure: BaseException | None = None
    flushed_tick = sim.tick

    with StopSignals() as signals:
        try:
            sim.start()
            while sim.stats.ticks < config.ticks:
                await sim.step()
                if after_tick is not None:  # interventions and surveys land between ticks, before the autosave
                    await after_tick(sim)
                trajectory.flush()
                telemetry.flush()
                flushed_tick = sim.tick
                if on_tick is not None:
                    on_tick(sim)
                if sim.llm.unavailable is not None:
                    ending = Ending("provider_unavailable", sim.llm.unavailable)
                    break
                if autosaver.due(sim) and sim.stats.ticks < config.ticks:
                    await autosaver.save(sim)
        except (asyncio.CancelledError, KeyboardInterrupt) as exc:
            ending, failure = Ending("interrupted", signals.received or "SIGINT"), exc
        except SaveError as exc:
            ending, failure = Ending("save_failed", str(exc)), exc
        except EmbedderUnavailable as exc:  # the memory embedder's server is gone: stop, resumable from the autosave
            ending = Ending("provider_unavailable", f"embedder: {exc}")
        except OSError as exc:
            ending, failure = Ending("write_failed", f"{exc.strerror or exc} writing the run's log"), exc
        except Exception as exc:  # a bug: the log still closes, saying so, and the traceback follows
            ending, failure = Ending("crashed", f"{type(exc).__name__}: {exc}"[:300]), exc
    end, lost = _close_run(sim, ending, trajectory, telemetry, chat_model)
    wall = time.perf_counter() - started
    result = summarise(config, sim, end.totals, ending.reason, wall, chat_model, [trajectory.path, telemetry.path])
    result.summary["detail"] = ending.detail
    result.summary["autosave"] = {
        "saves": autosaver.saves,
        "path": str(autosaver.last.resolve()) if autosaver.last else None,
    }
    try:
        write_summary(out, result)
    except OSError as exc:
        lost.append(f"summary.json ({exc.strerror})")
    if lost or ending.reason == "write_failed":
        raise RunWriteError(_what_is_safe(config, ending, lost, flushed_tick, autosaver)) from None
    if failure is not None:
        raise failure
    return result


def _close_run(
    sim: Simulation, ending: Ending, trajectory: TrajectoryWriter, telemetry: TelemetryWriter, model: ChatModel
) -> tuple[RunEnded, list[str]]:
    """Emit run_end and close every file, each step on its own: what could not be written is returned, not raised."""
    lost: list[str] = []
    if ending.reason == "write_failed":
        for log in (trajectory, telemetry):
            _attempt(log.recover, log.path.name, lost)
    end = sim.finish(ending.reason, ending.detail)
    for log in (trajectory, telemetry):
        if not _attempt(log.close, log.path.name, lost):
            _attempt(log.recover, log.path.name, lost)  # the closing lines are lost; what was flushed stays whole
            _attempt(log.close, log.path.name, lost)
    _attempt(lambda: close_models(model), "llm_cache.jsonl", lost)
    return end, list(dict.fromkeys(lost))


def _attempt(step: Callable[[], None], name: str, lost: list[str]) -> bool:
    try:
        step()
    except OSError as exc:
        lost.append(f"{name} ({exc.strerror or exc})")
        return False
    return True


def _what_is_safe(config: RunConfig, ending: Ending, lost: list[str], flushed_tick: int, saver: Autosaver) -> str:
    """The one line a user reads when the disk refused the run's files: what is lost, what is whole, how to go on."""
    why = ending.detail if ending.reason == "write_failed" else f"the run ended ({ending.reason})"
    parts = [f"--out {config.out}: {why}"]
    if lost:
        parts.append(f"not written: {', '.join(lost)}")
    parts.append(f"trajectory.jsonl is whole up to tick {flushed_tick}")
    if saver.last is not None:
        parts.append(f"the last autosave {saver.last} is safe (town run --resume {saver.last})")
    else:
        parts.append("there is no autosave")
    return "; ".join(parts)


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
                "attempts": [
                    {"n": a.number, "latency_s": round(a.latency_s, 4), "error": a.error} for a in record.attempts
                ],
            }
        )

    return on_call


def write_summary(out: Path, result: RunResult) -> None:
    """summary.json, whole or not at all (written beside it and renamed into place)."""
    target = out / "summary.json"
    partial = out / ".summary.json.partial"
    try:
        partial.write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    result.files.append(target)


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
        "structured_output": structured_output(model),
        "outages": _outages(sim),
        # Operations whose outcome never landed (their answered calls are in telemetry.jsonl, in no total above).
        "operations_cancelled_at_end": sim.cancelled_at_end,
        "totals": totals,
    }
    return RunResult(out=config.out, reason=reason, totals=totals, wall_s=wall, files=files, summary=summary)


def _outages(sim: Simulation) -> dict[str, float]:
    """How often and how long the model was away (the gateway's breaker was open)."""
    breaker = sim.llm.breaker
    spans = [*breaker.outages, *([breaker.down_for()] if breaker.is_open else [])]
    return {"count": len(spans), "seconds": round(sum(spans), 1), "probes": breaker.probes}
