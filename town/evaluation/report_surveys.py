"""The report's survey section: what agents said against what they then did, and against what they said before."""

from __future__ import annotations

from town.evaluation.report_text import fmt
from town.evaluation.surveys import SurveyMeasures


def survey_section(surveys: SurveyMeasures | None) -> list[str]:
    if surveys is None or not surveys.answers:
        return []
    lines = ["### Surveys: what agents said against what they did", ""]
    lines.append(
        f"{surveys.answers} answers; {surveys.fallbacks} got no valid answer and are left out of every figure below."
    )
    if surveys.stated_acted:
        lines += [
            "",
            "**Stated against acted.** Each item that declares the outcome it predicts, joined to the log: AUC is the "
            "chance that an agent who then did it (came to the event; already knew the fact) had answered higher than "
            "one who did not (0.5 is no better than chance; the shuffled AUC is the same with the answers shuffled "
            "among the agents), Spearman's rank correlation of answer and outcome, and Cohen's kappa for yes/no "
            "answers. A dash: everybody, or nobody, did it, or the answers did not vary.",
            "",
            "| item | predicts | agents | came / knew | AUC | shuffled AUC | Spearman | kappa |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in surveys.stated_acted:
            outcome = f"{'attends' if s.predicts == 'attends' else 'knows'} {s.fact}"
            lines.append(
                f"| {s.survey}: {s.question} | {outcome} | {len(s.agents)} | {sum(s.acted)} | {fmt(s.auc, 2)} | "
                f"{fmt(s.shuffled_auc, 2)} | {fmt(s.spearman, 2)} | {fmt(s.kappa, 2)} |"
            )
        lines.append("")
        for s in surveys.stated_acted:
            did = "came" if s.predicts == "attends" else "knew"
            agents = "; ".join(
                f"{agent} said {said} ({did if acted else 'did not'})"
                for agent, said, acted in zip(s.agents, s.said, s.acted, strict=True)
            )
            lines.append(f"- {s.question}, agent by agent: {agents}.")
    if surveys.retests:
        lines += [
            "",
            "**Asked again.** Items that repeat an earlier one, agent by agent: the share answering exactly the same, "
            "within one step (likert and numbers), and Cohen's kappa (a dash: everyone gave one and the same answer "
            "both times, so agreement beyond chance is undefined).",
            "",
            "| item | repeats | pairs | exact | within ±1 | kappa |",
            "|---|---|---|---|---|---|",
        ]
        for r in surveys.retests:
            lines.append(
                f"| {r.question} | {r.retest_of} | {r.pairs} | {fmt(r.exact, 2)} | {fmt(r.within_one, 2)} | "
                f"{fmt(r.kappa, 2)} |"
            )
    lines += [
        "",
        "**How varied the answers are.** Distinct answers and their entropy per item; *homogeneous* marks an item "
        "everybody answered the same way (a population of copies, or a question the model answers by rote).",
        "",
        "| item | answers | distinct | entropy (bits) | flag |",
        "|---|---|---|---|---|",
    ]
    for s in surveys.spreads:
        flag = "**homogeneous**" if s.homogeneous else ""
        lines.append(f"| {s.survey}: {s.question} | {s.answers} | {s.distinct} | {fmt(s.entropy_bits, 2)} | {flag} |")
    if surveys.human:
        lines += [
            "",
            "**Against people's answers** (`--human-survey`): the Wasserstein distance between the agents' and the "
            "people's answers per item, in the item's own units (0: the same spread of answers).",
            "",
            "| item | agents' answers | people's answers | Wasserstein |",
            "|---|---|---|---|",
        ]
        for h in surveys.human:
            lines.append(f"| {h.question} | {h.simulated} | {h.human} | {fmt(h.wasserstein, 2)} |")
    return [*lines, ""]
