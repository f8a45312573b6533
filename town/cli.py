"""The `town` command: `town run` (a headless day), `town play` (the window) and `town bench ...` (figures).

User mistakes (bad map, persona, config, model, save) print one line `error: ...` and exit with code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from town.core.errors import ConfigError, TownError
from town.core.secrets import redact

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="town", description="A town of generative agents.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the town headless and write a trajectory log")
    run.add_argument("--config", type=Path, help="YAML/JSON run configuration; flags below override it")
    run.add_argument("--agents", type=int, help="number of agents (default 3)")
    run.add_argument("--hours", type=float, help="game hours to simulate (default 1)")
    run.add_argument("--seed", type=int, help="random seed (default 0)")
    run.add_argument("--model", help="litellm model string, 'embedded/smollm2-135m-instruct' (default) or 'fake'")
    run.add_argument("--api-base", dest="api_base", help="base URL for an OpenAI-compatible server (vLLM, llama.cpp)")
    run.add_argument("--out", type=Path, help="run folder (default runs/run-YYYYMMDD-HHMMSS)")
    run.add_argument("--overwrite", action="store_true", default=None, help="replace an earlier run in --out")
    run.add_argument("--map", type=Path, help="Tiled map (.tmj or .tmx)")
    run.add_argument("--personas", type=Path, help="folder of persona YAML/JSON files")
    run.add_argument("--embedder", choices=["minilm", "hashing"], help="memory embedder (default minilm)")
    run.add_argument("--index", choices=["faiss", "numpy"], help="vector index (default faiss)")
    run.add_argument(
        "--cache", choices=["record", "replay", "off"], help="LLM record/replay cache mode (default record)"
    )
    run.add_argument("--cache-path", dest="cache_path", type=Path, help="cache file (default RUN/llm_cache.jsonl)")
    run.add_argument("--fake-latency", dest="fake_latency_s", type=float, help="seconds per call for --model fake")
    run.add_argument("--resume", type=Path, help="continue a save (saves/NAME) in a new run folder")
    run.add_argument(
        "--autosave", dest="autosave_minutes", type=float, help="game minutes between autosaves (default 10, 0: off)"
    )
    run.add_argument("--save-dir", dest="save_dir", type=Path, help="autosave directory (default saves/<run folder>)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    play = sub.add_parser("play", help="open the town in a window (pygame)")
    for flag, kw in (
        ("--config", {"type": Path}),
        ("--agents", {"type": int}),
        ("--hours", {"type": float, "help": "game hours before the town pauses (default: no limit)"}),
        ("--seed", {"type": int}),
        ("--model", {}),
        ("--api-base", {"dest": "api_base"}),
        ("--out", {"type": Path}),
        ("--map", {"type": Path}),
        ("--personas", {"type": Path}),
        ("--embedder", {"choices": ["minilm", "hashing"]}),
        ("--index", {"choices": ["faiss", "numpy"]}),
        ("--fake-latency", {"dest": "fake_latency_s", "type": float}),
        ("--resume", {"type": Path, "help": "continue a save (saves/NAME)"}),
        ("--autosave", {"dest": "autosave_minutes", "type": float, "help": "game minutes between autosaves (0: off)"}),
        ("--save-dir", {"dest": "save_dir", "type": Path, "help": "save directory (default saves/<run folder>)"}),
    ):
        play.add_argument(flag, **kw)
    play.add_argument("--overwrite", action="store_true", default=None, help="replace an earlier run in --out")
    play.add_argument("--size", default="1280x720", help="window size WIDTHxHEIGHT")

    replay = sub.add_parser("replay", help="replay a run folder or a save (window, or --text in the terminal)")
    replay.add_argument("path", type=Path, help="run folder (runs/...) or save (saves/NAME)")
    replay.add_argument("--text", action="store_true", help="print a readable timeline instead of opening a window")
    replay.add_argument("--agent", help="only what involves this agent (--text)")
    replay.add_argument("--from", dest="start", help="start at game time HH:MM (first day of the log)")
    replay.add_argument("--to", dest="end", help="end at game time HH:MM (--text)")
    replay.add_argument("--size", default="1280x720", help="window size WIDTHxHEIGHT")

    fork = sub.add_parser("fork", help="new save from a run or save at a game time, re-simulated from the cache")
    fork.add_argument("path", type=Path, help="run folder or save to fork")
    when = fork.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", help="game time HH:MM (first day of the log)")
    when.add_argument("--tick", type=int, help="tick number")
    fork.add_argument("--save", type=Path, help="where the fork's save goes (default saves/<name>-fork-HHMM)")

    ev = sub.add_parser("eval", help="evaluate runs (several: conditions compared) and write a report")
    ev.add_argument("runs", type=Path, nargs="+", help="run folders or saves")
    ev.add_argument("--out", type=Path, help="report folder (default reports/eval-YYYYMMDD-HHMMSS)")
    ev.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm", help="for the embedding metrics")
    ev.add_argument("--facts", type=Path, help="facts to trace (default assets/eval/willowbrook_facts.yaml)")
    ev.add_argument("--reference", type=Path, help="human reference JSON (default: chitchat-dataset, v1)")
    ev.add_argument(
        "--interview", action="store_true", help="ask every agent Park et al.'s 25 questions (needs the run's save)"
    )
    ev.add_argument("--model", help="model for --interview (default: the run's own)")
    ev.add_argument("--judge", help="exploratory: a model that rates the interview answers (needs --interview)")

    exp = sub.add_parser("experiment", help="run an experiment: conditions x replicates, then compare them")
    exp.add_argument("file", type=Path, help="experiment YAML (see experiments/)")
    exp.add_argument("--out", type=Path, help="results folder (default experiments-out/<name>-YYYYMMDD-HHMMSS)")
    exp.add_argument("--executor", choices=["local", "ray"], help="local process pool (default) or Ray tasks")
    exp.add_argument("--workers", type=int, help="parallel runs (local pool size, or Ray CPUs when started here)")
    exp.add_argument("--ray-address", dest="ray_address", help="an existing Ray cluster, e.g. ray://head:10001")
    exp.add_argument("--model", help="override the experiment's model (e.g. fake, or a litellm model)")
    exp.add_argument("--hours", type=float, help="override the game hours of every run")
    exp.add_argument("--replicates", type=int, help="override the number of replicates")
    exp.add_argument("--no-eval", dest="evaluate", action="store_false", help="skip the evaluation report")

    pop = sub.add_parser("population", help="generate persona files under quotas (seeded)")
    pop.add_argument("--n", type=int, required=True, help="how many people")
    pop.add_argument("--quota", type=Path, required=True, help="quota YAML (see experiments/quota-willowbrook.yaml)")
    pop.add_argument("--out", type=Path, required=True, help="folder for the persona files")
    pop.add_argument("--seed", type=int, default=0)
    pop.add_argument("--map", type=Path, help="the town they live in (default Willowbrook)")
    pop.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm", help="for de-duplication")
    pop.add_argument("--backstories", metavar="MODEL", help="optional: a model writes a short backstory for each")

    soak = sub.add_parser("soak", help="a run under injected provider faults; exits 1 on a crash or a lost tick")
    soak.add_argument("--agents", type=int, default=25)
    soak.add_argument("--hours", type=float, default=24.0)
    soak.add_argument("--rate", type=float, default=0.1, help="rate of each fault kind (six kinds)")
    soak.add_argument("--seed", type=int, default=0)
    soak.add_argument("--json", action="store_true", help="print figures as JSON")

    bench = sub.add_parser("bench", help="benchmarks that print figures")
    bench.add_argument(
        "which",
        choices=[
            "calls",
            "concurrency",
            "engine",
            "retrieval",
            "fps",
            "saves",
            "experiments",
            "scaling",
            "compare",
            "all",
        ],
    )
    bench.add_argument("--agents", type=int, default=25)
    bench.add_argument("--hours", type=float, help="game hours (calls: 24, concurrency: 4)")
    bench.add_argument("--latency", type=float, default=0.05, help="fixed fake latency in seconds (concurrency)")
    bench.add_argument("--memories", type=int, default=100_000, help="memory count (retrieval)")
    bench.add_argument("--json", action="store_true", help="print figures as JSON")
    bench.add_argument("--out", type=Path, default=Path("bench-out"), help="where plots go (scaling)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "play":
            return _play(args)
        if args.command == "replay":
            return _replay(args)
        if args.command == "fork":
            return _fork(args)
        if args.command == "eval":
            return _eval(args)
        if args.command == "experiment":
            return _experiment(args)
        if args.command == "population":
            return _population(args)
        if args.command == "soak":
            return _soak(args)
        return _bench(args)
    except TownError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from town.runtime.builders import build_model, load_world  # noqa: PLC0415
    from town.runtime.runner import run_headless  # noqa: PLC0415
    from town.runtime.saving import prepare_resumed_run  # noqa: PLC0415

    resume = None
    world = None
    if args.resume is not None:
        config, resume = _resume_config(args, "run")
        prepare_resumed_run(config, resume)
    else:
        config = _config_from_args(args, "run")
        world = load_world(config)
    model = build_model(config)
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
    if config.model.startswith("embedded/"):
        console.print(
            "[dim]The embedded SmolLM2-135M keeps the town running offline; its choices are weak. "
            "Name a stronger model with --model for real studies.[/dim]"
        )
    progress = _progress(console, config.ticks, args.quiet)
    try:
        with progress.context:
            result = asyncio.run(run_headless(config, model=model, world=world, on_tick=progress.update, resume=resume))
    except KeyboardInterrupt:
        console.print(
            f"\n[yellow]interrupted[/yellow]: the log so far is complete and closed in {config.out}/ "
            "(trajectory.jsonl, telemetry.jsonl, llm_cache.jsonl, summary.json)"
        )
        if config.autosave_ticks and (config.save_path / "manifest.json").exists():
            console.print(f"continue with: town run --resume {config.save_path}")
        return EXIT_INTERRUPTED
    _print_summary(console, result.summary)
    return 0


def _window_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {text!r}: expected WIDTHxHEIGHT, like 1280x720") from None
    return width, height


def _play(args: argparse.Namespace) -> int:
    from town.runtime.builders import load_world  # noqa: PLC0415

    size = _window_size(args.size)
    resume = None
    world = None
    if args.resume is not None:
        config, resume = _resume_config(args, "play")
    else:
        config = _config_from_args(args, "play")
        world = load_world(config)
    from town.ui.app import App, check_display  # noqa: PLC0415 - the only import of pygame, only for this command

    check_display()
    live = _LiveTown(config, resume=resume, world=world, max_ticks=config.ticks if args.hours is not None else None)
    try:
        App(live.session, size=size).run()
    except KeyboardInterrupt:
        print(f"interrupted: the town's log is closed in {config.out}/trajectory.jsonl", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        live.close()
    live.report()
    return 0


class _LiveTown:
    """A live session with its log, cache and saves, started fresh or from a save (`town play`, a fork in replay)."""

    def __init__(self, config: Any, *, resume: Any = None, world: Any = None, max_ticks: int | None = None) -> None:
        from town.persistence.trajectory import TrajectoryWriter  # noqa: PLC0415
        from town.runtime.builders import build_model, build_simulation, ensure_out_dir  # noqa: PLC0415
        from town.runtime.live import LiveSession  # noqa: PLC0415
        from town.runtime.runner import find_cache  # noqa: PLC0415
        from town.runtime.saving import prepare_resumed_run, save_simulation, simulation_from_save  # noqa: PLC0415

        self.config = config
        if resume is not None:
            prepare_resumed_run(config, resume)
        else:
            ensure_out_dir(config.out, overwrite=config.overwrite)
        self.model = build_model(config)
        if resume is not None:
            sim = simulation_from_save(config, resume, model=self.model)
        else:
            sim = build_simulation(config, model=self.model, world=world)
        self.trajectory = TrajectoryWriter(config.out / "trajectory.jsonl", append=resume is not None)
        sim.subscribe(self.trajectory)
        cache = find_cache(self.model)
        trajectory = self.trajectory

        async def save(s: Any) -> Path:
            trajectory.flush()
            return await save_simulation(s, config, config.save_path, trajectory=trajectory.path, cache=cache)

        self.session = LiveSession(
            sim,
            max_ticks=max_ticks,
            on_tick=lambda s: trajectory.flush(),
            saver=save,
            autosave_ticks=config.autosave_ticks,
            save_on_close=config.autosave_ticks > 0,
            cast=_cast(config, len(sim.minds)),
        )

    def close(self) -> None:
        from town.runtime.runner import close_models  # noqa: PLC0415

        self.session.stop()
        self.trajectory.close()
        close_models(self.model)

    def report(self) -> None:
        print(f"the town's log is in {self.config.out}/trajectory.jsonl", file=sys.stderr)
        saved = self.session.last_save
        if saved is not None:
            print(f"the town is saved in {saved}; continue with: town play --resume {saved}", file=sys.stderr)


def _cast(config: Any, present: int) -> list[Any]:
    """People who may move in from the app: the persona folder's cast, then numbered newcomers."""
    from town.core.errors import PersonaError  # noqa: PLC0415
    from town.runtime.builders import roster  # noqa: PLC0415

    try:
        from agents.persona import load_personas  # noqa: PLC0415

        return roster(load_personas(config.personas), present + 25)
    except PersonaError:
        return []


