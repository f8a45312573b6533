"""The `town` command as a user meets it: exit codes, one-line errors, files written, Ctrl-C."""

import json
from pathlib import Path

import pytest

from tests.helpers import interrupt_town
from town.cli import main
from town.runtime.config import DEFAULT_PERSONAS

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--model", "fake", "--embedder", "hashing", "--index", "numpy", "--quiet"]


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_writes_the_trajectory_and_a_summary(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = run_cli(["run", "--agents", "3", "--hours", "1", "--out", str(out), *FAST], capsys)
    assert code == 0
    for name in ("trajectory.jsonl", "telemetry.jsonl", "llm_cache.jsonl", "summary.json"):
        assert (out / name).is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reason"] == "completed" and summary["totals"]["ticks"] == 360
    assert "LLM calls" in err and "per awake agent-hour" in err
    last = json.loads((out / "trajectory.jsonl").read_text().splitlines()[-1])
    assert last["type"] == "run_end" and last["totals"]["calls"] == summary["totals"]["calls"]


def test_config_file_with_flag_overrides(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text(
        "agents: 2\nhours: 0.25\nseed: 4\nmodel: fake\nembedder: hashing\nindex: numpy\n"
        "cognition:\n  reflection_threshold: 90\n"
    )
    code, _, _ = run_cli(
        ["run", "--config", str(config), "--seed", "9", "--out", str(tmp_path / "o"), "--quiet"], capsys
    )
    assert code == 0
    start = json.loads((tmp_path / "o" / "trajectory.jsonl").read_text().splitlines()[0])
    assert start["seed"] == 9 and start["agents"] == ["Mei Lin", "Jonah Price"]
    assert start["config"]["cognition"]["reflection_threshold"] == 90


def _bad_persona_dir(tmp_path):
    folder = tmp_path / "personas"
    folder.mkdir()
    text = (DEFAULT_PERSONAS / "01-mei-lin.yaml").read_text().replace("home: Lin Family Home\n", "")
    (folder / "mei.yaml").write_text(text)
    return folder


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (lambda t: ["--map", str(t / "missing.tmj")], "map {t}/missing.tmj: file not found"),
        (lambda t: ["--map", str(t / "bad.tmj")], "map {t}/bad.tmj: not valid JSON"),
        (lambda t: ["--personas", str(_bad_persona_dir(t))], "persona {t}/personas/mei.yaml: field 'home' is required"),
        (lambda t: ["--agents", "0"], "command line: field 'agents'"),
        (lambda t: ["--config", str(t / "bad.yaml")], "config {t}/bad.yaml: field 'hourz' is not a known field"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(tmp_path, capsys, extra, expected):
    (tmp_path / "bad.tmj").write_text("{oops")
    (tmp_path / "bad.yaml").write_text("hourz: 3\n")
    args = ["run", "--out", str(tmp_path / "out"), *FAST, *extra(tmp_path)]
    code, out, err = run_cli(args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected.format(t=tmp_path) in lines[0]


@pytest.mark.parametrize(
    ("model_args", "expected"),
    [
        (["--model", "no-such-model-anywhere"], "litellm does not know this provider"),
        (["--model", "openai/my-model", "--api-base", "http://127.0.0.1:9/v1"], "cannot connect"),
        (["--model", "gpt-4o-mini"], "set OPENAI_API_KEY in the environment"),
    ],
)
def test_unusable_models_are_refused_before_the_run(tmp_path, capsys, monkeypatch, model_args, expected):
    out = tmp_path / "run"
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, _, err = run_cli(
        ["run", "--out", str(out), "--embedder", "hashing", "--index", "numpy", "--quiet", *model_args], capsys
    )
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1
    assert not (out / "trajectory.jsonl").exists()


def test_interrupting_a_town_that_already_exited_says_so_at_once(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(AssertionError, match="exited with 2 before it was interrupted"):
        interrupt_town(["run", "--agents", "0", "--out", str(out), *FAST], out / "trajectory.jsonl", 20_000)


def test_ctrl_c_stops_cleanly_and_says_what_was_written(tmp_path):
    out = tmp_path / "run"
    trajectory = out / "trajectory.jsonl"
    args = ["run", "--agents", "6", "--hours", "24", "--out", str(out), "--fake-latency", "0.02", *FAST]
    code, err = interrupt_town(args, trajectory, 20_000)
    assert code == 130, err
    assert "interrupted" in err and "trajectory.jsonl" in err
    assert "Traceback" not in err
    lines = trajectory.read_text().splitlines()
    assert json.loads(lines[-1])["type"] == "run_end" and json.loads(lines[-1])["reason"] == "interrupted"
    assert all(json.loads(line) for line in lines)  # every line is whole
    assert json.loads((out / "summary.json").read_text())["reason"] == "interrupted"


def test_bench_retrieval_prints_figures(capsys):
    code, out, _ = run_cli(["bench", "retrieval", "--memories", "3000"], capsys)
    assert code == 0 and "retrieve_ms_median" in out and "memories: 3000" in out


def test_example_config_is_valid():
    from town.runtime.config import load_run_config

    config = load_run_config(ROOT / "examples" / "party-day.yaml")
    assert config.agents == 10 and config.gateway.max_calls == 20000


def test_an_earlier_run_is_never_overwritten_by_accident(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["run", "--hours", "0.1", "--out", str(out), *FAST]
    assert run_cli(args, capsys)[0] == 0
    before = (out / "trajectory.jsonl").read_bytes()
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "already holds a run; choose another folder or pass --overwrite" in err
    assert (out / "trajectory.jsonl").read_bytes() == before
    assert run_cli([*args, "--overwrite", "--seed", "3"], capsys)[0] == 0
    assert (out / "trajectory.jsonl").read_bytes() != before


def test_without_out_each_run_gets_its_own_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli(["run", "--hours", "0.05", *FAST], capsys)[0] == 0
    folders = list((tmp_path / "runs").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("run-")
    assert (folders[0] / "trajectory.jsonl").is_file()


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["run", "--agnets", "3"], "did you mean --agents?"),
        (["run", "--age", "3"], "did you mean --agents?"),  # no abbreviation: --age is not --agents
        (["replay", "somewhere", "--txt"], "did you mean --text?"),
        (["plya"], "did you mean play?"),
        (["map", "chek", "x.tmj"], "did you mean check?"),
    ],
)
def test_a_typo_is_one_line_naming_the_nearest_flag(args, hint, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.count("\n") == 1 and err.startswith("error: town") and hint in err


def test_every_flag_of_play_and_replay_says_what_it_does():
    from town.cli import _parser

    parser = _parser()
    subs = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for command in ("play", "replay", "run"):
        for action in subs.choices[command]._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"town {command} {action.option_strings[0]} has no help"


def test_a_closed_pipe_is_quiet(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "run"
    assert main(["run", "--agents", "3", "--hours", "0.5", "--out", str(out), *FAST]) == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` once head has gone: the first write finds the pipe closed
    try:
        writer = subprocess.run(
            [sys.executable, "-m", "town.cli", "replay", str(out), "--text"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert writer.returncode == 0 and writer.stderr == ""
