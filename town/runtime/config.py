"""`RunConfig`: everything that defines a run, loaded from YAML/JSON (`load_run_config`), overridable by CLI flags."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agents.config import CognitionConfig
from agents.llm.local_llama import DEFAULT_EMBEDDED_MODEL
from agents.llm.structured import GatewayConfig
from agents.settings_files import describe_validation_error, load_settings_file
from town.core.engine import EngineConfig
from town.core.errors import ConfigError

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DEFAULT_MAP = ASSETS / "maps" / "willowbrook.tmj"
DEFAULT_PERSONAS = ASSETS / "personas"
# Logs and saves name the bundled map and personas by this prefix, so they move between machines and checkouts.
ASSETS_PREFIX = "town-assets:"


def installed_path(value: str) -> Path:
    """A logged path on this machine (the bundled assets resolved where this town is installed)."""
    return ASSETS / value.removeprefix(ASSETS_PREFIX) if value.startswith(ASSETS_PREFIX) else Path(value)


def installed_paths(config: dict[str, Any]) -> dict[str, Any]:
    """A logged or saved config with its map and persona paths resolved on this machine."""
    out = dict(config)
    for key in ("map", "personas"):
        if isinstance(out.get(key), str):
            out[key] = str(installed_path(out[key]))
    return out


FIRST_YEAR, LAST_YEAR = 1000, 9000

# Settings that say where files go and how often to save, not what happens in the town.
_NOT_LOGGED = {
    "out",
    "cache_path",
    "cache",
    "overwrite",
    "autosave_minutes",
    "save_dir",
    "preflight",
    "preflight_timeout_s",
}


class RunConfig(BaseModel):
    """A run as its config file and flags describe it; every number bounded, every float finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    agents: int = Field(default=3, ge=1, le=20_000)
    hours: float = Field(default=1.0, gt=0, le=24 * 30)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    model: str = DEFAULT_EMBEDDED_MODEL
    api_base: str | None = None
    map: Path = DEFAULT_MAP
    personas: Path = DEFAULT_PERSONAS
    # Fields replaced in named personas after loading (a persona-swap experiment exchanges demographics this way).
    persona_changes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    start: datetime = Field(
        default=datetime(2025, 2, 13, 8, 0), description=f"a time in the years {FIRST_YEAR}-{LAST_YEAR}"
    )
    tick_seconds: int = Field(default=10, ge=1, le=600)
    out: Path = Path("runs/latest")
    overwrite: bool = Field(default=False, description="replace the log of an earlier run in the same folder")
    # minilm (in-process sentence-transformers), hashing (no model: tests, benchmarks) or api:MODEL — any embedding
    # API through litellm (OpenAI, or an OpenAI-compatible server such as TEI or vLLM at `embedder_api_base`).
    embedder: str = Field(default="minilm", pattern=r"^(minilm|hashing|api:\S+)$")
    embedder_api_base: str | None = None
    # faiss and numpy keep float32 rows (exact); half keeps float16 rows (agents/llm/half_index.py).
    index: Literal["faiss", "numpy", "half"] = "faiss"
    cache: Literal["record", "replay", "off"] = "record"
    cache_path: Path | None = None
    # A crash or kill loses at most this much game time; 0 turns autosave off.
    autosave_minutes: float = Field(
        default=10.0, ge=0, le=24 * 60 * 30, description="game minutes between autosaves (0: off)"
    )
    save_dir: Path | None = Field(default=None, description="where autosaves go (default saves/<run folder name>)")
    # One tiny real request before the run (any remote provider): a dead endpoint is refused, not run on fallbacks.
    preflight: bool = Field(default=True, description="send one test request to the model before starting")
    preflight_timeout_s: float = Field(default=20.0, gt=0, le=600, description="seconds the test request may take")
    fake_latency_s: float = Field(
        default=0.0, ge=0, le=600, description="only for --model fake: wall-clock delay per call"
    )
    engine: EngineConfig = Field(default_factory=EngineConfig)
    cognition: CognitionConfig = Field(default_factory=CognitionConfig)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)

    @field_validator("start")
    @classmethod
    def _calendar_year(cls, value: datetime) -> datetime:
        """The game clock runs up to a month past the start: far years would overflow dates mid-run."""
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"the start must fall in the years {FIRST_YEAR}-{LAST_YEAR}, not {value.year}")
        if value.tzinfo is not None:
            raise ValueError("give the start as a local time without a time zone, like 2025-02-13T08:00")
        return value

    @property
    def ticks(self) -> int:
        return max(1, round(self.hours * 3600 / self.tick_seconds))

    @property
    def save_path(self) -> Path:
        return self.save_dir if self.save_dir is not None else Path("saves") / self.out.name

    @property
    def autosave_ticks(self) -> int:
        """Ticks between autosaves (0: never)."""
        return max(1, round(self.autosave_minutes * 60 / self.tick_seconds)) if self.autosave_minutes else 0

    def public_dict(self) -> dict[str, Any]:
        """The config as logged in the trajectory.

        It says what shapes the run, not where its files go (so runs compare byte for byte); JSON-ready and without
        secrets (keys only ever come from the environment).
        """
        logged = json.loads(self.model_dump_json(exclude=_NOT_LOGGED))
        for key in ("map", "personas"):
            path = Path(logged[key]).resolve()
            # The town's own assets by a name that holds on any machine; anything else absolute, so the log still
            # finds it when read from another folder (a relative path would mean nothing there).
            if path.is_relative_to(ASSETS):
                logged[key] = f"{ASSETS_PREFIX}{path.relative_to(ASSETS).as_posix()}"
            else:
                logged[key] = str(path)
        return logged


def load_run_config(path: str | Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    path = Path(path)
    raw = load_settings_file(path, "config", ConfigError)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"config {path}: expected a mapping of settings at the top level")
    for key in ("out", "save_dir", "cache_path"):
        _inside_here(raw.get(key), f"config {path}: field '{key}'")
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}  # a flag for one gateway setting keeps the file's others
        else:
            raw[key] = value
    return validate_run_config(raw, f"config {path}")


def _inside_here(value: Any, where: str) -> None:
    """Paths a config file writes to stay under the folder the command runs in (flags typed by the user may not)."""
    if value is None:
        return
    candidate = Path(str(value))
    if candidate.is_absolute() or ".." in candidate.parts:
        raise ConfigError(
            f"{where}: {value!r} points outside the current folder; give a relative path, or use the flag"
        )


def validate_run_config(raw: dict[str, Any], where: str = "options") -> RunConfig:
    try:
        return RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{where}: {describe_validation_error(exc)}") from None
