"""Comparing a statistic with its human reference (pure): Eval4Sim's `sim`, `distribution_sim`, and `SimRow`.

`mean_pairwise_cosine` says how alike a set of vectors is (agents' activity mixes, personas' summaries).

Sim = 1 - |m - m_ref| / m_ref, clipped to [0, 1]: a deviation in either direction counts (too consistent is as unhuman
as too random). Distributions compare by 1 - JSD / ln 2.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel


class SimRow(BaseModel):
    dimension: str
    metric: str
    value: float | None
    reference: float | None
    sim: float | None
    noise_sim: float | None = None  # the human split-half Sim: the ceiling a human corpus reaches against itself
    note: str = ""

    @property
    def offset(self) -> float | None:
        """Signed distance from the reference (value - reference): the direction of the deviation."""
        return None if self.value is None or self.reference is None else self.value - self.reference


def sim(value: float, reference: float) -> float:
    if reference == 0:
        return 1.0 if value == 0 else 0.0
    return float(min(1.0, max(0.0, 1.0 - abs(value - reference) / abs(reference))))


def sim_or_none(value: float | None, reference: float | None) -> float | None:
    """`sim` where both figures exist, else None (nothing to compare)."""
    return None if value is None or reference is None else sim(value, reference)


def distribution_sim(p: dict[str, float], q: dict[str, float]) -> float:
    keys = sorted(set(p) | set(q))
    a = np.array([p.get(k, 0.0) for k in keys], dtype=float)
    b = np.array([q.get(k, 0.0) for k in keys], dtype=float)
    if a.sum() == 0 or b.sum() == 0:
        return 0.0
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray, y: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log(x[mask] / y[mask])))

    jsd = (kl(a, m) + kl(b, m)) / 2
    return float(max(0.0, 1.0 - jsd / math.log(2)))


def mean_pairwise_cosine(vectors: np.ndarray) -> float | None:
    """The mean cosine similarity over all pairs of rows (1: all alike); None for fewer than two rows."""
    n = len(vectors)
    if n < 2:
        return None
    unit = np.asarray(vectors, dtype=float)
    unit = unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    sims = unit @ unit.T
    return round(float((sims.sum() - np.trace(sims)) / (n * (n - 1))), 4)
