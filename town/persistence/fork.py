"""Forking a recorded run at a tick: `fork_run` and its `ForkResult`.

A fork starts from the nearest snapshot at or before the tick — a save of the run, or the run's beginning — and
re-simulates to the tick with the run's recorded model answers (the record/replay cache), then writes a new save
there. A headless run is deterministic, so the fork's log is then a prefix of the original log; a run played live in the
app is not (its answers landed when they arrived), and the result says where the re-simulation first differs.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from town.core.errors import TownError
from town.persistence.run_source import read_events
from town.persistence.save_memory import read_prefix
from town.persistence.saves import LoadedSave, load_save
from town.persistence.saving import save_simulation, simulation_from_save
from town.persistence.trajectory import TrajectoryWriter
from town.runtime.builders import build_model, build_simulation, load_world
from town.runtime.config import installed_paths, validate_run_config
from town.runtime.model_chain import cache_model, close_models, find_cache


@dataclass(frozen=True)
class ForkResult:
    save: Path
    tick: int
    started_from: str  # "the start" or the save it loaded
    resimulated_ticks: int
    cache_misses: int
    matches_log: bool
    first_difference: int | None  # 1-based line of the original log where the re-simulation differs


async def fork_run(source: str | Path, tick: int, dest: Path, *, work: Path) -> ForkResult:
    """Write a save of `source` (a run folder or a save) as it was after `tick` ticks into `dest`."""
    source = Path(source)
    save, log, config_raw = _describe(source)
    original = log.events()
    last = original[-1]["tick"] if original else 0
    if not 0 <= tick <= last:
        raise TownError(f"fork {source}: tick {tick} is outside the log (0..{last})")
    start = save if save is not None and save.manifest.tick <= tick else None
    work.mkdir(parents=True, exist_ok=True)
    cache_copy = work / "llm_cache.jsonl"
    log.copy_cache(cache_copy)
    overrides = {"out": work / "run", "overwrite": True, "cache": "record", "cache_path": cache_copy}
    config = validate_run_config({**config_raw, **overrides, "autosave_minutes": 0}, f"fork {source}: logged config")
    (work / "run").mkdir(parents=True, exist_ok=True)
    log_path = work / "run" / "trajectory.jsonl"
    model = build_model(config)
    recorder = cache_model(model)
    if start is not None:
        start.copy_log(start.trajectory, log_path) if start.trajectory else log_path.write_bytes(b"")
        sim = simulation_from_save(config, start, model=model)
    elif save is not None:  # personas come with the save, not from the persona files
        world = (load_world(config)[0], [m.persona for m in save.state.minds])
        sim = build_simulation(config, model=model, world=world)
    else:
        sim = build_simulation(config, model=model)
    writer = TrajectoryWriter(log_path, append=start is not None)
    sim.subscribe(writer)
    begun = sim.stats.ticks
    try:
        sim.start()
        while sim.stats.ticks < tick:
            await sim.step()
        writer.flush()
        written = await save_simulation(sim, config, dest, trajectory=log_path, cache=find_cache(model))
    finally:
        writer.close()
        close_models(model)
    forked = log_path.read_bytes().splitlines()
    recorded = [json.dumps(e, ensure_ascii=False) for e in original]
    difference = next(
        (i + 1 for i, line in enumerate(forked) if i >= len(recorded) or _same(line, recorded[i]) is False), None
    )
    return ForkResult(
        save=written,
        tick=tick,
        started_from=f"the save at tick {start.manifest.tick}" if start is not None else "the start",
        resimulated_ticks=tick - begun,
        cache_misses=recorder.misses if recorder is not None else 0,
        matches_log=difference is None,
        first_difference=difference,
    )


def _same(fork_line: bytes, recorded: str) -> bool:
    return json.loads(fork_line) == json.loads(recorded)


@dataclass(frozen=True)
class _Recorded:
    """The log and cache a fork re-simulates from: a run folder's files, or a save's as far as its manifest vouches."""

    trajectory: Path
    cache: Path | None
    save: LoadedSave | None = None  # when they are a save's

    def events(self) -> list[dict[str, Any]]:
        return read_events(self.trajectory, self.save.log_bytes[self.trajectory.name] if self.save else None)

    def copy_cache(self, target: Path) -> None:
        if self.cache is not None and self.save is not None:
            self.save.copy_log(self.cache, target)
        elif self.cache is not None:
            shutil.copyfile(self.cache, target)


def _describe(source: Path) -> tuple[LoadedSave | None, _Recorded, dict[str, Any]]:
    """(the save if any, the recorded log and cache, the logged config with installed asset paths)."""
    if (source / "manifest.json").exists():
        save = load_save(source)
        if save.trajectory is None:
            raise TownError(f"fork {source}: the save holds no trajectory to fork from")
        return save, _Recorded(save.trajectory, save.cache, save), installed_paths(save.manifest.config)
    trajectory = source / "trajectory.jsonl"
    if not trajectory.is_file():
        raise TownError(f"fork {source}: neither a run folder (trajectory.jsonl) nor a save (manifest.json)")
    events = read_events(trajectory)
    if not events or events[0].get("type") != "run_start":
        raise TownError(f"fork {source}: the log does not begin with run_start")
    config = dict(events[0].get("config", {}))
    cache = source / "llm_cache.jsonl"
    save = run_autosave(source, events[0])
    return save, _Recorded(trajectory, cache if cache.is_file() else None), installed_paths(config)


def run_autosave(run: Path, start: dict[str, Any] | None = None) -> LoadedSave | None:
    """The run's last autosave, when its summary names one that still belongs to this run."""
    if start is None:
        events = read_events(run / "trajectory.jsonl") if (run / "trajectory.jsonl").is_file() else []
        start = events[0] if events else {}
    try:
        summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
        path = Path(summary["autosave"]["path"])
        save = load_save(path)
    except (OSError, KeyError, TypeError, ValueError, TownError):
        return None
    if save.trajectory is None or not save.trajectory.is_file():
        return None
    first = read_prefix(save.trajectory, min(save.log_bytes[save.trajectory.name], 1 << 20)).partition(b"\n")[0]
    try:
        return save if json.loads(first) == start else None
    except ValueError:
        return None
