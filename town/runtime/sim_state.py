"""A whole simulation as typed data: `SimulationState`, `capture_simulation`, `restore_simulation`.

Capture happens between ticks. Operations still thinking are awaited first and stored with their due tick as
`FlightState`s, so after a restore they land at exactly the tick they would have — which is what makes a resumed run
identical to an uninterrupted one. Memory embeddings and the records' changing columns are returned beside the typed
state as arrays (`MemoryArrays`, one per agent), because a save keeps them in binary files, not JSON.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agents.llm.structured import Usage
from agents.operations import Outcome
from agents.state import MindState
from town.core.state import EngineState, assign_fields
from town.runtime.flights import InFlight
from town.runtime.simulation import Simulation
from town.runtime.stats import RunStats


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FlightState(_State):
    """An operation in flight as a save keeps it: its lane, when it started and lands, and its outcome (awaited)."""

    agent: int = Field(ge=0)
    lane: str
    started: int
    due: int
    outcome: Outcome


class RuntimeState(_State):
    started: bool
    rng: dict[str, dict[str, Any]]
    stats: RunStats
    usage: Usage
    flights: list[FlightState] = Field(default_factory=list)


class SimulationState(_State):
    engine: EngineState
    minds: list[MindState]
    runtime: RuntimeState


@dataclass(frozen=True)
class MemoryArrays:
    """One agent's memory as a save writes it: embeddings from record `start` on, and every record's changing columns.

    `columns` is `MemoryStream.columns()`: importance, scored (0/1) and last access, one int32 row per record.
    """

    start: int
    vectors: np.ndarray
    columns: np.ndarray


async def capture_simulation(
    sim: Simulation, starts: Sequence[int] | None = None
) -> tuple[SimulationState, list[MemoryArrays]]:
    """The state between ticks, after waiting for every operation in flight (their outcomes are kept, not applied).

    The state shares the live world and minds (copying them was most of an autosave's time): write or copy it before
    the simulation steps again.

    `starts` are the records a save already holds, per agent: only the embeddings after them are copied out.
    """
    await sim.wait_for_flights()
    runtime = RuntimeState(
        started=sim.started,
        rng=sim.rng.state(),
        stats=copy.deepcopy(sim.stats),
        usage=copy.deepcopy(sim.llm.usage),
        flights=[
            FlightState.model_construct(
                agent=f.agent_index, lane=f.lane, started=f.started, due=f.due, outcome=f.outcome()
            )
            for f in sim.inflight
        ],
    )
    # A view sharing the live world and minds: the save is written before the town takes its next tick.
    state = SimulationState.model_construct(
        engine=sim.engine.get_state(copy_world=False),
        minds=[m.get_state(copy_parts=False) for m in sim.minds],
        runtime=runtime,
    )
    starts = starts if starts is not None else [0] * len(sim.minds)
    return state, [
        MemoryArrays(start, m.memory.vectors(start), m.memory.columns())
        for m, start in zip(sim.minds, starts, strict=True)
    ]


def restore_simulation(sim: Simulation, state: SimulationState, vectors: list[np.ndarray]) -> None:
    """Put a freshly built simulation (same map, personas and config) into the saved state."""
    if [m.persona.id for m in state.minds] != [m.persona.id for m in sim.minds]:
        raise ValueError("the saved agents differ from the simulation's")
    sim.engine.set_state(state.engine)
    for mind, mind_state, matrix in zip(sim.minds, state.minds, vectors, strict=True):
        mind.set_state(mind_state, matrix)
    runtime = state.runtime
    sim.started = runtime.started
    sim.rng.restore(runtime.rng)
    assign_fields(sim.stats, copy.deepcopy(runtime.stats))  # the bus holds the stats object as an observer
    assign_fields(sim.llm.usage, copy.deepcopy(runtime.usage))
    sim.inflight = [
        InFlight(f.agent, f.lane, f.started, f.due, task=None, result=copy.deepcopy(f.outcome)) for f in runtime.flights
    ]
