"""The report's judge sections: the judge's speaker check, its TrueSkill ranking, and the persona tasks it graded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from town.evaluation.judge import ConditionRating
from town.evaluation.persona_tasks import RUBRICS
from town.evaluation.report_text import fmt

if TYPE_CHECKING:
    from town.evaluation.evaluate import RunEvaluation


def judge_section(ranking: list[ConditionRating], evs: list[RunEvaluation]) -> list[str]:
    lines = ["## Exploratory: an LLM judge", ""]
    checks = [(ev, ev.judge_check) for ev in evs if ev.judge_check is not None]
    if checks:
        lines += [
            "First the judge had to say who spoke lines of each run's own talk (the true speaker among up to four, "
            "each described by its persona). Below twice chance its ratings are marked untrustworthy: a judge that "
            "cannot tell the personas apart cannot judge how faithful to them an answer is.",
            "",
            "| run | lines | answered | judge accuracy | chance | needed | stylometric baseline | |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for ev, c in checks:
            mark = "trusted" if c.trusted else "**untrustworthy**"
            lines.append(
                f"| {ev.label} | {c.items} | {c.answered} | {fmt(c.accuracy, 2)} | {fmt(c.chance, 2)} | "
                f"{fmt(c.threshold, 2)} | {fmt(c.stylometric_baseline, 2)} | {mark} |"
            )
        if not all(c.trusted for _, c in checks):
            lines += ["", "**The ratings below come from a judge that failed this check: read them as untrustworthy.**"]
        lines.append("")
    lines.append(
        "One model rated every interview answer for believability (1-7); for each question put to the same agent "
        "in two conditions the higher-rated answer wins, and TrueSkill turns the matches into ratings. One model's "
        "opinion, not a human evaluation (Park et al.: full architecture μ 29.89, no reflection 26.88, "
        "humans 22.95)."
    )
    lines += [
        "",
        "Ratings the judge failed to give are left out (counted as *failed*), and so are questions the agent "
        "could not answer.",
        "",
        "| condition | TrueSkill μ | σ | mean believability | ratings | failed |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.condition} | {r.mu} | {r.sigma} | {fmt(r.mean_believability, 2)} | {r.answers} | {r.failed} |"
        for r in ranking
    ]
    return [*lines, ""]


def persona_tasks_section(evs: list[RunEvaluation]) -> list[str]:
    runs = [ev for ev in evs if ev.persona_scores]
    if not runs:
        return []
    lines = [
        "## Persona tasks (PersonaGym's rubrics, graded by the judge)",
        "",
        "The judge wrote questions for each agent on five rubrics — " + ", ".join(r.name for r in RUBRICS) + " — the "
        "agents answered them in interview mode, and the judge graded each answer from 1 to 5 on its rubric "
        "(docs/evaluation.md). Only as good as the judge: read with its speaker check above.",
        "",
    ]
    for ev in runs:
        trusted = ev.judge_check is None or ev.judge_check.trusted
        lines += [f"**{ev.label}**" + ("" if trusted else " (**the judge failed its check: untrustworthy**)"), ""]
        lines += [
            "| agent | " + " | ".join(r.name for r in RUBRICS) + " | score | graded | not graded |",
            "|---|" + "---|" * (len(RUBRICS) + 3),
        ]
        for s in ev.persona_scores:
            cells = " | ".join(fmt(s.by_rubric.get(r.name), 2) for r in RUBRICS)
            lines.append(f"| {s.agent} | {cells} | {fmt(s.score, 2)} | {s.graded} | {s.ungraded} |")
        if ev.persona_tasks_unwritten:
            lines.append(f"\n{ev.persona_tasks_unwritten} rubric question sets the judge failed to write are left out.")
        lines.append("")
    return lines
