"""What agents said in surveys against what they then did, and against what they said before.

- `stated_vs_acted`: each survey item that declares the outcome it predicts (`predicts: attends` or `knows`, with
  its `fact`) joined to the trajectory: AUC and Spearman's rank correlation of the stated answer against the outcome,
  Cohen's kappa for yes/no answers, and the AUC with the answers shuffled among the agents (the null: about 0.5).
  The host of an event (its fact's origin) is left out of its attendance: the host is there by definition.
- `retests`: an item asked again (`retest_of:` an earlier question) compared agent by agent: exact agreement, agreement
  within one step (likert and numbers), Cohen's kappa.
- `spreads`: how the agents' answers to each item are spread (distinct answers, entropy); one answer from everybody is
  flagged homogeneous.
- `human_comparison`: with a CSV of people's answers to the same items, the Wasserstein distance per item.

Pure functions over logged `SurveyAnswered` events; answers that are fallbacks (no valid answer) are left out.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from agents.events import SurveyAnswered
from town.core.errors import ConfigError
from town.evaluation.social import Attendance, Diffusion

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
NULL_SHUFFLES = 200


class StatedActed(BaseModel):
    survey: str
    question: str
    predicts: str  # "attends" | "knows"
    fact: str
    agents: list[str]
    said: list[str]  # the answers as given
    stated: list[float]  # as numbers (yes/no as 1/0)
    acted: list[bool]
    auc: float | None  # None when everyone did, or nobody did
    spearman: float | None  # None when the answers or the outcomes do not vary
    kappa: float | None  # yes/no items only
    shuffled_auc: float | None  # mean AUC with the answers shuffled among the agents


class Retest(BaseModel):
    question: str
    retest_of: str
    pairs: int
    exact: float | None
    within_one: float | None  # likert and number items
    kappa: float | None


class AnswerSpread(BaseModel):
    survey: str
    question: str
    answers: int
    distinct: int
    entropy_bits: float
    homogeneous: bool  # two or more answers, all the same


class HumanItem(BaseModel):
    question: str
    simulated: int
    human: int
    wasserstein: float | None


class SurveyMeasures(BaseModel):
    answers: int
    fallbacks: int
    stated_acted: list[StatedActed]
    retests: list[Retest]
    spreads: list[AnswerSpread]
    human: list[HumanItem]


# -- statistics ---------------------------------------------------------------------------------------------------
def numeric(answer: int | float | str | None) -> float | None:
    """An answer as a number: likert and number answers as they are, yes/no as 1/0, anything else None."""
    if isinstance(answer, bool) or answer is None:
        return None
    if isinstance(answer, int | float):
        return float(answer) if math.isfinite(answer) else None
    word = answer.strip().lower()
    return 1.0 if word in YES else 0.0 if word in NO else None


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """The chance that a random positive scores above a random negative (ties count half); None without both."""
    if all(labels) or not any(labels):
        return None
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 - as the persona measures compute it

    return float(roc_auc_score([bool(y) for y in labels], list(scores)))


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    if len(x) < 2 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    from scipy.stats import spearmanr  # noqa: PLC0415 - scipy comes with scikit-learn

    return float(spearmanr(x, y).statistic)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Agreement beyond chance; None when chance agreement is total (both sides gave one and the same answer)."""
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def shuffled_auc(scores: Sequence[float], labels: Sequence[bool], seed: int = 0) -> float | None:
    if auc(scores, labels) is None:
        return None
    rng = np.random.default_rng(seed)
    values = [auc(list(rng.permutation(scores)), labels) for _ in range(NULL_SHUFFLES)]
    return float(np.mean([v for v in values if v is not None]))


def entropy_bits(answers: Sequence[str]) -> float:
    counts = np.array(list(Counter(answers).values()), dtype=float)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum()) if len(counts) > 1 else 0.0


