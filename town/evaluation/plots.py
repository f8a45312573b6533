"""The report's figures (matplotlib, no display needed): one function per figure, each writing a PNG and returning it.

Figures: radar of Sims, diffusion curves and network density beside Park et al.'s two-day figures (drawn over their
own two days), social graph at start and end, attendance timeline, style and emotion distributions against the human
reference (runs side by side, with bootstrap intervals: the comparison of conditions), per-agent drift heatmap. Every
figure has a title, axes with units and a legend; a figure with nothing to show is not drawn (the function returns
None and the report says why).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; never opens a window

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from town.evaluation.evaluate import RunEvaluation  # noqa: E402
from town.evaluation.reference import HumanReference  # noqa: E402
from town.evaluation.social import Fact  # noqa: E402

DPI = 110
COLOURS = plt.get_cmap("tab10").colors
PARK_HOURS = 48  # Park et al.'s figures are after two game days


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _label(ev: RunEvaluation) -> str:
    return ev.label


def radar(evs: list[RunEvaluation], path: Path) -> Path | None:
    """Sim per metric (1 = the human figure); a metric that cannot beat its shuffled null is drawn at 0, as scored."""
    metrics = [r.metric for r in evs[0].rows if any(_row_sim(ev, r.metric) is not None for ev in evs)] + ["emotions"]
    if len(metrics) < 3:
        return None
    angles = np.linspace(0, 2 * np.pi, len(metrics), endpoint=False).tolist()
    fig = plt.figure(figsize=(7, 7))
    ax = fig.add_subplot(polar=True)
    for k, ev in enumerate(evs):
        values = [_row_sim(ev, m) or 0.0 for m in metrics[:-1]] + [ev.emotions_sim or 0.0]
        flag = " — template-like talk" if ev.template.template_like else ""
        label = f"{_label(ev)} (overall {ev.overall.score:.2f}){flag}" if ev.overall.score is not None else _label(ev)
        ax.plot(angles + angles[:1], values + values[:1], color=COLOURS[k % 10], label=label)
        ax.fill(angles + angles[:1], values + values[:1], color=COLOURS[k % 10], alpha=0.12)
    noise = {r.metric: r.noise_sim for r in evs[0].rows}
    ceiling = [noise.get(m) or 1.0 for m in metrics[:-1]] + [1.0]
    ax.plot(angles + angles[:1], ceiling + ceiling[:1], "k--", linewidth=0.8, label="people against people")
    zeroed = set().union(*(ev.overall.zeroed for ev in evs))
    ax.set_xticks(angles)
    ax.set_xticklabels(
        [_plain(m) + ("\n(no better than shuffled)" if m in zeroed else "") for m in metrics], fontsize=8
    )
    ax.set_ylim(0, 1)
    ax.set_title("How human-like is the talk? Sim to the human figure (1 = the same)", pad=18)
    ax.legend(loc="lower left", bbox_to_anchor=(-0.12, -0.16), fontsize=8)
    return _save(fig, path)


def _row_sim(ev: RunEvaluation, metric: str) -> float | None:
    row = next((r for r in ev.rows if r.metric == metric), None)
    if row is None or row.sim is None:
        return None
    return 0.0 if metric in ev.overall.zeroed else row.sim


def _plain(metric: str) -> str:
    return PLAIN_NAMES.get(metric, metric.replace("_", " "))


PLAIN_NAMES = {
    "short_reply": "short replies",
    "question": "questions",
    "politeness": "politeness",
    "positivity": "positive tone",
    "mean_words": "words per line",
    "distinct_1": "distinct words",
    "distinct_2": "distinct word pairs",
    "consistency_auc": "own voice (consistency)",
    "consecutive_similarity": "replies relate (coherence)",
    "homogenization": "agents differ",
    "emotions": "emotions",
}


def _hours(ev: RunEvaluation, tick: int) -> float:
    return tick * ev.tick_seconds / 3600


def _park_line(ax: Any, start: float, end: float, label: str) -> None:
    """Park et al.'s start and end values at their own times (hour 0 and two game days): they published no curve."""
    ax.plot([0, PARK_HOURS], [start, end], color="grey", linestyle=":", linewidth=0.8, marker="o", label=label)


def diffusion_curves(evs: list[RunEvaluation], facts: list[Fact], path: Path) -> Path | None:
    if not facts:
        return None
    fig, axes = plt.subplots(1, len(facts), figsize=(6 * len(facts), 4.2), squeeze=False)
    for ax, fact in zip(axes[0], facts, strict=True):
        longest = 0.0
        for k, ev in enumerate(evs):
            spread = next(d for d in ev.diffusion if d.fact == fact.name)
            hours = [_hours(ev, t) for t, _ in spread.curve]
            longest = max(longest, hours[-1])
            shares = [n / max(1, spread.population) for _, n in spread.curve]
            ax.step(
                hours, shares, where="post", color=COLOURS[k % 10], label=f"{_label(ev)} ({spread.population} agents)"
            )
        if fact.park_reference is not None:
            ref = fact.park_reference
            _park_line(ax, ref.start, ref.end, f"Park et al.: {ref.start:.0%} at the start, {ref.end:.0%} after 48 h")
            longest = max(longest, PARK_HOURS)
        ax.set_xlim(0, max(1.0, longest) * 1.03)  # room for the marker at the last hour
        ax.set_title(f"Who has heard of the {fact.name}")
        ax.set_xlabel("game time since the start (hours)")
        ax.set_ylabel("share of agents who know (0-1)")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, loc="upper left")
    return _save(fig, path)


