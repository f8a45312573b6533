"""A whole simulation as typed data: `SimulationState`, `capture_simulation`, `restore_simulation`.

Capture happens between ticks. Operations still thinking are awaited first and stored with their due tick as
`FlightState`s, so after a restore they land at exactly the tick they would have — which is what makes a resumed run
identical to an uninterrupted one. Memory embeddings are returned beside the typed state (one matrix per agent) because
they go to .npy files, not JSON.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.effects import Effect
from agents.llm.structured import CallRecord
from agents.memory import MemoryDraft
from agents.operations import Outcome
from agents.state import MindState, capture_mind, restore_mind
from town.core.events import Event, event_class
from town.core.inputs import WorldInput
from town.core.state import EngineState, capture_engine, restore_engine
from town.runtime.flights import InFlight
from town.runtime.simulation import Simulation


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutcomeState(_State):
    purpose: str
    inputs: list[WorldInput] = Field(default_factory=list)
    memories: list[MemoryDraft] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(default_factory=list)
    calls: list[CallRecord] = Field(default_factory=list)
    touched: list[int] = Field(default_factory=list)
    effects: list[Effect] = Field(default_factory=list)

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for event in events:
            event_class(event.get("type")).model_validate(event)
        return events


class FlightState(_State):
    agent: int = Field(ge=0)
    lane: str
    started: int
    due: int
    outcome: OutcomeState


class StatsState(_State):
    ticks: int = Field(ge=0)
    awake_agent_ticks: int = Field(ge=0)
    counters: dict[str, dict[str, int]]


class UsageState(_State):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    fallbacks: int = 0


class RuntimeState(_State):
    started: bool
    rng: dict[str, dict[str, Any]]
    stats: StatsState
    usage: UsageState
    flights: list[FlightState] = Field(default_factory=list)


class SimulationState(_State):
    engine: EngineState
    minds: list[MindState]
    runtime: RuntimeState


_COUNTERS = ("calls", "prompt_tokens", "completion_tokens", "fallbacks", "failed_calls", "counts")


async def capture_simulation(sim: Simulation) -> tuple[SimulationState, list[np.ndarray]]:
    """The state between ticks, after waiting for every operation in flight (their outcomes are kept, not applied)."""
    await sim.wait_for_flights()
    stats = sim.stats
    usage = sim.llm.usage
    runtime = RuntimeState(
        started=sim.started,
        rng=sim.rng.state(),
        stats=StatsState(
            ticks=stats.ticks,
            awake_agent_ticks=stats.awake_agent_ticks,
            counters={name: dict(sorted(getattr(stats, name).items())) for name in _COUNTERS},
        ),
        usage=UsageState(**vars(usage)),
        flights=[
            FlightState(
                agent=f.agent_index, lane=f.lane, started=f.started, due=f.due, outcome=_outcome_state(f.outcome())
            )
            for f in sim.inflight
        ],
    )
    state = SimulationState(
        engine=capture_engine(sim.engine), minds=[capture_mind(m) for m in sim.minds], runtime=runtime
    )
    return state, [m.memory.vectors() for m in sim.minds]


def restore_simulation(sim: Simulation, state: SimulationState, vectors: list[np.ndarray]) -> None:
    """Put a freshly built simulation (same map, personas and config) into the saved state."""
    if [m.persona.id for m in state.minds] != [m.persona.id for m in sim.minds]:
        raise ValueError("the saved agents differ from the simulation's")
    restore_engine(sim.engine, state.engine)
    for mind, mind_state, matrix in zip(sim.minds, state.minds, vectors, strict=True):
        restore_mind(mind, mind_state, matrix)
    runtime = state.runtime
    sim.started = runtime.started
    sim.rng.restore(runtime.rng)
    sim.stats.ticks = runtime.stats.ticks
    sim.stats.awake_agent_ticks = runtime.stats.awake_agent_ticks
    for name in _COUNTERS:
        setattr(sim.stats, name, Counter(runtime.stats.counters.get(name, {})))
    for key, value in runtime.usage.model_dump().items():
        setattr(sim.llm.usage, key, value)
    sim.inflight = [
        InFlight(f.agent, f.lane, f.started, f.due, task=None, result=_outcome(f.outcome)) for f in runtime.flights
    ]


def _outcome_state(outcome: Outcome) -> OutcomeState:
    return OutcomeState(
        purpose=outcome.purpose,
        inputs=list(outcome.inputs),
        memories=list(outcome.memories),
        events=[e.model_dump(mode="json") for e in outcome.events],
        calls=list(outcome.calls),
        touched=list(outcome.touched),
        effects=list(outcome.effects),
    )


def _outcome(state: OutcomeState) -> Outcome:
    events: list[Event] = [event_class(e["type"]).model_validate(e) for e in state.events]
    return Outcome(
        purpose=state.purpose,
        inputs=list(state.inputs),
        memories=[m.model_copy() for m in state.memories],
        events=events,
        calls=list(state.calls),
        touched=list(state.touched),
        effects=list(state.effects),
    )
