"""The optional LLM judge (exploratory): `rate_answers`, `rank_conditions`.

`rate_answers` scores interview answers for believability; `rank_conditions` turns the scores into TrueSkill ratings of
conditions, as Park et al. ranked their ablations. A fallback is never a result: an interview answer that is the
stand-in of a failed call is not rated, and a rating that is the judge's own fallback is kept (marked) but left out of
the matches and the means; both are counted.

Only runs when a judge model is named; every call goes through the record/replay cache in the report folder, so a
report can be regenerated without asking again. Labelled exploratory in the report: one model's opinion is not a
human evaluation.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from pydantic import BaseModel, Field

from agents.answer_shape import Written
from agents.llm.structured import StructuredLLM
from agents.prompts import render
from town.evaluation.interviews import InterviewAnswer

NEUTRAL = 4  # the middle of the 1-7 scale: what a failed judgement counts as


class JudgeFields(BaseModel):
    identity: str
    category: str
    question: str
    answer: str


class JudgeRating(BaseModel):
    believability: int = Field(ge=1, le=7)
    reason: Written = Field(default="", max_length=300, description="one short sentence")


class RatedAnswer(BaseModel):
    agent: str
    category: str
    question: str
    believability: int
    reason: str
    fallback: bool


class ConditionRating(BaseModel):
    condition: str
    mu: float
    sigma: float
    mean_believability: float | None  # None when the judge rated nothing of this condition
    answers: int  # real ratings: the judge answered
    failed: int = 0  # ratings the judge failed to give (fallbacks, left out)


async def rate_answers(
    llm: StructuredLLM, answers: list[InterviewAnswer], identities: dict[str, str]
) -> list[RatedAnswer]:
    """A rating of every real answer (fallback answers are not rated)."""
    rated = []
    for a in answers:
        if a.fallback:
            continue
        fields = JudgeFields(
            identity=identities.get(a.agent, a.agent), category=a.category, question=a.question, answer=a.answer
        )
        result = await llm.ask(
            render("judge_answer", fields, JudgeRating),
            JudgeRating,
            purpose="judge",
            agent=a.agent,
            fallback=lambda: JudgeRating(believability=NEUTRAL, reason="no judgement"),
            log=[],
        )
        value = result.value
        rated.append(
            RatedAnswer(
                agent=a.agent,
                category=a.category,
                question=a.question,
                believability=value.believability,
                reason=value.reason,
                fallback=result.fallback,
            )
        )
    return rated


def rank_conditions(rated: dict[str, list[RatedAnswer]]) -> list[ConditionRating]:
    """TrueSkill ratings of conditions from matches.

    For every question put to the same agent in two conditions, the higher-rated answer wins (equal ratings draw).
    The judge's fallback ratings take part in no match and no mean.
    """
    import trueskill  # noqa: PLC0415

    env = trueskill.TrueSkill(draw_probability=0.2)
    ratings = {condition: env.create_rating() for condition in rated}
    real = {c: [r for r in answers if not r.fallback] for c, answers in rated.items()}
    keyed = {c: {(r.agent, r.question): r.believability for r in answers} for c, answers in real.items()}
    for first, second in itertools.combinations(sorted(rated), 2):
        for key in sorted(set(keyed[first]) & set(keyed[second])):
            a, b = keyed[first][key], keyed[second][key]
            winner, loser = (first, second) if a >= b else (second, first)
            ratings[winner], ratings[loser] = trueskill.rate_1vs1(
                ratings[winner], ratings[loser], drawn=a == b, env=env
            )
    return sorted(
        (
            ConditionRating(
                condition=c,
                mu=round(ratings[c].mu, 2),
                sigma=round(ratings[c].sigma, 2),
                mean_believability=round(sum(r.believability for r in real[c]) / len(real[c]), 2) if real[c] else None,
                answers=len(real[c]),
                failed=len(rated[c]) - len(real[c]),
            )
            for c in rated
        ),
        key=lambda r: -r.mu,
    )


def judge_cache_path(out: Path) -> Path:
    return out / "judge_cache.jsonl"
