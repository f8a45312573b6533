"""Retrieval scoring as pure functions: `RetrievalWeights`, `min_max`, `score_memories`, `top_k`.

score = w_rec·recency + w_imp·importance + w_rel·relevance, each min-max normalised over all candidates, with
recency = decay ** (game hours since last access) — the newest memory scores highest (Park et al.'s released code
sorts this the other way round; we follow the paper).
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
