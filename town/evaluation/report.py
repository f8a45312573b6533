"""Writing the report: report.json (every figure), report.md and report.html (tables and plots) — formatting only.

`write_report` takes finished `RunEvaluation`s; several runs are treated as conditions and compared side by side.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from town.evaluation import plots
from town.evaluation.compare import ConditionSummary
from town.evaluation.evaluate import RunEvaluation
from town.evaluation.judge import ConditionRating
from town.evaluation.reference import HumanReference
from town.evaluation.similarity import sim
from town.evaluation.social import Fact


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _name(ev: RunEvaluation) -> str:
    return ev.label


def write_report(
    evs: list[RunEvaluation],
    reference: HumanReference,
    facts: list[Fact],
    out: Path,
    ranking: list[ConditionRating] | None = None,
    conditions: list[ConditionSummary] | None = None,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    figures = [
        plots.radar(evs, out / "radar.png"),
        plots.diffusion_curves(evs, facts, out / "diffusion.png"),
        plots.density_over_time(evs, out / "density.png"),
        plots.attendance_timeline(evs, out / "attendance.png"),
        plots.distributions(evs, reference, out / "distributions.png"),
    ]
    for ev in evs:
        figures.append(plots.social_graph(ev, out / f"graph-{_name(ev)}.png"))
        figures.append(plots.drift_heatmap(ev, out / f"drift-{_name(ev)}.png"))
    payload = {
        "runs": [ev.model_dump(mode="json") for ev in evs],
        "reference": reference.model_dump(mode="json"),
        "facts": [f.model_dump(mode="json") for f in facts],
        "judge": [r.model_dump(mode="json") for r in ranking] if ranking else None,
        "conditions": [c.model_dump(mode="json") for c in conditions] if conditions else None,
    }
    (out / "report.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = _markdown(evs, reference, figures, ranking, conditions)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(_html(markdown, figures), encoding="utf-8")
    return [out / "report.json", out / "report.md", out / "report.html", *figures]


def _markdown(
    evs: list[RunEvaluation],
    reference: HumanReference,
    figures: list[Path],
    ranking: list[ConditionRating] | None,
    conditions: list[ConditionSummary] | None = None,
) -> str:
    lines = ["# Town evaluation", ""]
    if conditions:
        lines += _conditions_table(conditions)
    lines.append(
        f"Human reference: {reference.corpus} ({reference.utterances:,} utterances, {reference.speakers:,} speakers; "
        f"embedder {reference.embedder}). Sim = 1 − |m − m_ref| / m_ref; the noise band is the Sim between two "
        "speaker-disjoint human halves — the most a corpus can be expected to reach."
    )
    lines.append("")
    for ev in evs:
        lines += [f"## {_name(ev)}", ""]
        lines.append(
            f"{len(ev.agents)} agents, {ev.game_hours} game hours, {ev.utterances} utterances. Log: `{ev.run}`."
        )
        lines += [f"\n**Warning:** {w}." for w in ev.warnings]
        lines += [
            "",
            "| dimension | metric | value | human | Sim | noise band | offset | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in ev.rows:
            lines.append(
                f"| {r.dimension} | {r.metric} | {_fmt(r.value)} | {_fmt(r.reference)} | {_fmt(r.sim, 2)} | "
                f"{_fmt(r.noise_sim, 2)} | {_fmt(r.offset)} | {r.note} |"
            )
        lines.append(f"| emotions | NRC distribution | | | {_fmt(ev.emotions_sim, 2)} | | | 1 − JSD/ln 2 |")
        chance = ev.speaker_id.chance
        lines.append(
            _row(
                "speaker identification",
                f"accuracy ({ev.speaker_id.speakers} speakers, chance {_fmt(chance, 2)})",
                _fmt(ev.speaker_id.accuracy),
                _fmt(ev.speaker_id_human),
                _fmt(_sim(ev.speaker_id.accuracy, ev.speaker_id_human), 2),
                "",
                "",
                "human figure measured live at the same size",
            )
        )
        mrr = ", ".join(f"pool {k}: {v:.3f}" for k, v in sorted(ev.adherence_mrr.items())) or "–"
        lines.append(
            _row(
                "persona adherence", "MRR (persona → own utterances)", mrr, "–", "–", "", "", "no human persona corpus"
            )
        )
        lines.append(
            f"| persona drift | slope of persona similarity per turn | {_fmt(ev.drift.slope_per_turn, 4)} | | | | | "
            "negative = drifting away |"
        )
        lines.append(
            _row("echoing", "share closer to the partner's last line than to own persona", _fmt(ev.echo.echo_share))
        )
        lines += ["", "### Social outcomes", ""]
        lines += [
            "| fact | origin | knew at start | knew at end | learned (verified) | claims | unsourced claims |",
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
        lines.append("")
        lines.append(
            f"Relationship network: density {net.density_start:.3f} at the start → {net.density_end:.3f} at the end "
            f"({len(net.edges_start)} → {len(net.edges_end)} mutual edges among {len(net.agents)} agents; Park et al.: "
            "0.167 → 0.74 over two days)."
        )
        for a in ev.attendance:
            where = "" if a.in_run else " — the event lies outside the logged time"
            lines.append(
                f"Attendance, {a.fact} at {a.place} {a.window[0]}–{a.window[1]}: {len(a.invited)} heard of it "
                f"before it began, {len(a.came)} came, {len(a.invited_and_came)} of the invited came "
                f"(Park et al.: 5 of 12){where}."
            )
        share = ev.intentions.share
        lines.append(
            f"Intentions: {ev.intentions.realised} of {ev.intentions.planned_steps} planned steps found the agent at "
            f"the planned place halfway through ({_fmt(share, 2)})."
        )
        if ev.interviews:
            lines += ["", "### Interviews (Park et al.'s 25 questions, interview mode)", ""]
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
        lines.append("")
    if len(evs) > 1:
        lines += ["## Conditions compared (95% bootstrap intervals over utterances)", ""]
        names = [_name(ev) for ev in evs]
        lines += ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for metric in ("short_reply", "question", "politeness", "positivity"):
            cells = []
            for ev in evs:
                lo, hi = ev.share_intervals.get(metric, (None, None))
                cells.append(f"{_fmt(ev.metrics.values.get(metric))} [{_fmt(lo)}, {_fmt(hi)}]")
            lines.append(f"| {metric} | " + " | ".join(cells) + " |")
        lines.append("")
    if ranking:
        lines += ["## Exploratory: an LLM judge", ""]
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
            f"| {r.condition} | {r.mu} | {r.sigma} | {_fmt(r.mean_believability, 2)} | {r.answers} | {r.failed} |"
            for r in ranking
        ]
        lines.append("")
    lines += ["## Proxies and caveats", ""] + [f"- {n}" for n in evs[0].notes] + [""]
    lines += ["## Figures", ""] + [f"![{f.stem}]({f.name})" for f in figures] + [""]
    return "\n".join(lines)


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


def _sim(value: float | None, reference: float | None) -> float | None:
    return None if value is None or reference is None else sim(value, reference)


def _html(markdown: str, figures: list[Path]) -> str:
    """The markdown as a self-contained page: headings, paragraphs, tables and the figures."""
    body: list[str] = []
    table: list[list[str]] = []

    def flush_table() -> None:
        if table:
            head, *rows = table
            body.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>")
            body.extend("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            body.append("</table>")
            table.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                table.append(cells)
            continue
        flush_table()
        if line.startswith("!["):
            continue
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.startswith("- "):
            body.append(f"<p>• {html.escape(line[2:])}</p>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    flush_table()
    body += [f'<figure><img src="{f.name}" alt="{f.stem}"><figcaption>{f.stem}</figcaption></figure>' for f in figures]
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px}"
        "th{background:#f3f3f3}img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}"
    )
    head = f"<head><meta charset='utf-8'><title>Town evaluation</title><style>{style}</style></head>"
    return f"<!doctype html><html>{head}<body>{''.join(body)}</body></html>\n"
