"""Live mode (the app) with a model slower than any timeout: a line still being written holds its conversation open,
"wait for the model" holds the clock while an answer is due, and closing drops what is unanswered."""

import asyncio
import time

from agents.llm.fakes import SchemaFakeModel
from tests.conftest import fake_config
from town.core.inputs import StartConversation
from town.runtime.builders import build_simulation
from town.runtime.live import Command, LiveSession


class GatedModel:
    """Holds every call of the given purposes until the test opens the gate: as slow as the test wants, exactly."""

    def __init__(self, inner, purposes=("utterance",)) -> None:
        self.inner = inner
        self.name = inner.name
        self.purposes = set(purposes)
        self.gate: asyncio.Event | None = None
        self.held = 0

    async def complete(self, messages, *, schema, purpose, params):
        if purpose in self.purposes:
            if self.gate is None:
                self.gate = asyncio.Event()
            self.held += 1
            await self.gate.wait()
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def _town(tmp_path, purposes=("utterance",)):
    model = GatedModel(SchemaFakeModel(seed=0), purposes)
    sim = build_simulation(fake_config(tmp_path, agents=4, hours=4), model=model)
    sim.live = True
    events = []
    sim.subscribe(events.append)
    return sim, model, events


async def _ticks(sim, n):
    for _ in range(n):
        await sim.step()
        await asyncio.sleep(0)


def test_a_line_still_being_written_holds_its_conversation_open(tmp_path):
    sim, model, events = _town(tmp_path)
    timeout = sim.engine.turn_timeout_ticks

    async def scenario():
        await _ticks(sim, 3)
        sim.engine.submit(StartConversation(initiator="Mei Lin", partner="David Lin", opening_reason="test"))
        await _ticks(sim, 10 * timeout)  # ten silence timeouts while Mei Lin's first line is being written
        opened = [e for e in events if e.type == "conversation_start"]
        assert opened, "the conversation opened"
        assert not [e for e in events if e.type == "conversation_end"], "silence ended a talk that was thinking"
        assert model.held >= 1
        model.gate.set()  # the model answers at last, and from now on at once
        await _ticks(sim, 40 * timeout)

    asyncio.run(scenario())
    lines = [e for e in events if e.type == "utterance"]
    ended = [e for e in events if e.type == "conversation_end"]
    rejected = [e for e in events if e.type == "input_rejected" and e.input.get("kind") == "say"]
    assert len(lines) >= 2 and ended and ended[0].turns >= 2
    assert ended[0].reason != "silence" and not rejected


def test_without_a_line_in_the_works_silence_still_ends_a_talk(tmp_path):
    sim, _, events = _town(tmp_path, purposes=())  # nothing is held: a talk nobody continues still times out
    for mind in sim.minds[:1] + sim.minds[3:4]:  # Mei Lin and David Lin decide nothing more: nobody is thinking
        mind.next_action = lambda tick, world: ([], None)

    async def scenario():
        await _ticks(sim, 3)
        sim.engine.submit(StartConversation(initiator="Mei Lin", partner="David Lin", opening_reason="test"))
        await _ticks(sim, 10 * sim.engine.turn_timeout_ticks)

    asyncio.run(scenario())
    ended = [e for e in events if e.type == "conversation_end"]
    assert ended and ended[0].reason == "silence"


