"""Where a run's record lies: `find_source` (a run folder or a save: its log, map and personas) and `read_events`.

Replay, fork and the evaluation all start here. A persona folder that cannot be read is not an error (the log and
the map are enough to replay), but it is said: `ReplaySource.problems`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.persona import Persona, load_personas
from town.core.errors import PersonaError, SaveError, TownError
from town.core.input_files import read_jsonl
from town.runtime.config import installed_path


@dataclass
class ReplaySource:
    """Where a replay reads from: a run folder or a save directory."""

    trajectory: Path
    map_path: Path
    personas: list[Persona]
    # What could not be read beside the log (the run's persona folder moved, say): figures that need it are missing.
    problems: list[str] = field(default_factory=list)
    trajectory_bytes: int | None = None  # a save's log is read only as far as its manifest vouches

    def events(self) -> list[dict[str, Any]]:
        return read_events(self.trajectory, self.trajectory_bytes)


def find_source(path: str | Path) -> ReplaySource:
    """A run folder (trajectory.jsonl) or a save directory (manifest.json); the map comes from the logged config."""
    from town.persistence.saves import load_save  # noqa: PLC0415 - only for saves

    path = Path(path)
    if path.is_dir() and (path / "trajectory.jsonl").is_file() and not (path / "manifest.json").exists():
        pass  # a run folder
    elif (path / "manifest.json").exists() or any(path.parent.glob(f".{path.name}.old-*")):
        loaded = load_save(path)  # a save, or the copy a crash left beside it between the two renames
        if loaded.trajectory is None:
            raise SaveError(f"save {path}: holds no trajectory.jsonl to replay")
        return ReplaySource(
            loaded.trajectory,
            installed_path(loaded.manifest.config["map"]),
            [m.persona for m in loaded.state.minds],
            trajectory_bytes=loaded.log_bytes[loaded.trajectory.name],
        )
    trajectory = path if path.is_file() else path / "trajectory.jsonl"
    if not trajectory.is_file():
        raise TownError(f"replay {path}: neither a run folder (trajectory.jsonl) nor a save (manifest.json)")
    first = _first_event(trajectory)
    config = first.get("config", {})
    personas: list[Persona] = []
    problems: list[str] = []
    folder = installed_path(config.get("personas", ""))
    try:
        by_name = {p.name: p for p in load_personas(folder)}
        personas = [by_name[name] for name in first.get("agents", []) if name in by_name]
    except (PersonaError, OSError) as exc:
        # The replay itself needs only the log and the map; who knew whom at the start, and the persona texts, are lost
        # (a folder logged relative to where the run was started, before logs held absolute paths, say).
        problems.append(f"the run's personas ({folder}) cannot be read from here: {exc}")
    return ReplaySource(trajectory, installed_path(config.get("map", "")), personas, problems)


def _first_event(trajectory: Path) -> dict[str, Any]:
    with trajectory.open("rb") as handle:
        first = handle.readline(1 << 20)
    try:
        event = json.loads(first.decode("utf-8"))
    except (ValueError, RecursionError):
        raise TownError(f"replay {trajectory}: the first line is not JSON; is this a town trajectory?") from None
    if not isinstance(event, dict):
        raise TownError(f"replay {trajectory}: the first line is not an event; is this a town trajectory?")
    return event


def read_events(trajectory: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Every complete event of a log (of its first `limit` bytes); a torn last line (a killed run) is left out."""
    events = read_jsonl(trajectory, f"replay {trajectory}", TownError, limit)
    if any(not isinstance(event, dict) for event in events):
        raise TownError(f"replay {trajectory}: holds lines that are not events; is this a town trajectory?")
    return events
