"""Reading saves: `load_save` (validating, read-only, every save version), `LoadedSave`, `resolve_save_dir`.

A save (version 3; `save_writer` writes it) is a directory:

    manifest.json               format, save version, seed, tick, game time, run config, map checksum, agents, and
                                each file's checksum (for a log: of the length it vouches for)
    state-NNNNNN/world.json     the engine state (bodies, objects, conversations, queued inputs, perception memory)
    state-NNNNNN/runtime.json   RNG streams, run totals, gateway usage, operations in flight with their outcomes
    state-NNNNNN/minds.jsonl    one line per agent: its mind (persona included) without its memory records
    state-NNNNNN/memory_columns.npy  per record, agent by agent: importance, scored, last access (int32)
    memory.jsonl                append-only: one line per memory record, what never changes about it
    memory_vectors.f32          append-only: the records' embeddings in the log's order, little-endian float32
    importance_scores.jsonl     append-only: [agent, text, score] for each importance score a mind learned
    trajectory.jsonl            append-only: the event log up to the save's tick
    llm_cache.jsonl             append-only: the record/replay cache (when the run keeps one)

Versions 1 and 2 kept world.json, runtime.json, agents/NNN.json (a mind with its records) and agents/NNN.npy; they
still load, through the upgraders. Only JSON, .npy (read with allow_pickle=False) and raw float32 — nothing in a save
can run code. Loading checks every file against its schema and the manifest's checksum and raises `SaveError` with
one line naming the file and the problem; it never writes. A log longer than its manifest says is a save interrupted
while appending: only the part the manifest vouches for is read, and readers of the save's trajectory and cache
copy only that part (`LoadedSave.copy_log`).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
from pydantic import BaseModel, ValidationError

from agents.settings_files import describe_validation_error
from agents.state import MindState
from town.core.errors import SaveError
from town.core.input_files import SAVE_FILE, decode_utf8, parse_json
from town.core.state import EngineState
from town.persistence.manifest import (
    APPEND_ONLY,
    LLM_CACHE,
    MANIFEST,
    MANIFESTS,
    MEMORY_LOG,
    SAVE_FILE_NAMES,
    SAVE_FORMAT,
    SAVE_VERSION,
    SCORE_LOG,
    STATE_FILES,
    TRAJECTORY,
    VECTOR_LOG,
    FileEntry,
    Manifest,
)
from town.persistence.save_memory import assemble_memory, assemble_scores, copy_prefix, read_prefix
from town.persistence.save_upgrades import UPGRADERS
from town.runtime.sim_state import RuntimeState, SimulationState

M = TypeVar("M", bound=BaseModel)

# The only files a version 1 or 2 save holds; a manifest naming anything else is damaged or edited.
OLD_SAVE_FILE_NAMES = re.compile(r"(world|runtime)\.json|agents/\d{3,6}\.(json|npy)|(trajectory|llm_cache)\.jsonl")


@dataclass
class LoadedSave:
    """A checked save: its manifest, typed state, each agent's embeddings, and where its trajectory and cache are.

    `log_bytes` is how much of each log the manifest vouches for; read the trajectory and cache through
    `copy_log` or with the length, never whole (an interrupted append may have left more after it).
    """

    path: Path
    manifest: Manifest
    state: SimulationState
    vectors: list[np.ndarray]
    trajectory: Path | None
    cache: Path | None
    log_bytes: dict[str, int] = field(default_factory=dict)

    def copy_log(self, which: Path, target: Path) -> None:
        """Copy the save's trajectory or cache (`which`, one of the two paths) to `target`, as far as it is saved."""
        copy_prefix(which, target, self.log_bytes[which.name])