def _wait_until(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_waiting_for_the_model_holds_the_clock_until_the_answer_is_in(tmp_path):
    model = GatedModel(SchemaFakeModel(seed=0), purposes=("plan_day",))
    sim = build_simulation(fake_config(tmp_path, agents=2, hours=4), model=model)
    session = LiveSession(sim, wait_for_model=True)
    session.send(Command(kind="speed", speed="max"))
    session.start()
    try:
        assert _wait_until(lambda: session.snapshot.held), "the clock stops at the first day plan that is due"
        held_at = session.snapshot.tick
        snap = session.snapshot
        assert snap.in_flight >= 1 and snap.wait_for_model
        assert _wait_until(lambda: session.snapshot.oldest_wait_s >= 0.1)
        assert session.snapshot.tick == held_at  # still waiting: not one tick passed the answer that is due
        session.send(Command(kind="wait_for_model", on=False))  # L: let the clock run without the model
        assert _wait_until(lambda: session.snapshot.tick > held_at + 20)
        assert not session.snapshot.held
    finally:
        session.stop()
    assert not session.running


def test_closing_drops_unanswered_calls_and_saves_without_waiting_for_them(tmp_path):
    from town.persistence.saving import save_simulation

    model = GatedModel(SchemaFakeModel(seed=0), purposes=("plan_day",))
    config = fake_config(tmp_path, agents=2, hours=4)
    sim = build_simulation(config, model=model)
    saved = []

    async def saver(s):
        saved.append(s.tick)
        return await save_simulation(s, config, tmp_path / "saves" / "town")

    session = LiveSession(sim, saver=saver, save_on_close=True)
    session.send(Command(kind="speed", speed="max"))
    session.start()
    assert _wait_until(lambda: session.snapshot.in_flight >= 1)
    session.stop()
    assert not session.running  # the gate never opens: closing did not wait for the answer
    assert saved and "dropped" in session.notice
    assert not sim.inflight and all("act" not in m.lanes.busy for m in sim.minds)


def test_a_talk_decided_after_the_partner_walked_on_goes_after_them(tmp_path):
    sim, _, events = _town(tmp_path, purposes=())

    async def scenario():
        await _ticks(sim, 3)
        far = next(t for t in sim.map.arenas["Willowbrook:Willowbrook Park:park"].tiles)
        david = sim.engine.world.bodies["David Lin"]
        david.tile = far  # David has walked off to the park while Mei Lin was still deciding
        david.path.clear()
        sim.minds[3].next_action = lambda tick, world: ([], None)  # and waits there
        sim._apply(sim.minds[0], "act", _talk_outcome(), sim.tick)
        assert "Mei Lin" in sim.approaches and not [e for e in events if e.type == "input_rejected"]
        await _ticks(sim, 120)

    asyncio.run(scenario())
    started = [e for e in events if e.type == "conversation_start"]
    assert started and set(started[0].participants) == {"Mei Lin", "David Lin"}
    assert any(
        e.type == "action" and e.agent == "Mei Lin" and "going over to David Lin" in e.description for e in events
    )


def _talk_outcome():
    from agents.operations import Outcome

    return Outcome(purpose="react", inputs=[StartConversation(initiator="Mei Lin", partner="David Lin")])


class SwitchableEndpoint:
    """A model the test switches between answering, being away (refused connections) and refusing us (a bad key)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.state = "away"

    async def complete(self, messages, *, schema, purpose, params):
        from agents.llm.protocol import ProviderError

        if self.state == "away":
            raise ProviderError("APIConnectionError: connection refused", transient=True)
        if self.state == "refusing":
            raise ProviderError("AuthenticationError: invalid api key", transient=False)
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def test_the_app_shows_the_model_away_then_gone_pauses_and_ends_with_the_true_reason(tmp_path):
    from town.ui.render import thinking_badge

    config = fake_config(tmp_path, agents=3, hours=4)
    gateway = config.gateway
    gateway.backoff_seconds, gateway.max_retries, gateway.stop_after_failed_calls = 0, 0, 2
    gateway.outage_budget_s, gateway.probe_every_s = 3600, 0.05  # the outage is waited out: the test ends it
    model = SwitchableEndpoint(SchemaFakeModel(seed=0))
    session = LiveSession(build_simulation(config, model=model))
    session.send(Command(kind="speed", speed="max"))
    session.start()
    try:
        assert _wait_until(lambda: session.snapshot.model_away_s > 0), "the breaker opened"
        assert "the model is not answering" in thinking_badge(session.snapshot) and not session.paused
        model.state = "refusing"  # it comes back refusing us: given up at the next probe
        assert _wait_until(lambda: session.snapshot.model_gone != "")
        assert _wait_until(lambda: session.paused), "the town stops on the spot"
        assert "the model is gone (the model answered a probe with a refusal" in thinking_badge(session.snapshot)
    finally:
        session.stop()
    assert session.ended is not None and session.ended.reason == "provider_unavailable"
    assert "invalid api key" in (session.ended.detail or "")
