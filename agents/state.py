"""One agent's mind as plain typed data, for saves: `MindState`, `capture_mind`, `restore_mind`.

The persona travels with the state (a save does not depend on the persona files it started from). Memory records are
JSON; their embeddings are not part of this model — the save writes them beside it as a .npy matrix, one row per record.
"""

from __future__ import annotations

from collections import deque
from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.effects import PlannedStep
from agents.importance import PendingMemory
from agents.memory import MemoryKind, MemoryRecord
from agents.mind import Mind
from agents.persona import Persona
from town.core.perception import Percept


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PendingState(_State):
    kind: MemoryKind
    text: str
    sources: list[int] = Field(default_factory=list)
    subject: str | None = None
    told_by: str | None = None


class PerceptState(_State):
    kind: str
    subject: str
    text: str
    distance: float
    key: str


class MemoryState(_State):
    records: list[MemoryRecord] = Field(default_factory=list)
    importance_since_reflection: int = 0
    unscored: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> MemoryState:
        for position, record in enumerate(self.records):
            if record.id != position:
                raise ValueError(f"records[{position}].id is {record.id}; ids must count up from 0")
        if any(not 0 <= i < len(self.records) for i in self.unscored):
            raise ValueError("unscored names a memory id that does not exist")
        return self


class MindState(_State):
    persona: Persona
    schedule: list[tuple[int, str]] = Field(default_factory=list)
    plan_day: date | None = None
    steps: list[tuple[int, str, str, str | None]] = Field(default_factory=list)
    step_end_tick: int = 0
    current_action_text: str = ""
    current_activity: str = ""
    replan_context: str | None = None
    pending: list[PendingState] = Field(default_factory=list)
    importance_cache: dict[str, int] = Field(default_factory=dict)
    salient: PerceptState | None = None
    salient_tick: int = -1
    last_reaction_tick: int = 0
    chat_cooldown: dict[str, int] = Field(default_factory=dict)
    reflection_questions: list[str] | None = None
    busy: list[str] = Field(default_factory=list)
    asleep: bool = False
    prefetched: bool = False
    plan_version: int = 0
    departed: bool = False
    memory: MemoryState = Field(default_factory=MemoryState)


def capture_mind(mind: Mind) -> MindState:
    memory = mind.memory
    return MindState(
        persona=mind.persona,
        schedule=list(mind.schedule),
        plan_day=mind.plan_day,
        steps=[(s.minutes, s.action, s.arena, s.object) for s in mind.steps],
        step_end_tick=mind.step_end_tick,
        current_action_text=mind.current_action_text,
        current_activity=mind.current_activity,
        replan_context=mind.replan_context,
        pending=[PendingState(**vars(p) | {"sources": list(p.sources)}) for p in mind.pending],
        importance_cache=dict(mind.importance_cache),
        salient=PerceptState(**vars(mind.salient)) if mind.salient is not None else None,
        salient_tick=mind.salient_tick,
        last_reaction_tick=mind.last_reaction_tick,
        chat_cooldown=dict(mind.chat_cooldown),
        reflection_questions=list(mind.reflection_questions) if mind.reflection_questions is not None else None,
        busy=sorted(mind.busy),
        asleep=mind.asleep,
        prefetched=mind.prefetched,
        plan_version=mind.plan_version,
        departed=mind.departed,
        memory=MemoryState(
            records=list(memory.records),
            importance_since_reflection=memory.importance_since_reflection,
            unscored=list(memory.unscored),
        ),
    )


def restore_mind(mind: Mind, state: MindState, vectors: np.ndarray) -> None:
    """Put a freshly built mind (same persona, map and config) into the saved state; `vectors` are the embeddings."""
    mind.schedule = list(state.schedule)
    mind.plan_day = state.plan_day
    mind.steps = deque(PlannedStep(*step) for step in state.steps)
    mind.step_end_tick = state.step_end_tick
    mind.current_action_text = state.current_action_text
    mind.current_activity = state.current_activity
    mind.replan_context = state.replan_context
    mind.pending = [PendingMemory(**p.model_dump() | {"sources": tuple(p.sources)}) for p in state.pending]
    mind.importance_cache = dict(state.importance_cache)
    mind.salient = Percept(**state.salient.model_dump()) if state.salient is not None else None
    mind.salient_tick = state.salient_tick
    mind.last_reaction_tick = state.last_reaction_tick
    mind.chat_cooldown = dict(state.chat_cooldown)
    mind.reflection_questions = list(state.reflection_questions) if state.reflection_questions is not None else None
    mind.busy = set(state.busy)
    mind.asleep = state.asleep
    mind.prefetched = state.prefetched
    mind.plan_version = state.plan_version
    mind.departed = state.departed
    mind.memory.load(
        [r.model_copy() for r in state.memory.records],
        vectors,
        importance_since_reflection=state.memory.importance_since_reflection,
        unscored=state.memory.unscored,
    )
