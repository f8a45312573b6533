"""The evaluation at the end of an experiment: every run evaluated, the conditions compared in one report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from town.evaluation.compare import compare_conditions
from town.evaluation.evaluate import evaluate_run
from town.evaluation.reference import load_reference
from town.evaluation.report import write_report
from town.evaluation.social import Fact, load_facts
from town.runtime.builders import build_embedder
from town.runtime.config import ASSETS, RunConfig


def evaluate_experiment(rows: list[dict[str, Any]], seeded: list[dict[str, Any]], out: Path, embedder: str) -> Path:
    """report/ beside the runs: the town's own facts plus the experiment's seeded facts, each run labelled."""
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
    files = write_report(evaluations, reference, facts, out / "report", conditions=compare_conditions(groups))
    return files[2]
