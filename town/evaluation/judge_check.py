"""A judge that must pass first: before `--judge MODEL` rates anything, it says who spoke lines of the run's own talk.

PersonaEval found that LLM judges often cannot tell which persona a line belongs to; a judge that cannot is no judge
of persona fidelity. `speaker_items` draws lines (seeded) with the true speaker and up to three others as
candidates, each described by its persona summary; `judge_pretest` asks the judge and scores it. The report shows its
accuracy beside chance and beside the stylometric baseline (a linear classifier on the run's own lines), and marks the
judge's ratings untrustworthy when the accuracy is below `TRUST_FACTOR` times chance.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, create_model

from agents.llm.structured import StructuredLLM
from agents.prompts import render
from town.evaluation.corpus import Corpus

ITEMS = 20
CANDIDATES = 4
MIN_WORDS = 4  # shorter lines ("Sure!") say nothing about who speaks
TRUST_FACTOR = 2.0  # with four candidates (chance 0.25), a judge must name at least half the speakers right


class SpeakerItem(BaseModel):
    line: str
    speaker: str
    candidates: list[str]


class SpeakerFields(BaseModel):
    people: str
    line: str


class JudgeCheck(BaseModel):
    items: int
    answered: int  # the judge's own fallbacks are not answers
    correct: int
    accuracy: float | None
    chance: float | None
    threshold: float | None
    stylometric_baseline: float | None  # the run's speaker identification accuracy (the linear classifier)
    trusted: bool


def speaker_items(corpus: Corpus, seed: int, items: int = ITEMS, candidates: int = CANDIDATES) -> list[SpeakerItem]:
    """Up to `items` lines of at least MIN_WORDS words from speakers with a known persona, each with candidates."""
    speakers = sorted(s for s in corpus.by_speaker() if s in corpus.personas)
    if len(speakers) < 2:
        return []
    pool = [u for u in corpus.utterances if u.speaker in speakers and len(u.text.split()) >= MIN_WORDS]
    rng = np.random.default_rng(seed)
    chosen = [pool[i] for i in sorted(rng.choice(len(pool), size=min(items, len(pool)), replace=False))] if pool else []
    out = []
    for u in chosen:
        others = [s for s in speakers if s != u.speaker]
        picked = [others[i] for i in rng.choice(len(others), size=min(candidates - 1, len(others)), replace=False)]
        names = [u.speaker, *picked]
        out.append(
            SpeakerItem(line=u.text, speaker=u.speaker, candidates=[names[i] for i in rng.permutation(len(names))])
        )
    return out


def speaker_schema(candidates: list[str]) -> type[BaseModel]:
    """`{"speaker": one of the candidates}`."""
    choice = Literal[tuple(candidates)]  # type: ignore[valid-type]
    return create_model("SpeakerChoice", speaker=(choice, Field(description="one of the names above")))


async def judge_pretest(
    llm: StructuredLLM, corpus: Corpus, seed: int, stylometric_baseline: float | None, items: int = ITEMS
) -> JudgeCheck:
    asked = speaker_items(corpus, seed, items)
    answered = correct = 0
    for item in asked:
        schema = speaker_schema(item.candidates)
        people = "\n".join(f"- {name}: {corpus.personas[name]}" for name in item.candidates)
        result = await llm.ask(
            render("judge_speaker", SpeakerFields(people=people, line=item.line), schema),
            schema,
            purpose="judge_check",
            agent=item.speaker,
            fallback=lambda schema=schema: schema.model_construct(speaker=None),  # type: ignore[misc]
            log=[],
        )
        if result.fallback:
            continue
        answered += 1
        correct += result.value.speaker == item.speaker  # type: ignore[attr-defined]
    chance = float(np.mean([1 / len(i.candidates) for i in asked])) if asked else None
    accuracy = correct / answered if answered else None
    threshold = min(1.0, TRUST_FACTOR * chance) if chance is not None else None
    return JudgeCheck(
        items=len(asked),
        answered=answered,
        correct=correct,
        accuracy=accuracy,
        chance=chance,
        threshold=threshold,
        stylometric_baseline=stylometric_baseline,
        trusted=accuracy is not None and threshold is not None and accuracy >= threshold,
    )
