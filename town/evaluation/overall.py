"""One overall score in Eval4Sim's manner (pure): the mean of the dimensions' Sims, each dimension shown.

Eval4Sim's overall is the mean of its dimension scores. Here each dimension is the mean Sim of its rows (style: short
replies, questions, politeness, positivity, length; language diversity: distinct-1/2; persona consistency; coherence;
between-agent diversity; speaker identification; emotions). Two rules keep it honest:

- A metric that cannot tell the run's talk from the same lines shuffled (see `nulls`) scores 0 in the overall: a
  human-like value that shuffled talk reaches as well is no evidence of human-like talk.
- A dimension that could not be measured is left out and named, never counted as 0 or 1.

The same mean over the human corpus's split-half Sims is the ceiling: what human talk scores against itself.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from town.evaluation.nulls import NullResult
from town.evaluation.similarity import SimRow

# Which null guards which row (the metric names of `nulls` against those of the compared rows).
GUARDED_BY = {
    "consistency_auc": "consistency_auc",
    "consistency_score": "consistency_auc",
    "consecutive_similarity": "consecutive_similarity",
}


class OverallScore(BaseModel):
    score: float | None
    ceiling: float | None  # the same mean over the human split-half Sims
    components: dict[str, float]  # dimension -> its Sim in the overall
    zeroed: list[str]  # metrics set to 0 for failing their shuffled null
    missing: list[str]  # dimensions that could not be measured


def overall_score(
    rows: list[SimRow],
    emotions: tuple[float | None, float | None],
    speaker: tuple[float | None, float | None],
    nulls: list[NullResult],
    naturalness: float | None = None,
) -> OverallScore:
    """`emotions` and `speaker`: (Sim, noise Sim) of the emotion distribution and of speaker identification.

    `naturalness`: the Sim of the dialogue-NLI naturalness to people's, when an NLI backend was given (else the
    dimension is missing).
    """
    failed = {n.metric for n in nulls if n.better_than_null is False}
    dims: dict[str, list[float]] = {}
    ceilings: dict[str, list[float]] = {}
    missing: list[str] = []
    zeroed: list[str] = []
    for row in rows:
        dims.setdefault(row.dimension, [])
        ceilings.setdefault(row.dimension, [])
        if row.sim is None:
            continue
        value = row.sim
        if GUARDED_BY.get(row.metric) in failed:
            value = 0.0
            zeroed.append(row.metric)
        dims[row.dimension].append(value)
        if row.noise_sim is not None:
            ceilings[row.dimension].append(row.noise_sim)
    speaker_sim = speaker[0]
    if speaker_sim is not None and "speaker_id_accuracy" in failed:
        speaker_sim = 0.0
        zeroed.append("speaker_id_accuracy")
    named = (
        ("emotions", emotions[0], emotions[1]),
        ("speaker identification", speaker_sim, speaker[1]),
        ("naturalness (NLI)", naturalness, None),
    )
    for name, value, noise in named:
        dims[name] = [value] if value is not None else []
        ceilings[name] = [noise] if noise is not None else []
    components = {}
    for name, values in dims.items():
        if values:
            components[name] = float(np.mean(values))
        else:
            missing.append(name)
    ceiling_parts = [float(np.mean(ceilings[name])) for name in components if ceilings.get(name)]
    return OverallScore(
        score=float(np.mean(list(components.values()))) if components else None,
        ceiling=float(np.mean(ceiling_parts)) if ceiling_parts else None,
        components=components,
        zeroed=zeroed,
        missing=missing,
    )
