"""`town eval`: the report over runs, with optional interviews and an exploratory judge."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from town.commands.options import provider_overrides
from town.core.errors import ConfigError
from town.persistence.folders import check_owned_output


def eval_command(args: argparse.Namespace) -> int:
    from town.evaluation.bias import count_abstentions  # noqa: PLC0415
    from town.evaluation.evaluate import evaluate_run  # noqa: PLC0415
    from town.evaluation.reference import DEFAULT_REFERENCE, load_reference  # noqa: PLC0415
    from town.evaluation.report import write_report  # noqa: PLC0415
    from town.evaluation.social import load_facts  # noqa: PLC0415
    from town.evaluation.surveys import read_human_survey  # noqa: PLC0415
    from town.runtime.builders import build_embedder  # noqa: PLC0415
    from town.runtime.config import ASSETS, RunConfig  # noqa: PLC0415

    facts = load_facts(args.facts or ASSETS / "eval" / "willowbrook_facts.yaml")
    human_survey = read_human_survey(args.human_survey) if args.human_survey else None
    reference = load_reference(args.reference or DEFAULT_REFERENCE)
    embedder = build_embedder(RunConfig(embedder=args.embedder))
    out = args.out or default_report_folder(args.runs)
    check_owned_output(out, "report.json", "--out")
    names = [run.resolve().name for run in args.runs]
    if len(set(names)) != len(names):
        raise ConfigError("eval: two runs share a folder name; their figures would overwrite each other")
    if args.judge and not args.interview:
        raise ConfigError("--judge rates interview answers: add --interview")
    if args.persona_tasks and not args.judge:
        raise ConfigError("--persona-tasks are written and graded by the judge: add --judge and --interview")
    provider = provider_overrides(args)
    # Every model is built (and pre-flighted) first, the judge and each run's interview model: a missing key or a
    # dead server is one line now, not after the interviews have run.
    judge = _judge_model(args.judge, args.judge_api_base, out, provider) if args.judge else None
    nli = _nli_backend(args.nli, args.nli_api_base, out, provider) if args.nli else None
    interviews = [
        _interview_session(run, args.model, args.api_base, provider) if args.interview else None for run in args.runs
    ]
    evaluations = []
    for run, session in zip(args.runs, interviews, strict=True):
        print(f"evaluating {run} ...", file=sys.stderr)
        evaluation = evaluate_run(
            run, embedder=embedder, facts=facts, reference=reference, nli=nli, human_survey=human_survey
        )
        for warning in evaluation.warnings:
            print(f"warning: {run}: {warning}", file=sys.stderr)
        if args.interview:
            writer = (judge, args.persona_tasks) if judge is not None and args.persona_tasks else None
            evaluation.interviews, evaluation.persona_tasks, evaluation.persona_tasks_unwritten = _interview(
                session, writer
            )
            count_abstentions(evaluation.reception, evaluation.interviews)
        evaluations.append(evaluation)
    ranking = _judge(judge, evaluations, out) if judge is not None else None
    files = write_report(evaluations, reference, facts, out, ranking=ranking)
    print(f"report: {files[2]} (and report.md, report.json, {len(files) - 3} figures in {out})")
    return 0


def default_report_folder(runs: list[Path]) -> Path:
    """Where the report goes without --out: beside what was evaluated.

    RUN/report for one run folder; SAVE-report next to a save (never inside one: a save holds only what its manifest
    lists); for several runs, report-A+B+... in the first run's parent folder.
    """
    first = runs[0]
    if len(runs) == 1:
        return first.parent / f"{first.name}-report" if (first / "manifest.json").exists() else first / "report"
    names = "+".join(run.resolve().name for run in runs)
    return first.resolve().parent / f"report-{names[:100]}"


def _nli_backend(choice: str, api_base: str | None, out: Path, provider: dict[str, Any]) -> Any:
    """A cross-encoder NLI model from a folder, or a model through the gateway (checked now, cached in the report)."""
    from town.evaluation.naturalness import LLMNLI, CrossEncoderNLI  # noqa: PLC0415

    folder = Path(choice)
    if folder.is_dir():
        return CrossEncoderNLI(folder)
    from agents.llm.structured import StructuredLLM  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import validate_run_config  # noqa: PLC0415

    settings = {"model": choice, "api_base": api_base, "out": out, "cache_path": out / "nli_cache.jsonl", **provider}
    config = validate_run_config(settings, "--nli")
    model = build_model(config)  # pre-flighted: a dead server is one line before anything is written
    out.mkdir(parents=True, exist_ok=True)  # the answers are cached in the report folder
    return LLMNLI(StructuredLLM(model, config.gateway, seed=0), choice)


def _judge_model(model: str, api_base: str | None, out: Path, provider: dict[str, Any]) -> tuple[Any, Any]:
    """The judge's provider chain (checked and pre-flighted) and its gateway settings."""
    from town.evaluation.judge import judge_cache_path  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import validate_run_config  # noqa: PLC0415

    settings = {"model": model, "api_base": api_base, "out": out, "cache_path": judge_cache_path(out), **provider}
    config = validate_run_config(settings, "--judge")
    chat_model = build_model(config)  # the cache file is opened (created) only once the model has answered
    return chat_model, config.gateway