def wasserstein(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The 1-Wasserstein (earth mover's) distance between two samples of numbers."""
    if not a or not b:
        return None
    from scipy.stats import wasserstein_distance  # noqa: PLC0415 - scipy comes with scikit-learn

    return float(wasserstein_distance(a, b))


# -- joining answers to the log -------------------------------------------------------------------------------------
def _valid(answers: Sequence[SurveyAnswered]) -> list[SurveyAnswered]:
    return [a for a in answers if not a.fallback and a.answer is not None]


def stated_vs_acted(
    answers: Sequence[SurveyAnswered], diffusions: Sequence[Diffusion], attendances: Sequence[Attendance]
) -> list[StatedActed]:
    spreads = {d.fact: d for d in diffusions}
    present = {a.fact: a for a in attendances}
    items: dict[tuple[str, str], list[SurveyAnswered]] = {}
    for a in _valid(answers):
        if a.predicts and a.fact:
            items.setdefault((a.survey, a.question), []).append(a)
    results = []
    for (survey, question), given in items.items():
        kind, fact = given[0].predicts, given[0].fact
        assert kind is not None and fact is not None
        rows = [(a, x) for a in given if (x := numeric(a.answer)) is not None]
        if kind == "attends":
            came = present.get(fact)
            if came is None or not came.in_run:
                continue  # the event is not in this log: nothing to compare with
            host = spreads[fact].origin if fact in spreads else None
            rows = [(a, x) for a, x in rows if a.agent != host]  # the host is there by definition
            acted = [a.agent in came.came for a, _ in rows]
        else:
            spread = spreads.get(fact)
            if spread is None:
                continue
            knew = {x.agent: x.tick for x in spread.learned}
            if spread.origin_present:
                knew.setdefault(spread.origin, -1)
            acted = [a.agent in knew and knew[a.agent] <= a.tick for a, _ in rows]
        stated = [x for _, x in rows]
        binary = all(x in (0.0, 1.0) for x in stated) and given[0].kind == "choice"
        results.append(
            StatedActed(
                survey=survey,
                question=question,
                predicts=kind,
                fact=fact,
                agents=[a.agent for a, _ in rows],
                said=[str(a.answer) for a, _ in rows],
                stated=stated,
                acted=acted,
                auc=auc(stated, acted),
                spearman=spearman(stated, [float(y) for y in acted]),
                kappa=cohen_kappa([str(int(x)) for x in stated], [str(int(y)) for y in acted]) if binary else None,
                shuffled_auc=shuffled_auc(stated, acted),
            )
        )
    return results


def retests(answers: Sequence[SurveyAnswered]) -> list[Retest]:
    valid = _valid(answers)
    by_question: dict[str, dict[str, SurveyAnswered]] = {}
    for a in valid:
        by_question.setdefault(a.question, {})[a.agent] = a  # the latest answer of each agent
    results = []
    for question in dict.fromkeys(a.question for a in valid if a.retest_of):
        later = by_question[question]
        earlier_id = next(a.retest_of for a in later.values() if a.retest_of)
        assert earlier_id is not None
        earlier = by_question.get(earlier_id, {})
        pairs = [(earlier[agent].answer, a.answer) for agent, a in later.items() if agent in earlier]
        numbers = [(numeric(x), numeric(y)) for x, y in pairs]
        ordinal = pairs and all(isinstance(x, int | float) for pair in pairs for x in pair)
        results.append(
            Retest(
                question=question,
                retest_of=earlier_id,
                pairs=len(pairs),
                exact=sum(x == y for x, y in pairs) / len(pairs) if pairs else None,
                within_one=(
                    sum(abs(x - y) <= 1 for x, y in numbers if x is not None and y is not None) / len(pairs)
                    if ordinal
                    else None
                ),
                kappa=cohen_kappa([str(x) for x, _ in pairs], [str(y) for _, y in pairs]),
            )
        )
    return results


def spreads(answers: Sequence[SurveyAnswered]) -> list[AnswerSpread]:
    items: dict[tuple[str, str], list[str]] = {}
    for a in _valid(answers):
        items.setdefault((a.survey, a.question), []).append(str(a.answer).strip().lower())
    return [
        AnswerSpread(
            survey=survey,
            question=question,
            answers=len(given),
            distinct=len(set(given)),
            entropy_bits=round(entropy_bits(given), 4),
            homogeneous=len(given) >= 2 and len(set(given)) == 1,
        )
        for (survey, question), given in items.items()
    ]


def read_human_survey(path: str | Path) -> dict[str, list[float]]:
    """People's answers, a CSV with a `question` and an `answer` column (one row per answer); numbers or yes/no."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"human survey {path}: cannot read it ({exc})") from None
    if not rows or not {"question", "answer"} <= set(rows[0]):
        raise ConfigError(f"human survey {path}: needs a header with the columns question and answer")
    answers: dict[str, list[float]] = {}
    for line, row in enumerate(rows, start=2):
        value = numeric(_number_or_word(row["answer"] or ""))
        if value is None:
            raise ConfigError(f"human survey {path}: line {line}: {row['answer']!r} is not a number or yes/no")
        answers.setdefault((row["question"] or "").strip(), []).append(value)
    return answers


def _number_or_word(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def human_comparison(answers: Sequence[SurveyAnswered], human: dict[str, list[float]]) -> list[HumanItem]:
    simulated: dict[str, list[float]] = {}
    for a in _valid(answers):
        if (x := numeric(a.answer)) is not None:
            simulated.setdefault(a.question, []).append(x)
    return [
        HumanItem(
            question=q,
            simulated=len(simulated.get(q, [])),
            human=len(people),
            wasserstein=wasserstein(simulated.get(q, []), people),
        )
        for q, people in human.items()
    ]


def survey_measures(
    answers: Sequence[SurveyAnswered],
    diffusions: Sequence[Diffusion],
    attendances: Sequence[Attendance],
    human: dict[str, list[float]] | None = None,
) -> SurveyMeasures:
    return SurveyMeasures(
        answers=len(answers),
        fallbacks=sum(1 for a in answers if a.fallback or a.answer is None),
        stated_acted=stated_vs_acted(answers, diffusions, attendances),
        retests=retests(answers),
        spreads=spreads(answers),
        human=human_comparison(answers, human) if human else [],
    )
