"""Evaluating one run: `RunEvaluation` (every figure of the report for one run) and `evaluate_run`.

It reads the run's log (no model), builds the dialogue corpus, and calls the metric functions of each dimension; the
report layer only formats what this returns. Where the paper's instrument cannot run offline, the proxy is named in
`notes` and in the report.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from agents.embedding import Embedder
from agents.events import SurveyAnswered
from town.core.clock import GameClock
from town.core.errors import TownError
from town.core.events import AgentSpawned, RunStarted
from town.core.places import load_town_map
from town.evaluation.behaviour import Behaviour, behaviour
from town.evaluation.bias import Reception, reception
from town.evaluation.corpus import Corpus, chitchat_corpus, corpus_from_events
from town.evaluation.dialogue_failures import DialogueFailures, dialogue_failures
from town.evaluation.intentions import Intentions, intentions
from town.evaluation.interviews import InterviewAnswer
from town.evaluation.judge import RatedAnswer
from town.evaluation.judge_check import JudgeCheck
from town.evaluation.naturalness import NaturalnessResult, NLIBackend, naturalness
from town.evaluation.nulls import NullResult, TemplateCheck, null_baselines, template_like
from town.evaluation.overall import OverallScore, overall_score
from town.evaluation.persona import (
    POOL_SIZES,
    DriftResult,
    EchoResult,
    SpeakerIdResult,
    adherence,
    drift,
    echoing,
    speaker_identification,
)
from town.evaluation.persona_tasks import AgentPersonaScore, PersonaTask
from town.evaluation.reference import COMPARED, CorpusMetrics, HumanReference, measure_corpus
from town.evaluation.similarity import SimRow, distribution_sim, sim, sim_or_none
from town.evaluation.social import (
    Attendance,
    Diffusion,
    Fact,
    Network,
    attendance,
    diffusion,
    network,
)
from town.evaluation.style import bootstrap_shares
from town.evaluation.surveys import SurveyMeasures, survey_measures
from town.persistence.run_source import find_source
from town.persistence.trajectory import typed_events

PROXIES = [
    "Naturalness (Eval4Sim's dialogue NLI) has no offline model here; coherence is proxied by the MiniLM cosine of "
    "consecutive turns (compared with the same figure on the human corpus), contradictions are not measured.",
    "Speaker identification uses a character n-gram classifier, not an LLM judge; its human reference is measured live "
    "on a chitchat-dataset sample with the same number of speakers and utterances per speaker.",
    "Adherence has no human curve: no persona-annotated human corpus installs offline (PersonaChat and ConvAI2 are not "
    "in the package registry), so the MRR is shown against the chance line at each pool size, without Sim.",
]


class RunEvaluation(BaseModel):
    run: str
    label: str  # how the report names this run (its folder name, or condition and replicate)
    agents: list[str]
    game_hours: float
    tick_seconds: int = 10
    utterances: int
    metrics: CorpusMetrics
    rows: list[SimRow]
    emotions_sim: float | None
    speaker_id: SpeakerIdResult
    speaker_id_human: float | None
    adherence_mrr: dict[int, float]
    adherence_chance: dict[int, float]  # the MRR of a random ranking at each pool size
    drift: DriftResult
    echo: EchoResult
    diffusion: list[Diffusion]
    network: Network
    attendance: list[Attendance]
    intentions: Intentions
    surveys: SurveyMeasures | None = None  # stated vs acted, retests, spread of answers (when the run had surveys)
    behaviour: Behaviour | None = None  # activity, homogenization of what agents do, where their waking hours go
    failures: DialogueFailures | None = None  # conversation endings, role confusion, echo episodes
    reception: dict[str, Reception] = Field(default_factory=dict)  # how the town treats each agent (bias probes)
    judge_check: JudgeCheck | None = None  # with --judge: could it tell who was speaking?
    persona_tasks: list[PersonaTask] = Field(default_factory=list)  # with --persona-tasks
    persona_tasks_unwritten: int = 0  # rubric questions the judge failed to write
    persona_scores: list[AgentPersonaScore] = Field(default_factory=list)
    share_intervals: dict[str, tuple[float, float]]  # bootstrap 95% intervals of the share metrics
    nulls: list[NullResult]
    template: TemplateCheck
    naturalness: NaturalnessResult | None = None  # with an NLI backend (town eval --nli)
    naturalness_human: NaturalnessResult | None = None  # the same on a sample of the human corpus
    overall: OverallScore
    interviews: list[InterviewAnswer] = Field(default_factory=list)
    judged: list[RatedAnswer] = Field(default_factory=list)  # exploratory: only with a judge model
    notes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)  # what this evaluation could not see (said first in the report)


def evaluate_run(
    run: str | Path,
    *,
    embedder: Embedder,
    facts: list[Fact],
    reference: HumanReference,
    seed: int = 0,
    label: str | None = None,
    nli: NLIBackend | None = None,
    human_survey: dict[str, list[float]] | None = None,
) -> RunEvaluation:
    source = find_source(run)
    try:
        events = typed_events(source.events())
    except TownError as exc:
        raise TownError(f"eval {run}: {exc}") from None
    start = events[0] if events else None
    if not isinstance(start, RunStarted):
        raise TownError(f"eval {run}: the log does not begin with run_start")
    spawned = [e.agent for e in events if isinstance(e, AgentSpawned)]
    agents = list(dict.fromkeys([*start.agents, *spawned]))
    clock = GameClock(start=datetime.fromisoformat(start.start_time), tick_seconds=start.tick_seconds)
    town_map = load_town_map(source.map_path)
    personas = {p.name: p.summary() for p in source.personas}
    corpus = corpus_from_events(events, personas, name=Path(run).name)
    echo = echoing(corpus, embedder)
    metrics = measure_corpus(corpus, embedder, seed, echo=echo)
    notes = list(PROXIES) if nli is None else [p for p in PROXIES if not p.startswith("Naturalness")]
    natural = naturalness(corpus, nli, seed) if nli is not None and corpus.utterances else None
    natural_human = _human_naturalness(nli, seed) if natural is not None and nli is not None else None
    warnings = [
        f"{problem}; starting relationships and persona texts are missing from this evaluation"
        for problem in source.problems
    ]
    rows = _rows(metrics, reference, embedder, notes)
    by_id = {p.id: p.name for p in source.personas}
    acquaintances = {p.name: {by_id.get(r.person, r.person) for r in p.relationships} for p in source.personas}
    spreads = [diffusion(events, fact, agents, clock) for fact in facts]
    speaker = speaker_identification(corpus, seed)
    speaker_human = _human_speaker_id(speaker.speakers, _per_speaker(corpus), seed) if speaker.speakers > 1 else None
    emotions_sim = distribution_sim(metrics.emotions, reference.emotions) if corpus.utterances else None
    adherence_mrr = adherence(corpus, embedder, seed)
    measured = {
        "consistency_auc": metrics.values.get("consistency_auc"),
        "speaker_id_accuracy": speaker.accuracy,
        "adherence_mrr_10": adherence_mrr.get(10),
        "consecutive_similarity": echo.consecutive_similarity,
    }
    nulls = null_baselines(corpus, embedder, seed, measured)
    human_distinct = reference.metrics.get("distinct_2")
    template = template_like(
        corpus.texts(), metrics.values.get("distinct_2"), human_distinct.value if human_distinct else None
    )
    natural_sim = sim_or_none(
        natural.dialogue_naturalness if natural else None,
        natural_human.dialogue_naturalness if natural_human else None,
    )
    overall = overall_score(
        rows,
        (emotions_sim, reference.emotions_noise_sim),
        (sim_or_none(speaker.accuracy, speaker_human), None),
        nulls,
        naturalness=natural_sim,
    )
    present = [a for f, d in zip(facts, spreads, strict=True) if (a := attendance(events, f, d, clock, town_map))]
    answers = [e for e in events if isinstance(e, SurveyAnswered)]
    traced = {f.name for f in facts}
    for fact in dict.fromkeys(a.fact for a in answers if a.fact and a.fact not in traced):
        warnings.append(f"a survey question predicts something about {fact!r}, which no facts file traces")
    return RunEvaluation(
        run=str(run),
        label=label or Path(run).name,
        agents=agents,
        game_hours=round(clock.hours_between(0, events[-1].tick), 2),
        tick_seconds=clock.tick_seconds,
        utterances=len(corpus.utterances),
        metrics=metrics,
        rows=rows,
        emotions_sim=emotions_sim,
        speaker_id=speaker,
        speaker_id_human=speaker_human,
        adherence_mrr=adherence_mrr,
        adherence_chance={pool: chance_mrr(pool) for pool in POOL_SIZES},
        nulls=nulls,
        template=template,
        naturalness=natural,
        naturalness_human=natural_human,
        overall=overall,
        drift=drift(corpus, embedder),
        echo=echo,
        diffusion=spreads,
        network=network(events, agents, acquaintances, clock),
        attendance=present,
        surveys=survey_measures(answers, spreads, present, human_survey),
        behaviour=behaviour(events, source.personas, town_map, clock),
        failures=dialogue_failures(events),
        reception=reception(events, agents, facts),
        intentions=intentions(events, clock, town_map),
        share_intervals=bootstrap_shares(corpus.texts(), seed=seed),
        notes=notes,
        warnings=warnings,
    )


def chance_mrr(pool: int) -> float:
    """The mean reciprocal rank of one relevant item placed at random among `pool` distractors: H(pool+1)/(pool+1)."""
    return sum(1 / rank for rank in range(1, pool + 2)) / (pool + 1)


def _rows(metrics: CorpusMetrics, reference: HumanReference, embedder: Embedder, notes: list[str]) -> list[SimRow]:
    rows = []
    for name, dimension in COMPARED.items():
        value = metrics.values.get(name)
        ref = reference.metrics.get(name)
        note = ""
        if name == "consecutive_similarity" and reference.embedder != embedder.name:
            note = f"reference measured with {reference.embedder}; evaluate with that embedder to compare"
            ref = None
        rows.append(
            SimRow(
                dimension=dimension,
                metric=name,
                value=value,
                reference=ref.value if ref else None,
                sim=sim(value, ref.value) if ref is not None and value is not None else None,
                noise_sim=ref.noise_sim if ref else None,
                note=note,
            )
        )
    if any(r.note for r in rows):
        notes.append(next(r.note for r in rows if r.note))
    return rows


def _per_speaker(corpus: Corpus) -> int:
    counts = [len(v) for v in corpus.by_speaker().values() if len(v) >= 4]
    return min(40, *counts) if counts else 4


HUMAN_NLI_CONVERSATIONS = 40  # human conversations the NLI backend is run on (a seeded sample, ~2,000 pairs)


def _human_naturalness(backend: NLIBackend, seed: int) -> NaturalnessResult:
    """Naturalness on a seeded sample of the human corpus, with the same backend (no personas: dialogue part only)."""
    corpus = _chitchat()
    conversations = corpus.conversations()
    keys = sorted(conversations)
    rng = np.random.default_rng(seed)
    picked = set(rng.choice(len(keys), size=min(HUMAN_NLI_CONVERSATIONS, len(keys)), replace=False).tolist())
    sample = [u for k, key in enumerate(keys) if k in picked for u in conversations[key]]
    return naturalness(Corpus(name="chitchat sample", utterances=sample), backend, seed)


@lru_cache(maxsize=1)
def _chitchat() -> Corpus:
    return chitchat_corpus()


@lru_cache(maxsize=32)
def _human_speaker_id(speakers: int, per_speaker: int, seed: int) -> float | None:
    """Speaker identification on humans at the same size: `speakers` speakers with `per_speaker` utterances each."""
    corpus = _chitchat()
    rng = np.random.default_rng(seed)
    eligible = sorted(s for s, said in corpus.by_speaker().items() if len(said) >= per_speaker)
    if len(eligible) < speakers:
        return None
    accuracies = []
    for _ in range(3):  # a few draws of speakers: the figure varies with who is drawn
        chosen = set(rng.choice(eligible, speakers, replace=False).tolist())
        sample = []
        for speaker, said in corpus.by_speaker().items():
            if speaker in chosen:
                sample += [said[i] for i in sorted(rng.choice(len(said), per_speaker, replace=False).tolist())]
        result = speaker_identification(Corpus(name="chitchat sample", utterances=sample), seed)
        if result.accuracy is not None:
            accuracies.append(result.accuracy)
    return float(np.mean(accuracies)) if accuracies else None
