"""Saves after the first append: they load exactly as a whole save of the same moment, write each record once, and an
append cut short leaves the previous save readable."""

import asyncio
import os
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.memory import MemoryDraft
from tests.conftest import fake_config
from town.core.errors import SaveError
from town.persistence import save_writer
from town.persistence.save_writer import SaveWriter
from town.persistence.saves import load_save
from town.persistence.saving import save_simulation
from town.runtime.builders import build_model, build_simulation


def _same(a, b) -> bool:
    return a.state == b.state and all(np.array_equal(x, y) for x, y in zip(a.vectors, b.vectors, strict=True))


def _town(root: Path, agents: int = 3, seed: int = 1):
    config = fake_config(root, agents=agents, seed=seed, hours=2, cache="record")
    return config, build_simulation(config, model=build_model(config))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**31),
    agents=st.integers(1, 4),
    gaps=st.lists(st.integers(0, 90), min_size=2, max_size=5),
    note=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
)
def test_every_appended_save_loads_as_a_whole_save_of_the_same_moment(tmp_path_factory, seed, agents, gaps, note):
    root = tmp_path_factory.mktemp("append")
    config, sim = _town(root, agents, seed)
    writer = SaveWriter()

    async def play() -> None:
        for gap in gaps:
            await sim.run(gap)
            sim.minds[0].memory.add(MemoryDraft(kind="thought", text=note, importance=5), sim.tick)
            sim.minds[-1].memory_lane.learn({f"{note} {gap}": 1 + gap % 10})  # a score learned since the last save
            await save_simulation(sim, config, root / "appended", writer=writer)
            await save_simulation(sim, config, root / "whole")  # a fresh writer: whole
            appended = load_save(root / "appended")
            assert _same(appended, load_save(root / "whole"))
            assert appended.state.minds == [m.get_state() for m in sim.minds]  # and as the town is

    asyncio.run(play())


def test_a_record_is_written_once_and_the_logs_only_grow(tmp_path):
    config, sim = _town(tmp_path)
    writer, dest = SaveWriter(), tmp_path / "s"
    logs = []

    async def play() -> None:
        sim.start()
        for _ in range(4):
            await sim.run(60)
            await save_simulation(sim, config, dest, writer=writer)
            logs.append((dest / "memory.jsonl").read_bytes())

    asyncio.run(play())
    assert all(later.startswith(earlier) and len(later) > len(earlier) for earlier, later in pairwise(logs))
    lines = logs[-1].splitlines()
    assert len(lines) == len(set(lines)) == sum(len(m.memory) for m in sim.minds)
    assert sorted(p.name for p in dest.iterdir() if p.is_dir()) == ["state-000004"]  # older states removed


def test_an_append_cut_short_before_its_manifest_leaves_the_previous_save(tmp_path, monkeypatch):
    config, sim = _town(tmp_path)
    writer, dest = SaveWriter(), tmp_path / "s"

    async def first() -> None:
        await sim.run(60)
        await save_simulation(sim, config, dest, writer=writer)
        await sim.run(60)

    asyncio.run(first())
    before = load_save(dest)
    real_replace = os.replace

    def crash(src, dst):  # the disk fills as the new manifest is renamed into place
        if Path(dst).name == "manifest.json":
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(save_writer.os, "replace", crash)
    with pytest.raises(SaveError, match="No space left on device.*previous save is unchanged"):
        asyncio.run(save_simulation(sim, config, dest, writer=writer))
    assert (dest / "memory.jsonl").stat().st_size > before.log_bytes.get("memory.jsonl", 0)  # appended, uncommitted
    assert _same(load_save(dest), before)
    monkeypatch.setattr(save_writer.os, "replace", real_replace)
    asyncio.run(save_simulation(sim, config, dest, writer=writer))  # the next save recovers
    asyncio.run(save_simulation(sim, config, tmp_path / "whole"))
    assert _same(load_save(dest), load_save(tmp_path / "whole"))


def test_a_save_changed_since_the_writer_last_wrote_it_is_written_whole(tmp_path):
    """A writer appends only to the save it left: one edited, copied over or replaced meanwhile is rewritten whole."""
    config, sim = _town(tmp_path)
    writer, dest = SaveWriter(), tmp_path / "s"
    asyncio.run(sim.run(60))
    asyncio.run(save_simulation(sim, config, dest, writer=writer))
    manifest = dest / "manifest.json"
    manifest.write_bytes(manifest.read_bytes() + b" ")  # an editor saved it again
    asyncio.run(sim.run(30))
    asyncio.run(save_simulation(sim, config, dest, writer=writer))
    assert sorted(p.name for p in dest.iterdir() if p.is_dir()) == ["state-000001"]  # a new whole save
    asyncio.run(save_simulation(sim, config, tmp_path / "whole"))
    assert _same(load_save(dest), load_save(tmp_path / "whole"))


def test_what_an_interrupted_save_left_inside_its_folder_does_not_stop_the_next(tmp_path):
    """A leftover manifest being written and a state folder never named are town's own; a user's file is not."""
    config, sim = _town(tmp_path)
    dest = tmp_path / "s"
    asyncio.run(sim.run(30))
    asyncio.run(save_simulation(sim, config, dest))
    (dest / ".manifest.json.tmp-4242").write_bytes(b"{")
    (dest / "state-000009").mkdir()
    (dest / "state-000009" / "world.json").write_bytes(b"{")
    asyncio.run(save_simulation(sim, config, dest))  # a fresh writer: whole, replacing the folder
    assert not (dest / "state-000009").exists() and load_save(dest).manifest.tick == 30
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(SaveError, match="notes.txt"):
        asyncio.run(save_simulation(sim, config, dest))
    assert (dest / "notes.txt").read_text() == "mine"
