"""`bootstrap_mean`: a mean with its percentile-bootstrap interval (`Estimate`, 95% by default), seeded."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

BOOTSTRAP_REPS = 2000


class Estimate(BaseModel):
    """A mean with its 95% bootstrap interval."""

    mean: float
    low: float
    high: float


def bootstrap_mean(values: list[float], seed: int = 0, level: float = 0.95) -> Estimate:
    """The mean and its percentile-bootstrap interval at `level` (0.95 by default)."""
    data = np.asarray(values, dtype=float)
    if len(data) == 1:
        return Estimate(mean=float(data[0]), low=float(data[0]), high=float(data[0]))
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(BOOTSTRAP_REPS, len(data)))].mean(axis=1)
    return Estimate(
        mean=float(data.mean()),
        low=float(np.percentile(means, 50 * (1 - level))),
        high=float(np.percentile(means, 100 - 50 * (1 - level))),
    )