def file_sha256(path: Path, size: int | None = None) -> str:
    """The sha256 of the file, or of its first `size` bytes."""
    digest = hashlib.sha256()
    left = size if size is not None else -1
    with path.open("rb") as handle:
        while left != 0:
            block = handle.read(1 << 20 if left < 0 else min(1 << 20, left))
            if not block:
                break
            digest.update(block)
            left -= len(block) if left > 0 else 0
    return digest.hexdigest()


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
    names = SAVE_FILE_NAMES if version >= 3 else OLD_SAVE_FILE_NAMES
    for name, entry in claimed.files.items():
        _check_file(root, name, entry, names, appended=version >= 3 and name in APPEND_ONLY)
    digests: dict[str, str] = {}
    if version >= 3:
        raw, vectors = _read_version_3(root, cast(Manifest, claimed), digests)
    else:
        raw = {name: _read_json(root, name, digests) for name in claimed.files if name.endswith(".json")}
    raw[MANIFEST] = raw_manifest
    for from_version in range(version, SAVE_VERSION):
        raw = UPGRADERS[from_version](raw)
    manifest = cast(Manifest, _validated(MANIFESTS[SAVE_VERSION], raw[MANIFEST], root, MANIFEST))
    engine = _validated(EngineState, raw.get("world.json"), root, _named(claimed, "world.json"))
    runtime = _validated(RuntimeState, raw.get("runtime.json"), root, _named(claimed, "runtime.json"))
    minds = []
    for index in range(len(manifest.agents)):
        name = f"agents/{index:03d}.json"
        if name not in raw:
            raise SaveError(f"save {root}: {name} is missing from the manifest")
        minds.append(_validated(MindState, raw[name], root, name if version < 3 else _mind_line(claimed, index)))
    if version < 3:
        vectors = [_read_npy(root, f"agents/{i:03d}.npy", len(m.memory.records)) for i, m in enumerate(minds)]
    if [m.persona.name for m in minds] != manifest.agents:
        raise SaveError(f"save {root}: {MANIFEST}: agents do not match the agents' minds")
    for flight in runtime.flights:
        if flight.agent >= len(minds):
            raise SaveError(f"save {root}: {_named(claimed, 'runtime.json')}: an operation in flight names agent "
                            f"{flight.agent}")  # fmt: skip
    names_in_world = set(engine.world.bodies)
    present = {m.persona.name for m in minds if not m.lanes.departed}
    if runtime.started and names_in_world != present:
        raise SaveError(f"save {root}: {_named(claimed, 'world.json')}: bodies do not match the save's agents")
    if claimed.checksum != claimed.content_sha256():
        raise SaveError(f"save {root}: {MANIFEST} does not match its own checksum (damaged or edited)")
    for name, entry in claimed.files.items():
        if name in digests and digests[name] != entry.sha256:
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
        trajectory=root / TRAJECTORY if TRAJECTORY in claimed.files else None,
        cache=root / LLM_CACHE if LLM_CACHE in claimed.files else None,
        log_bytes={name: entry.bytes for name, entry in claimed.files.items() if name in (TRAJECTORY, LLM_CACHE)},
    )