def _tick_at(replay: Any, hhmm: str | None, flag: str) -> int | None:
    """The first tick at or after the log's start whose game time is HH:MM."""
    if hhmm is None:
        return None
    try:
        when = datetime.strptime(hhmm, "%H:%M")
    except ValueError:
        raise ConfigError(f"{flag} {hhmm!r}: expected a game time HH:MM, like 14:30") from None
    from datetime import timedelta  # noqa: PLC0415

    start = replay.clock.start
    moment = start.replace(hour=when.hour, minute=when.minute, second=0)
    if moment < start:
        moment += timedelta(days=1)
    return int(replay.clock.tick_of(moment))


def _replay(args: argparse.Namespace) -> int:
    from town.persistence.replay import open_replay  # noqa: PLC0415

    replay = open_replay(args.path)
    start = _tick_at(replay, args.start, "--from") or 0
    if args.text:
        end = _tick_at(replay, args.end, "--to")
        if args.agent is not None and args.agent not in replay.agents:
            raise ConfigError(f"--agent {args.agent!r}: not in this run ({', '.join(replay.agents)})")
        for line in replay.text_lines(agent=args.agent, start=start, end=end):
            print(line)
        return 0
    size = _window_size(args.size)
    from town.persistence.replay_session import ReplaySession  # noqa: PLC0415
    from town.ui.app import App, check_display  # noqa: PLC0415 - the only import of pygame, only for this command

    check_display()
    forks: list[_LiveTown] = []

    def fork_here(tick: int) -> Any:
        live = _fork_to_live(args.path, tick, replay)
        forks.append(live)
        return live.session

    session = ReplaySession(replay, fork=fork_here)
    session.seek(start)
    try:
        App(session, size=size, replay=True).run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        for live in forks:
            live.close()
    for live in forks:
        live.report()
    return 0


