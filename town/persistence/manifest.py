"""A save's `manifest.json`, one model per save version (`ManifestV1`, `ManifestV2`, `Manifest`), and its file names.

A save is first checked against the manifest of the version it claims, before any upgrader runs: a field the current
version added is missing from every older save, and that must read as "an older save", not as damage. The checksum of
the manifest is also computed by its own version's model, so it matches the bytes that version wrote.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SAVE_VERSION = 3
SAVE_FORMAT = "town-save"
MANIFEST = "manifest.json"

# Version 3's files. Logs are only ever appended to: the manifest lists the length it vouches for and the checksum of
# that many bytes, so a save interrupted while appending still reads as the previous one. What changes in place is
# written into a new `state-NNNNNN/` folder, and the manifest, renamed into place last, says which is current.
MEMORY_LOG = "memory.jsonl"  # one line per memory record (its agent, and what never changes about it)
VECTOR_LOG = "memory_vectors.f32"  # the records' embeddings in the same order: raw little-endian float32 rows
SCORE_LOG = "importance_scores.jsonl"  # one line per learned importance score: [agent, text, score]
TRAJECTORY = "trajectory.jsonl"
LLM_CACHE = "llm_cache.jsonl"
APPEND_ONLY = frozenset({MEMORY_LOG, VECTOR_LOG, SCORE_LOG, TRAJECTORY, LLM_CACHE})
STATE_FILES = ("world.json", "runtime.json", "minds.jsonl", "memory_columns.npy")
STATE_DIR = re.compile(r"state-(\d{6})")
# Names a version-3 save holds (see above), and what an interrupted save may leave inside one: the manifest being
# written, and a state folder the manifest never came to name. Both belong to town, and the next save removes them.
SAVE_FILE_NAMES = re.compile(r"(state-\d{6}/(world\.json|runtime\.json|minds\.jsonl|memory_columns\.npy))|"
                             + "|".join(re.escape(name) for name in sorted(APPEND_ONLY)))  # fmt: skip
LEFTOVER_NAMES = re.compile(r"\.manifest\.json\.tmp-\d+|state-\d{6}/(world\.json|runtime\.json|minds\.jsonl|"
                            r"memory_columns\.npy)")  # fmt: skip


class FileEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class ManifestV1(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["town-save"] = SAVE_FORMAT
    save_version: int = Field(ge=1)
    seed: int
    tick: int = Field(ge=0)
    game_time: str
    config: dict[str, Any]
    map_sha256: str
    agents: list[str]
    files: dict[str, FileEntry]
    # sha256 of this manifest's own content (canonical JSON with this field empty): the other files' checksums are
    # only as trustworthy as the manifest that lists them.
    checksum: str = ""

    def content_sha256(self) -> str:
        return hashlib.sha256(self.model_copy(update={"checksum": ""}).model_dump_json().encode()).hexdigest()


class ManifestV2(ManifestV1):
    """Version 2: the program that wrote the save (a bug report about a save can then say which release made it)."""

    written_by: str


class Manifest(ManifestV2):
    """Version 3: memory in append-only logs beside a state folder; the width of the embedding rows in the log.

    None only for a save upgraded from version 2, whose per-agent .npy files carried their own shape.
    """

    embedding_dim: int | None = Field(ge=1)


MANIFESTS: dict[int, type[ManifestV1]] = {1: ManifestV1, 2: ManifestV2, 3: Manifest}


@functools.cache
def writer() -> str:
    """This program and its version, as a manifest records it."""
    try:
        return f"willowbrook-town {version('willowbrook-town')}"
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "willowbrook-town (not installed)"