def social_graph(ev: RunEvaluation, path: Path) -> Path | None:
    if len(ev.agents) < 2:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    graph = nx.Graph()
    graph.add_nodes_from(ev.agents)
    graph.add_edges_from(ev.network.edges_end)
    layout = nx.spring_layout(graph, seed=0)
    for ax, edges, title in (
        (axes[0], ev.network.edges_start, f"at the start: density {ev.network.density_start:.2f}"),
        (axes[1], ev.network.edges_end, f"at the end: density {ev.network.density_end:.2f}"),
    ):
        g = nx.Graph()
        g.add_nodes_from(ev.agents)
        g.add_edges_from(edges)
        nx.draw_networkx(g, layout, ax=ax, node_size=260, font_size=7, node_color="#f3c969", edge_color="#777")
        ax.set_title(f"{_label(ev)}: who knows whom (both ways), {title}")
        ax.axis("off")
    return _save(fig, path)


def density_over_time(evs: list[RunEvaluation], path: Path) -> Path | None:
    fig, ax = plt.subplots(figsize=(7, 4.2))
    longest = PARK_HOURS
    for k, ev in enumerate(evs):
        hours = [_hours(ev, t) for t, _ in ev.network.density_curve]
        longest = max(longest, hours[-1])
        ax.plot(hours, [d for _, d in ev.network.density_curve], color=COLOURS[k % 10], label=_label(ev))
    _park_line(ax, 0.167, 0.74, "Park et al.: 0.167 at the start, 0.74 after 48 h")
    ax.set_xlim(0, longest * 1.03)
    ax.set_title("How connected the town is: share of pairs who know each other")
    ax.set_xlabel("game time since the start (hours)")
    ax.set_ylabel("density (0-1)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    return _save(fig, path)


def attendance_timeline(evs: list[RunEvaluation], path: Path) -> Path | None:
    series = [(k, ev, a) for k, ev in enumerate(evs) for a in ev.attendance if a.timeline]
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for k, ev, a in series:
        first = a.timeline[0][0]
        ax.plot(
            [(t - first) * ev.tick_seconds / 60 for t, _ in a.timeline],
            [n for _, n in a.timeline],
            color=COLOURS[k % 10],
            label=f"{_label(ev)}: {a.fact} ({len(a.invited_and_came)} of {len(a.invited)} invited came)",
        )
    ax.set_xlabel("minutes since the event began")
    ax.set_ylabel("agents at the place")
    ax.set_title("Who is at the event")
    ax.legend(fontsize=7)
    return _save(fig, path)


def distributions(evs: list[RunEvaluation], reference: HumanReference, path: Path) -> Path | None:
    if not any(ev.utterances for ev in evs):
        return None
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    shares = ["short_reply", "question", "politeness", "positivity"]
    width = 0.8 / (len(evs) + 1)
    x = np.arange(len(shares))
    axes[0].bar(x, [reference.metrics[s].value for s in shares], width, color="black", label="people (chitchat)")
    for k, ev in enumerate(evs):
        values = [ev.metrics.values[s] or 0.0 for s in shares]
        errors = np.array([ev.share_intervals.get(s, (v, v)) for s, v in zip(shares, values, strict=True)]).T
        yerr = np.abs(errors - np.array(values))
        axes[0].bar(x + (k + 1) * width, values, width, yerr=yerr, color=COLOURS[k % 10], label=_label(ev))
    axes[0].set_xticks(x + width * len(evs) / 2)
    axes[0].set_xticklabels([_plain(s) for s in shares])
    axes[0].set_ylabel("share of lines (0-1), 95% interval")
    axes[0].set_title("Style of the lines")
    axes[0].legend(fontsize=8)
    emotions = list(reference.emotions)
    y = np.arange(len(emotions))
    axes[1].bar(y, [reference.emotions[e] for e in emotions], width, color="black", label="people (chitchat)")
    for k, ev in enumerate(evs):
        axes[1].bar(
            y + (k + 1) * width,
            [ev.metrics.emotions.get(e, 0) for e in emotions],
            width,
            color=COLOURS[k % 10],
            label=_label(ev),
        )
    axes[1].set_xticks(y + width * len(evs) / 2)
    axes[1].set_xticklabels(emotions, rotation=30, fontsize=8)
    axes[1].set_ylabel("share of emotion words (0-1)")
    axes[1].set_title("Emotions (NRC word lists)")
    axes[1].legend(fontsize=8)
    return _save(fig, path)


def drift_heatmap(ev: RunEvaluation, path: Path) -> Path | None:
    agents = sorted(ev.drift.by_agent)
    turns = max((len(v) for v in ev.drift.by_agent.values()), default=0)
    if not agents or not turns or all(v is None for row in ev.drift.by_agent.values() for v in row):
        return None
    grid = np.full((len(agents), turns), np.nan)
    for i, agent in enumerate(agents):
        for j, value in enumerate(ev.drift.by_agent[agent]):
            if value is not None:
                grid[i, j] = value
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * max(4, len(agents)) + 1.6))
    image = ax.imshow(grid, aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(agents)))
    ax.set_yticklabels(agents, fontsize=7)
    ax.set_xticks(range(turns))
    ax.set_xticklabels([str(t + 1) if t + 1 < turns else f"{t + 1}+" for t in range(turns)])
    ax.set_xlabel("turn in the conversation")
    slope = ev.drift.slope_per_turn
    trend = "" if slope is None else f" (trend {slope:+.4f} per turn; below 0 = drifting away)"
    ax.set_title(f"{_label(ev)}: do agents stay in character?{trend}", fontsize=10)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label("similarity of the line to the speaker's own persona (cosine)")
    return _save(fig, path)