def _eval(args: argparse.Namespace) -> int:
    from town.evaluation.evaluate import evaluate_run  # noqa: PLC0415
    from town.evaluation.reference import DEFAULT_REFERENCE, load_reference  # noqa: PLC0415
    from town.evaluation.report import write_report  # noqa: PLC0415
    from town.evaluation.social import load_facts  # noqa: PLC0415
    from town.runtime.builders import build_embedder  # noqa: PLC0415
    from town.runtime.config import ASSETS, RunConfig  # noqa: PLC0415

    facts = load_facts(args.facts or ASSETS / "eval" / "willowbrook_facts.yaml")
    reference = load_reference(args.reference or DEFAULT_REFERENCE)
    embedder = build_embedder(RunConfig(embedder=args.embedder))
    out = args.out or Path("reports") / datetime.now().strftime("eval-%Y%m%d-%H%M%S")
    names = [run.resolve().name for run in args.runs]
    if len(set(names)) != len(names):
        raise ConfigError("eval: two runs share a folder name; their figures would overwrite each other")
    if args.judge and not args.interview:
        raise ConfigError("--judge rates interview answers: add --interview")
    evaluations = []
    for run in args.runs:
        print(f"evaluating {run} ...", file=sys.stderr)
        evaluation = evaluate_run(run, embedder=embedder, facts=facts, reference=reference)
        if args.interview:
            evaluation.interviews = _interview(run, args.model)
        evaluations.append(evaluation)
    ranking = _judge(args.judge, evaluations, out) if args.judge else None
    files = write_report(evaluations, reference, facts, out, ranking=ranking)
    print(f"report: {files[2]} (and report.md, report.json, {len(files) - 3} figures in {out})")
    return 0


