"""Experiments end to end: the example study, interventions and surveys in the log, config errors, pool vs Ray."""

import json
from pathlib import Path

import pytest

from town.cli import main
from town.experiments.config import load_experiment
from town.experiments.runner import plan_runs, run_experiment

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "experiments" / "party-diffusion.yaml"


def _events(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "trajectory.jsonl").read_text().splitlines()]


def test_the_example_experiment_runs_end_to_end_and_compares_conditions(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["experiment", str(EXAMPLE), "--out", str(out), "--replicates", "2", "--workers", "2"]) == 0
    rows = json.loads((out / "aggregate.json").read_text())["runs"]
    assert [(r["condition"], r["replicate"]) for r in rows] == [
        ("full", 0),
        ("full", 1),
        ("no-reflection", 0),
        ("no-reflection", 1),
    ]
    assert all(r["reason"] == "completed" for r in rows)
    assert all(r["reflections"] == 0 for r in rows if r["condition"] == "no-reflection")
    assert any(r["reflections"] > 0 for r in rows if r["condition"] == "full")

    answers = [json.loads(line) for line in (out / "surveys.jsonl").read_text().splitlines()]
    assert len(answers) == 4 * 6 * 4  # runs x agents x questions (three at 16:00, one asked again at 16:30)
    for a in answers:
        if a["fallback"]:
            assert a["answer"] is None
        elif a["kind"] == "choice":
            assert a["answer"] in ("yes", "no")
        elif a["kind"] == "likert":
            assert a["answer"] in (1, 2, 3, 4, 5)
        else:
            assert isinstance(a["answer"], (int, float))

    events = _events(out / "full" / "rep-0")
    seeded = [e for e in events if e["type"] == "fact_seeded"]
    assert seeded and seeded[0]["agent"] == "Mei Lin" and seeded[0]["tick"] == 6 * 60  # 09:00
    broadcast = next(e for e in events if e["type"] == "broadcast")
    heard = {e["agent"] for e in events if e["type"] == "memory" and e["text"] == broadcast["text"]}
    assert len(heard) >= 4
    assert any(e["type"] == "survey_answer" for e in events)

    report = (out / "report" / "report.md").read_text()
    assert "## Conditions" in report and "full (n=2)" in report and "no-reflection (n=2)" in report
    assert "knew harvest party (share)" in report
    # The survey items declare what they predict and what they repeat: the report joins them to the log.
    assert "stated vs acted AUC: will-attend" in report and "same answer again: will-attend-again" in report
    assert "| afternoon: will-attend | attends harvest party |" in report
    assert "| will-attend-again | will-attend |" in report


