"""Resume is exact: a run continued from a save writes the same trajectory as one that never stopped."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import fake_config
from town.persistence.runner import run_headless
from town.persistence.saves import load_save
from town.persistence.saving import load_for_resume

FAKE = ["--model", "fake", "--embedder", "hashing", "--index", "numpy", "--quiet"]


def test_resuming_an_autosave_continues_to_the_same_trajectory(tmp_path):
    whole = fake_config(tmp_path / "whole", agents=5, hours=2, seed=4, autosave_minutes=0)
    asyncio.run(run_headless(whole))

    first = fake_config(tmp_path / "first", agents=5, hours=2, seed=4, autosave_minutes=7, save_dir=tmp_path / "s")
    asyncio.run(run_headless(first))
    saved = load_save(tmp_path / "s")
    assert saved.manifest.tick == 7 * 6 * 17  # the last autosave before the end (tick 720)
    assert saved.state.runtime.flights, "this cut point has operations in flight, which the save must carry"

    config, loaded = load_for_resume(tmp_path / "s", {"out": tmp_path / "resumed"})
    result = asyncio.run(run_headless(config, resume=loaded))
    assert result.totals["ticks"] == 720
    assert (tmp_path / "resumed" / "trajectory.jsonl").read_bytes() == whole.out.joinpath(
        "trajectory.jsonl"
    ).read_bytes()
    assert (
        json.loads((tmp_path / "resumed" / "summary.json").read_text())["totals"]
        == json.loads(whole.out.joinpath("summary.json").read_text())["totals"]
    )


def _last_tick(trajectory: Path) -> int:
    tick = 0
    for line in trajectory.read_text(encoding="utf-8").splitlines():
        try:
            tick = json.loads(line)["tick"]
        except json.JSONDecodeError:
            break  # the torn last line of a killed run
    return tick


def test_kill_9_then_resume_loses_at_most_the_autosave_interval_and_ends_the_same(tmp_path):
    # Twelve game hours: the victim is killed at its first autosave past tick 300, thousands of ticks before its end,
    # so however fast a machine runs the town it cannot finish in the moment between the save and the kill.
    hours = 12
    common = [*FAKE, "--agents", "4", "--hours", str(hours), "--seed", "2"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    subprocess.run(
        [sys.executable, "-m", "town.cli", "run", *common, "--out", "whole", "--autosave", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    # A fixed fake latency keeps the victim's calls as slow as a server's.
    victim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "town.cli",
            "run",
            *common,
            "--out",
            "victim",
            "--autosave",
            "5",
            "--save-dir",
            "save",
            "--fake-latency",
            "0.004",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    manifest = tmp_path / "save" / "manifest.json"
    deadline = time.time() + 120
    while time.time() < deadline and not (manifest.exists() and json.loads(manifest.read_text())["tick"] >= 300):
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL

    reached = _last_tick(tmp_path / "victim" / "trajectory.jsonl")
    saved_tick = load_save(tmp_path / "save").manifest.tick
    assert reached < hours * 360, "the run was killed before it finished"
    assert reached - saved_tick <= 5 * 6, "lost more than the autosave interval"

    done = subprocess.run(
        [sys.executable, "-m", "town.cli", "run", "--resume", "save", "--out", "resumed", "--quiet"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    whole = (tmp_path / "whole" / "trajectory.jsonl").read_bytes().splitlines()
    resumed = (tmp_path / "resumed" / "trajectory.jsonl").read_bytes().splitlines()
    # The victim logged its own fake latency in the run's config line; every event after it is identical.
    assert resumed[1:] == whole[1:] and len(whole) > 1000
