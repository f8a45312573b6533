"""Save directories: `write_save` (atomic), `load_save` (validating, read-only), `Manifest` and the version upgrader.

A save is a directory:

    manifest.json        format, save version, seed, tick, game time, run config, map checksum, agents, file checksums
    world.json           the engine state (bodies, objects, conversations, queued inputs, perception memory)
    runtime.json         RNG streams, run totals, gateway usage, operations in flight with their outcomes
    agents/NNN.json      one agent's mind and memory records (persona included)
    agents/NNN.npy       that agent's memory embeddings, float32, one row per record
    trajectory.jsonl     the event log up to the save's tick
    llm_cache.jsonl      the record/replay cache (when the run keeps one)

Only JSON and .npy (read with allow_pickle=False) — nothing in a save can run code. It is written into a temporary
sibling directory and renamed into place, so a crash leaves either the old save or the new one, never half of one.
Loading checks every file against its schema and the manifest's checksum and raises `SaveError` with one line naming the
file and the problem; it never writes.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
from pydantic import BaseModel, ValidationError

from agents.settings_files import describe_validation_error
from agents.state import MindState
from town.core.errors import SaveError
from town.core.input_files import SAVE_FILE, decode_utf8, parse_json
from town.core.state import EngineState
from town.persistence.folders import foreign_in_save
from town.persistence.manifest import MANIFEST, MANIFESTS, SAVE_FORMAT, SAVE_VERSION, FileEntry, Manifest, writer
from town.persistence.save_upgrades import UPGRADERS
from town.runtime.sim_state import RuntimeState, SimulationState

M = TypeVar("M", bound=BaseModel)

# The only files a save holds (see the module docstring); a manifest naming anything else is damaged or edited.
SAVE_FILE_NAME = re.compile(r"(world|runtime)\.json|agents/\d{3,6}\.(json|npy)|(trajectory|llm_cache)\.jsonl")


@dataclass
class LoadedSave:
    path: Path
    manifest: Manifest
    state: SimulationState
    vectors: list[np.ndarray]
    trajectory: Path | None
    cache: Path | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- writing -----------------------------------------------------------------------------------------------------------
def write_save(
    dest: Path,
    state: SimulationState,
    vectors: list[np.ndarray],
    *,
    seed: int,
    game_time: str,
    config: dict[str, Any],
    map_sha256: str,
    trajectory: Path | None = None,
    cache: Path | None = None,
) -> Path:
    """Write the save to `dest` atomically (replacing an earlier save there) and return `dest`."""
    dest = Path(dest)
    parent = dest.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"save {dest}: cannot create {parent} ({exc.strerror})") from None
    _remove_leftovers(dest)
    tmp = parent / f".{dest.name}.tmp-{os.getpid()}"
    try:
        files = _write_files(tmp, state, vectors, trajectory, cache)
        manifest = Manifest(
            save_version=SAVE_VERSION,
            seed=seed,
            tick=state.engine.tick,
            game_time=game_time,
            config=config,
            map_sha256=map_sha256,
            agents=[m.persona.name for m in state.minds],
            files=files,
            written_by=writer(),
        )
        manifest.checksum = manifest.content_sha256()
        _write_bytes(tmp / MANIFEST, (manifest.model_dump_json(indent=2) + "\n").encode())
        _fsync_dir(tmp)
        _swap_into_place(tmp, dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise SaveError(f"save {dest}: could not be written ({exc.strerror}); the previous save is unchanged") from None
    except SaveError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _write_files(
    tmp: Path, state: SimulationState, vectors: list[np.ndarray], trajectory: Path | None, cache: Path | None
) -> dict[str, FileEntry]:
    (tmp / "agents").mkdir(parents=True)
    blobs: dict[str, bytes] = {
        "world.json": state.engine.model_dump_json().encode(),
        "runtime.json": state.runtime.model_dump_json().encode(),
    }
    for index, (mind, matrix) in enumerate(zip(state.minds, vectors, strict=True)):
        blobs[f"agents/{index:03d}.json"] = mind.model_dump_json().encode()
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(matrix, dtype=np.float32), allow_pickle=False)
        blobs[f"agents/{index:03d}.npy"] = buffer.getvalue()
    files: dict[str, FileEntry] = {}
    for name, blob in blobs.items():
        _write_bytes(tmp / name, blob)
        files[name] = FileEntry(sha256=hashlib.sha256(blob).hexdigest(), bytes=len(blob))
    for name, source in (("trajectory.jsonl", trajectory), ("llm_cache.jsonl", cache)):
        if source is not None and source.exists():
            shutil.copyfile(source, tmp / name)
            _fsync_file(tmp / name)
            files[name] = FileEntry(sha256=file_sha256(tmp / name), bytes=(tmp / name).stat().st_size)
    _fsync_dir(tmp / "agents")
    return files


def _write_bytes(path: Path, blob: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(blob)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Rename the finished save over `dest`; the old one is moved aside first and removed only after.

    Only a save town wrote is ever replaced: a `dest` holding anything its manifest does not list is refused.
    """
    old = dest.parent / f".{dest.name}.old-{os.getpid()}"
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise SaveError(f"save {dest}: is a file or a link, not a save folder; nothing was replaced")
    foreign = foreign_in_save(dest) if dest.exists() else None
    if foreign is not None:
        raise SaveError(f"save {dest}: {foreign}; nothing was replaced")
    if dest.exists():
        os.rename(dest, old)
    os.rename(tmp, dest)
    _fsync_dir(dest.parent)
    shutil.rmtree(old, ignore_errors=True)


