"""The evaluation at the end of an experiment: every run evaluated, the conditions compared in one report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from town.evaluation.bias import swap_differences
from town.evaluation.compare import compare_conditions
from town.evaluation.evaluate import evaluate_run
from town.evaluation.reference import load_reference
from town.evaluation.report import write_report
from town.evaluation.social import Fact, load_facts
from town.runtime.builders import build_embedder
from town.runtime.config import ASSETS, RunConfig


def evaluate_experiment(
    rows: list[dict[str, Any]],
    seeded: list[dict[str, Any]],
    out: Path,
    embedder: str,
    swaps: dict[str, tuple[str, list[str]]] | None = None,
) -> Path:
    """report/ beside the runs: the town's own facts plus the experiment's seeded facts, each run labelled.

    `swaps` names the persona-swap conditions: condition -> (the condition it is compared with, the swapped agents).
    """
    facts = load_facts(ASSETS / "eval" / "willowbrook_facts.yaml")
    known = {f.name for f in facts}
    facts += [Fact.model_validate(f) for f in seeded if f["name"] not in known]
    reference = load_reference()
    chosen = build_embedder(RunConfig(embedder=embedder))  # type: ignore[arg-type]
    evaluations = [
        evaluate_run(
            row["out"],
            embedder=chosen,
            facts=facts,
            reference=reference,
            label=f"{row['condition']}-rep{row['replicate']}",
        )
        for row in rows
    ]
    groups: dict[str, list[Any]] = {}
    for row, evaluation in zip(rows, evaluations, strict=True):
        groups.setdefault(row["condition"], []).append(evaluation)
    differences = [
        d
        for condition, (baseline, agents) in (swaps or {}).items()
        for d in swap_differences(
            condition,
            baseline,
            agents,
            [ev.reception for ev in groups.get(condition, [])],
            [ev.reception for ev in groups.get(baseline, [])],
        )
    ]
    files = write_report(
        evaluations, reference, facts, out / "report", conditions=compare_conditions(groups), swaps=differences
    )
    return files[2]
