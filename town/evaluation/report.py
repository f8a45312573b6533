"""Writing the report: report.json (every figure), report.md and report.html (tables and plots) — formatting only.

`write_report` takes finished `RunEvaluation`s; several runs are treated as conditions and compared side by side.
"""

from __future__ import annotations

import json
from pathlib import Path

from town.evaluation import plots
from town.evaluation.bias import SwapDifference
from town.evaluation.compare import ConditionSummary
from town.evaluation.evaluate import RunEvaluation
from town.evaluation.judge import ConditionRating
from town.evaluation.reference import HumanReference
from town.evaluation.report_behaviour import behaviour_section, failures_section, swap_section
from town.evaluation.report_html import page
from town.evaluation.report_judge import judge_section, persona_tasks_section
from town.evaluation.report_surveys import survey_section
from town.evaluation.report_text import NULL_NAMES, fmt, metric_meaning, metric_name, summary
from town.evaluation.similarity import sim_or_none
from town.evaluation.social import Fact


def _name(ev: RunEvaluation) -> str:
    return ev.label


# The definitions, beside this source tree (a checkout); an installed wheel has no docs folder.
DOCS = Path(__file__).resolve().parents[2] / "docs" / "evaluation.md"
FIGURE_TITLES = {
    "radar": "How human-like the talk is, metric by metric",
    "diffusion": "How news spread",
    "density": "How connected the town became",
    "attendance": "Who was at the event",
    "distributions": "Style and emotions against people's",
    "graph": "Who knows whom, at the start and at the end",
    "drift": "Whether agents stay in character over a conversation",
}