def _read_version_3(root: Path, manifest: Manifest, digests: dict[str, str]) -> tuple[dict[str, Any], list[np.ndarray]]:
    """The state folder's JSON and the minds with their records put back (as versions 1-2 kept them); embeddings."""
    folders = {name.partition("/")[0] for name in manifest.files if "/" in name}
    if len(folders) != 1 or {f"{next(iter(folders))}/{part}" for part in STATE_FILES} - set(manifest.files):
        raise SaveError(f"save {root}: {MANIFEST} must name one state folder with {', '.join(STATE_FILES)}")
    folder = next(iter(folders))
    if manifest.embedding_dim is None:
        raise SaveError(f"save {root}: {MANIFEST}: embedding_dim is missing")
    raw: dict[str, Any] = {
        "world.json": _read_json(root, f"{folder}/world.json", digests),
        "runtime.json": _read_json(root, f"{folder}/runtime.json", digests),
    }
    where = f"save {root}"
    minds_blob = (root / folder / "minds.jsonl").read_bytes()
    lines = [line for line in minds_blob.split(b"\n") if line.strip()]
    minds = [parse_json(decode_utf8(line, f"{where}: {folder}/minds.jsonl", SaveError),
                        f"{where}: {folder}/minds.jsonl line {n}", SaveError, SAVE_FILE)
             for n, line in enumerate(lines, start=1)]  # fmt: skip
    if len(minds) != len(manifest.agents):
        raise SaveError(f"{where}: {folder}/minds.jsonl holds {len(minds)} minds for {len(manifest.agents)} agents")
    columns = _load_npy(root, f"{folder}/memory_columns.npy")
    log = read_prefix(root / MEMORY_LOG, manifest.files[MEMORY_LOG].bytes) if MEMORY_LOG in manifest.files else b""
    rows = read_prefix(root / VECTOR_LOG, manifest.files[VECTOR_LOG].bytes) if VECTOR_LOG in manifest.files else b""
    vectors = assemble_memory(where, minds, log, rows, columns, manifest.embedding_dim)
    scores = read_prefix(root / SCORE_LOG, manifest.files[SCORE_LOG].bytes) if SCORE_LOG in manifest.files else b""
    assemble_scores(where, minds, scores)
    raw.update({f"agents/{index:03d}.json": mind for index, mind in enumerate(minds)})
    return raw, vectors


def _named(manifest: Any, name: str) -> str:
    """The file a part of the state was read from: `world.json`, or in version 3 `state-NNNNNN/world.json`."""
    return next((listed for listed in manifest.files if listed.endswith(f"/{name}")), name)


def _mind_line(manifest: Any, index: int) -> str:
    return f"{_named(manifest, 'minds.jsonl')} line {index + 1}"


def _check_file(root: Path, name: str, entry: FileEntry, names: re.Pattern[str], *, appended: bool) -> None:
    """The file is there, a plain file of the listed size (a log at least that long), and — unless JSON — its checksum.

    A log's checksum is of the listed length only: what an interrupted append left after it is not part of the save.
    """
    path = root / name
    if ".." in Path(name).parts or Path(name).is_absolute():
        raise SaveError(f"save {root}: {MANIFEST} names a file outside the save ({name})")
    if not names.fullmatch(name):
        raise SaveError(f"save {root}: {MANIFEST} names a file a save does not hold ({name[:60]!r})")
    if path.is_symlink() or any(parent.is_symlink() for parent in path.parents if parent.is_relative_to(root)):
        raise SaveError(f"save {root}: {name} is a link; a save holds its own files only (copy the file in)")
    if not path.is_file():
        raise SaveError(f"save {root}: {name} is missing")
    size = path.stat().st_size
    if size != entry.bytes and not (appended and size > entry.bytes):
        raise SaveError(f"save {root}: {name} has {size} bytes, the manifest says {entry.bytes} (truncated or damaged)")
    if name.endswith(".json"):
        return  # JSON files are checked against their schema first, then against the checksum (a clearer message)
    if file_sha256(path, entry.bytes) != entry.sha256:
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


def _load_npy(root: Path, name: str) -> np.ndarray:
    path = root / name
    if not path.is_file():
        raise SaveError(f"save {root}: {name} is missing")
    try:
        return np.load(io.BytesIO(path.read_bytes()), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise SaveError(f"save {root}: {name} is not a readable .npy file ({exc})") from None


def _read_npy(root: Path, name: str, rows: int) -> np.ndarray:
    matrix = _load_npy(root, name)
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.dtype != np.float32:
        raise SaveError(
            f"save {root}: {name}: expected {rows} float32 embedding rows, found shape {matrix.shape} {matrix.dtype}"
        )
    if not np.isfinite(matrix).all():
        raise SaveError(f"save {root}: {name}: embeddings contain NaN or infinity")
    return matrix
