"""`town bench compare` on small sizes (Concordia comes with the [bench] extra, which the [test] extra includes)."""

from town.cli import main


def test_compare_reports_ratios_for_memory_and_agent_steps():
    from town.bench.compare import agent_compare, memory_compare

    memory = memory_compare((500, 2000), queries=3)
    assert [r["memories"] for r in memory] == [500, 2000]
    assert all(r["retrieve_ms_ours"] > 0 and r["retrieve_ms_concordia"] > 0 for r in memory)
    steps = agent_compare((2,), steps=1)[0]
    assert steps["concordia_steps"] == 2 and steps["concordia_calls_per_step"] > 0 and steps["our_steps"] > 0


def test_without_concordia_compare_says_how_to_get_it(monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "concordia", None)
    assert main(["bench", "compare"]) == 2
    assert "[bench]" in capsys.readouterr().err
