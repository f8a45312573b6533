"""`Lanes`: which of an agent's lanes have an operation in flight, whether it sleeps, whether it has left town.

The lanes are act, plan, memory (and the visitor and survey lanes of the runtime); sleeping and leaving stop thinking.
Owned and written by the mind; saved as it is (a field added here is saved with no other edit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from town.core.world import SAVED, SortedNames

ACT, PLAN, MEMORY = "act", "plan", "memory"  # the mind's own lanes


@dataclass
class Lanes:
    __pydantic_config__ = SAVED  # a save naming a field this component lacks is damaged

    busy: SortedNames = field(default_factory=set)
    asleep: bool = False
    departed: bool = False  # left town (an experiment's intervention): no body, no more thinking
