"""Null baselines (pure, seeded): can a metric tell this run's talk from the same lines shuffled?

A figure near the human one means little if the same lines, dealt at random to other speakers and other
conversations, score as well: then the metric sees no persona and no dialogue in the run. `null_baselines` recomputes
each structure-sensitive metric on shuffled copies of the corpus (every text moved to a random slot; speakers,
conversations and turns stay where they were) and says whether the run's value lies clearly above the shuffled ones:
above all of them and more than two of their standard deviations above their mean.

The style and diversity figures (shares of short replies, questions, distinct-n, ...) are properties of the bag of
lines and do not change under a shuffle, so they have no null; template-like text is caught by `template_like`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from pydantic import BaseModel

from agents.embedding import Embedder
from town.evaluation.corpus import Corpus
from town.evaluation.persona import adherence, consistency, echoing, speaker_identification

# Shuffles per metric: enough to see the spread of the cheap metrics; the speaker classifier is retrained per shuffle.
CHEAP_SHUFFLES = 8
CLASSIFIER_SHUFFLES = 3
# Template-like talk: a tenth of the lines repeat an earlier one word for word, or distinct-2 (per 100 lines) is below
# half the human figure.
REPEAT_SHARE_FLAG = 0.10
DISTINCT_RATIO_FLAG = 0.5


class NullResult(BaseModel):
    metric: str
    value: float | None
    null_mean: float | None
    null_high: float | None  # the highest shuffled value
    shuffles: int
    better_than_null: bool | None  # None: not measurable (too few lines or speakers)


def shuffled(corpus: Corpus, rng: np.random.Generator) -> Corpus:
    """The corpus with its texts dealt at random over the same (speaker, conversation, turn) slots."""
    order = rng.permutation(len(corpus.utterances))
    texts = [corpus.utterances[i].text for i in order]
    moved = [u.model_copy(update={"text": text}) for u, text in zip(corpus.utterances, texts, strict=True)]
    return Corpus(name=f"{corpus.name} (shuffled)", utterances=moved, personas=corpus.personas)


def _metrics(embedder: Embedder, seed: int) -> dict[str, tuple[Callable[[Corpus], float | None], int]]:
    return {
        "consistency_auc": (lambda c: consistency(c, seed).auc, CHEAP_SHUFFLES),
        "speaker_id_accuracy": (lambda c: speaker_identification(c, seed).accuracy, CLASSIFIER_SHUFFLES),
        "adherence_mrr_10": (lambda c: adherence(c, embedder, seed).get(10), CHEAP_SHUFFLES),
        "consecutive_similarity": (lambda c: echoing(c, embedder).consecutive_similarity, CHEAP_SHUFFLES),
    }


def null_baselines(
    corpus: Corpus, embedder: Embedder, seed: int = 0, measured: dict[str, float | None] | None = None
) -> list[NullResult]:
    """Each structure-sensitive metric on shuffled copies of the corpus, against its value on the corpus itself.

    `measured`: values the caller already has (by metric name), so they are not computed twice.
    """
    results = []
    for name, (measure, shuffles) in _metrics(embedder, seed).items():
        value = measured[name] if measured is not None and name in measured else measure(corpus)
        rng = np.random.default_rng(seed)
        draws = [measure(shuffled(corpus, rng)) for _ in range(shuffles)] if value is not None else []
        nulls = [d for d in draws if d is not None]
        if value is None or not nulls:
            results.append(
                NullResult(metric=name, value=value, null_mean=None, null_high=None, shuffles=0, better_than_null=None)
            )
            continue
        mean, spread, high = float(np.mean(nulls)), float(np.std(nulls)), float(max(nulls))
        results.append(
            NullResult(
                metric=name,
                value=value,
                null_mean=mean,
                null_high=high,
                shuffles=len(nulls),
                better_than_null=bool(value > high and value - mean > 2 * spread),
            )
        )
    return results


class TemplateCheck(BaseModel):
    repeat_share: float | None  # lines that repeat an earlier line word for word (case and punctuation aside)
    distinct_2_ratio: float | None  # distinct-2 against the human figure
    template_like: bool


def template_like(texts: list[str], distinct_2: float | None, human_distinct_2: float | None) -> TemplateCheck:
    """Whether the talk reads as filled-in templates: many verbatim repeats, or far fewer distinct word pairs."""
    seen: set[tuple[str, ...]] = set()
    repeats = 0
    for text in texts:
        key = tuple(re.findall(r"\w+", text.lower()))
        repeats += key in seen
        seen.add(key)
    share = repeats / len(texts) if texts else None
    ratio = distinct_2 / human_distinct_2 if distinct_2 is not None and human_distinct_2 else None
    flagged = (share is not None and share >= REPEAT_SHARE_FLAG) or (ratio is not None and ratio < DISTINCT_RATIO_FLAG)
    return TemplateCheck(repeat_share=share, distinct_2_ratio=ratio, template_like=flagged)
