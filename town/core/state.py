"""The engine's state as typed data, for saves: `EngineState` and `PerceiverState`.

Everything the next tick depends on is here — the world as it is (bodies with their paths, objects and their users,
open conversations), queued inputs, what each agent has recently noticed, and the event counter — and nothing that is
only a cache (paths already searched). The world's own dataclasses are the saved form, so a field added to them needs
no edit here. `Engine.get_state`/`Engine.set_state` produce and apply it.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from town.core.inputs import WorldInput
from town.core.world import SortedNames, WorldState


def assign_fields(target: Any, source: Any) -> None:
    """Give the dataclass `target` every field of `source` (same class), keeping the object others hold."""
    for item in fields(target):
        setattr(target, item.name, getattr(source, item.name))


class PerceiverState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recent: dict[str, list[str]] = Field(default_factory=dict)
    in_view: dict[str, SortedNames] = Field(default_factory=dict)
    noticed_at: dict[str, dict[str, int]] = Field(default_factory=dict)


class EngineState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    next_event_id: int = Field(ge=1)
    world: WorldState
    queue: list[WorldInput] = Field(default_factory=list)
    perceiver: PerceiverState = Field(default_factory=PerceiverState)

    @property
    def tick(self) -> int:
        return self.world.tick
