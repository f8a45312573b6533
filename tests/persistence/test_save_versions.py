"""Saves of every version keep loading: a version-1 and a version-2 save written by this town are fixtures, never
regenerated.

When the save format changes, bump SAVE_VERSION, add the upgrader from the previous version, add a save the previous
version wrote as a fixture and keep the older ones as they are: the tests then prove every upgrader on real old saves.
"""

import asyncio
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from town.core.errors import SaveError
from town.persistence import saves
from town.persistence.runner import run_headless
from town.persistence.saves import load_save
from town.persistence.saving import load_for_resume

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "save-v1"
FIXTURE_V2 = Path(__file__).resolve().parents[1] / "fixtures" / "save-v2"


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
    assert loaded.manifest.save_version == saves.SAVE_VERSION == 3
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
    assert manifest["save_version"] == 3 and manifest["written_by"].startswith("willowbrook-town")
    assert manifest["embedding_dim"] == 384
    del manifest["embedding_dim"]
    (written / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SaveError, match="manifest.json: field 'embedding_dim' is required"):
        load_save(written)


def test_the_version_2_fixture_loads_with_every_record_and_embedding_and_resumes(tmp_path):
    """Version 2 kept each mind's records in agents/NNN.json and its embeddings in agents/NNN.npy."""
    raw = json.loads((FIXTURE_V2 / "manifest.json").read_text())
    assert raw["save_version"] == 2 and "embedding_dim" not in raw
    loaded = load_save(FIXTURE_V2)
    assert loaded.manifest.save_version == 3 and loaded.manifest.embedding_dim is None
    for index, (mind, vectors) in enumerate(zip(loaded.state.minds, loaded.vectors, strict=True)):
        saved = json.loads((FIXTURE_V2 / f"agents/{index:03d}.json").read_text())["memory"]["records"]
        assert [(r.text, r.importance, r.scored) for r in mind.memory.records] == [
            (r["text"], r["importance"], r["scored"]) for r in saved
        ]
        assert np.array_equal(vectors, np.load(FIXTURE_V2 / f"agents/{index:03d}.npy"))
    assert sum(len(m.memory.records) for m in loaded.state.minds) == 59
    config, loaded = load_for_resume(FIXTURE_V2, {"out": tmp_path / "resumed", "save_dir": tmp_path / "s"})
    result = asyncio.run(run_headless(config, resume=loaded))
    assert result.reason == "completed" and result.totals["ticks"] == 360
    log = (tmp_path / "resumed" / "trajectory.jsonl").read_bytes()
    assert log.startswith((FIXTURE_V2 / "trajectory.jsonl").read_bytes())
    again = load_save(tmp_path / "s")  # its autosaves are version 3 and hold the upgraded records too
    assert again.manifest.save_version == 3 and (tmp_path / "s" / "memory.jsonl").is_file()
    assert [r.text for r in again.state.minds[0].memory.records[:13]] == [
        r.text for r in loaded.state.minds[0].memory.records
    ]


def test_older_saves_pass_through_every_upgrader_in_order(tmp_path, monkeypatch):
    """A pretend version 4 (one more manifest field): the version-1 fixture goes through 1->2, 2->3 (real), 3->4."""
    save = tmp_path / "save"
    shutil.copytree(FIXTURE, save)
    seen = []

    class ManifestV4(saves.Manifest):
        shelf: str

    def three_to_four(raw):
        seen.append(raw["manifest.json"]["save_version"])
        raw["manifest.json"] = {**raw["manifest.json"], "save_version": 4, "shelf": "top"}
        return raw

    def recorded(real):
        def upgrade(raw):
            seen.append(raw["manifest.json"]["save_version"])
            return real(raw)

        return upgrade

    upgraders = {version: recorded(real) for version, real in saves.UPGRADERS.items()}
    monkeypatch.setattr(saves, "SAVE_VERSION", 4)
    monkeypatch.setattr(saves, "UPGRADERS", {**upgraders, 3: three_to_four})
    monkeypatch.setattr(saves, "MANIFESTS", {**saves.MANIFESTS, 4: ManifestV4})
    loaded = load_save(save)
    assert seen == [1, 2, 3] and loaded.manifest.save_version == 4 and loaded.manifest.shelf == "top"
