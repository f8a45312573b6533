"""`town bench saves`: what autosaving costs a day of the town, and loading, resuming and replaying what it wrote.

A run autosaves every 10 game minutes; each autosave after the first appends to the save (`save_writer`). The
figures time every autosave of a 25-agent day as the run makes them (the last one is "the autosave of a 25-agent
day"), beside writing the same end-of-day state whole, and check that the appended save loads to exactly the state a
whole save of the same moment loads to.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from agents.embedding import CachingEmbedder, HashingEmbedder
from agents.llm.fakes import SchemaFakeModel
from town.bench.figures import bench_config
from town.persistence.replay import open_replay
from town.persistence.runner import run_headless
from town.persistence.save_writer import SaveWriter
from town.persistence.saves import load_save
from town.persistence.saving import load_for_resume, save_simulation, simulation_from_save
from town.runtime.builders import build_model, build_simulation

AUTOSAVE_MINUTES = 10.0


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 1)


async def _autosaved_day(agents: int, hours: float, root: Path) -> dict[str, Any]:
    """Run the day, saving every 10 game minutes with one writer; each save timed, then the last state saved whole."""
    config = bench_config(agents, hours, out=root / "timed", autosave_minutes=AUTOSAVE_MINUTES)
    sim = build_simulation(config, model=SchemaFakeModel(seed=0), embedder=CachingEmbedder(HashingEmbedder()))
    writer, dest = SaveWriter(), root / "appended"
    times = []
    sim.start()
    while sim.stats.ticks < config.ticks:
        await sim.step()
        if sim.tick % config.autosave_ticks == 0:
            started = time.perf_counter()
            await save_simulation(sim, config, dest, writer=writer)
            times.append(time.perf_counter() - started)
    started = time.perf_counter()
    await save_simulation(sim, config, root / "whole")
    whole = time.perf_counter() - started
    appended, written_whole = load_save(dest), load_save(root / "whole")
    same = appended.state == written_whole.state and all(
        np.array_equal(a, b) for a, b in zip(appended.vectors, written_whole.vectors, strict=True)
    )
    ordered = sorted(times)
    return {
        "autosaves_timed": len(times),
        "autosave_ms_first": _ms(times[0]),
        "autosave_ms_median": _ms(statistics.median(times)),
        "autosave_ms_p95": _ms(ordered[int(0.95 * (len(ordered) - 1))]),
        "autosave_ms_max": _ms(ordered[-1]),
        "autosave_ms_last": _ms(times[-1]),
        "whole_save_ms_same_state": _ms(whole),
        "appended_loads_as_whole": same,
        "target_autosave_ms": 20,
    }


def bench_saves(agents: int = 25, hours: float = 24.0, scrubs: int = 300) -> dict[str, Any]:
    """A headless day with autosaves; each autosave timed; then loading and resuming its end state, and replaying."""
    with tempfile.TemporaryDirectory(prefix="town-bench-") as tmp:
        root = Path(tmp)
        figures: dict[str, Any] = {"benchmark": "saves", "agents": agents, "game_hours": hours}
        for label, minutes in (("run_s_without_autosave", 0.0), ("run_s_autosave_every_10_min", AUTOSAVE_MINUTES)):
            config = bench_config(agents, hours, out=root / label, autosave_minutes=minutes, save_dir=root / "save")
            started = time.perf_counter()
            result = asyncio.run(run_headless(config))
            figures[label] = round(time.perf_counter() - started, 2)
        figures["autosaves"] = result.summary["autosave"]["saves"]
        figures.update(asyncio.run(_autosaved_day(agents, hours, root)))
        save_dir = root / "save"
        figures["save_mb"] = round(sum(f.stat().st_size for f in save_dir.rglob("*") if f.is_file()) / 1e6, 1)
        figures["trajectory_mb"] = round((root / label / "trajectory.jsonl").stat().st_size / 1e6, 1)

        started = time.perf_counter()
        loaded = load_save(save_dir)
        figures["load_s"] = round(time.perf_counter() - started, 3)
        config, loaded = load_for_resume(save_dir, {"out": root / "resumed"})
        started = time.perf_counter()
        simulation_from_save(config, loaded, model=build_model(config))
        figures["rebuild_simulation_s"] = round(time.perf_counter() - started, 3)
        figures["memories_saved"] = sum(len(m.memory.records) for m in loaded.state.minds)

        started = time.perf_counter()
        replay = open_replay(root / label)
        figures["replay_open_s"] = round(time.perf_counter() - started, 3)
        figures["replay_events"] = len(replay.events)
        rng = np.random.default_rng(0)
        times = []
        for tick in rng.integers(0, replay.last_tick, size=scrubs).tolist():
            started = time.perf_counter()
            replay.snapshot(tick, inspected=replay.agents[tick % len(replay.agents)])
            times.append(time.perf_counter() - started)
        times.sort()
        figures["scrub_ms_mean"] = round(1000 * statistics.mean(times), 2)
        figures["scrub_ms_p95"] = round(1000 * times[int(0.95 * (len(times) - 1))], 2)
        figures["scrub_frames_per_s_p95"] = round(1 / times[int(0.95 * (len(times) - 1))])
    return figures
