"""Nothing a user owns is at risk: folders town did not write are refused, and a folder in use is locked."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.cli import FAST, fingerprint, log_is_whole, start_town, town, wait_for


def test_a_save_dir_holding_a_users_files_is_refused_and_left_alone(tmp_path):
    mydata = tmp_path / "mydata"
    mydata.mkdir()
    (mydata / "thesis.txt").write_text("three years of work\n")
    before = fingerprint(tmp_path)
    line = town(["run", "--hours", "0.5", "--save-dir", "mydata", *FAST], tmp_path).one_error_line()
    assert "--save-dir mydata: holds files town did not write" in line
    assert fingerprint(tmp_path) == before  # no run folder, no lock file, the thesis untouched


def test_a_relative_save_dir_in_a_config_is_refused_the_same_way(tmp_path):
    (tmp_path / "mydata").mkdir()
    (tmp_path / "mydata" / "thesis.txt").write_text("notes\n")
    (tmp_path / "run.yaml").write_text("hours: 0.5\nmodel: fake\nembedder: hashing\nindex: numpy\nsave_dir: mydata\n")
    before = fingerprint(tmp_path)
    line = town(["run", "--config", "run.yaml", "--quiet"], tmp_path).one_error_line()
    assert "holds files town did not write" in line
    assert fingerprint(tmp_path) == before


def test_a_file_added_to_a_town_save_is_never_deleted_by_the_next_autosave(tmp_path):
    assert town(["run", "--hours", "0.5", "--out", "runs/a", "--save-dir", "s", *FAST], tmp_path).code == 0
    (tmp_path / "s" / "my-notes.md").write_text("keep me\n")
    line = town(["run", "--hours", "0.5", "--out", "runs/b", "--save-dir", "s", *FAST], tmp_path).one_error_line()
    assert "holds files the save does not list (my-notes.md)" in line
    assert (tmp_path / "s" / "my-notes.md").read_text() == "keep me\n"
    assert not (tmp_path / "runs" / "b").exists()


def test_out_holding_a_users_files_is_refused(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "trajectory.jsonl").write_text("my own data, not a town log\n")
    before = fingerprint(tmp_path)
    line = town(["run", "--hours", "0.1", "--out", "docs", *FAST], tmp_path).one_error_line()
    assert "--out docs: holds files town did not write" in line
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize(
    ("out", "save", "expected"),
    [
        ("runs/same", "runs/same", "--out and --save-dir are the same folder"),
        ("runs/x", "runs/x/save", "--save-dir runs/x/save is inside --out runs/x"),
        ("runs/x/inner", "runs/x", "--out runs/x/inner is inside --save-dir runs/x"),
    ],
)
def test_out_and_save_dir_must_differ_and_not_nest(tmp_path, out, save, expected):
    line = town(["run", "--hours", "0.5", "--out", out, "--save-dir", save, *FAST], tmp_path).one_error_line()
    assert expected in line.replace(str(tmp_path) + "/", "")
    assert list(tmp_path.iterdir()) == []


def test_resume_into_the_save_it_resumes_is_refused(tmp_path):
    assert town(["run", "--hours", "0.5", "--out", "runs/a", "--save-dir", "s", *FAST], tmp_path).code == 0
    before = fingerprint(tmp_path)
    done = town(["run", "--resume", "s", "--out", "s", "--overwrite", "--quiet"], tmp_path)
    assert "--out and --resume are the same folder" in done.one_error_line()
    assert fingerprint(tmp_path) == before


def test_two_runs_on_one_folder_never_share_it(tmp_path):
    first = start_town(["run", "--hours", "24", "--out", "runs/r", "--fake-latency", "0.02", *FAST], tmp_path)
    try:
        wait_for((tmp_path / "runs" / "r" / "trajectory.jsonl").exists, "the first run to start")
        second = town(["run", "--hours", "0.1", "--out", "runs/r", "--overwrite", *FAST], tmp_path)
        assert "--out runs/r: in use by another town process (pid " in second.one_error_line()
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    found = log_is_whole(tmp_path / "runs" / "r" / "trajectory.jsonl")
    assert found[0]["type"] == "run_start" and found[-1]["type"] == "run_end"


def test_a_second_run_sharing_only_the_save_dir_is_refused_and_the_first_lives_on(tmp_path):
    args = ["--save-dir", "shared", "--autosave", "5", *FAST]
    first = start_town(["run", "--hours", "24", "--out", "runs/one", "--fake-latency", "0.02", *args], tmp_path)
    try:
        wait_for((tmp_path / "shared" / "manifest.json").exists, "the first autosave")
        second = town(["run", "--hours", "0.2", "--out", "runs/two", *args], tmp_path)
        assert "--save-dir shared: in use by another town process" in second.one_error_line()
        assert not (tmp_path / "runs" / "two").exists()
        assert first.poll() is None  # the first run carries on, its save intact
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert json.loads((tmp_path / "runs" / "one" / "summary.json").read_text())["reason"] == "interrupted"
    log_is_whole(tmp_path / "runs" / "one" / "trajectory.jsonl")
    assert town(["run", "--resume", "shared", "--out", "runs/three", "--hours", "1", "--quiet"], tmp_path).code == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_the_run_like_ctrl_c(tmp_path, sig):
    proc = start_town(["run", "--hours", "24", "--out", "r", "--fake-latency", "0.01", *FAST], tmp_path)
    log = tmp_path / "r" / "trajectory.jsonl"
    wait_for(lambda: log.exists() and log.stat().st_size > 5_000, "the run to get going")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    last = log_is_whole(log)[-1]
    assert last["type"] == "run_end" and last["reason"] == "interrupted" and last["detail"] == sig.name
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["reason"] == "interrupted" and summary["detail"] == sig.name


def test_a_save_that_cannot_be_made_ends_the_run_as_save_failed(tmp_path):
    """A file dropped into the save dir mid-run: the next autosave refuses to replace it and the run says so."""
    proc = start_town(
        ["run", "--hours", "24", "--out", "r", "--save-dir", "s", "--autosave", "5", "--fake-latency", "0.02", *FAST],
        tmp_path,
    )
    wait_for((tmp_path / "s" / "manifest.json").exists, "the first autosave")
    (tmp_path / "s" / "dropped-here.txt").write_text("mine\n")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and err.strip().splitlines()[-1].startswith("error: save s: holds files"), err
    assert (tmp_path / "s" / "dropped-here.txt").read_text() == "mine\n"
    last = log_is_whole(tmp_path / "r" / "trajectory.jsonl")[-1]
    assert last["reason"] == "save_failed" and "dropped-here.txt" in last["detail"]
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["reason"] == "save_failed"


def test_a_full_disk_ends_the_run_with_a_whole_log_and_says_what_is_safe(tmp_path):
    """A real refused write: the process may not grow any file past 40 kB (RLIMIT_FSIZE, as a quota would)."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, resource.RLIM_INFINITY))

    done = town(["run", "--hours", "3", "--out", "r", "--autosave", "0", *FAST], tmp_path, preexec_fn=limit)
    assert done.code == 2 and "Traceback" not in done.err, done.err
    line = done.lines[-1]  # after the start banner: the run had begun
    assert "--out r: File too large writing the run's log" in line and "trajectory.jsonl is whole up to tick" in line
    found = log_is_whole(tmp_path / "r" / "trajectory.jsonl")  # every line parses: the cut tail was dropped
    if found[-1]["type"] == "run_end":
        assert found[-1]["reason"] == "write_failed"
    else:  # the closing line did not fit either, and the message says so
        assert "not written: trajectory.jsonl (File too large)" in line
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["reason"] == "write_failed" and summary["totals"]["ticks"] < 3 * 360


