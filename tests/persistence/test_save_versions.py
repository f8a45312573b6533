"""Saves of every version keep loading: a version-1 save written by this town is a fixture, never regenerated.

When the save format changes, bump SAVE_VERSION, add the upgrader from the previous version, and keep this fixture as
it is: the test then proves that upgrader works on a real old save.
"""

import asyncio
import json
import shutil
from pathlib import Path

from town.persistence import saves
from town.persistence.runner import run_headless
from town.persistence.saves import load_save
from town.persistence.saving import load_for_resume

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "save-v1"


def test_the_version_1_fixture_loads_and_resumes(tmp_path):
    loaded = load_save(FIXTURE)
    assert json.loads((FIXTURE / "manifest.json").read_text())["save_version"] == 1
    assert loaded.manifest.tick == 60 and [m.persona.id for m in loaded.state.minds] == [
        "mei-lin",
        "jonah-price",
    ]
    config, loaded = load_for_resume(FIXTURE, {"out": tmp_path / "resumed", "save_dir": tmp_path / "s"})
    result = asyncio.run(run_headless(config, resume=loaded))
    assert result.reason == "completed" and result.totals["ticks"] == 90
    log = (tmp_path / "resumed" / "trajectory.jsonl").read_bytes()
    assert log.startswith((FIXTURE / "trajectory.jsonl").read_bytes())
    assert json.loads(log.splitlines()[-1])["type"] == "run_end"


def test_older_saves_pass_through_every_upgrader_in_order(tmp_path, monkeypatch):
    save = tmp_path / "save"
    shutil.copytree(FIXTURE, save)
    seen = []

    def one_to_two(raw):
        seen.append(raw["manifest.json"]["save_version"])
        raw["manifest.json"] = {**raw["manifest.json"], "save_version": 2}
        return raw

    monkeypatch.setattr(saves, "SAVE_VERSION", 2)
    monkeypatch.setattr(saves, "UPGRADERS", {1: one_to_two})
    loaded = load_save(save)
    assert seen == [1] and loaded.manifest.save_version == 2
