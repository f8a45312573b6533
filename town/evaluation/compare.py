"""Conditions compared across replicates (pure): `ConditionSummary` and `compare_conditions`.

An experiment's replicates of one condition are pooled: each outcome is reported as the mean over replicates with a
95% percentile-bootstrap interval over those replicates (honest about how few there are: the interval is only as good
as the replicate count, which is printed beside it).
"""

from __future__ import annotations

from pydantic import BaseModel

from town.evaluation.bootstrap import Estimate, bootstrap_mean
from town.evaluation.evaluate import RunEvaluation


class ConditionSummary(BaseModel):
    condition: str
    replicates: int
    outcomes: dict[str, Estimate]


def outcomes_of(ev: RunEvaluation) -> dict[str, float]:
    """The per-run outcomes compared across conditions."""
    values: dict[str, float] = {f"knew {d.fact} (share)": d.share_end for d in ev.diffusion}
    values.update({f"unsourced claims: {d.fact}": float(d.unsourced_claims) for d in ev.diffusion})
    values["network density at end"] = ev.network.density_end
    for a in ev.attendance:
        values[f"came to {a.fact}"] = float(len(a.came))
    if ev.intentions.share is not None:
        values["planned steps realised"] = ev.intentions.share
    for row in ev.rows:
        if row.value is not None and row.metric in ("positivity", "distinct_2", "consistency_auc"):
            values[row.metric] = row.value
    if ev.behaviour is not None and ev.behaviour.actions_per_awake_agent_hour is not None:
        values["actions per awake agent-hour"] = ev.behaviour.actions_per_awake_agent_hour
        if ev.behaviour.activity_homogenization is not None:
            values["sameness of what agents do"] = ev.behaviour.activity_homogenization
    if ev.failures is not None and ev.failures.confusion_share is not None:
        values["lines with role confusion (share)"] = ev.failures.confusion_share
        values["echo episodes"] = float(ev.failures.echo_episodes)
    if ev.surveys is not None:
        for item in ev.surveys.stated_acted:
            if item.auc is not None:
                values[f"stated vs acted AUC: {item.question}"] = item.auc
        for retest in ev.surveys.retests:
            if retest.exact is not None:
                values[f"same answer again: {retest.question}"] = retest.exact
    return values


def compare_conditions(groups: dict[str, list[RunEvaluation]], seed: int = 0) -> list[ConditionSummary]:
    summaries = []
    for condition, evaluations in groups.items():
        per_run = [outcomes_of(ev) for ev in evaluations]
        keys = [k for k in per_run[0] if all(k in run for run in per_run)]
        summaries.append(
            ConditionSummary(
                condition=condition,
                replicates=len(evaluations),
                outcomes={k: bootstrap_mean([run[k] for run in per_run], seed) for k in keys},
            )
        )
    return summaries
