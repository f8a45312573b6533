"""The report's words (pure): a plain-language line per metric, and the summary paragraph a run's section opens with.

Written for someone who has not read docs/evaluation.md: each metric says what it measures and which way is
human-like; the summary says in a few sentences how human-like the talk is, whether the measures can see the agents
at all, and what happened socially, each beside the figure from Park et al. where there is one.
"""

from __future__ import annotations

from town.evaluation.evaluate import RunEvaluation


def fmt(value: float | None, digits: int = 3) -> str:
    """A figure as the report prints it; a dash where there is none."""
    return "–" if value is None else f"{value:.{digits}f}"


# metric -> (name, what it measures and which way is human-like)
METRICS: dict[str, tuple[str, str]] = {
    "short_reply": ("Short replies", "share of lines of three words or fewer; language models rarely give them"),
    "question": ("Questions", "share of lines that ask something"),
    "politeness": ("Politeness", "share of lines with please, thank you, sorry and the like; models overdo it"),
    "positivity": ("Positive tone", "share of lines a sentiment lexicon (VADER) reads as positive; models overdo it"),
    "mean_words": ("Words per line", "average length of a line"),
    "distinct_1": ("Distinct words", "share of words not used before, per 100 lines; low = repetitive"),
    "distinct_2": (
        "Distinct word pairs",
        "share of two-word sequences not used before, per 100 lines; low = templates",
    ),
    "consistency_auc": (
        "Own voice",
        "can a speaker's lines be told apart from others' by style (0.5 = not at all, 1 = always)?",
    ),
    "consistency_score": (
        "Own voice, PAN score",
        "the same verification scored as PAN does: mean of AUC, c@1, F0.5u, F1 and 1 − Brier",
    ),
    "consecutive_similarity": (
        "Replies relate",
        "how much a line resembles the one it answers (embedding cosine); too high is parroting",
    ),
    "homogenization": ("Agents alike", "how similar the agents' vocabularies are to one another; high = one voice"),
}
NULL_NAMES = {
    "consistency_auc": "Own voice (consistency)",
    "speaker_id_accuracy": "Who is speaking (speaker identification)",
    "adherence_mrr_10": "Lines fit the speaker's persona (adherence, 10 distractors)",
    "consecutive_similarity": "Replies relate (coherence)",
}


def metric_name(metric: str) -> str:
    return METRICS.get(metric, (metric.replace("_", " "), ""))[0]


def metric_meaning(metric: str) -> str:
    return METRICS.get(metric, ("", ""))[1]


def _pct(value: float) -> str:
    return f"{value:.0%}"


def summary(ev: RunEvaluation) -> str:
    """A paragraph: the overall score, whether the measures can see the agents, and the social outcomes."""
    parts = [f"In {ev.game_hours:g} game hours {len(ev.agents)} agents spoke {ev.utterances} lines."]
    overall = ev.overall
    if overall.score is not None:
        ceiling = f" (people's talk scores {overall.ceiling:.2f} against itself)" if overall.ceiling else ""
        parts.append(f"Their talk scores {overall.score:.2f} of 1 for being human-like overall{ceiling}.")
    if ev.template.template_like:
        ratio = ev.template.distinct_2_ratio
        detail = f"{_pct(ratio)} of people's variety of word pairs" if ratio is not None else "many repeated lines"
        parts.append(f"It reads like filled-in templates ({detail}).")
    blind = [NULL_NAMES[n.metric] for n in ev.nulls if n.better_than_null is False]
    seen = [NULL_NAMES[n.metric] for n in ev.nulls if n.better_than_null]
    if blind:
        parts.append(
            f"{len(blind)} of {len(blind) + len(seen)} persona and dialogue measures cannot tell this talk from the "
            f"same lines dealt to random speakers and conversations ({'; '.join(blind)}): on those, the figures say "
            "nothing about these agents and count 0 in the overall score."
        )
    elif seen:
        parts.append("Every persona and dialogue measure tells this talk from the same lines shuffled.")
    for d in ev.diffusion:
        if d.origin_present:
            parts.append(
                f"News of the {d.fact} reached {_pct(d.share_end)} of the town (from {_pct(d.share_start)}); "
                f"{d.unsourced_claims} of {d.claims} mentions came from someone who had not heard of it."
            )
    net = ev.network
    parts.append(f"The share of pairs who know each other went from {net.density_start:.2f} to {net.density_end:.2f}.")
    for a in ev.attendance:
        if a.in_run:
            parts.append(
                f"{len(a.invited)} had heard of the {a.fact} before it began and {len(a.came)} came, "
                f"{len(a.invited_and_came)} of them invited."
            )
    parts.append(
        "Park et al.'s 25 agents, for comparison, after two game days: the party news 4% → 52%, density 0.167 → 0.74, "
        "5 of 12 invited came."
    )
    return " ".join(parts)
