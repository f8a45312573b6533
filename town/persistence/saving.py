"""Saving and resuming a running town: `save_simulation`, `load_for_resume`, `simulation_from_save`, `Autosaver`.

The persistence layer writes and checks save directories; this module connects them to a live `Simulation` and its
`RunConfig`: what goes into the manifest, which settings a resume may change, and rebuilding the simulation from a save.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents.llm.protocol import ChatModel
from agents.llm.structured import CallRecord
from town.core.errors import ConfigError, SaveError
from town.core.places import load_town_map
from town.persistence.save_writer import SaveInfo, SaveWriter
from town.persistence.saves import LoadedSave, file_sha256, load_save
from town.runtime.builders import build_simulation
from town.runtime.config import RunConfig, installed_paths, validate_run_config
from town.runtime.sim_state import capture_simulation, restore_simulation
from town.runtime.simulation import Simulation

# Settings a resume may change: where files go, how long to run, and which model answers from here on. Everything else
# shaped the saved state and comes from the save.
RESUMABLE = frozenset(
    {
        "hours",
        "out",
        "overwrite",
        "cache",
        "cache_path",
        "autosave_minutes",
        "save_dir",
        "model",
        "api_base",
        "fake_latency_s",
        "preflight",
        "preflight_timeout_s",
    }
)
# Gateway settings that say how the server is asked, not what the saved town is: a resume may change them.
RESUMABLE_GATEWAY = frozenset(
    {"structured", "timeout_s", "concurrency", "endpoint_concurrency", "outage_budget_s", "probe_every_s"}
)


async def save_simulation(
    sim: Simulation,
    config: RunConfig,
    dest: Path,
    *,
    trajectory: Path | None = None,
    cache: Path | None = None,
    writer: SaveWriter | None = None,
) -> Path:
    """Write the simulation's state between ticks to `dest`; operations in flight are awaited first.

    With the `writer` of the run's earlier saves to `dest`, only what changed since is written (see `save_writer`).
    """
    writer = writer or SaveWriter()
    starts = writer.starts(dest, len(sim.minds), trajectory, cache)
    state, memory = await capture_simulation(sim, starts)
    info = SaveInfo(
        seed=config.seed,
        game_time=sim.clock.time_at(sim.tick).isoformat(),
        config=config.public_dict(),
        map_sha256=_map_sha256(config.map),
    )
    return writer.write(dest, state, memory, info, trajectory=trajectory, cache=cache)


def load_for_resume(path: Path, overrides: dict[str, Any]) -> tuple[RunConfig, LoadedSave]:
    """The save and the run configuration to continue it with (the saved config plus the allowed overrides)."""
    gateway = dict(overrides.pop("gateway", None) or {})
    fixed = sorted(set(overrides) - RESUMABLE) + sorted(f"gateway.{k}" for k in set(gateway) - RESUMABLE_GATEWAY)
    if fixed:
        raise ConfigError(f"--resume: {', '.join(fixed)} cannot change when resuming (they come from the save)")
    loaded = load_save(path)
    where = f"save {loaded.path}: manifest.json config"
    saved = installed_paths(loaded.manifest.config)
    if gateway:
        overrides["gateway"] = {**(saved.get("gateway") or {}), **gateway}
    config = validate_run_config({**saved, **overrides}, where)
    if not config.map.is_file():
        raise SaveError(f"save {loaded.path}: its map {config.map} no longer exists")
    if _map_sha256(config.map) != loaded.manifest.map_sha256:
        raise SaveError(f"save {loaded.path}: its map {config.map} has changed since the save; restore that map first")
    return config, loaded


def simulation_from_save(
    config: RunConfig,
    loaded: LoadedSave,
    *,
    model: ChatModel,
    on_call: Callable[[CallRecord], None] | None = None,
) -> Simulation:
    """A simulation in exactly the saved state (personas come from the save, not from the persona files)."""
    town_map = load_town_map(config.map)
    personas = [mind.persona for mind in loaded.state.minds]
    sim = build_simulation(config, model=model, on_call=on_call, world=(town_map, personas))
    try:
        restore_simulation(sim, loaded.state, loaded.vectors)
    except (ValueError, KeyError, IndexError) as exc:
        raise SaveError(f"save {loaded.path}: does not fit this town ({exc})") from None
    return sim


class Autosaver:
    """Saves every `config.autosave_ticks` ticks to `config.save_path`; a crash loses at most that much game time."""

    def __init__(self, config: RunConfig, *, trajectory: Path | None, cache: Path | None) -> None:
        self.config = config
        self.every = config.autosave_ticks
        self.dest = config.save_path
        self.trajectory = trajectory
        self.cache = cache
        self.saves = 0
        self.last: Path | None = None
        self.writer = SaveWriter()

    def due(self, sim: Simulation) -> bool:
        return self.every > 0 and sim.tick % self.every == 0

    async def save(self, sim: Simulation) -> Path:
        self.last = await save_simulation(
            sim, self.config, self.dest, trajectory=self.trajectory, cache=self.cache, writer=self.writer
        )
        self.saves += 1
        return self.last


def _map_sha256(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise ConfigError(f"map {path}: cannot read ({exc.strerror})") from None