def _experiment(args: argparse.Namespace) -> int:
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
        report = evaluate_experiment(result.rows, seeded_facts(experiment), out, embedder)
        console.print(f"report across conditions: {report}")
    return 0


def _population(args: argparse.Namespace) -> int:
    from town.core.places import load_town_map  # noqa: PLC0415
    from town.experiments.population import generate_population, load_quotas, write_population  # noqa: PLC0415
    from town.runtime.builders import build_embedder  # noqa: PLC0415
    from town.runtime.config import DEFAULT_MAP, RunConfig  # noqa: PLC0415

    quotas = load_quotas(args.quota)
    town_map = load_town_map(args.map or DEFAULT_MAP)
    embedder = build_embedder(RunConfig(embedder=args.embedder))
    people, report = generate_population(args.n, quotas, town_map, embedder, seed=args.seed)
    if args.backstories:
        people = _backstories(people, args.backstories, args.out, args.seed)
    report = write_population(people, report, args.out)
    for row in report.quotas:
        print(f"  {row.attribute:10s} {row.value:12s} target {row.target:4d}  achieved {row.achieved:4d}")
    print(
        f"{report.n} personas in {args.out} (seed {report.seed}); {report.implausible_draws} implausible random "
        f"age/occupation draws re-matched; near-duplicates {report.duplicates_found} found "
        f"({report.duplicate_rate_before:.1%}), {report.duplicates_left} left ({report.duplicate_rate_after:.1%})"
    )
    return 0