def write_report(
    evs: list[RunEvaluation],
    reference: HumanReference,
    facts: list[Fact],
    out: Path,
    ranking: list[ConditionRating] | None = None,
    conditions: list[ConditionSummary] | None = None,
    swaps: list[SwapDifference] | None = None,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    drawn: list[tuple[str, Path | None]] = [
        ("radar", plots.radar(evs, out / "radar.png")),
        ("diffusion", plots.diffusion_curves(evs, facts, out / "diffusion.png")),
        ("density", plots.density_over_time(evs, out / "density.png")),
        ("attendance", plots.attendance_timeline(evs, out / "attendance.png")),
        ("distributions", plots.distributions(evs, reference, out / "distributions.png")),
    ]
    for ev in evs:
        drawn.append(("graph", plots.social_graph(ev, out / f"graph-{_name(ev)}.png")))
        drawn.append(("drift", plots.drift_heatmap(ev, out / f"drift-{_name(ev)}.png")))
    figures = [(kind, path) for kind, path in drawn if path is not None]
    left_out = sorted({kind for kind, path in drawn if path is None})
    payload = {
        "runs": [ev.model_dump(mode="json") for ev in evs],
        "reference": reference.model_dump(mode="json"),
        "facts": [f.model_dump(mode="json") for f in facts],
        "judge": [r.model_dump(mode="json") for r in ranking] if ranking else None,
        "conditions": [c.model_dump(mode="json") for c in conditions] if conditions else None,
        "persona_swaps": [d.model_dump(mode="json") for d in swaps] if swaps else None,
    }
    (out / "report.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = _markdown(evs, reference, figures, left_out, ranking, conditions, swaps or [])
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(page(markdown), encoding="utf-8")
    return [out / "report.json", out / "report.md", out / "report.html", *(path for _, path in figures)]


def _markdown(
    evs: list[RunEvaluation],
    reference: HumanReference,
    figures: list[tuple[str, Path]],
    left_out: list[str],
    ranking: list[ConditionRating] | None,
    conditions: list[ConditionSummary] | None = None,
    swaps: list[SwapDifference] | tuple[()] = (),
) -> str:
    lines = ["# Town evaluation", ""]
    where = f"[docs/evaluation.md]({DOCS.as_uri()})" if DOCS.is_file() else "docs/evaluation.md in the town's source"
    lines += [
        "What the agents said and did, measured the way the generative-agents literature measures people and "
        f"simulations. Every definition: {where}.",
        "",
    ]
    if conditions:
        lines += _conditions_table(conditions)
    lines += swap_section(list(swaps))
    for ev in evs:
        lines += _run_section(ev, reference)
    if len(evs) > 1:
        lines += ["## Conditions compared (95% bootstrap intervals over lines)", ""]
        names = [_name(ev) for ev in evs]
        lines += ["| measure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for metric in ("short_reply", "question", "politeness", "positivity"):
            cells = []
            for ev in evs:
                lo, hi = ev.share_intervals.get(metric, (None, None))
                cells.append(f"{fmt(ev.metrics.values.get(metric))} [{fmt(lo)}, {fmt(hi)}]")
            lines.append(f"| {metric_name(metric)} | " + " | ".join(cells) + " |")
        lines += ["| overall score | " + " | ".join(fmt(ev.overall.score, 2) for ev in evs) + " |", ""]
    if ranking:
        lines += judge_section(ranking, evs) + persona_tasks_section(evs)
    lines += ["## Proxies and caveats", ""] + [f"- {n}" for n in evs[0].notes] + [""]
    lines += ["## Figures", ""]
    for kind, path in figures:
        lines += [f"![{FIGURE_TITLES[kind]}]({path.name})", ""]
    if left_out:
        lines.append(
            "Not drawn, for want of anything to show: "
            + ", ".join(FIGURE_TITLES[k].lower() for k in left_out)
            + " (no lines, no event inside the logged time, or a single agent)."
        )
        lines.append("")
    return "\n".join(lines)


def _run_section(ev: RunEvaluation, reference: HumanReference) -> list[str]:
    lines = [f"## {_name(ev)}", "", summary(ev), ""]
    lines += [f"**Warning:** {w}." for w in ev.warnings]
    if ev.warnings:
        lines.append("")
    lines += [
        f"Log: {ev.run} ({len(ev.agents)} agents, {ev.game_hours} game hours, {ev.utterances} lines).",
        "",
        "### How the talk compares with people's",
        "",
        f"Each figure is measured in the same way on {reference.utterances:,} lines of human chat "
        f"({reference.corpus}). Sim says how close the run comes to people, from 0 to 1 (1: the same; too much is "
        "as unhuman as too little); the last column is what two halves of the human chat reach against each other, "
        "the most to expect.",
        "",
        "| measure | what it measures | this run | people | Sim | people vs people |",
        "|---|---|---|---|---|---|",
    ]
    for r in ev.rows:
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {metric_name(r.metric)} | {metric_meaning(r.metric)}{note} | {fmt(r.value)} | {fmt(r.reference)} | "
            f"{fmt(r.sim, 2)} | {fmt(r.noise_sim, 2)} |"
        )
    lines.append(
        "| Emotions | mix of emotion words (NRC lists), compared as distributions | | | "
        f"{fmt(ev.emotions_sim, 2)} | {fmt(reference.emotions_noise_sim, 2)} |"
    )
    chance = ev.speaker_id.chance
    lines.append(
        f"| Who is speaking | can a classifier name the speaker of a line ({ev.speaker_id.speakers} speakers, "
        f"chance {fmt(chance, 2)}); people measured at the same size | {fmt(ev.speaker_id.accuracy)} | "
        f"{fmt(ev.speaker_id_human)} | {fmt(sim_or_none(ev.speaker_id.accuracy, ev.speaker_id_human), 2)} | |"
    )
    lines += _naturalness_rows(ev)
    lines += ["", "### Can the measures see these agents at all?", ""]
    lines += [
        "The same lines, dealt at random to other speakers and conversations, are measured again. A measure that "
        "scores the shuffled lines as well as the real ones cannot tell this run's talk from shuffled talk.",
        "",
        "| measure | this run | shuffled lines: mean (highest) | verdict |",
        "|---|---|---|---|",
    ]
    for n in ev.nulls:
        verdict = {True: "tells them apart", False: "cannot tell this run's talk from shuffled talk"}.get(
            n.better_than_null, "not measurable (too few lines or speakers)"
        )
        lines.append(
            f"| {NULL_NAMES[n.metric]} | {fmt(n.value)} | {fmt(n.null_mean)} ({fmt(n.null_high)}) | {verdict} |"
        )
    t = ev.template
    flag = "yes" if t.template_like else "no"
    lines += [
        "",
        f"Template-like talk: {flag} ({fmt(t.repeat_share, 2)} of lines repeat an earlier one word for word; "
        f"distinct word pairs at {fmt(t.distinct_2_ratio, 2)} of people's).",
        "",
        "### Overall score",
        "",
        _overall_line(ev),
        "",
        "### Persona measures without a human figure",
        "",
    ]
    mrr = ", ".join(
        f"{pool} distractors {value:.3f} (chance {ev.adherence_chance.get(pool, 0):.3f})"
        for pool, value in sorted(ev.adherence_mrr.items())
    )
    lines.append(
        "- Lines fit the speaker's persona (adherence: the persona text as a query, the speaker's own lines ranked "
        f"among other speakers'; mean reciprocal rank, higher is better): {mrr or '–'}. No persona-annotated human "
        "chat installs offline, so only the chance line compares."
    )
    lines.append(
        f"- Staying in character: similarity of lines to the own persona changes by {fmt(ev.drift.slope_per_turn, 4)} "
        "per turn (below 0: drifting away)."
    )
    lines.append(
        f"- Echoing: {fmt(ev.echo.echo_share)} of lines are closer to the partner's last line than to the speaker's "
        "own persona."
    )
    lines += ["", *_social_section(ev), ""]
    lines += behaviour_section(ev.behaviour) + failures_section(ev.failures) + survey_section(ev.surveys)
    if ev.interviews:
        lines += _interview_section(ev)
    return lines


def _naturalness_rows(ev: RunEvaluation) -> list[str]:
    n, human = ev.naturalness, ev.naturalness_human
    if n is None:
        return []
    people = human.dialogue_naturalness if human else None
    rows = [
        f"| Natural dialogue | dialogue NLI ({n.backend}): replies that do not contradict what they answer, and "
        f"lines that do not contradict the speaker's own last five | {fmt(n.dialogue_naturalness)} | {fmt(people)} | "
        f"{fmt(sim_or_none(n.dialogue_naturalness, people), 2)} | |",
        f"| Contradicting the persona | share of checked lines that contradict a sentence of the speaker's persona "
        f"(people have no persona texts) | {fmt(n.persona_contradictions)} | | | |",
    ]
    if n.naturalness is not None:
        rows.append(
            f"| Naturalness (Eval4Sim) | 0.6 coherence + 0.2 (1 − persona contradictions) + 0.2 (1 − self "
            f"contradictions); Eval4Sim's human corpus ≈ 0.867 | {fmt(n.naturalness)} | | | |"
        )
    if n.unlabelled:
        rows.append(f"| | {n.unlabelled} of {n.pairs} pairs got no label and were left out | | | | |")
    return rows


def _overall_line(ev: RunEvaluation) -> str:
    o = ev.overall
    if o.score is None:
        return "Nothing to score: the run has no lines."
    parts = ", ".join(f"{name} {value:.2f}" for name, value in o.components.items())
    text = f"{o.score:.2f} of 1 (people against people: {fmt(o.ceiling, 2)}), the mean of: {parts}."
    if o.zeroed:
        text += (
            " Scored 0 for not beating shuffled lines: "
            + ", ".join(NULL_NAMES.get(m, metric_name(m)) for m in o.zeroed)
            + "."
        )
    if o.missing:
        text += " Not measured, left out: " + ", ".join(o.missing) + "."
    return text


def _social_section(ev: RunEvaluation) -> list[str]:
    lines = ["### What happened in town (as Park et al. measured it)", ""]
    lines += [
        "| news | started with | knew at the start | knew at the end | heard it from someone | mentions | "
        "mentions by someone who had not heard it |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in ev.diffusion:
        origin = d.origin if d.origin_present else f"{d.origin} (not in this run)"
        lines.append(
            _row(
                d.fact,
                origin,
                f"{d.share_start:.0%}",
                f"{d.share_end:.0%}",
                str(len(d.learned)),
                str(d.claims),
                str(d.unsourced_claims),
                width=7,
            )
        )
    net = ev.network
    lines += [
        "",
        f"Who knows whom (both ways): {len(net.edges_start)} pairs at the start, {len(net.edges_end)} at the end, "
        f"among {len(net.agents)} agents — a density of {net.density_start:.3f} → {net.density_end:.3f} "
        "(Park et al., after two game days: 0.167 → 0.74).",
    ]
    for a in ev.attendance:
        where = "" if a.in_run else " The event lies outside the logged time."
        lines.append(
            f"The {a.fact} at {a.place}, {a.window[0]}–{a.window[1]}: {len(a.invited)} had heard of it before it "
            f"began, {len(a.came)} came, {len(a.invited_and_came)} of the invited came (Park et al.: 5 of 12).{where}"
        )
    share = ev.intentions.share
    lines.append(
        f"Plans kept: {ev.intentions.realised} of {ev.intentions.planned_steps} planned steps found the agent at the "
        f"planned place halfway through ({fmt(share, 2)})."
    )
    return lines


def _interview_section(ev: RunEvaluation) -> list[str]:
    lines = ["### Interviews (Park et al.'s 25 questions, interview mode)", ""]
    unanswered = sum(a.fallback for a in ev.interviews)
    if unanswered:
        lines += [
            f"{unanswered} of {len(ev.interviews)} questions got no answer (the model's call failed; "
            "marked *no answer* and left out of every rating).",
            "",
        ]
    for answer in ev.interviews[:25]:
        said = "*no answer (the call failed)*" if answer.fallback else answer.answer
        lines.append(f"- **{answer.agent}**, {answer.category}: *{answer.question}* — {said}")
    if len(ev.interviews) > 25:
        lines.append(f"- … {len(ev.interviews) - 25} more answers in report.json")
    return [*lines, ""]


def _conditions_table(conditions: list[ConditionSummary]) -> list[str]:
    names = [f"{c.condition} (n={c.replicates})" for c in conditions]
    lines = ["## Conditions (mean over replicates, 95% bootstrap interval over replicates)", ""]
    lines += ["| outcome | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in conditions[0].outcomes:
        cells = []
        for c in conditions:
            o = c.outcomes.get(key)
            cells.append("–" if o is None else f"{o.mean:.3f} [{o.low:.3f}, {o.high:.3f}]")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _row(*cells: str, width: int = 8) -> str:
    """A markdown table row of `width` cells (the missing ones empty)."""
    padded = list(cells) + [""] * (width - len(cells))
    return "| " + " | ".join(padded) + " |"
