"""Retrieval scoring, pure functions: `RetrievalWeights`, `min_max`, `score_memories`, `top_k`, `best_k`, `recall_at_k`.

score = w_rec·recency + w_imp·importance + w_rel·relevance, each min-max normalised over all candidates, with
recency = decay ** (game hours since last access) — the newest memory scores highest (Park et al.'s released code
sorts this the other way round; we follow the paper).

`score_memories` gives every part for every memory; `best_k` is the same ranking fused for a memory stream's hot
path: min-max normalisation is affine, so the total is one weighted sum of the raw parts (float32, in place) plus a
constant, the recency extremes come from the extremes of the hours (decay is monotonic), and the normalised parts are
computed for the k chosen only. `recall_at_k` measures how much of an exact ranking a quantised index finds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class RetrievalWeights(BaseModel):
    """Defaults are the paper's: all weights 1, recency decay 0.995 per game hour, top 30."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    recency: float = Field(default=1.0, ge=0)
    importance: float = Field(default=1.0, ge=0)
    relevance: float = Field(default=1.0, ge=0)
    decay: float = Field(default=0.995, gt=0, le=1)
    top_k: int = Field(default=30, ge=1, le=1000)


@dataclass(frozen=True)
class Scores:
    recency: np.ndarray
    importance: np.ndarray
    relevance: np.ndarray
    total: np.ndarray


def min_max(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to 0.5 so it neither dominates nor vanishes."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        return np.full(values.shape, 0.5)
    return (values - lo) / (hi - lo)


def score_memories(
    hours_since_access: np.ndarray, importance: np.ndarray, relevance: np.ndarray, weights: RetrievalWeights
) -> Scores:
    recency = min_max(np.power(weights.decay, np.asarray(hours_since_access, dtype=np.float64)))
    imp = min_max(importance)
    rel = min_max(relevance)
    total = weights.recency * recency + weights.importance * imp + weights.relevance * rel
    return Scores(recency=recency, importance=imp, relevance=rel, total=total)


def top_k(total: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first; ties go to the older (lower) index so results are reproducible."""
    n = total.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    k = min(k, n)
    if k < n:
        # Keep every index tied with the k-th best so the tie-break below sees all of them.
        threshold = np.partition(total, n - k)[n - k]
        candidates = np.flatnonzero(total >= threshold)
    else:
        candidates = np.arange(n)
    order = np.lexsort((candidates, -total[candidates]))
    return candidates[order[:k]]


@dataclass(frozen=True)
class Ranked:
    """The k best memories, best first, with their normalised parts and total (as `score_memories` gives them)."""

    indices: np.ndarray
    recency: np.ndarray
    importance: np.ndarray
    relevance: np.ndarray
    total: np.ndarray


def _span(lo: float, hi: float) -> tuple[float, float]:
    """Offset and scale that min-max normalise values in [lo, hi]; a constant part is 0.5 everywhere."""
    if hi - lo < 1e-12:
        return lo, 0.0
    return lo, 1.0 / (hi - lo)


def best_k(
    hours_since_access: np.ndarray, importance: np.ndarray, relevance: np.ndarray, weights: RetrievalWeights, k: int
) -> Ranked:
    """`top_k(score_memories(...).total, k)` and the chosen ones' parts, without scoring every part of every memory."""
    n = relevance.shape[0]
    if n == 0:
        empty = np.zeros(0)
        return Ranked(np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
    hours = np.asarray(hours_since_access, dtype=np.float32)
    log_decay = float(np.log(weights.decay))
    recency = np.exp(hours * np.float32(log_decay))  # decay ** hours
    h_lo, h_hi = float(hours.min()), float(hours.max())
    rec_lo, rec_scale = _span(float(np.exp(h_hi * log_decay)), float(np.exp(h_lo * log_decay)))
    imp_lo, imp_scale = _span(float(importance.min()), float(importance.max()))
    rel = np.asarray(relevance, dtype=np.float32)
    rel_lo, rel_scale = _span(float(rel.min()), float(rel.max()))
    # total = sum of w * (part - lo) * scale: the weighted raw parts, then one constant (0.5 for a constant part).
    total = recency
    total *= np.float32(weights.recency * rec_scale)
    total += np.asarray(importance, dtype=np.float32) * np.float32(weights.importance * imp_scale)
    total += rel * np.float32(weights.relevance * rel_scale)
    constant = sum(
        w * (0.5 if scale == 0.0 else -lo * scale)
        for w, lo, scale in (
            (weights.recency, rec_lo, rec_scale),
            (weights.importance, imp_lo, imp_scale),
            (weights.relevance, rel_lo, rel_scale),
        )
    )
    chosen = top_k(total, k)

    def part(values: np.ndarray, lo: float, scale: float) -> np.ndarray:
        return np.full(len(chosen), 0.5) if scale == 0.0 else (values.astype(np.float64) - lo) * scale

    rec_chosen = np.power(weights.decay, np.asarray(hours_since_access, dtype=np.float64)[chosen])
    return Ranked(
        indices=chosen,
        recency=part(rec_chosen, rec_lo, rec_scale),
        importance=part(np.asarray(importance)[chosen], imp_lo, imp_scale),
        relevance=part(rel[chosen], rel_lo, rel_scale),
        total=total[chosen].astype(np.float64) + constant,
    )


def recall_at_k(exact: list[int], approximate: list[int]) -> float:
    """Share of the exact top-k that the approximate top-k also returns (order ignored)."""
    return len(set(exact) & set(approximate)) / len(exact) if exact else 1.0