def test_interventions_that_change_the_town(tmp_path):
    spec = tmp_path / "exp.yaml"
    persona = ROOT / "assets" / "personas" / "07-tom-becker.yaml"
    spec.write_text(
        f"""
name: changes
run: {{agents: 3, hours: 2, model: fake, embedder: hashing, index: numpy, autosave_minutes: 0}}
conditions: [{{name: only}}]
interventions:
  - {{kind: set_object, at: "08:30", object: "Willowbrook:Rosewood Cafe:cafe kitchen:stove", state: broken}}
  - {{kind: add_agent, at: "+0.75", persona: {persona}}}
  - {{kind: remove_agent, at: "09:30", agent: Jonah Price}}
  - {{kind: whisper, at: "09:00", agents: [Mei Lin], text: I should fix the stove.}}
evaluate: false
"""
    )
    experiment = load_experiment(spec)
    result = run_experiment(experiment, tmp_path / "out", workers=1)
    events = _events(Path(result.rows[0]["out"]))
    assert any(e["type"] == "object_state" and e["state"] == "broken" and e["tick"] == 180 for e in events)
    assert any(e["type"] == "agent_added" and e["tick"] == 270 for e in events)
    gone = next(e for e in events if e["type"] == "agent_removed")
    assert gone["agent"] == "Jonah Price" and gone["tick"] == 540
    assert not any(e.get("agent") == "Jonah Price" and e["type"] == "action" and e["tick"] > 540 for e in events)
    assert any(e["type"] == "whisper" and e["agent"] == "Mei Lin" for e in events)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("conditions: [{name: a, ablate: [dreams]}]", "conditions.0.ablate"),
        ("conditions: [{name: a}]\ninterventions: [{kind: whisper, at: noon, text: hi}]", "interventions.0"),
        ("conditions: []", "conditions"),
        ("conditions: [{name: a}, {name: a}]", "unique"),
        ("conditions: [{name: a, run: {agents: -1}}]", "agents"),
        (
            "conditions: [{name: a}]\nsurveys: [{id: s, at: '09:00', questions: "
            "[{id: q2, text: again, kind: likert, retest_of: q1}]}]",
            "q2 retests q1, not asked before it",
        ),
        (
            "conditions: [{name: a}]\nsurveys: [{id: s, at: '09:00', questions: [{id: q1, text: first, kind: likert}]}, "
            "{id: t, at: '10:00', questions: [{id: q2, text: second, kind: number, retest_of: q1}]}]",
            "q2 retests a likert question as number",
        ),
        (
            "conditions: [{name: a}]\nsurveys: [{id: s, at: '09:00', questions: "
            "[{id: q, text: coming, kind: likert, predicts: attends}]}]",
            "predicts and fact go together",
        ),
    ],
)
def test_a_bad_experiment_is_a_one_line_error(tmp_path, capsys, change, message):
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"name: bad\nrun: {{model: fake}}\n{change}\n")
    assert main(["experiment", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert str(spec) in err or "experiment bad: condition a" in err  # the file, or the experiment and condition


def test_the_same_experiment_gives_identical_runs_on_the_local_pool_and_on_ray(tmp_path):
    pytest.importorskip("ray")
    spec = tmp_path / "exp.yaml"
    spec.write_text(
        """
name: same-everywhere
run: {agents: 3, hours: 1.5, model: fake, embedder: hashing, index: numpy, autosave_minutes: 30}
seed: 5
replicates: 2
conditions: [{name: full}, {name: no-planning, ablate: [planning]}]
surveys: [{id: s, at: "09:00", questions: [{id: q, text: "Are you busy?", kind: choice, options: ["yes", "no"]}]}]
evaluate: false
"""
    )
    experiment = load_experiment(spec)
    pool = run_experiment(experiment, tmp_path / "pool", executor="local", workers=2)
    ray = run_experiment(experiment, tmp_path / "ray", executor="ray", workers=2)
    assert len(pool.rows) == len(ray.rows) == 4
    for spec_pool, spec_ray in zip(
        plan_runs(experiment, tmp_path / "pool"), plan_runs(experiment, tmp_path / "ray"), strict=True
    ):
        a = Path(spec_pool.config["out"]) / "trajectory.jsonl"
        b = Path(spec_ray.config["out"]) / "trajectory.jsonl"
        assert a.read_bytes() == b.read_bytes(), spec_pool.condition
        assert (a.parent / "surveys.csv").read_bytes() == (b.parent / "surveys.csv").read_bytes()


@pytest.mark.real_llm
def test_a_short_experiment_on_the_embedded_model(tmp_path):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        """
name: tiny-embedded
run: {agents: 2, hours: 0.25, embedder: hashing, index: numpy, autosave_minutes: 0}
seed: 1
replicates: 1
conditions: [{name: full}, {name: no-memory, ablate: [memory]}]
interventions:
  - {kind: seed_fact, at: "08:01", agent: Mei Lin, fact: harvest party, keywords: [party], text: I am hosting a party tonight.}
surveys:
  - {id: s, at: "08:10", questions: [{id: busy, text: "Are you busy right now?", kind: choice, options: ["yes", "no"]}]}
evaluate: false
"""
    )
    result = run_experiment(load_experiment(spec), tmp_path / "out", workers=1)
    assert [r["condition"] for r in result.rows] == ["full", "no-memory"]
    assert all(r["reason"] == "completed" and r["calls"] > 0 for r in result.rows)
    answers = [json.loads(x) for x in (tmp_path / "out" / "surveys.jsonl").read_text().splitlines()]
    assert len(answers) == 4 and all(a["answer"] in ("yes", "no") or a["fallback"] for a in answers)


def test_without_ray_the_ray_executor_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    spec = tmp_path / "exp.yaml"
    spec.write_text("name: x\nrun: {model: fake, hours: 0.1, agents: 1}\nconditions: [{name: a}]\nevaluate: false\n")
    assert main(["experiment", str(spec), "--executor", "ray", "--out", str(tmp_path / "o")]) == 2
    assert "Ray is not installed" in capsys.readouterr().err
