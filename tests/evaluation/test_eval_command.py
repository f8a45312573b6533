"""`town eval` on runs of the default town: the report, every plot, two conditions compared, and the interviews."""

import asyncio
import json

import pygame

from tests.conftest import fake_config
from town.cli import main
from town.evaluation.interviews import CATEGORIES, QUESTIONS
from town.persistence.runner import run_headless

FIGURES = {"radar.png", "diffusion.png", "density.png", "distributions.png"}


def test_eval_writes_the_report_with_all_plots_and_compares_conditions(tmp_path, capsys):
    runs = []
    for name, seed in (("with-seed-1", 1), ("with-seed-2", 2)):
        config = fake_config(tmp_path / name, agents=5, hours=6, seed=seed, autosave_minutes=60)
        config = config.model_copy(update={"out": tmp_path / name, "save_dir": tmp_path / "saves" / name})
        asyncio.run(run_headless(config))
        runs.append(str(config.out))
    out = tmp_path / "report"
    assert main(["eval", *runs, "--embedder", "hashing", "--out", str(out), "--interview"]) == 0
    files = {p.name for p in out.iterdir()}
    assert FIGURES <= files and {"report.json", "report.md", "report.html"} <= files
    assert {f"graph-{n}.png" for n in ("with-seed-1", "with-seed-2")} <= files
    for figure in out.glob("*.png"):
        image = pygame.image.load(str(figure))
        assert image.get_width() > 500 and image.get_height() > 300, figure.name

    report = json.loads((out / "report.json").read_text())
    first = report["runs"][0]
    assert {r["metric"] for r in first["rows"]} >= {"short_reply", "positivity", "consistency_auc", "distinct_2"}
    assert [d["fact"] for d in first["diffusion"]] == ["harvest party", "council election"]
    log = [json.loads(line) for line in (tmp_path / "with-seed-1" / "trajectory.jsonl").read_text().splitlines()]
    talked = {tuple(sorted(e["participants"])) for e in log if e["type"] == "conversation_end" and e["turns"]}
    edges_end = {tuple(sorted(edge)) for edge in first["network"]["edges_end"]}
    assert talked and talked <= edges_end  # a finished talk is a chat memory on both sides: they know each other
    assert first["network"]["density_end"] == len(edges_end) / 10  # 5 agents: 10 pairs
    assert len(first["interviews"]) == 5 * 25
    asked = {(a["category"], a["question"]) for a in first["interviews"] if a["agent"] == "Mei Lin"}
    assert len(asked) == 25 and {c for c, _ in asked} == set(CATEGORIES)
    assert ("memory", QUESTIONS["memory"][1]) in asked  # Kane Martinez, who does not exist

    markdown = (out / "report.md").read_text()
    # The runs end at 14:00, before the 17:00 party: no empty attendance plot, a note instead.
    assert "attendance.png" not in files and "Not drawn, for want of anything to show: who was at the event" in markdown
    assert "`" not in markdown  # no literal backticks for a reader
    assert "Conditions compared" in markdown and "with-seed-2" in markdown
    assert "Proxies and caveats" in markdown
    html = (out / "report.html").read_text()
    assert html.count("<img") == len(list(out.glob("*.png"))) and "<table>" in html


def test_eval_without_a_save_cannot_interview_and_says_so(tmp_path, capsys):
    config = fake_config(tmp_path, agents=2, hours=0.5, autosave_minutes=0)
    asyncio.run(run_headless(config))
    code = main(["eval", str(config.out), "--embedder", "hashing", "--interview", "--out", str(tmp_path / "r")])
    assert code == 2 and "no save to interview from" in capsys.readouterr().err


def test_the_exploratory_judge_rates_answers_and_ranks_conditions(tmp_path, capsys):
    runs = []
    for name in ("a", "b"):
        config = fake_config(tmp_path / name, agents=2, hours=1, seed=3, autosave_minutes=30)
        config = config.model_copy(update={"out": tmp_path / name, "save_dir": tmp_path / "saves" / name})
        asyncio.run(run_headless(config))
        runs.append(str(config.out))
    out = tmp_path / "report"
    args = ["eval", *runs, "--embedder", "hashing", "--out", str(out), "--interview", "--judge", "fake"]
    assert main(args) == 0
    report = json.loads((out / "report.json").read_text())
    judged = report["runs"][0]["judged"]
    assert len(judged) == 2 * 25 and all(1 <= j["believability"] <= 7 for j in judged)
    assert {r["condition"] for r in report["judge"]} == {"a", "b"}
    assert (out / "judge_cache.jsonl").stat().st_size > 0  # cached: the report can be rebuilt without asking again
    assert "Exploratory: an LLM judge" in (out / "report.md").read_text()
    assert main([a for a in args if a != "--interview"]) == 2  # the judge needs interviews: one line
    assert "add --interview" in capsys.readouterr().err


def test_the_report_goes_beside_the_run_and_never_inside_a_save(tmp_path):
    config = fake_config(tmp_path, agents=2, hours=0.5, autosave_minutes=15)
    asyncio.run(run_headless(config))
    assert main(["eval", str(config.out), "--embedder", "hashing"]) == 0
    assert (config.out / "report" / "report.html").is_file()
    save = config.save_dir
    listed = sorted(p.name for p in save.iterdir())
    assert main(["eval", str(save), "--embedder", "hashing"]) == 0
    assert (save.parent / f"{save.name}-report" / "report.md").is_file()
    assert sorted(p.name for p in save.iterdir()) == listed  # the save holds only what its manifest lists
