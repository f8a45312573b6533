"""`town bench WHICH`: the dispatcher that runs the named benchmarks, and `format_figures`, how they print."""

from __future__ import annotations

from typing import Any

from town.bench.figures import bench_calls, bench_engine, bench_experiments, bench_retrieval
from town.bench.saves import bench_saves


def run(
    which: str,
    *,
    agents: int,
    hours: float | None,
    latency: float,
    memories: int,
    out: Any = None,
    map_path: Any = None,
    personas: Any = None,
    latencies: list[float] | None = None,
    model: str | None = None,
    api_base: str | None = None,
    provider: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    figures = []
    if which in ("calls", "all"):
        figures.append(bench_calls(agents, hours or 24.0))
    if which in ("concurrency", "all"):
        from town.bench.concurrency import bench_concurrency  # noqa: PLC0415

        real = {"model": model, "api_base": api_base, "provider": provider}
        figures.append(bench_concurrency(agents, hours or (0.25 if model else 4.0), latency, **real))
    if which in ("engine", "all"):
        figures.append(bench_engine())
    if which in ("retrieval", "all"):
        figures.append(bench_retrieval(memories))
    if which == "live":  # not in "all": it runs the window for a while at each latency
        from town.bench.view import bench_live  # noqa: PLC0415

        figures.append(bench_live(tuple(latencies or (2.0, 5.0, 20.0)), agents=agents, hours=hours or 2.0))
    if which in ("fps", "maps", "all"):
        from town.bench.view import bench_fps, bench_maps  # noqa: PLC0415

        if which in ("fps", "all"):
            figures.append(bench_fps(agents, map_path=map_path, personas=personas))
        if which in ("maps", "all"):
            figures.append(bench_maps(map_path))
    if which in ("saves", "all"):
        figures.append(bench_saves(agents, hours or 24.0))
    if which in ("eval", "all"):
        from town.bench.eval import bench_eval  # noqa: PLC0415

        figures.append(bench_eval(agents, hours or 24.0))
    if which in ("experiments", "all"):
        figures.append(bench_experiments())
    if which == "compare":  # not in "all": it needs the [bench] extra
        from town.bench.compare import bench_compare  # noqa: PLC0415

        figures.append(bench_compare())
    if which in ("memory", "all"):
        from town.bench.memory import bench_memory  # noqa: PLC0415

        figures.append(bench_memory())
    if which in ("embed", "all"):
        from town.bench.embed import bench_embed  # noqa: PLC0415

        figures.append(bench_embed(model if which == "embed" else None, api_base))
    if which == "quality":  # not in "all": it runs a real model for minutes
        from town.bench.quality import bench_quality  # noqa: PLC0415

        figures.append(bench_quality(model, api_base))
    if which == "rates":  # not in "all": it runs a real model for minutes
        from town.bench.rates import bench_rates  # noqa: PLC0415

        figures.append(bench_rates(model, api_base))
    if which in ("scaling", "all"):
        from town.bench.scaling import bench_scaling  # noqa: PLC0415

        figures.append(bench_scaling(out, ticks=round((hours or 1.0) * 360)))
    return figures


def format_figures(figures: list[dict[str, Any]]) -> str:
    lines: list[str] = []
    for fig in figures:
        lines.append(f"== {fig['benchmark']} ==")
        for key, value in fig.items():
            if key == "benchmark":
                continue
            if isinstance(value, dict):
                lines.append(f"{key}:")
                lines.extend(f"  {k}: {v}" for k, v in value.items())
            elif isinstance(value, list) and all(isinstance(v, int | float) for v in value):
                shown = ", ".join(map(str, value[:30])) + (f", … ({len(value)} in all)" if len(value) > 30 else "")
                lines.append(f"{key}: [{shown}]")
            elif isinstance(value, list):
                lines.append(f"{key}:")
                lines.extend(f"  {row}" for row in value)
            else:
                lines.append(f"{key}: {value}")
        lines.append("")
    return "\n".join(lines)
