"""Bad saves fail with one line naming the file and the problem, exit 2, and change nothing on disk."""

import asyncio
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import fake_config
from town.cli import main
from town.core.errors import SaveError
from town.persistence.runner import run_headless
from town.persistence.saves import Manifest, load_save


@pytest.fixture(scope="module")
def good_save(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("good")
    config = fake_config(root, agents=3, hours=0.5, seed=1, autosave_minutes=10, save_dir=root / "save", cache="record")
    asyncio.run(run_headless(config))
    return root / "save"


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def _copy(good_save: Path, tmp_path: Path) -> Path:
    target = tmp_path / "save"
    shutil.copytree(good_save, target)
    return target


def _resume_fails(save: Path, tmp_path: Path, capsys) -> str:
    before = _fingerprint(save)
    code = main(["run", "--resume", str(save), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("error: save ")
    assert _fingerprint(save) == before, "loading must not touch the save"
    assert not (tmp_path / "out").exists(), "a failed resume must not create its run folder"
    return err


def test_the_good_save_loads(good_save):
    loaded = load_save(good_save)
    assert loaded.manifest.tick == 120 and len(loaded.state.minds) == 3
    assert all(v.shape == (len(m.memory.records), 384) for v, m in zip(loaded.vectors, loaded.state.minds, strict=True))


def test_truncated_file(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    world = save / "world.json"
    world.write_bytes(world.read_bytes()[: world.stat().st_size // 2])
    err = _resume_fails(save, tmp_path, capsys)
    assert "world.json" in err and "truncated" in err


def test_wrong_version(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    manifest = json.loads((save / "manifest.json").read_text())
    manifest["save_version"] = 99
    (save / "manifest.json").write_text(json.dumps(manifest))
    err = _resume_fails(save, tmp_path, capsys)
    assert "save version 99 is newer" in err


def test_missing_embeddings(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    (save / "agents" / "001.npy").unlink()
    err = _resume_fails(save, tmp_path, capsys)
    assert "agents/001.npy is missing" in err


def test_hand_edited_field_with_the_wrong_type(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    path = save / "agents" / "002.json"
    mind = json.loads(path.read_text())
    mind["memory"]["records"][0]["importance"] = "very"
    text = json.dumps(mind)
    path.write_text(text)
    manifest = json.loads((save / "manifest.json").read_text())
    manifest["files"]["agents/002.json"]["bytes"] = len(text.encode())  # a careful editor fixes the size too
    manifest["checksum"] = Manifest.model_validate(manifest).content_sha256()
    (save / "manifest.json").write_text(json.dumps(manifest))
    err = _resume_fails(save, tmp_path, capsys)
    assert "agents/002.json" in err and "memory.records.0.importance" in err


def test_not_a_save(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    err = _resume_fails(tmp_path / "empty", tmp_path, capsys)
    assert "not a save" in err


def test_pickled_embeddings_are_refused(good_save, tmp_path):
    save = _copy(good_save, tmp_path)
    objects = np.array([{"boom": 1}], dtype=object)
    np.save(save / "agents" / "000.npy", objects, allow_pickle=True)
    with pytest.raises(SaveError, match="agents/000.npy"):
        load_save(save)


MUTATIONS = st.sampled_from(["truncate", "flip", "delete", "append", "empty"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), mutation=MUTATIONS)
def test_randomly_corrupted_saves_are_rejected_cleanly(good_save, tmp_path_factory, data, mutation):
    save = _copy(good_save, tmp_path_factory.mktemp("corrupt"))
    files = sorted(str(p.relative_to(save)) for p in save.rglob("*") if p.is_file())
    target = save / data.draw(st.sampled_from(files), label="file")
    blob = target.read_bytes()
    if mutation == "truncate":
        target.write_bytes(blob[: data.draw(st.integers(0, max(0, len(blob) - 1)), label="keep")])
    elif mutation == "flip":
        at = data.draw(st.integers(0, len(blob) - 1), label="at")
        bit = data.draw(st.integers(0, 7), label="bit")
        target.write_bytes(blob[:at] + bytes([blob[at] ^ (1 << bit)]) + blob[at + 1 :])
    elif mutation == "delete":
        target.unlink()
    elif mutation == "append":
        target.write_bytes(blob + data.draw(st.binary(min_size=1, max_size=40), label="junk"))
    else:
        target.write_bytes(b"")
    before = _fingerprint(save)
    try:
        load_save(save)
    except SaveError as caught:
        message = str(caught)
    else:
        # Only a change that means nothing may load: whitespace around the manifest's JSON.
        assert target.name == "manifest.json" and mutation in ("truncate", "append")
        assert json.loads(target.read_bytes()) == json.loads(blob)
        return
    assert "\n" not in message and str(save) in message
    assert _fingerprint(save) == before
