"""A mean with its interval (`Estimate`, 95% by default): `bootstrap_mean` and `t_mean`.

`bootstrap_mean` draws a seeded percentile bootstrap; `t_mean` is Student's t, for a handful of paired replicates.
"""

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


def t_mean(values: list[float], level: float = 0.95) -> Estimate | None:
    """The mean and its Student's t interval at `level`; None for fewer than two values (no spread to go on).

    For the few replicate pairs an experiment has, the percentile bootstrap's interval is too narrow: drawn 2,000
    times from a normal distribution, its 95% interval held the true mean 87% of the time at 6 values and 91% at 12,
    the t interval 95% at both (numpy's normal draws, seed 1).
    """
    from scipy.stats import t  # noqa: PLC0415 - scipy comes with scikit-learn

    data = np.asarray(values, dtype=float)
    if len(data) < 2:
        return None
    mean = float(data.mean())
    half = float(t.ppf(0.5 + level / 2, len(data) - 1) * data.std(ddof=1) / np.sqrt(len(data)))
    return Estimate(mean=mean, low=mean - half, high=mean + half)
