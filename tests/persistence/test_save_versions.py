"""Saves of every version keep loading: a version-1 save written by this town is a fixture, never regenerated.

When the save format changes, bump SAVE_VERSION, add the upgrader from the previous version, and keep this fixture as
it is: the test then proves that upgrader works on a real old save.
"""

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from town.core.errors import SaveError
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


def test_the_version_1_manifest_lacks_a_field_of_the_current_version_and_is_checked_as_version_1():
    """The fixture's manifest has no `written_by` (version 2 added it): it must load as an older save, not as damage."""
    raw = json.loads((FIXTURE / "manifest.json").read_text())
    assert "written_by" not in raw and "written_by" in saves.Manifest.model_fields
    loaded = load_save(FIXTURE)
    assert loaded.manifest.save_version == saves.SAVE_VERSION == 2
    assert loaded.manifest.written_by.startswith("unknown")
    assert raw["config"]["engine"]["turn_timeout_ticks"] == 12  # version 1 counted silence in ticks of 10 s
    assert loaded.manifest.config["engine"]["turn_timeout_minutes"] == 2.0
    mei = loaded.state.minds[0]  # version 1 kept the mind flat; the upgrade groups it by component
    assert mei.agenda.plan_version == json.loads((FIXTURE / "agents/000.json").read_text())["plan_version"]
    assert [s.action for s in mei.agenda.steps] == [
        step[1] for step in json.loads((FIXTURE / "agents/000.json").read_text())["steps"]
    ]


def test_a_current_save_whose_manifest_lacks_a_current_field_is_refused(tmp_path):
    from agents.llm.fakes import SchemaFakeModel
    from town.persistence.saving import save_simulation, simulation_from_save

    config, loaded = load_for_resume(FIXTURE, {"out": tmp_path / "run", "save_dir": tmp_path / "saves"})
    sim = simulation_from_save(config, loaded, model=SchemaFakeModel())
    written = asyncio.run(save_simulation(sim, config, tmp_path / "again"))
    manifest = json.loads((written / "manifest.json").read_text())
    assert manifest["save_version"] == 2 and manifest["written_by"].startswith("willowbrook-town")
    del manifest["written_by"]
    (written / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SaveError, match="manifest.json: field 'written_by' is required"):
        load_save(written)


def test_older_saves_pass_through_every_upgrader_in_order(tmp_path, monkeypatch):
    """A pretend version 3 (one more manifest field): the version-1 fixture goes through 1->2 (real) then 2->3."""
    save = tmp_path / "save"
    shutil.copytree(FIXTURE, save)
    seen = []

    class ManifestV3(saves.Manifest):
        shelf: str

    def two_to_three(raw):
        seen.append(raw["manifest.json"]["save_version"])
        raw["manifest.json"] = {**raw["manifest.json"], "save_version": 3, "shelf": "top"}
        return raw

    real = saves.UPGRADERS[1]

    def one_to_two(raw):
        seen.append(raw["manifest.json"]["save_version"])
        return real(raw)

    monkeypatch.setattr(saves, "SAVE_VERSION", 3)
    monkeypatch.setattr(saves, "UPGRADERS", {1: one_to_two, 2: two_to_three})
    monkeypatch.setattr(saves, "MANIFESTS", {**saves.MANIFESTS, 3: ManifestV3})
    loaded = load_save(save)
    assert seen == [1, 2] and loaded.manifest.save_version == 3 and loaded.manifest.shelf == "top"
