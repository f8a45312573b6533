"""A restored town equals the live one it was saved from, compared object by object (not save file against save file).

Comparing two saves cannot see a field that neither writes. This walks the live objects themselves — every attribute
of the simulation, engine, world, minds and their components, memory streams, totals and operations in flight — so a
field added to any of them and forgotten by the save shows up here as a difference. Only collaborators and caches are
left out, by name, below.
"""

import asyncio
import dataclasses
from collections import deque
from datetime import date, datetime

import numpy as np
import pytest
from pydantic import BaseModel

from tests.conftest import fake_config
from town.persistence.saves import load_save
from town.persistence.saving import save_simulation, simulation_from_save
from town.runtime.builders import build_model, build_simulation

# Not state: shared collaborators (the map, clock, event bus, model gateway, embedder), caches rebuilt on demand
# (searched paths), configuration the restored town is built from, and wall-clock facts.
NOT_STATE = {
    "map",
    "_map",
    "clock",
    "bus",
    "llm",
    "embedder",
    "_embedder",
    "_index_factory",
    "paths",
    "_on_call",
    "since",
    "task",
    "_result",
    "config",
    "cognition",
    "_run_config",
    "engine_config",
    "step_schema",  # a mind's answer model, built from its places on first use
    # What perception saw at the last tick, to pass over unchanged cells: empty after loading, the first tick looks
    # at everyone and notices exactly what it would have (tests/core/test_perception.py)
    "_last_tiles",
    "_last_keys",
    "_last_busy",
}


def live(value, path="sim"):
    """A plain, comparable picture of a live object graph."""
    if value is None or isinstance(value, str | int | float | bool | date | datetime):
        return value
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, BaseModel):
        return (type(value).__name__, live(dict(value), path))
    if isinstance(value, dict):
        return {str(k): live(v, f"{path}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple | deque):
        return [live(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, set | frozenset):
        return sorted(map(str, value))
    if callable(value) and not hasattr(value, "__dict__"):
        return "<callable>"
    if dataclasses.is_dataclass(value):
        items = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif hasattr(value, "__dict__"):
        items = vars(value)
    else:
        pytest.fail(f"{path}: {type(value).__name__} has no attributes to compare; teach live() about it")
    picture = {k: live(v, f"{path}.{k}") for k, v in items.items() if k not in NOT_STATE}
    return (type(value).__name__, picture)


def differences(a, b, path="sim"):
    if type(a) is not type(b):
        return [f"{path}: {a!r:.80} != {b!r:.80}"]
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str) and isinstance(a[1], dict):
        return differences(a[1], b[1], f"{path}<{a[0]}>")
    if isinstance(a, dict):
        found = [f"{path}.{k}: only one side" for k in a.keys() ^ b.keys()]
        return found + [d for k in a.keys() & b.keys() for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r:.80} != {b!r:.80}"]


@pytest.mark.parametrize("ticks", [0, 1, 431, 2160])
def test_a_restored_town_is_the_live_town_it_was_saved_from(tmp_path, ticks):
    config = fake_config(tmp_path, agents=3, seed=4, hours=8)
    sim = build_simulation(config, model=build_model(config))

    async def play():
        await sim.run(ticks)
        return await save_simulation(sim, config, tmp_path / "save")

    saved = asyncio.run(play())
    again = simulation_from_save(config, load_save(saved), model=build_model(config))
    assert differences(live(sim), live(again)) == []


def test_the_comparison_sees_a_field_the_save_does_not_carry(tmp_path):
    """The test of the test: a field on a mind that no save writes is reported."""
    config = fake_config(tmp_path, agents=2, seed=4, hours=1)
    sim = build_simulation(config, model=build_model(config))
    asyncio.run(sim.run(30))
    saved = asyncio.run(save_simulation(sim, config, tmp_path / "save"))
    sim.minds[1].mood = "cheerful"  # as if someone added a field and forgot the state
    again = simulation_from_save(config, load_save(saved), model=build_model(config))
    again.minds[1].mood = "calm"
    assert differences(live(sim), live(again)) == ["sim<Simulation>.minds[1]<Mind>.mood: 'cheerful' != 'calm'"]
