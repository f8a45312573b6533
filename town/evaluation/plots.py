"""The report's figures (matplotlib, no display needed): one function per figure, each writing a PNG and returning it.

Figures: radar of Sims, diffusion curves with Park et al.'s end points, social graph at start and end, density over
time, attendance timeline, style and emotion distributions against the human reference (runs side by side, with
bootstrap intervals: the comparison of conditions), per-agent drift heatmap.
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


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _label(ev: RunEvaluation) -> str:
    return ev.label


def radar(evs: list[RunEvaluation], path: Path) -> Path:
    metrics = [r.metric for r in evs[0].rows if r.sim is not None] + ["emotions"]
    angles = np.linspace(0, 2 * np.pi, len(metrics), endpoint=False).tolist()
    fig = plt.figure(figsize=(6.5, 6.5))
    ax = fig.add_subplot(polar=True)
    for k, ev in enumerate(evs):
        by_name = {r.metric: r.sim for r in ev.rows}
        values = [by_name.get(m) or 0.0 for m in metrics[:-1]] + [ev.emotions_sim or 0.0]
        ax.plot(angles + angles[:1], values + values[:1], color=COLOURS[k % 10], label=_label(ev))
        ax.fill(angles + angles[:1], values + values[:1], color=COLOURS[k % 10], alpha=0.12)
    noise = {r.metric: r.noise_sim for r in evs[0].rows}
    ceiling = [noise.get(m) or 1.0 for m in metrics[:-1]] + [1.0]
    ax.plot(angles + angles[:1], ceiling + ceiling[:1], "k--", linewidth=0.8, label="human split-half")
    ax.set_xticks(angles)
    ax.set_xticklabels([m.replace("_", " ") for m in metrics], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title("Similarity to humans (Sim, 1 = human-like)")
    ax.legend(loc="lower left", bbox_to_anchor=(-0.1, -0.15), fontsize=8)
    return _save(fig, path)


def diffusion_curves(evs: list[RunEvaluation], facts: list[Fact], path: Path) -> Path:
    fig, axes = plt.subplots(1, max(1, len(facts)), figsize=(6 * max(1, len(facts)), 4), squeeze=False)
    for ax, fact in zip(axes[0], facts, strict=False):
        for k, ev in enumerate(evs):
            spread = next(d for d in ev.diffusion if d.fact == fact.name)
            hours = [t * ev.game_hours / max(1, spread.curve[-1][0]) for t, _ in spread.curve]
            shares = [n / max(1, spread.population) for _, n in spread.curve]
            ax.step(hours, shares, where="post", color=COLOURS[k % 10], label=_label(ev))
        if fact.park_reference is not None:
            ref = fact.park_reference
            ax.axhline(ref.start, color="grey", linestyle=":", linewidth=1)
            ax.axhline(ref.end, color="grey", linestyle="--", linewidth=1)
            ax.text(0, ref.end, ref.label, fontsize=7, va="bottom", color="dimgrey")
        ax.set_title(f"Who knows: {fact.name}")
        ax.set_xlabel("game hours")
        ax.set_ylabel("share of agents")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=8)
    return _save(fig, path)


def social_graph(ev: RunEvaluation, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    graph = nx.Graph()
    graph.add_nodes_from(ev.agents)
    graph.add_edges_from(ev.network.edges_end)
    layout = nx.spring_layout(graph, seed=0)
    for ax, edges, title in (
        (axes[0], ev.network.edges_start, f"start: density {ev.network.density_start:.2f}"),
        (axes[1], ev.network.edges_end, f"end: density {ev.network.density_end:.2f}"),
    ):
        g = nx.Graph()
        g.add_nodes_from(ev.agents)
        g.add_edges_from(edges)
        nx.draw_networkx(g, layout, ax=ax, node_size=260, font_size=7, node_color="#f3c969", edge_color="#777")
        ax.set_title(f"{_label(ev)} — {title}")
        ax.axis("off")
    return _save(fig, path)


def density_over_time(evs: list[RunEvaluation], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for k, ev in enumerate(evs):
        last = max(1, ev.network.density_curve[-1][0])
        ax.plot(
            [t * ev.game_hours / last for t, _ in ev.network.density_curve],
            [d for _, d in ev.network.density_curve],
            color=COLOURS[k % 10],
            label=_label(ev),
        )
    ax.axhline(0.167, color="grey", linestyle=":", linewidth=1)
    ax.axhline(0.74, color="grey", linestyle="--", linewidth=1)
    ax.text(0, 0.74, "Park et al.: 0.167 -> 0.74 over two days", fontsize=7, va="bottom", color="dimgrey")
    ax.set_xlabel("game hours")
    ax.set_ylabel("network density (mutual edges)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    return _save(fig, path)


def attendance_timeline(evs: list[RunEvaluation], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for k, ev in enumerate(evs):
        for a in ev.attendance:
            if a.timeline:
                first = a.timeline[0][0]
                ax.plot(
                    [(t - first) / 6 for t, _ in a.timeline],
                    [n for _, n in a.timeline],
                    color=COLOURS[k % 10],
                    label=f"{_label(ev)}: {a.fact} ({len(a.invited_and_came)} of {len(a.invited)} invited came)",
                )
    ax.set_xlabel("minutes into the event")
    ax.set_ylabel("agents at the place")
    ax.set_title("Attendance")
    if ax.lines:
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "no event window inside the logged time", ha="center", transform=ax.transAxes)
    return _save(fig, path)


def distributions(evs: list[RunEvaluation], reference: HumanReference, path: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    shares = ["short_reply", "question", "politeness", "positivity"]
    width = 0.8 / (len(evs) + 1)
    x = np.arange(len(shares))
    axes[0].bar(x, [reference.metrics[s].value for s in shares], width, color="black", label="humans (chitchat)")
    for k, ev in enumerate(evs):
        values = [ev.metrics.values[s] or 0.0 for s in shares]
        errors = np.array([ev.share_intervals.get(s, (v, v)) for s, v in zip(shares, values, strict=True)]).T
        yerr = np.abs(errors - np.array(values))
        axes[0].bar(x + (k + 1) * width, values, width, yerr=yerr, color=COLOURS[k % 10], label=_label(ev))
    axes[0].set_xticks(x + width * len(evs) / 2)
    axes[0].set_xticklabels([s.replace("_", " ") for s in shares])
    axes[0].set_title("Style: share of utterances")
    axes[0].legend(fontsize=8)
    emotions = list(reference.emotions)
    y = np.arange(len(emotions))
    axes[1].bar(y, [reference.emotions[e] for e in emotions], width, color="black", label="humans")
    for k, ev in enumerate(evs):
        axes[1].bar(
            y + (k + 1) * width, [ev.metrics.emotions.get(e, 0) for e in emotions], width, color=COLOURS[k % 10]
        )
    axes[1].set_xticks(y + width * len(evs) / 2)
    axes[1].set_xticklabels(emotions, rotation=30, fontsize=8)
    axes[1].set_title("Emotions (NRC lexicon): share of emotion words")
    return _save(fig, path)


def drift_heatmap(ev: RunEvaluation, path: Path) -> Path:
    agents = sorted(ev.drift.by_agent)
    turns = max((len(v) for v in ev.drift.by_agent.values()), default=0)
    grid = np.full((max(1, len(agents)), max(1, turns)), np.nan)
    for i, agent in enumerate(agents):
        for j, value in enumerate(ev.drift.by_agent[agent]):
            if value is not None:
                grid[i, j] = value
    fig, ax = plt.subplots(figsize=(7, 0.32 * max(4, len(agents)) + 1.5))
    image = ax.imshow(grid, aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(agents)))
    ax.set_yticklabels(agents, fontsize=7)
    ax.set_xticks(range(turns))
    ax.set_xticklabels([str(t + 1) for t in range(turns)])
    ax.set_xlabel("turn in conversation")
    ax.set_title(f"{_label(ev)}: similarity of utterances to own persona (slope {ev.drift.slope_per_turn or 0:+.4f})")
    fig.colorbar(image, ax=ax)
    return _save(fig, path)
