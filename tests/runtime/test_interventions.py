"""Changes a user makes to a running town: send an agent somewhere, a newcomer moving in — logged, saved, replayed."""

import asyncio

import pygame

from agents.persona import load_personas
from tests.conftest import fake_config
from town.persistence.replay import open_replay
from town.persistence.saves import load_save
from town.persistence.saving import save_simulation, simulation_from_save
from town.runtime.builders import build_model, build_simulation
from town.runtime.config import DEFAULT_PERSONAS
from town.runtime.live import Command, LiveSession


def _sim(tmp_path, agents=3):
    config = fake_config(tmp_path, agents=agents, hours=3, seed=4)
    return config, build_simulation(config)


def test_a_directed_agent_walks_there_stays_and_then_plans_again(tmp_path):
    _, sim = _sim(tmp_path)
    events = []
    sim.subscribe(events.append)
    market = next(a for a in sim.map.arenas.values() if "Willow Market" in a.label)

    async def go():
        await sim.run(90)  # everyone is up and about
        bodies = sim.engine.world.bodies
        name = next(m.name for m in sim.minds if bodies[m.name].conversation is None and not m.lanes.asleep)
        assert sim.direct(name, market.address) is None
        await sim.run(60)  # ten game minutes: long enough to walk across town
        return name

    name = asyncio.run(go())
    body = sim.engine.world.bodies[name]
    assert sim.map.arena_at(body.tile) == market
    assert any(e.type == "directed" and e.agent == name and e.place == market.label for e in events)

    async def later():
        await sim.run(6 * 20)  # the 15-minute stay is over

    asyncio.run(later())
    steps_after = [e for e in events if e.type == "steps" and e.agent == name and e.tick >= 90 + 15 * 6]
    assert steps_after, "the agent plans its next steps once the stay is over"


def test_nobody_is_sent_anywhere_in_their_sleep(tmp_path):
    _, sim = _sim(tmp_path)
    mind = sim.minds[0]
    asyncio.run(sim.run(1))
    mind.lanes.asleep = True
    assert sim.direct(mind.name, next(iter(sim.map.arenas))) == f"{mind.name} is asleep"


def test_a_newcomer_moves_in_plans_a_day_and_survives_save_and_replay(tmp_path):
    config, sim = _sim(tmp_path, agents=2)
    newcomer = load_personas(DEFAULT_PERSONAS)[5]
    events = []
    sim.subscribe(events.append)

    async def go():
        await sim.run(30)
        sim.add_agent(newcomer)
        await sim.run(60)
        return await save_simulation(sim, config, tmp_path / "save")

    saved = asyncio.run(go())
    assert [e.agent for e in events if e.type == "agent_added"] == [newcomer.name]
    assert any(e.type == "day_plan" and e.agent == newcomer.name for e in events)
    loaded = load_save(saved)
    assert loaded.manifest.agents[-1] == newcomer.name
    again = simulation_from_save(config, loaded, model=build_model(config))
    assert again.minds[-1].name == newcomer.name and len(again.minds[-1].memory) == len(sim.minds[-1].memory)

    config.out.mkdir(parents=True, exist_ok=True)
    (config.out / "trajectory.jsonl").write_text("".join(e.model_dump_json() + "\n" for e in events))
    replay = open_replay(config.out)
    assert newcomer.name in {a.name for a in replay.snapshot(replay.last_tick).agents}
    assert any(m.kind == "intervention" and newcomer.name in m.label for m in replay.markers)


def test_the_app_sends_agents_and_lets_people_move_in(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")  # off-screen, also when this test runs alone
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    from town.ui.app import App

    _, sim = _sim(tmp_path, agents=2)
    cast = load_personas(DEFAULT_PERSONAS)
    session = LiveSession(sim, cast=cast)
    session.send(Command(kind="speed", speed="max"))
    app = App(session, size=(900, 560))
    name = sim.minds[0].name
    app.states[0].select(name)
    cafe = next(a for a in sim.map.arenas.values() if "Rosewood Cafe" in a.label)
    x, y = app.camera.to_screen((cafe.tiles[0][0] + 0.5) * 32, (cafe.tiles[0][1] + 0.5) * 32)
    for event in (
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_g, unicode="g", mod=0),
        pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(x, y)),
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_p, unicode="p", mod=0),
    ):
        pygame.event.post(event)
    seen = []
    sim.subscribe(seen.append)
    app.run(max_frames=30)
    kinds = {(e.type, getattr(e, "agent", None)) for e in seen}
    assert ("agent_added", cast[2].name) in kinds
    directed = [e for e in seen if e.type == "directed"]
    assert directed and directed[0].agent == name and directed[0].place == cafe.label
