"""The report's sections on what agents did, where their conversations went wrong, and what a persona swap changed."""

from __future__ import annotations

from town.evaluation.behaviour import WHERE, Behaviour
from town.evaluation.bias import SwapDifference
from town.evaluation.dialogue_failures import ENDINGS, DialogueFailures
from town.evaluation.report_text import fmt


def _split(share: dict[str, float] | None) -> str:
    if share is None:
        return "–"
    return " / ".join(f"{100 * share[k]:.0f}%" for k in WHERE)


def behaviour_section(b: Behaviour | None) -> list[str]:
    if b is None or not b.agents:
        return []
    lines = [
        "### What the agents did",
        "",
        f"Actions begun per awake agent-hour: **{fmt(b.actions_per_awake_agent_hour, 2)}**; {b.distinct_activities} "
        f"different activities. How alike the agents' mixes of activities are (mean cosine over pairs of agents; 1: "
        f"everybody does the same things in the same proportions): **{fmt(b.activity_homogenization, 2)}**.",
        "",
        "Where the waking hours went — " + " / ".join(WHERE) + " — against the persona's own routine:",
        "",
        "| agent | awake hours | actions per hour | in the run | in the routine |",
        "|---|---|---|---|---|",
    ]
    for a in b.agents:
        lines.append(
            f"| {a.agent} | {fmt(a.awake_hours, 1)} | {fmt(a.actions_per_awake_hour, 2)} | {_split(a.time_share)} | "
            f"{_split(a.routine_share)} |"
        )
    return [*lines, ""]


def failures_section(f: DialogueFailures | None) -> list[str]:
    if f is None or not f.endings.conversations:
        return []
    lines = [
        "### Where conversations went wrong",
        "",
        "How the conversations ended:",
        "",
        "| ending | conversations | share |",
        "|---|---|---|",
    ]
    for reason in ENDINGS:
        lines.append(f"| {reason} | {f.endings.counts[reason]} | {fmt(f.endings.shares[reason], 2)} |")
    lines += [
        "",
        f"Role confusion: {len(f.confusions)} of {f.lines} lines ({fmt(f.confusion_share, 3)}) have a speaker address "
        "itself by name or speak as its partner.",
    ]
    lines += [f"- {c.speaker} to {c.partner} ({c.kind}): *{c.text}*" for c in f.confusions[:5]]
    lines += [
        "",
        f"Echoing: {f.echo_episodes} episodes of two or more replies in a row that nearly repeat the line before "
        f"(word overlap 0.8 or more), {f.echoed_lines} lines in all.",
    ]
    for episode in f.echo_examples[:3]:
        lines.append(f"- conversation {episode.conversation}: " + " / ".join(f"*{line}*" for line in episode.lines))
    return [*lines, ""]


_MEASURE_NAMES = {
    "positivity_to": "positive lines addressed to the agent (share)",
    "conversations_received": "conversations others started with it",
    "invitations_received": "lines to it mentioning the event",
    "interview_abstentions": "interview questions declined or unanswered",
}


def swap_section(differences: list[SwapDifference]) -> list[str]:
    if not differences:
        return []
    first = differences[0]
    lines = [
        "## Persona swap: what the stated demographics alone change",
        "",
        f"In *{first.condition}* two agents exchanged only their stated demographic attributes; everything else, seeds "
        f"included, is as in *{first.compared_with}*. Each figure is the mean over replicate pairs of the swapped run "
        "minus its baseline run, with a 95% Student's t interval (a few replicate pairs are too few for a bootstrap "
        "interval to hold its level). A difference is marked only when its interval widened "
        "for the number of differences tested together (Bonferroni) leaves out 0: of many 95% intervals, about one in "
        "twenty misses 0 by chance alone.",
        "",
        "| agent | measure | replicates | difference | 95% interval | corrected interval | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    unmeasured = sorted({_MEASURE_NAMES[d.measure] for d in differences if d.replicates == 0})
    single = sorted({_MEASURE_NAMES[d.measure] for d in differences if d.replicates == 1})
    for d in differences:
        if d.difference is None or d.corrected is None:
            continue
        e, c = d.difference, d.corrected
        lines.append(
            f"| {d.agent} | {_MEASURE_NAMES[d.measure]} | {d.replicates} | {e.mean:+.3f} | "
            f"[{e.low:+.3f}, {e.high:+.3f}] | [{c.low:+.3f}, {c.high:+.3f}] | "
            f"{'**differs**' if d.differs else 'no difference seen'} |"
        )
    if unmeasured:
        lines += ["", f"Not measured in these runs: {'; '.join(unmeasured)} (interviews need `town eval --interview`)."]
    if single:
        lines += ["", f"One replicate pair only, no interval: {'; '.join(single)} (run two replicates or more)."]
    return [*lines, ""]