def test_an_out_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    line = town(["run", "--hours", "0.1", "--out", "afile", *FAST], tmp_path).one_error_line()
    assert "--out afile: is a file, not a folder" in line
    line = town(["run", "--hours", "0.1", "--out", "afile/run", *FAST], tmp_path).one_error_line()
    assert "--out afile/run: cannot create the run folder" in line


def test_four_runs_started_together_on_one_empty_folder_leave_one_whole_run(tmp_path):
    """The race of the report (2 of 8 tries both ran): processes started at once, no waiting between them."""
    args = ["run", "--hours", "0.3", "--out", "runs/race", "--save-dir", "saves/race", *FAST]
    procs = [start_town(args, tmp_path) for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    winners = [err for code, err in results if code == 0]
    losers = [err.strip().splitlines() for code, err in results if code != 0]
    assert len(winners) == 1, results
    assert all(
        len(lines) == 1 and ("in use by another town process" in lines[0] or "already holds a run" in lines[0])
        for lines in losers
    ), losers
    found = log_is_whole(tmp_path / "runs" / "race" / "trajectory.jsonl")
    assert sum(e["type"] == "run_start" for e in found) == 1 and found[-1]["type"] == "run_end"


def test_sigterm_closes_town_play_with_the_true_reason(tmp_path):
    args = ["play", "--model", "fake", "--embedder", "hashing", "--index", "numpy", "--agents", "3", "--out", "p"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "town.cli", *args, "--size", "640x400"],
        cwd=tmp_path,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = tmp_path / "p" / "trajectory.jsonl"
    wait_for(lambda: log.exists() and log.stat().st_size > 2_000, "the town to start")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    last = log_is_whole(log)[-1]
    assert last["reason"] == "interrupted" and last["detail"] == "SIGTERM"
    assert json.loads((tmp_path / "p" / "summary.json").read_text())["detail"] == "SIGTERM"


@pytest.mark.parametrize(
    "command",
    [
        ["population", "--n", "4", "--quota", "QUOTA", "--out", "mine", "--embedder", "hashing"],
        ["experiment", "EXPERIMENT", "--out", "mine", "--model", "fake", "--hours", "0.1", "--no-eval"],
        ["eval", "RUN", "--out", "mine", "--embedder", "hashing"],
    ],
)
def test_output_folders_holding_a_users_files_are_refused(tmp_path, command):
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.md").write_text("mine\n")
    if "RUN" in command:
        assert town(["run", "--hours", "0.1", "--out", "r", *FAST], tmp_path).code == 0
    swap = {
        "QUOTA": str(root / "experiments" / "quota-willowbrook.yaml"),
        "EXPERIMENT": str(root / "experiments" / "party-diffusion.yaml"),
        "RUN": "r",
    }
    before = fingerprint(tmp_path)
    line = town([swap.get(part, part) for part in command], tmp_path).one_error_line()
    assert "--out mine: holds files town did not write" in line
    assert fingerprint(tmp_path) == before
