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


def _state(save: Path, name: str) -> Path:
    """A file of the save's current state folder (`state-NNNNNN/name`)."""
    (path,) = save.glob(f"state-*/{name}")
    return path


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
    world = _state(save, "world.json")
    world.write_bytes(world.read_bytes()[: world.stat().st_size // 2])
    err = _resume_fails(save, tmp_path, capsys)
    assert f"{world.parent.name}/world.json" in err and "truncated" in err


def test_a_truncated_log_is_refused(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    log = save / "memory.jsonl"
    log.write_bytes(log.read_bytes()[:-10])
    err = _resume_fails(save, tmp_path, capsys)
    assert "memory.jsonl" in err and "truncated" in err


def test_wrong_version(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    manifest = json.loads((save / "manifest.json").read_text())
    manifest["save_version"] = 99
    (save / "manifest.json").write_text(json.dumps(manifest))
    err = _resume_fails(save, tmp_path, capsys)
    assert "save version 99 is newer" in err


def test_missing_embeddings(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    (save / "memory_vectors.f32").unlink()
    err = _resume_fails(save, tmp_path, capsys)
    assert "memory_vectors.f32 is missing" in err


def _edit(save: Path, name: str, text: str) -> None:
    """Rewrite a file of the save and fix its size and checksum in the manifest, as a careful editor would."""
    (save / name).write_text(text)
    manifest = json.loads((save / "manifest.json").read_text())
    blob = text.encode()
    manifest["files"][name] = {"sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob)}
    manifest["checksum"] = Manifest.model_validate(manifest).content_sha256()
    (save / "manifest.json").write_text(json.dumps(manifest))


def test_hand_edited_field_with_the_wrong_type(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    lines = (save / "memory.jsonl").read_text().splitlines(keepends=True)
    third = next(i for i, line in enumerate(lines) if json.loads(line)["agent"] == 2)
    record = json.loads(lines[third])
    record["kind"] = "dream"
    lines[third] = json.dumps(record) + "\n"
    _edit(save, "memory.jsonl", "".join(lines))
    err = _resume_fails(save, tmp_path, capsys)
    assert "minds.jsonl line 3" in err and "memory.records.0.kind" in err


def test_a_column_out_of_range_is_refused(good_save, tmp_path, capsys):
    save = _copy(good_save, tmp_path)
    path = _state(save, "memory_columns.npy")
    columns = np.load(path)
    columns[0, 0] = 11  # importance is 1-10
    np.save(path, columns)
    manifest = json.loads((save / "manifest.json").read_text())
    name = f"{path.parent.name}/memory_columns.npy"
    manifest["files"][name] = {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "bytes": path.stat().st_size}
    manifest["checksum"] = Manifest.model_validate(manifest).content_sha256()
    (save / "manifest.json").write_text(json.dumps(manifest))
    err = _resume_fails(save, tmp_path, capsys)
    assert "minds.jsonl line 1" in err and "memory.records.0.importance" in err


def test_what_an_interrupted_append_left_after_a_log_is_not_read(good_save, tmp_path):
    """A save killed while appending leaves more bytes in its logs than its manifest lists: the save reads as it was."""
    save = _copy(good_save, tmp_path)
    before = load_save(save)
    for name in ("memory.jsonl", "memory_vectors.f32", "trajectory.jsonl", "llm_cache.jsonl"):
        with (save / name).open("ab") as handle:
            handle.write(b'{"agent": 0, "id": 999, "kind": "thought", "text": "half written')
    after = load_save(save)
    assert after.state == before.state
    assert all(np.array_equal(a, b) for a, b in zip(after.vectors, before.vectors, strict=True))
    after.copy_log(after.trajectory, tmp_path / "copy.jsonl")
    assert (tmp_path / "copy.jsonl").read_bytes() == (good_save / "trajectory.jsonl").read_bytes()


def test_not_a_save(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    err = _resume_fails(tmp_path / "empty", tmp_path, capsys)
    assert "not a save" in err


def test_pickled_embeddings_are_refused(good_save, tmp_path):
    save = _copy(good_save, tmp_path)
    objects = np.array([{"boom": 1}], dtype=object)
    path = _state(save, "memory_columns.npy")
    np.save(path, objects, allow_pickle=True)
    with pytest.raises(SaveError, match="memory_columns.npy"):
        load_save(save)


MUTATIONS = st.sampled_from(["truncate", "flip", "delete", "append", "empty"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), mutation=MUTATIONS)
def test_randomly_corrupted_saves_are_rejected_cleanly(good_save, tmp_path_factory, data, mutation):
    save = _copy(good_save, tmp_path_factory.mktemp("corrupt"))
    files = sorted(str(p.relative_to(save)) for p in save.rglob("*") if p.is_file() and p.stat().st_size)
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
        # Only a change that means nothing may load: whitespace around the manifest's JSON, or bytes after the end of
        # a log (what an interrupted append leaves; the manifest vouches for the log only up to its listed length).
        if target.name in (
            "memory.jsonl",
            "memory_vectors.f32",
            "importance_scores.jsonl",
            "trajectory.jsonl",
            "llm_cache.jsonl",
        ):
            assert mutation == "append"
            return
        assert target.name == "manifest.json" and mutation in ("truncate", "append")
        assert json.loads(target.read_bytes()) == json.loads(blob)
        return
    assert "\n" not in message and str(save) in message
    assert _fingerprint(save) == before