def _remove_leftovers(dest: Path) -> None:
    """Temporary directories of a save interrupted by a crash; an old copy is kept only if `dest` itself is missing."""
    for leftover in dest.parent.glob(f".{dest.name}.*-*"):
        kind, _, pid = leftover.name.removeprefix(f".{dest.name}.").partition("-")
        if kind not in ("tmp", "old") or not pid.isdigit() or leftover.is_symlink():
            continue  # not a name this module writes
        if kind == "tmp" or (dest / MANIFEST).exists():
            shutil.rmtree(leftover, ignore_errors=True)


def resolve_save_dir(path: Path) -> Path:
    """`path`, or the previous copy a crash left beside it between the two renames of an atomic save."""
    if (path / MANIFEST).exists():
        return path
    previous = sorted(path.parent.glob(f".{path.name}.old-*"))
    if previous and (previous[-1] / MANIFEST).exists():
        return previous[-1]
    if not path.exists():
        raise SaveError(f"save {path}: no such directory")
    if (path / "trajectory.jsonl").exists():
        hint = Path("saves") / path.name
        where = f"; its autosave is {hint}" if (hint / MANIFEST).exists() else "; its autosaves are under saves/"
        raise SaveError(f"save {path}: this is a run folder, not a save{where}")
    raise SaveError(f"save {path}: not a save (no {MANIFEST}); give a directory written by town")


# -- loading -----------------------------------------------------------------------------------------------------------
def load_save(path: str | Path) -> LoadedSave:
    """Read and check a whole save; any problem is a `SaveError` naming the file. Never writes."""
    root = resolve_save_dir(Path(path))
    if (root / MANIFEST).is_symlink():
        raise SaveError(f"save {root}: {MANIFEST} is a link; a save holds its own files only (copy the file in)")
    raw_manifest = _read_json(root, MANIFEST)
    if not isinstance(raw_manifest, dict) or raw_manifest.get("format") != SAVE_FORMAT:
        raise SaveError(f"save {root}: {MANIFEST} is not a town save manifest")
    version = raw_manifest.get("save_version")
    if not isinstance(version, int) or version < 1:
        raise SaveError(f"save {root}: {MANIFEST}: save_version must be a positive integer, not {version!r}")
    if version > SAVE_VERSION:
        raise SaveError(
            f"save {root}: save version {version} is newer than this town reads ({SAVE_VERSION}); upgrade town"
        )
    claimed = _validated(MANIFESTS[version], raw_manifest, root, MANIFEST)  # as written, before any upgrade
    for name, entry in claimed.files.items():
        _check_file(root, name, entry)
    digests: dict[str, str] = {}
    raw = {name: _read_json(root, name, digests) for name in claimed.files if name.endswith(".json")}
    raw[MANIFEST] = raw_manifest
    for from_version in range(version, SAVE_VERSION):
        raw = UPGRADERS[from_version](raw)
    manifest = cast(Manifest, _validated(MANIFESTS[SAVE_VERSION], raw[MANIFEST], root, MANIFEST))
    engine = _validated(EngineState, raw.get("world.json"), root, "world.json")
    runtime = _validated(RuntimeState, raw.get("runtime.json"), root, "runtime.json")
    minds, vectors = [], []
    for index in range(len(manifest.agents)):
        name = f"agents/{index:03d}.json"
        if name not in raw:
            raise SaveError(f"save {root}: {name} is missing from the manifest")
        mind = _validated(MindState, raw[name], root, name)
        matrix = _read_npy(root, f"agents/{index:03d}.npy", len(mind.memory.records))
        minds.append(mind)
        vectors.append(matrix)
    if [m.persona.name for m in minds] != manifest.agents:
        raise SaveError(f"save {root}: {MANIFEST}: agents do not match the agents/ files")
    for flight in runtime.flights:
        if flight.agent >= len(minds):
            raise SaveError(f"save {root}: runtime.json: an operation in flight names agent {flight.agent}")
    names = set(engine.world.bodies)
    present = {m.persona.name for m in minds if not m.lanes.departed}
    if runtime.started and names != present:
        raise SaveError(f"save {root}: world.json: bodies do not match the save's agents")
    if claimed.checksum != claimed.content_sha256():
        raise SaveError(f"save {root}: {MANIFEST} does not match its own checksum (damaged or edited)")
    for name, entry in manifest.files.items():
        if name.endswith(".json") and digests[name] != entry.sha256:
            raise SaveError(f"save {root}: {name} does not match its checksum in the manifest (damaged or edited)")
    try:
        state = SimulationState(engine=engine, minds=minds, runtime=runtime)
    except ValidationError as exc:
        raise SaveError(f"save {root}: {describe_validation_error(exc)}") from None
    return LoadedSave(
        path=root,
        manifest=manifest,
        state=state,
        vectors=vectors,
        trajectory=root / "trajectory.jsonl" if "trajectory.jsonl" in manifest.files else None,
        cache=root / "llm_cache.jsonl" if "llm_cache.jsonl" in manifest.files else None,
    )


