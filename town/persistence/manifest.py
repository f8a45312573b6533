"""A save's `manifest.json`, one model per save version: `ManifestV1`, `Manifest` (the current one), `MANIFESTS`.

A save is first checked against the manifest of the version it claims, before any upgrader runs: a field the current
version added is missing from every older save, and that must read as "an older save", not as damage. The checksum of
the manifest is also computed by its own version's model, so it matches the bytes that version wrote.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SAVE_VERSION = 2
SAVE_FORMAT = "town-save"
MANIFEST = "manifest.json"


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


class Manifest(ManifestV1):
    """Version 2: the program that wrote the save (a bug report about a save can then say which release made it)."""

    written_by: str


MANIFESTS: dict[int, type[ManifestV1]] = {1: ManifestV1, 2: Manifest}


def writer() -> str:
    """This program and its version, as a manifest records it."""
    try:
        return f"willowbrook-town {version('willowbrook-town')}"
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "willowbrook-town (not installed)"
