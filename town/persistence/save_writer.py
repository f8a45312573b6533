"""Writing saves: `SaveWriter`, which writes a run's saves into one folder, each after the first by appending.

A save's first write into a folder is whole: every file goes into a temporary sibling folder that is renamed into
place, so a crash leaves the old save or the new one. Later saves by the same writer append: the new memory records,
their embeddings and the new lines of the trajectory and LLM cache are appended to the logs (which the manifest
vouches for only up to the length it lists), what changes in place — world, runtime, minds, the records' importance
and access columns — goes into a new `state-NNNNNN/` folder, and a new manifest renamed over the old one commits the
save. A crash before that rename leaves the previous manifest, whose logs still begin with exactly the bytes it
checks. A day of 25 agents is ~25,000 records and 40 MB of embeddings; appending writes only the last few minutes'.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.memory import MemoryRecord
from town.core.errors import SaveError
from town.persistence.folders import foreign_in_save
from town.persistence.manifest import (
    LLM_CACHE,
    MANIFEST,
    MEMORY_LOG,
    SAVE_VERSION,
    SCORE_LOG,
    STATE_DIR,
    TRAJECTORY,
    VECTOR_LOG,
    FileEntry,
    Manifest,
    writer,
)
from town.runtime.sim_state import MemoryArrays, SimulationState

# What a mind's line in minds.jsonl leaves out: what the logs hold.
MIND_LOGGED: dict[str, Any] = {"memory": {"records"}, "memory_lane": {"importance_cache"}}
COPY_BLOCK = 1 << 20


@dataclass
class _Log:
    """An append-only file as the last committed manifest lists it: its length and the running checksum to there."""

    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def entry(self) -> FileEntry:
        return FileEntry.model_construct(sha256=self.digest.hexdigest(), bytes=self.size)


@dataclass
class _Committed:
    """What the writer last committed to its folder: enough to append the next save without reading the folder."""

    dest: Path
    manifest_sha256: str
    generation: int
    logs: dict[str, _Log]
    records: list[int]  # memory records in the logs, per agent
    scores: list[int]  # learned importance scores in the log, per agent
    sources: dict[str, Path | None]  # the trajectory and cache files the logs copy


@dataclass(frozen=True)
class SaveInfo:
    """What a save is of: the run's seed, game time, public config and its map's checksum (for the manifest)."""

    seed: int
    game_time: str
    config: dict[str, Any]
    map_sha256: str


class SaveWriter:
    """Writes one run's saves into one folder, appending after the first; owns what it last committed there.

    A writer appends only to a save it wrote itself and finds as it left it (the manifest on disk is the one it
    committed); anything else — a first save, another folder, a save edited or replaced since, a different trajectory
    — is written whole.
    """

    def __init__(self) -> None:
        self._last: _Committed | None = None

    def starts(self, dest: Path, agents: int, trajectory: Path | None, cache: Path | None) -> list[int]:
        """Per agent, the memory records the save at `dest` already holds (all zero when the next save is whole)."""
        last = self._appendable(Path(dest), agents, trajectory, cache)
        return list(last.records) if last is not None else [0] * agents

    def write(
        self,
        dest: Path,
        state: SimulationState,
        memory: Sequence[MemoryArrays],
        info: SaveInfo,
        *,
        trajectory: Path | None = None,
        cache: Path | None = None,
    ) -> Path:
        """Write the save to `dest` (appending when `memory` starts where the last save ended) and return `dest`."""
        dest = Path(dest)
        last = self._appendable(dest, len(state.minds), trajectory, cache)
        grown = last is not None and all(
            len(mind.memory_lane.importance_cache) >= n for mind, n in zip(state.minds, last.scores, strict=True)
        )
        if last is not None and grown and [m.start for m in memory] == last.records:
            foreign = foreign_in_save(dest)
            if foreign is not None:  # the folder is town's only while it holds nothing else: refused as a whole save is
                raise SaveError(f"save {dest}: {foreign}; the previous save is unchanged")
            try:
                self._last = _append(last, state, memory, info, {TRAJECTORY: trajectory, LLM_CACHE: cache})
            except OSError as exc:
                self._last = None  # the next save is whole
                raise SaveError(
                    f"save {dest}: could not be written ({exc.strerror}); the previous save is unchanged"
                ) from None
            return dest
        if any(m.start for m in memory):
            raise ValueError("memory arrays start mid-stream but the save at dest must be written whole")
        self._last = None
        self._last = _write_whole(dest, state, memory, info, {TRAJECTORY: trajectory, LLM_CACHE: cache})
        return dest

    def _appendable(self, dest: Path, agents: int, trajectory: Path | None, cache: Path | None) -> _Committed | None:
        last = self._last
        if last is None or last.dest != dest or len(last.records) != agents:
            return None
        if last.sources != {TRAJECTORY: trajectory, LLM_CACHE: cache}:
            return None
        try:
            if hashlib.sha256((dest / MANIFEST).read_bytes()).hexdigest() != last.manifest_sha256:
                return None
            for name, log in last.logs.items():
                source = last.sources.get(name)
                if (dest / name).stat().st_size < log.size or (source is not None and source.stat().st_size < log.size):
                    return None  # shortened since: not the files this writer appended to
        except OSError:
            return None
        return last


# -- whole saves -------------------------------------------------------------------------------------------------------
def _write_whole(
    dest: Path, state: SimulationState, memory: Sequence[MemoryArrays], info: SaveInfo, sources: dict[str, Path | None]
) -> _Committed:
    parent = dest.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"save {dest}: cannot create {parent} ({exc.strerror})") from None
    _remove_leftovers(dest)
    tmp = parent / f".{dest.name}.tmp-{os.getpid()}"
    fresh = _Committed(dest, "", 0, {}, [0] * len(state.minds), [0] * len(state.minds), dict(sources))
    try:
        tmp.mkdir()
        committed = _commit(tmp, fresh, state, memory, info)
        _swap_into_place(tmp, dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise SaveError(f"save {dest}: could not be written ({exc.strerror}); the previous save is unchanged") from None
    except SaveError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    committed.dest = dest
    return committed


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


# -- appending ---------------------------------------------------------------------------------------------------------
def _append(
    last: _Committed,
    state: SimulationState,
    memory: Sequence[MemoryArrays],
    info: SaveInfo,
    sources: dict[str, Path | None],
) -> _Committed:
    committed = _commit(last.dest, last, state, memory, info)
    for stale in last.dest.iterdir():  # state folders the new manifest no longer names (and any a crash left)
        match = STATE_DIR.fullmatch(stale.name)
        if match and int(match.group(1)) != committed.generation and stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    return committed


def _commit(
    root: Path, last: _Committed, state: SimulationState, memory: Sequence[MemoryArrays], info: SaveInfo
) -> _Committed:
    """Append to the logs in `root`, write the next state folder there, then the manifest naming both."""
    generation = last.generation + 1
    folder = root / f"state-{generation:06d}"
    if folder.exists():
        shutil.rmtree(folder)  # a state folder of an append that failed before its manifest
    folder.mkdir()
    files: dict[str, FileEntry] = {}
    for name, blob in _state_blobs(state, memory).items():
        _write_bytes(folder / name, blob)
        files[f"{folder.name}/{name}"] = FileEntry.model_construct(
            sha256=hashlib.sha256(blob).hexdigest(), bytes=len(blob)
        )
    _fsync_dir(folder)
    logs = {name: _Log(log.size, log.digest.copy()) for name, log in last.logs.items()}
    records = [len(m.columns) for m in memory]
    lines, rows = _new_records(state, memory, last.records)
    _append_log(root, MEMORY_LOG, logs, [lines])
    _append_log(root, VECTOR_LOG, logs, [rows])
    scores = [len(mind.memory_lane.importance_cache) for mind in state.minds]
    _append_log(root, SCORE_LOG, logs, [_new_scores(state, last.scores)])
    for name in (TRAJECTORY, LLM_CACHE):
        source = last.sources.get(name)
        if source is not None and source.exists():
            done = logs[name].size if name in logs else -1
            if source.stat().st_size != done or (root / name).stat().st_size != done:
                _append_log(root, name, logs, _blocks_from(source, max(done, 0)))
    files.update({name: log.entry() for name, log in logs.items()})
    manifest = Manifest(
        save_version=SAVE_VERSION,
        seed=info.seed,
        tick=state.engine.tick,
        game_time=info.game_time,
        config=info.config,
        map_sha256=info.map_sha256,
        agents=[m.persona.name for m in state.minds],
        files=files,
        written_by=writer(),
        embedding_dim=_dim(memory),
    )
    manifest.checksum = manifest.content_sha256()
    blob = (manifest.model_dump_json(indent=2) + "\n").encode()
    tmp = root / f".{MANIFEST}.tmp-{os.getpid()}"
    _write_bytes(tmp, blob)
    os.replace(tmp, root / MANIFEST)
    _fsync_dir(root)
    return _Committed(root, hashlib.sha256(blob).hexdigest(), generation, logs, records, scores, dict(last.sources))


def _state_blobs(state: SimulationState, memory: Sequence[MemoryArrays]) -> dict[str, bytes]:
    minds = b"".join(mind.model_dump_json(exclude=MIND_LOGGED).encode() + b"\n" for mind in state.minds)
    columns = io.BytesIO()
    stacked = np.concatenate([m.columns for m in memory]) if memory else np.zeros((0, 3), dtype=np.int32)
    np.save(columns, np.ascontiguousarray(stacked, dtype="<i4"), allow_pickle=False)
    return {
        "world.json": state.engine.model_dump_json().encode(),
        "runtime.json": state.runtime.model_dump_json().encode(),
        "minds.jsonl": minds,
        "memory_columns.npy": columns.getvalue(),
    }


def _new_records(state: SimulationState, memory: Sequence[MemoryArrays], starts: list[int]) -> tuple[bytes, bytes]:
    """The log lines of every record after `starts`, and their embedding rows, agent by agent."""
    lines: list[str] = []
    rows: list[np.ndarray] = []
    for agent, (mind, arrays, start) in enumerate(zip(state.minds, memory, starts, strict=True)):
        new = mind.memory.records[start:]
        if len(arrays.vectors) != len(new):
            raise ValueError(f"agent {agent}: {len(new)} new records but {len(arrays.vectors)} embedding rows")
        lines.extend(_record_line(agent, record) for record in new)
        rows.append(np.ascontiguousarray(arrays.vectors, dtype="<f4"))
    return "".join(lines).encode(), b"".join(r.tobytes() for r in rows)


def _new_scores(state: SimulationState, starts: list[int]) -> bytes:
    """The log lines of every importance score each mind learned since `starts` (the cache only grows)."""
    lines = [
        json.dumps([agent, text, score], ensure_ascii=False, separators=(",", ":")) + "\n"
        for agent, (mind, start) in enumerate(zip(state.minds, starts, strict=True))
        for text, score in itertools.islice(mind.memory_lane.importance_cache.items(), start, None)
    ]
    return "".join(lines).encode()


def _record_line(agent: int, record: MemoryRecord) -> str:
    fields: dict[str, Any] = {"agent": agent, "id": record.id, "kind": record.kind, "text": record.text}
    fields["created"] = record.created
    if record.evidence:
        fields["evidence"] = record.evidence
    if record.sources:
        fields["sources"] = record.sources
    if record.subject is not None:
        fields["subject"] = record.subject
    if record.told_by is not None:
        fields["told_by"] = record.told_by
    if record.depth:
        fields["depth"] = record.depth
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")) + "\n"


def _dim(memory: Sequence[MemoryArrays]) -> int:
    return int(memory[0].vectors.shape[1]) if memory else 1


def _append_log(root: Path, name: str, logs: dict[str, _Log], blocks: Iterable[bytes]) -> None:
    """Append the blocks after the committed length (cutting any tail an interrupted append left) and fsync."""
    log = logs.setdefault(name, _Log())
    path = root / name
    if isinstance(blocks, list) and not any(blocks) and path.exists() and path.stat().st_size == log.size:
        return  # nothing new, and no tail to cut: the file stays as it is (an fsync saved)
    with path.open("r+b" if path.exists() else "wb") as handle:
        handle.truncate(log.size)
        handle.seek(log.size)
        for block in blocks:
            handle.write(block)
            log.size += len(block)
            log.digest.update(block)
        handle.flush()
        os.fsync(handle.fileno())


def _blocks_from(source: Path, offset: int) -> Iterator[bytes]:
    """The bytes of `source` from `offset` to its end as it is now, a block at a time."""
    with source.open("rb") as handle:
        handle.seek(offset)
        yield from iter(lambda: handle.read(COPY_BLOCK), b"")


def _write_bytes(path: Path, blob: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(blob)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
