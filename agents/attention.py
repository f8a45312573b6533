"""`Attention`: what an agent noticed that may deserve a reaction, and the cooldowns that stop reaction loops.

Owned and written by the mind; saved as it is (a field added here is saved with no other edit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from town.core.perception import Percept
from town.core.world import SAVED

NEVER = -(10**9)


@dataclass
class Attention:
    __pydantic_config__ = SAVED  # a save naming a field this component lacks is damaged

    salient: Percept | None = None  # the agent seen this tick that may be worth a reaction
    salient_tick: int = -1
    last_reaction_tick: int = NEVER
    chat_cooldown: dict[str, int] = field(default_factory=dict)  # partner -> tick of the last talk with them

    def notice(self, percept: Percept, tick: int) -> None:
        self.salient, self.salient_tick = percept, tick

    def forget(self) -> None:
        self.salient = None

    def take(self, tick: int, within_ticks: int) -> Percept | None:
        """The salient percept if it is still fresh (it is taken either way: one decision per sighting)."""
        percept, self.salient = self.salient, None
        return percept if percept is not None and tick - self.salient_tick <= within_ticks else None

    def talked(self, partner: str, tick: int) -> None:
        self.chat_cooldown[partner] = tick

    def since_talk(self, partner: str, tick: int) -> int:
        return tick - self.chat_cooldown.get(partner, NEVER)