def _backstories(people: list[Any], model: str, out: Path, seed: int) -> list[Any]:
    from agents.llm.structured import StructuredLLM  # noqa: PLC0415
    from town.experiments.population import write_backstories  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import validate_run_config  # noqa: PLC0415
    from town.runtime.runner import close_models  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    config = validate_run_config(
        {"model": model, "seed": seed, "out": out, "cache_path": out / "_backstory_cache.jsonl"}, "--backstories"
    )
    chat_model = build_model(config)
    try:
        written, failed = asyncio.run(write_backstories(people, StructuredLLM(chat_model, config.gateway, seed=seed)))
    finally:
        close_models(chat_model)
    print(f"backstories: {len(people) - failed} written by {model}, {failed} left as generated")
    return written


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


def _soak(args: argparse.Namespace) -> int:
    from town import benchmarks  # noqa: PLC0415

    if not 0 <= args.rate * 6 <= 1:
        raise ConfigError(f"--rate {args.rate}: six fault kinds at this rate would exceed every call")
    figures = benchmarks.soak(args.agents, args.hours, args.rate, args.seed)
    print(json.dumps(figures, indent=2) if args.json else benchmarks.format_figures([figures]))
    return 1 if figures["crashes"] or figures["lost_ticks"] else 0


def _judge(model: str, evaluations: list[Any], out: Path) -> Any:
    """Exploratory: the judge model rates every interview answer (cached in the report folder); conditions ranked."""
    from agents.llm.structured import StructuredLLM  # noqa: PLC0415
    from town.evaluation.judge import judge_cache_path, rank_conditions, rate_answers  # noqa: PLC0415
    from town.persistence.replay import find_source  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import validate_run_config  # noqa: PLC0415
    from town.runtime.runner import close_models  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    config = validate_run_config({"model": model, "out": out, "cache_path": judge_cache_path(out)}, "--judge")
    chat_model = build_model(config)
    llm = StructuredLLM(chat_model, config.gateway, seed=0)
    try:
        for evaluation in evaluations:
            identities = {p.name: p.summary() for p in find_source(evaluation.run).personas}
            evaluation.judged = asyncio.run(rate_answers(llm, evaluation.interviews, identities))
    finally:
        close_models(chat_model)
    return rank_conditions({e.label: e.judged for e in evaluations})


def _interview(run: Path, model: str | None) -> Any:
    """Park et al.'s 25 questions to every agent of the run's last save, in interview mode (nothing remembered)."""
    from town.evaluation.interviews import interview_all  # noqa: PLC0415
    from town.persistence.fork import run_autosave  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.runner import close_models  # noqa: PLC0415
    from town.runtime.saving import load_for_resume, simulation_from_save  # noqa: PLC0415

    save_path = run if (run / "manifest.json").exists() else None
    if save_path is None:
        found = run_autosave(run)
        if found is None:
            raise ConfigError(f"eval --interview: {run} has no save to interview from (run it with autosave on)")
        save_path = found.path
    overrides: dict[str, Any] = {"out": Path("reports") / "interview-scratch", "cache": "off", "overwrite": True}
    if model:
        overrides["model"] = model
    config, loaded = load_for_resume(save_path, overrides)
    chat_model = build_model(config)
    sim = simulation_from_save(config, loaded, model=chat_model)
    try:
        return asyncio.run(interview_all(sim))
    finally:
        close_models(chat_model)


def _fork_save_path(source: Path, replay: Any, tick: int) -> Path:
    name = source.resolve().name
    return Path("saves") / f"{name}-fork-{replay.clock.time_at(tick):%H%M}"


def _run_fork(source: Path, tick: int, dest: Path) -> Any:
    import tempfile  # noqa: PLC0415

    from town.persistence.fork import fork_run  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="town-fork-") as work:
        return asyncio.run(fork_run(source, tick, dest, work=Path(work)))


