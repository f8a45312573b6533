"""`town run`: a headless run with a progress bar and a summary table."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from town.commands.options import EXIT_INTERRUPTED, EXIT_USER_ERROR, config_from_args, resume_config


def run_command(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from town.persistence.run_folders import check_run_folders, open_run_folders  # noqa: PLC0415
    from town.persistence.runner import run_headless  # noqa: PLC0415
    from town.runtime.builders import build_model, load_world  # noqa: PLC0415

    resume = None
    world = None
    if args.resume is not None:
        config, resume = resume_config(args, "run")
    else:
        config = config_from_args(args, "run")
        world = load_world(config)
    check_run_folders(config, resume)  # before the banner: a refused run prints one line and writes nothing
    model = build_model(config)
    folders = open_run_folders(config, command="run", resume=resume)
    console = Console(stderr=True, soft_wrap=True)
    if resume is not None:
        console.print(
            f"[bold]town run[/bold]: resuming {resume.path} at {resume.manifest.game_time} "
            f"(tick {resume.manifest.tick} of {config.ticks}) -> {config.out}"
        )
    else:
        console.print(
            f"[bold]town run[/bold]: {config.agents} agents, {config.hours:g} game hours, model {config.model}, "
            f"seed {config.seed} -> {config.out}"
        )
    from town.runtime.model_chain import structured_output  # noqa: PLC0415

    structured = structured_output(model)
    if structured is not None and not config.model.startswith("embedded/"):
        console.print(f"structured output: {structured['mode']} ({structured['why']})", markup=False, highlight=False)
    if config.model == "embedded/smollm2-135m-instruct":
        console.print(
            "[dim]The embedded SmolLM2-135M keeps the town running offline; its choices are weak. "
            "Name a stronger model with --model for real studies.[/dim]"
        )
    progress = _progress(console, config.ticks, args.quiet)
    try:
        with progress.context:
            result = asyncio.run(
                run_headless(config, model=model, world=world, on_tick=progress.update, resume=resume, folders=folders)
            )
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print(
            f"\n[yellow]interrupted[/yellow]: the log so far is complete and closed in {config.out}/ "
            "(trajectory.jsonl, telemetry.jsonl, llm_cache.jsonl, summary.json)"
        )
        if config.autosave_ticks and (config.save_path / "manifest.json").exists():
            console.print(f"continue with: town run --resume {config.save_path}")
        return EXIT_INTERRUPTED
    _print_summary(console, result.summary)
    if result.reason == "provider_unavailable":
        console.print(f"error: the run stopped early: {result.summary['detail']}", markup=False, highlight=False)
        return EXIT_USER_ERROR
    return 0


class _ProgressView:
    def __init__(self, context: Any, update: Any) -> None:
        self.context = context
        self.update = update


def _progress(console: Any, total: int, quiet: bool) -> _ProgressView:
    from contextlib import nullcontext  # noqa: PLC0415

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    if quiet:
        return _ProgressView(nullcontext(), lambda sim: None)
    progress = Progress(
        TextColumn("[cyan]{task.fields[clock]}"),
        BarColumn(),
        TextColumn("tick {task.completed}/{task.total}"),
        TextColumn("calls {task.fields[calls]} · tokens {task.fields[tokens]} · fallbacks {task.fields[fallbacks]}"),
        TextColumn("[red]{task.fields[outage]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task("run", total=total, clock="", calls=0, tokens=0, fallbacks=0, outage="")

    def update(sim: Any) -> None:
        usage, breaker = sim.llm.usage, sim.llm.breaker
        progress.update(
            task,
            completed=sim.stats.ticks,
            clock=sim.clock.time_at(sim.tick).strftime("%a %d %b %H:%M"),
            calls=usage.calls,
            tokens=usage.prompt_tokens + usage.completion_tokens,
            fallbacks=usage.fallbacks,
            outage=f"model not answering for {breaker.down_for():.0f} s, probing" if breaker.is_open else "",
        )

    return _ProgressView(progress, update)


def _print_summary(console: Any, summary: dict[str, Any]) -> None:
    from rich.table import Table  # noqa: PLC0415

    totals = summary["totals"]
    table = Table(title=f"run {summary['reason']} in {summary['wall_seconds']} s wall", show_header=False)
    table.add_row("ticks", str(totals["ticks"]))
    table.add_row("game hours", str(summary["game_hours"]))
    table.add_row("LLM calls", f"{totals['calls']}  ({summary['calls_per_awake_agent_hour']} per awake agent-hour)")
    for purpose, count in totals["calls_by_purpose"].items():
        table.add_row(f"  {purpose}", f"{count} calls, {totals['tokens_by_purpose'][purpose]} tokens")
    table.add_row("tokens", f"{totals['prompt_tokens']} prompt + {totals['completion_tokens']} completion")
    table.add_row("fallbacks", f"{totals['fallbacks']}  {json.dumps(totals['fallbacks_by_purpose'])}")
    table.add_row("failed calls", str(totals["failed_calls"]))
    table.add_row("conversations", f"{totals['conversations']} ({totals['utterances']} utterances)")
    table.add_row("memories / reflections", f"{totals['memories']} / {totals['reflections']}")
    if summary.get("cache"):
        table.add_row("cache", f"{summary['cache']['hits']} hits, {summary['cache']['misses']} misses")
    console.print(table)