def _check_file(root: Path, name: str, entry: FileEntry) -> None:
    path = root / name
    if ".." in Path(name).parts or Path(name).is_absolute():
        raise SaveError(f"save {root}: {MANIFEST} names a file outside the save ({name})")
    if not SAVE_FILE_NAME.fullmatch(name):
        raise SaveError(f"save {root}: {MANIFEST} names a file a save does not hold ({name[:60]!r})")
    if path.is_symlink() or any(parent.is_symlink() for parent in path.parents if parent.is_relative_to(root)):
        raise SaveError(f"save {root}: {name} is a link; a save holds its own files only (copy the file in)")
    if not path.is_file():
        raise SaveError(f"save {root}: {name} is missing")
    size = path.stat().st_size
    if size != entry.bytes:
        raise SaveError(f"save {root}: {name} has {size} bytes, the manifest says {entry.bytes} (truncated or damaged)")
    if name.endswith(".json"):
        return  # JSON files are checked against their schema first, then against the checksum (a clearer message)
    if file_sha256(path) != entry.sha256:
        raise SaveError(f"save {root}: {name} does not match its checksum in the manifest (damaged or edited)")


def _read_json(root: Path, name: str, digests: dict[str, str] | None = None) -> Any:
    """The parsed file; its sha256 goes into `digests` so the checksum check needs no second read."""
    path = root / name
    try:
        blob = path.read_bytes()
        if digests is not None:
            digests[name] = hashlib.sha256(blob).hexdigest()
    except FileNotFoundError:
        raise SaveError(f"save {root}: {name} is missing") from None
    except OSError as exc:
        raise SaveError(f"save {root}: {name}: cannot read ({exc.strerror})") from None
    where = f"save {root}: {name}"
    return parse_json(decode_utf8(blob, where, SaveError), where, SaveError, SAVE_FILE)


def _validated(model: type[M], raw: Any, root: Path, name: str) -> M:
    if raw is None:
        raise SaveError(f"save {root}: {name} is missing")
    try:
        value = model.model_validate(raw)
    except ValidationError as exc:
        raise SaveError(f"save {root}: {name}: {describe_validation_error(exc)}") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise SaveError(f"save {root}: {name}: {exc}") from None
    return value


def _read_npy(root: Path, name: str, rows: int) -> np.ndarray:
    path = root / name
    if not path.is_file():
        raise SaveError(f"save {root}: {name} is missing (memory embeddings)")
    try:
        matrix = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise SaveError(f"save {root}: {name} is not a readable .npy file ({exc})") from None
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.dtype != np.float32:
        raise SaveError(
            f"save {root}: {name}: expected {rows} float32 embedding rows, found shape {matrix.shape} {matrix.dtype}"
        )
    if not np.isfinite(matrix).all():
        raise SaveError(f"save {root}: {name}: embeddings contain NaN or infinity")
    return matrix
