"""One agent's mind as plain typed data, for saves: `MindState`.

It is made of the mind's own components as they are (agenda, attention, memory lane, lanes) plus the memory stream's
state, so a field added to a component is saved and restored with no second edit. The persona travels with the state
(a save does not depend on the persona files it started from). Memory embeddings are not part of this model: the save
keeps them beside it in binary (one float32 row per record). `Mind.get_state`/`Mind.set_state` produce and apply it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agents.agenda import Agenda
from agents.attention import Attention
from agents.lanes import Lanes
from agents.memory import MemoryState
from agents.memory_lane import MemoryLane
from agents.persona import Persona


class MindState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    persona: Persona
    agenda: Agenda = Field(default_factory=Agenda)
    attention: Attention = Field(default_factory=Attention)
    memory_lane: MemoryLane = Field(default_factory=MemoryLane)
    lanes: Lanes = Field(default_factory=Lanes)
    memory: MemoryState = Field(default_factory=MemoryState)