def _judge(judge: tuple[Any, Any], evaluations: list[Any], out: Path) -> Any:
    """Exploratory: the judge model rates every interview answer (cached in the report folder); conditions ranked."""
    from agents.llm.structured import StructuredLLM  # noqa: PLC0415
    from town.evaluation.corpus import corpus_from_events  # noqa: PLC0415
    from town.evaluation.judge import rank_conditions, rate_answers  # noqa: PLC0415
    from town.evaluation.judge_check import judge_pretest  # noqa: PLC0415
    from town.evaluation.persona_tasks import grade_tasks, persona_scores  # noqa: PLC0415
    from town.persistence.run_source import find_source  # noqa: PLC0415
    from town.persistence.trajectory import typed_events  # noqa: PLC0415
    from town.runtime.model_chain import close_models  # noqa: PLC0415

    chat_model, gateway = judge
    out.mkdir(parents=True, exist_ok=True)  # the judge's answers are cached in the report folder
    llm = StructuredLLM(chat_model, gateway, seed=0)
    try:
        for evaluation in evaluations:
            source = find_source(evaluation.run)
            identities = {p.name: p.summary() for p in source.personas}
            # First the judge must tell who is speaking in this run's own talk; its ratings are marked if it cannot.
            corpus = corpus_from_events(typed_events(source.events()), identities, name=evaluation.label)
            evaluation.judge_check = asyncio.run(
                judge_pretest(llm, corpus, seed=0, stylometric_baseline=evaluation.speaker_id.accuracy)
            )
            evaluation.judged = asyncio.run(rate_answers(llm, evaluation.interviews, identities))
            if evaluation.persona_tasks:
                asyncio.run(grade_tasks(llm, evaluation.persona_tasks, identities))
                evaluation.persona_scores = persona_scores(evaluation.persona_tasks)
    finally:
        close_models(chat_model)
    return rank_conditions({e.label: e.judged for e in evaluations})


def _interview_session(run: Path, model: str | None, api_base: str | None, provider: dict[str, Any]) -> Any:
    """What interviewing `run` needs, checked now: its last save, the configuration and the (pre-flighted) model."""
    from town.persistence.fork import run_autosave  # noqa: PLC0415
    from town.persistence.saving import load_for_resume  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415

    save_path = run if (run / "manifest.json").exists() else None
    if save_path is None:
        found = run_autosave(run)
        if found is None:
            raise ConfigError(f"eval --interview: {run} has no save to interview from (run it with autosave on)")
        save_path = found.path
    overrides: dict[str, Any] = {"out": Path("reports") / "interview-scratch", "cache": "off", "overwrite": True}
    overrides |= provider
    if model:
        overrides["model"] = model
    if api_base:
        overrides["api_base"] = api_base
    config, loaded = load_for_resume(save_path, overrides)
    return config, loaded, build_model(config)


def _interview(session: Any, writer: tuple[tuple[Any, Any], int] | None) -> tuple[Any, Any, int]:
    """Park et al.'s 25 questions to every agent of the run's last save, in interview mode (nothing remembered).

    With `writer` (the judge, and questions per rubric) the judge also writes each agent's persona tasks, which the
    agents answer in the same session; they are graded with the judge's other work.
    """
    from agents.llm.structured import StructuredLLM  # noqa: PLC0415
    from town.evaluation.interviews import interview_all  # noqa: PLC0415
    from town.evaluation.persona_tasks import answer_tasks, write_tasks  # noqa: PLC0415
    from town.persistence.saving import simulation_from_save  # noqa: PLC0415
    from town.runtime.model_chain import close_models  # noqa: PLC0415

    config, loaded, chat_model = session
    sim = simulation_from_save(config, loaded, model=chat_model)

    async def ask(agent: str, question: str) -> tuple[str, bool]:
        said = await sim.talk_to(agent, "interview", question, [])
        return said.reply, said.fallback

    async def interview() -> tuple[Any, Any, int]:
        answers = await interview_all(sim)
        if writer is None:
            return answers, [], 0
        (judge_model, gateway), per_rubric = writer
        identities = {m.name: m.identity for m in sim.minds}
        tasks, unwritten = await write_tasks(StructuredLLM(judge_model, gateway, seed=0), identities, per_rubric)
        await answer_tasks(tasks, ask)
        return answers, tasks, unwritten

    try:
        return asyncio.run(interview())
    finally:
        close_models(chat_model)