def _fork_to_live(source: Path, tick: int, replay: Any) -> _LiveTown:
    """Fork here and continue live: the fork's save, resumed in a new run folder (from the replay window)."""
    from town.runtime.saving import load_for_resume  # noqa: PLC0415

    dest = _fork_save_path(source, replay, tick)
    _run_fork(source, tick, dest)
    out = Path("runs") / datetime.now().strftime(f"{dest.name}-%Y%m%d-%H%M%S")
    config, loaded = load_for_resume(dest, {"out": out, "save_dir": dest})
    return _LiveTown(config, resume=loaded)


def _fork(args: argparse.Namespace) -> int:
    from town.persistence.replay import open_replay  # noqa: PLC0415

    replay = open_replay(args.path)
    tick = args.tick if args.tick is not None else _tick_at(replay, args.at, "--at")
    assert tick is not None
    dest = args.save or _fork_save_path(args.path, replay, tick)
    result = _run_fork(args.path, tick, dest)
    when = replay.clock.time_at(tick)
    print(
        f"forked {args.path} at {when:%a %H:%M} (tick {tick}) into {result.save}: re-simulated "
        f"{result.resimulated_ticks} ticks from {result.started_from}, {result.cache_misses} answers not in the cache"
    )
    if result.matches_log:
        print("the re-simulation matches the recorded log exactly")
    else:
        print(
            f"note: the re-simulation differs from the recorded log from line {result.first_difference} "
            "(a run played live, or answers missing from the cache); the fork continues from the re-simulated state"
        )
    print(f"continue it with: town run --resume {result.save}   or   town play --resume {result.save}")
    return 0


# Flags that override fields of RunConfig of the same name (a flag a command lacks is simply absent).
CONFIG_FLAGS = (
    "agents",
    "hours",
    "seed",
    "model",
    "api_base",
    "out",
    "map",
    "personas",
    "embedder",
    "index",
    "cache",
    "cache_path",
    "fake_latency_s",
    "overwrite",
    "autosave_minutes",
    "save_dir",
)


def _config_from_args(args: argparse.Namespace, command: str) -> Any:
    """The run configuration: --config (if any) with flags on top, and a fresh timestamped folder unless named."""
    from town.runtime.config import load_run_config, validate_run_config  # noqa: PLC0415

    if args.out is None and not (args.config and "out" in _config_keys(args.config)):
        args.out = Path("runs") / datetime.now().strftime(f"{command}-%Y%m%d-%H%M%S")
    overrides: dict[str, Any] = {k: getattr(args, k, None) for k in CONFIG_FLAGS if getattr(args, k, None) is not None}
    return load_run_config(args.config, overrides) if args.config else validate_run_config(overrides, "command line")


def _resume_config(args: argparse.Namespace, command: str = "run") -> Any:
    """The saved configuration with the flags a resume may change; a fresh timestamped folder unless --out."""
    from town.runtime.saving import load_for_resume  # noqa: PLC0415

    if args.config is not None:
        raise ConfigError("--resume takes its configuration from the save; drop --config")
    if args.out is None:
        args.out = Path("runs") / datetime.now().strftime(f"{command}-resumed-%Y%m%d-%H%M%S")
    overrides = {k: getattr(args, k, None) for k in CONFIG_FLAGS}
    return load_for_resume(args.resume, {k: v for k, v in overrides.items() if v is not None})


def _config_keys(path: Path) -> set[str]:
    """Top-level keys of a config file (to know whether it names an output folder); errors surface when it is loaded."""
    try:
        import yaml  # noqa: PLC0415

        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:
        return set()
    return set(raw) if isinstance(raw, dict) else set()


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
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task("run", total=total, clock="", calls=0, tokens=0, fallbacks=0)

    def update(sim: Any) -> None:
        usage = sim.llm.usage
        progress.update(
            task,
            completed=sim.stats.ticks,
            clock=sim.clock.time_at(sim.tick).strftime("%a %d %b %H:%M"),
            calls=usage.calls,
            tokens=usage.prompt_tokens + usage.completion_tokens,
            fallbacks=usage.fallbacks,
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


def _bench(args: argparse.Namespace) -> int:
    from town import benchmarks  # noqa: PLC0415

    figures = benchmarks.run(
        args.which, agents=args.agents, hours=args.hours, latency=args.latency, memories=args.memories, out=args.out
    )
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(benchmarks.format_figures(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
