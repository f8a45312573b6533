"""The scaling benchmark measures and flags honestly (small sizes here; `town bench scaling` runs the full curves)."""

from town.bench.scaling import bench_scaling, log_log_slope


def test_log_log_slope_reads_growth():
    assert round(log_log_slope([1, 10, 100], [2, 20, 200]), 3) == 1.0
    assert round(log_log_slope([1, 10, 100], [1, 100, 10_000]), 3) == 2.0


def test_scaling_writes_the_table_and_the_plot(tmp_path):
    figures = bench_scaling(tmp_path, agents=(5, 10), memories=(500, 5000))
    assert [r["agents"] for r in figures["engine"]] == [5, 10] and figures["engine"][0]["ms_per_tick"] > 0
    assert [r["memories"] for r in figures["retrieval"]] == [500, 5000]
    assert isinstance(figures["retrieval_super_linear"], bool)
    assert (tmp_path / "scaling.png").stat().st_size > 10_000
