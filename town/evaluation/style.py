"""Style statistics of utterances (pure functions): `StyleStats` and `style_stats`.

Short replies (at most three words), questions, politeness markers, positive sentiment (VADER compound >= 0.05),
emotions (NRC lexicon token lists), distinct-1/2 — the measures Sim2Real, OmniBehavior and Eval4Sim use to show that
simulated people are more polite, upbeat, verbose and uniform than real ones.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from pydantic import BaseModel

_WORD = re.compile(r"[a-z']+")
SHORT_REPLY_WORDS = 3
POLITE_MARKERS = re.compile(
    r"\b(please|thanks?|thank you|sorry|excuse me|pardon|appreciate|would you mind|could you|kindly)\b", re.IGNORECASE
)
EMOTIONS = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust")
POSITIVE_COMPOUND = 0.05  # VADER's own threshold for "positive"
DISTINCT_SAMPLE = 100  # utterances per distinct-n sample


class StyleStats(BaseModel):
    """Style figures of a set of utterances; None where there is nothing to measure (no utterances, no n-grams)."""

    utterances: int
    short_reply: float | None
    question: float | None
    politeness: float | None
    positivity: float | None
    distinct_1: float | None
    distinct_2: float | None
    mean_words: float | None
    emotions: dict[str, float]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def distinct_n(texts: list[str], n: int) -> float | None:
    """Unique n-grams over all n-grams (word level, within utterances); None without a single n-gram."""
    grams = [tuple(ws[i : i + n]) for ws in map(words, texts) for i in range(len(ws) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


def sampled_distinct_n(
    texts: list[str], n: int, sample: int = DISTINCT_SAMPLE, reps: int = 20, seed: int = 0
) -> float | None:
    """Distinct-n of `sample` utterances at a time, averaged.

    Distinct-n falls as a corpus grows, so a town's few hundred lines and a human corpus of a hundred thousand compare
    only at the same size.
    """
    if len(texts) <= sample:
        return distinct_n(texts, n)
    rng = np.random.default_rng(seed)
    draws = [distinct_n([texts[i] for i in rng.choice(len(texts), sample, replace=False)], n) for _ in range(reps)]
    measured = [d for d in draws if d is not None]
    return float(np.mean(measured)) if measured else None


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: PLC0415

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def nrc_lexicon() -> dict[str, list[str]]:
    """The NRC emotion lexicon (word -> emotions) bundled with nrclex, read as data."""
    with resources.files("nrclex.data").joinpath("nrc_en.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def positivity_share(texts: list[str]) -> float | None:
    analyzer = _vader()
    return share([analyzer.polarity_scores(t)["compound"] >= POSITIVE_COMPOUND for t in texts])


def emotion_distribution(texts: list[str]) -> dict[str, float]:
    """Share of each emotion among all emotion-bearing tokens (NRC token lists; positive/negative excluded)."""
    lexicon = nrc_lexicon()
    counts: Counter[str] = Counter()
    for text in texts:
        for word in words(text):
            counts.update(e for e in lexicon.get(word, ()) if e in EMOTIONS)
    total = sum(counts.values())
    return {e: (counts[e] / total if total else 0.0) for e in EMOTIONS}


def style_stats(texts: list[str]) -> StyleStats:
    lengths = [len(words(t)) for t in texts]
    return StyleStats(
        utterances=len(texts),
        short_reply=share([n <= SHORT_REPLY_WORDS for n in lengths]),
        question=share(["?" in t for t in texts]),
        politeness=share([bool(POLITE_MARKERS.search(t)) for t in texts]),
        positivity=positivity_share(texts),
        distinct_1=sampled_distinct_n(texts, 1),
        distinct_2=sampled_distinct_n(texts, 2),
        mean_words=sum(lengths) / len(lengths) if lengths else None,
        emotions=emotion_distribution(texts),
    )


def bootstrap_shares(texts: list[str], reps: int = 500, seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% bootstrap intervals (utterances resampled) of the share metrics, for comparing conditions."""
    if not texts:
        return {}
    analyzer = _vader()
    lengths = [len(words(t)) for t in texts]
    flags = {
        "short_reply": np.array([n <= SHORT_REPLY_WORDS for n in lengths], dtype=float),
        "question": np.array(["?" in t for t in texts], dtype=float),
        "politeness": np.array([bool(POLITE_MARKERS.search(t)) for t in texts], dtype=float),
        "positivity": np.array(
            [analyzer.polarity_scores(t)["compound"] >= POSITIVE_COMPOUND for t in texts], dtype=float
        ),
    }
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(texts), size=(reps, len(texts)))
    out = {}
    for name, values in flags.items():
        means = values[picks].mean(axis=1)
        out[name] = (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5)))
    return out
