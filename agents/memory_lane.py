"""`MemoryLane`: what an agent's memory lane is in the middle of.

That is: memories perceived but not stored yet, importance scores learned for identical texts, and a reflection
between its questions and its insights. Owned and written by the mind; saved as it is (a field added here is saved
with no other edit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.importance import PendingMemory
from town.core.world import SAVED


@dataclass
class MemoryLane:
    __pydantic_config__ = SAVED  # a save naming a field this component lacks is damaged

    pending: list[PendingMemory] = field(default_factory=list)
    # text -> the score the model gave it. It only grows, and a text's score never changes once learned (`learn`):
    # a save appends the new entries to a log instead of rewriting a day's thousands.
    importance_cache: dict[str, int] = field(default_factory=dict)
    reflection_questions: list[str] | None = None  # asked, awaiting insights

    def learn(self, scores: dict[str, int]) -> None:
        """Remember scores for texts not scored before (the first score a text got stays)."""
        for text, score in scores.items():
            self.importance_cache.setdefault(text, score)

    def take_pending(self) -> list[PendingMemory]:
        taken, self.pending = self.pending, []
        return taken
