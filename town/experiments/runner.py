"""Running an experiment: `RunSpec` (one condition x replicate), `run_one`, the executors, `run_experiment`.

Each (condition, replicate) is an ordinary headless run in its own folder, started from a JSON `RunSpec`, so it runs
the same in this process, in a local process pool (default) or as a Ray task on a local or remote cluster: a run is a
pure function of its spec, and the trajectories are identical wherever it ran.
"""

from __future__ import annotations

import asyncio
import csv
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from town.core.clock import GameClock
from town.core.errors import ConfigError
from town.experiments.config import ExperimentConfig, SeedFactAt, Swap
from town.persistence.folders import check_owned_output, take_lock
from town.runtime.config import RunConfig, validate_run_config


class RunSpec(BaseModel):
    experiment: str
    condition: str
    replicate: int
    config: dict[str, Any]  # RunConfig fields, output paths included
    interventions: list[dict[str, Any]]
    surveys: list[dict[str, Any]]


def plan_runs(experiment: ExperimentConfig, out: Path) -> list[RunSpec]:
    """One spec per (condition, replicate), seeds base + replicate, folders out/<condition>/rep-<r>.

    Saves go to out/saves/<condition>/rep-<r>: never inside a run folder (each autosave replaces its folder whole).
    """
    specs = []
    worlds: dict[tuple[str, str, int], tuple[list[str], set[str]]] = {}
    for condition in experiment.conditions:
        for replicate in range(experiment.replicates):
            folder = out / condition.name / f"rep-{replicate}"
            raw = {**experiment.run, **condition.run}
            cognition = raw.pop("cognition", None) or {}
            if not isinstance(cognition, dict):
                raise ConfigError(
                    f"experiment {experiment.name}: condition {condition.name}: run.cognition must be "
                    f"a mapping of settings, not {type(cognition).__name__}"
                )
            cognition = dict(cognition)
            cognition["ablate"] = sorted(set(cognition.get("ablate", [])) | condition.ablate)
            settings = {
                **raw,
                "cognition": cognition,
                "seed": experiment.seed + replicate,
                "out": str(folder),
                "save_dir": str(out / "saves" / condition.name / f"rep-{replicate}"),
                "overwrite": True,
            }
            where = f"experiment {experiment.name}: condition {condition.name}"
            config = validate_run_config(settings, where)  # every spec is checked before anything runs
            if condition.swap:
                exchanged = swapped(config, condition.swap, where)  # on the cast as the shared settings state it
                base = config.persona_changes
                settings["persona_changes"] = {
                    name: {**base.get(name, {}), **exchanged.get(name, {})} for name in {**base, **exchanged}
                }
                config = validate_run_config(settings, where)
            interventions = [*experiment.interventions, *condition.interventions]
            _check_references(config, interventions, experiment.surveys, where, worlds)
            specs.append(
                RunSpec(
                    experiment=experiment.name,
                    condition=condition.name,
                    replicate=replicate,
                    config=settings,
                    interventions=[i.model_dump(mode="json") for i in interventions],
                    surveys=[s.model_dump(mode="json") for s in experiment.surveys],
                )
            )
    return specs


def swapped(config: RunConfig, swaps: list[Swap], where: str) -> dict[str, dict[str, Any]]:
    """The persona changes that exchange each swap's attributes between its two agents (on this cast)."""
    from town.runtime.builders import load_world  # noqa: PLC0415

    personas = {p.name: p for p in load_world(config)[1]}
    changes: dict[str, dict[str, Any]] = {}
    for swap in swaps:
        missing = [name for name in swap.agents if name not in personas]
        if missing:
            raise ConfigError(f"{where}: swap: {', '.join(missing)} is not in this cast")
        a, b = (personas[name] for name in swap.agents)
        for attribute in swap.attributes:
            changes.setdefault(a.name, {})[attribute] = getattr(b, attribute)
            changes.setdefault(b.name, {})[attribute] = getattr(a, attribute)
    return changes


def _check_references(
    config: RunConfig,
    interventions: list[Any],
    surveys: list[Any],
    where: str,
    worlds: dict[tuple[str, str, int], tuple[list[str], set[str]]],
) -> None:
    """The people, objects and personas the schedule names exist on this condition's map and cast."""
    from town.experiments.schedule import check_schedule  # noqa: PLC0415
    from town.runtime.builders import load_world  # noqa: PLC0415

    key = (str(config.map), str(config.personas), config.agents)
    if key not in worlds:
        town_map, personas = load_world(config)
        worlds[key] = ([p.name for p in personas], set(town_map.objects))
    names, objects = worlds[key]
    clock = GameClock(start=config.start, tick_seconds=config.tick_seconds)
    check_schedule(clock, interventions, surveys, names, objects, where)


