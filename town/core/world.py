"""Mutable world state: `WorldState`, `Body` (an agent's physical self), `Action`, `Conversation`.

Only the engine writes it; minds and the UI read it. The engine's saved state holds these dataclasses as they are,
so a field added here is saved and restored with no other edit. Bodies keep insertion order, which is the agent order
used everywhere results are applied, so iteration order never depends on hashing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import ConfigDict, PlainSerializer

Tile = tuple[int, int]
IDLE = "idle"
# A set has no order of its own; a save must be byte-stable, so sets are written sorted.
SortedNames = Annotated[set[str], PlainSerializer(sorted, return_type=list[str])]
# The world's dataclasses are saved as they are (EngineState holds them); a saved field they lack is damage.
SAVED = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Action:
    __pydantic_config__ = SAVED

    description: str
    emoji: str
    arena: str
    object: str | None
    object_state: str | None
    start_tick: int
    end_tick: int
    seq: int


@dataclass
class Body:
    __pydantic_config__ = SAVED

    name: str
    tile: Tile
    path: deque[Tile] = field(default_factory=deque)
    action: Action | None = None
    asleep: bool = False
    conversation: int | None = None
    action_seq: int = 0

    def status_text(self, world: WorldState) -> str:
        """What an onlooker sees this agent doing."""
        if self.asleep:
            return f"{self.name} is sleeping"
        if self.conversation is not None:
            partner = world.conversations[self.conversation].partner_of(self.name)
            return f"{self.name} is chatting with {partner}"
        if self.action is None:
            return f"{self.name} is idle"
        return f"{self.name} is {self.action.description}"


@dataclass
class Turn:
    __pydantic_config__ = SAVED

    speaker: str
    text: str
    tick: int
    event_id: int


@dataclass
class Conversation:
    __pydantic_config__ = SAVED

    id: int
    participants: tuple[str, str]
    place: str
    started_tick: int
    next_speaker: str
    # The last turn's tick; in live mode also bumped while the next speaker is still thinking, so silence counts only
    # while nobody is (Engine.hold_conversations).
    last_turn_tick: int
    turns: list[Turn] = field(default_factory=list)
    ended: bool = False

    def partner_of(self, name: str) -> str:
        a, b = self.participants
        return b if name == a else a


@dataclass
class WorldState:
    __pydantic_config__ = SAVED

    tick: int = 0
    bodies: dict[str, Body] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)
    object_users: dict[str, SortedNames] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)
    next_conversation_id: int = 1


def by_participant(conversations: list[Conversation]) -> dict[str, list[Conversation]]:
    """The conversations each agent is in, by name."""
    by_name: dict[str, list[Conversation]] = {}
    for conv in conversations:
        for name in conv.participants:
            by_name.setdefault(name, []).append(conv)
    return by_name
