"""`town experiment` and `town population`."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from town.persistence.folders import check_owned_output


def experiment_command(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from town.experiments.config import load_experiment  # noqa: PLC0415
    from town.experiments.runner import plan_runs, run_experiment, seeded_facts  # noqa: PLC0415

    experiment = load_experiment(args.file)
    run_overrides = {k: v for k, v in (("model", args.model), ("hours", args.hours)) if v is not None}
    updates: dict[str, Any] = {"run": {**experiment.run, **run_overrides}}
    if args.replicates is not None:
        updates["replicates"] = args.replicates
    experiment = experiment.model_validate({**experiment.model_dump(), **updates})
    out = args.out or Path("experiments-out") / datetime.now().strftime(f"{experiment.name}-%Y%m%d-%H%M%S")
    specs = plan_runs(experiment, out)  # every run's settings are checked before anything starts or is printed
    check_owned_output(out, "experiment.json", "--out")
    console = Console(stderr=True, soft_wrap=True)
    for warning in _outside_the_run(experiment, specs):
        console.print(f"[yellow]note[/yellow]: {warning}")
    total = len(experiment.conditions) * experiment.replicates
    console.print(
        f"[bold]town experiment[/bold] {experiment.name}: {len(experiment.conditions)} conditions x "
        f"{experiment.replicates} replicates = {total} runs on {args.executor or experiment.executor} "
        f"({args.workers or experiment.workers} workers) -> {out}"
    )

    def progress(row: dict[str, Any], done: int, count: int) -> None:
        console.print(
            f"  [{done}/{count}] {row['condition']} rep {row['replicate']} (seed {row['seed']}): {row['reason']}, "
            f"{row['calls']} calls, {row['conversations']} conversations, {row['wall_s']} s"
        )

    result = run_experiment(
        experiment, out, executor=args.executor, workers=args.workers, ray_address=args.ray_address, progress=progress
    )
    console.print(f"{total} runs in {result.wall_s} s; table: {out}/aggregate.csv, surveys: {out}/surveys.jsonl")
    if args.evaluate and experiment.evaluate:
        from town.experiments.evaluation import evaluate_experiment  # noqa: PLC0415

        embedder = str(experiment.run.get("embedder", "minilm"))
        swaps = {
            c.name: (c.compared_with or "", [name for swap in c.swap for name in swap.agents])
            for c in experiment.conditions
            if c.swap
        }
        report = evaluate_experiment(result.rows, seeded_facts(experiment), out, embedder, swaps)
        console.print(f"report across conditions: {report}")
    return 0


def _outside_the_run(experiment: Any, specs: list[Any]) -> list[str]:
    """Interventions and surveys timed after a run ends would silently never happen: say so."""
    from town.core.clock import GameClock  # noqa: PLC0415
    from town.experiments.schedule import tick_at  # noqa: PLC0415
    from town.runtime.config import validate_run_config  # noqa: PLC0415

    config = validate_run_config(specs[0].config)
    clock = GameClock(start=config.start, tick_seconds=config.tick_seconds)
    items = [
        *experiment.interventions,
        *experiment.surveys,
        *(i for c in experiment.conditions for i in c.interventions),
    ]
    late = [i for i in items if tick_at(clock, i.at) > config.ticks]
    end = clock.time_at(config.ticks).strftime("%H:%M")
    return [
        f"{getattr(i, 'kind', 'survey')} at {i.at} comes after the runs end ({end}); it will not happen" for i in late
    ]


def population_command(args: argparse.Namespace) -> int:
    from town.core.places import load_town_map  # noqa: PLC0415
    from town.experiments.diversity import describe, diversity  # noqa: PLC0415
    from town.experiments.population import (  # noqa: PLC0415
        REPORT_NAME,
        generate_population,
        load_quotas,
        write_population,
    )
    from town.runtime.builders import build_embedder  # noqa: PLC0415
    from town.runtime.config import DEFAULT_MAP, RunConfig  # noqa: PLC0415

    check_owned_output(args.out, REPORT_NAME, "--out")
    town_map = load_town_map(args.map or DEFAULT_MAP)  # the map first: quotas are checked against its places
    quotas = load_quotas(args.quota)
    embedder = build_embedder(RunConfig(embedder=args.embedder))
    people, report = generate_population(args.n, quotas, town_map, embedder, seed=args.seed)
    if args.backstories:
        sizes = [int((p.attributes or {}).get("household", 0)) or None for p in people]
        people, counts = _backstories(people, sizes, town_map, args)
        report.backstories = counts.model_dump()
        report.validator_failure_rate = counts.failure_rate
        report.diversity = diversity(people, quotas.attributes, embedder)  # the backstories changed the texts
    report = write_population(people, report, args.out)
    for row in report.quotas:
        print(f"  {row.table:24s} {row.cell:28s} target {row.target:5d}  achieved {row.achieved:5d}")
    errors = ", ".join(f"{k} {v:.1%}" for k, v in report.cell_error.items()) or "no quota tables"
    h = report.households
    ties = ", ".join(f"{k} {v}" for k, v in report.ties.items())
    sizes_line = " ".join(f"{k}:{h.achieved.get(k, 0):.0%}/{v:.0%}" for k, v in h.configured.items())
    print(
        f"{report.n} personas in {args.out} (seed {report.seed}, map {report.map}); quota cell error {errors}; "
        f"{h.households} households in {h.dwellings} dwellings, sizes achieved/configured {sizes_line}; "
        f"starting tie density {report.starting_density:.3f} ({ties}); "
        f"validator failures {report.validator_failures} (rate {report.validator_failure_rate:.1%}); near-duplicates "
        f"{report.duplicates_found} found ({report.duplicate_rate_before:.1%}), {report.duplicates_left} left "
        f"({report.duplicate_rate_after:.1%})"
    )
    if report.diversity is not None:
        print(describe(report.diversity))
    return 0


def _backstories(people: list[Any], sizes: list[int | None], town_map: Any, args: argparse.Namespace) -> Any:
    from agents.llm.structured import StructuredLLM  # noqa: PLC0415
    from town.experiments.backstories import write_backstories  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import validate_run_config  # noqa: PLC0415
    from town.runtime.model_chain import close_models  # noqa: PLC0415

    args.out.mkdir(parents=True, exist_ok=True)
    config = validate_run_config(
        {
            "model": args.backstories,
            "seed": args.seed,
            "out": args.out,
            "cache_path": args.out / "_backstory_cache.jsonl",
        },
        "--backstories",
    )
    chat_model = build_model(config)
    try:
        llm = StructuredLLM(chat_model, config.gateway, seed=args.seed)
        written, counts = asyncio.run(write_backstories(people, sizes, llm, town_map, revisions=args.revisions))
    finally:
        close_models(chat_model)
    print(
        f"backstories by {args.backstories}: {counts.passed_first} passed the validator first time, "
        f"{counts.passed_after_revision} after revision, {counts.dropped} dropped, {counts.failed_calls} calls failed "
        f"(validator failure rate {counts.failure_rate:.1%})"
    )
    return written, counts