def run_one(spec_json: str) -> dict[str, Any]:
    """Run one spec to the end (in whichever process or Ray worker calls it) and return its summary row."""
    from pydantic import TypeAdapter  # noqa: PLC0415

    from town.experiments.config import Intervention, SurveySpec  # noqa: PLC0415
    from town.experiments.schedule import Schedule, SurveyTable  # noqa: PLC0415
    from town.persistence.runner import run_headless  # noqa: PLC0415
    from town.runtime.collector import space_young_collections  # noqa: PLC0415

    space_young_collections()  # a spawned or Ray worker did not start from the command line

    spec = RunSpec.model_validate_json(spec_json)
    config = validate_run_config(spec.config, f"run {spec.condition}/rep-{spec.replicate}")
    interventions = TypeAdapter(list[Intervention]).validate_python(spec.interventions)
    surveys = [SurveySpec.model_validate(s) for s in spec.surveys]
    table = SurveyTable(spec.condition, spec.replicate)
    schedule = Schedule(GameClock(start=config.start, tick_seconds=config.tick_seconds), interventions, surveys, table)
    started = time.perf_counter()
    result = asyncio.run(run_headless(config, after_tick=schedule.apply))
    table.write(config.out)
    totals = result.totals
    return {
        "condition": spec.condition,
        "replicate": spec.replicate,
        "seed": config.seed,
        "out": str(config.out),
        "reason": result.reason,
        "wall_s": round(time.perf_counter() - started, 2),
        "ticks": totals["ticks"],
        "calls": totals["calls"],
        "tokens": totals["prompt_tokens"] + totals["completion_tokens"],
        "fallbacks": totals["fallbacks"],
        "conversations": totals["conversations"],
        "reflections": totals["reflections"],
        "survey_answers": len(table.rows),
    }


# -- executors ---------------------------------------------------------------------------------------------------------
def local_pool(specs: list[RunSpec], workers: int) -> Iterator[dict[str, Any]]:
    """A local process pool (spawned workers: nothing inherited but the spec)."""
    if workers == 1:
        for spec in specs:
            yield run_one(spec.model_dump_json())
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(run_one, spec.model_dump_json()) for spec in specs]
        for future in as_completed(futures):
            yield future.result()


def ray_tasks(specs: list[RunSpec], workers: int, address: str | None) -> Iterator[dict[str, Any]]:
    """Each run as a Ray task, on a local Ray (num_cpus = workers) or the cluster at `address`."""
    try:
        import ray  # noqa: PLC0415
    except ImportError:
        raise ConfigError(
            "--executor ray: Ray is not installed; pip install 'town[ray]' (or use the local pool)"
        ) from None
    started_here = not ray.is_initialized()
    if started_here:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1)(run_one)
        pending = [remote.remote(spec.model_dump_json()) for spec in specs]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        if started_here:
            ray.shutdown()


class ExperimentResult(BaseModel):
    out: Path
    rows: list[dict[str, Any]]
    wall_s: float
    report: Path | None = None


def run_experiment(
    experiment: ExperimentConfig,
    out: Path,
    *,
    executor: str | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    progress: Callable[[dict[str, Any], int, int], None] | None = None,
) -> ExperimentResult:
    specs = plan_runs(experiment, out)
    check_owned_output(out, "experiment.json", "--out")
    out.mkdir(parents=True, exist_ok=True)
    # Held for the whole experiment: a second `town experiment` on the same folder is refused, not interleaved.
    lock = take_lock(out / "experiment.json", f"--out {out}")
    try:
        (out / "experiment.json").write_text(experiment.model_dump_json(indent=2) + "\n", encoding="utf-8")
        kind = executor or experiment.executor
        count = workers or experiment.workers
        rows_iter = (
            ray_tasks(specs, count, ray_address or experiment.ray_address)
            if kind == "ray"
            else local_pool(specs, count)
        )
        started = time.perf_counter()
        rows = []
        for row in rows_iter:
            rows.append(row)
            if progress is not None:
                progress(row, len(rows), len(specs))
        rows.sort(key=lambda r: ([c.name for c in experiment.conditions].index(r["condition"]), r["replicate"]))
        _write_aggregate(rows, out)
    finally:
        lock.release()
    return ExperimentResult(out=out, rows=rows, wall_s=round(time.perf_counter() - started, 2))


def _write_aggregate(rows: list[dict[str, Any]], out: Path) -> None:
    """aggregate.csv and aggregate.json: one row per run, plus each condition's means."""
    if not rows:
        return
    with (out / "aggregate.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    means: dict[str, dict[str, float]] = {}
    for condition in dict.fromkeys(r["condition"] for r in rows):
        mine = [r for r in rows if r["condition"] == condition]
        means[condition] = {
            k: round(sum(r[k] for r in mine) / len(mine), 3)
            for k in ("calls", "tokens", "fallbacks", "conversations", "reflections", "wall_s")
        }
    (out / "aggregate.json").write_text(json.dumps({"runs": rows, "means": means}, indent=2) + "\n", encoding="utf-8")
    surveys = [line for r in rows for line in (Path(r["out"]) / "surveys.jsonl").read_text().splitlines() if line]
    (out / "surveys.jsonl").write_text("".join(s + "\n" for s in surveys), encoding="utf-8")


def seeded_facts(experiment: ExperimentConfig) -> list[dict[str, Any]]:
    """Facts the experiment seeds, in the evaluation's facts format (origin = the agent it was given to)."""
    items = [*experiment.interventions, *(i for c in experiment.conditions for i in c.interventions)]
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, SeedFactAt):
            seen.setdefault(item.fact, {"name": item.fact, "keywords": item.keywords, "origin": item.agent})
    return list(seen.values())
