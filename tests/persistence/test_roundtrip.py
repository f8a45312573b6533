"""Save -> load -> save is byte-identical, for random towns at random moments (hypothesis)."""

import asyncio
import hashlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.memory import MemoryDraft
from tests.conftest import fake_config
from town.persistence.saves import load_save
from town.persistence.saving import save_simulation, simulation_from_save
from town.runtime.builders import build_model, build_simulation

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80)


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**31),
    agents=st.integers(1, 4),
    ticks=st.integers(0, 240),
    notes=st.lists(st.tuples(st.integers(0, 3), TEXT, st.integers(1, 10)), max_size=4),
    whisper=st.one_of(st.none(), TEXT),
)
def test_save_load_save_is_byte_identical(tmp_path_factory, seed, agents, ticks, notes, whisper):
    root = tmp_path_factory.mktemp("rt")
    config = fake_config(root, agents=agents, seed=seed, hours=1)
    sim = build_simulation(config, model=build_model(config))

    async def play() -> Path:
        await sim.run(ticks)
        for who, text, importance in notes:  # arbitrary text must survive JSON both ways
            mind = sim.minds[who % agents]
            mind.memory.add(MemoryDraft(kind="thought", text=text, importance=importance), sim.tick)
        if whisper is not None:
            sim.whisper(sim.minds[0].name, whisper)
        return await save_simulation(sim, config, root / "a")

    first = asyncio.run(play())
    loaded = load_save(first)
    again = simulation_from_save(config, loaded, model=build_model(config))
    assert [m.get_state() for m in again.minds] == loaded.state.minds

    async def resave() -> Path:
        return await save_simulation(again, config, root / "b", trajectory=loaded.trajectory)

    second = asyncio.run(resave())
    assert _files(first) == _files(second)
