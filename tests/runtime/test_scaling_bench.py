"""The scaling benchmark measures and flags honestly (small sizes here; `town bench scaling` runs the full curves)."""

import json
import subprocess
import sys

from agents.retrieval import recall_at_k
from town.bench.scaling import SUPER_LINEAR, bench_scaling, log_log_slope


def test_log_log_slope_reads_growth():
    assert round(log_log_slope([1, 10, 100], [2, 20, 200]), 3) == 1.0
    assert round(log_log_slope([1, 10, 100], [1, 100, 10_000]), 3) == 2.0


def test_scaling_writes_the_table_and_the_plot(tmp_path):
    figures = bench_scaling(tmp_path, agents=(5, 10, 20), memories=(500, 5000))
    assert [r["agents"] for r in figures["engine"]] == [5, 10, 20]
    assert [r["memories"] for r in figures["retrieval"]] == [500, 5000]
    for name, x, y in (("engine", "agents", "ms_per_tick"), ("retrieval", "memories", "retrieve_ms_median")):
        rows = figures[name]
        xs, ys = [r[x] for r in rows], [r[y] for r in rows]
        assert figures[f"{name}_log_log_slope"] == round(log_log_slope(xs, ys), 2)
        steps = [log_log_slope(xs[i : i + 2], ys[i : i + 2]) for i in range(len(xs) - 1)]
        # The flag follows the worst stretch of the measured curve, whatever this machine measured.
        assert figures[f"{name}_super_linear"] is (max(steps) > SUPER_LINEAR)
    for row in figures["engine"]:  # seconds-long runs are repeated and the median run reported, not the first
        runs = row["runs_us_per_agent_tick"]
        assert len(runs) == 3 and runs == sorted(runs) and row["us_per_agent_tick"] == runs[1]
    assert (tmp_path / "scaling.png").stat().st_size > 10_000
    for row in figures["retrieval"]:  # float16 rows find what float32 rows find
        assert row["half_recall_at_30"] >= 0.95 and row["half_recall_at_30_worst"] >= 0.8


def test_recall_counts_the_exact_results_found_in_any_order():
    assert recall_at_k([1, 2, 3, 4], [4, 3, 9, 1]) == 0.75
    assert recall_at_k([1, 2], [5, 6]) == 0.0


def test_memory_figure_counts_each_memorys_embedding():
    # In a fresh process, as `town bench memory` runs: here freed pages of earlier tests would be reused unseen.
    code = (
        "import json; from town.bench.memory import bench_memory; print(json.dumps(bench_memory(steps=(4000, 8000))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    figures = json.loads(done.stdout)
    assert figures["bytes_per_memory_at_largest"] >= 384 * 4  # the float32 row is part of what a memory costs
    half = figures["half_index"]["bytes_per_memory_at_largest"]
    assert 384 * 2 <= half < figures["bytes_per_memory_at_largest"] - 384
