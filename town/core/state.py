"""The engine's state as plain typed data, for saves: `EngineState` with `capture_engine` and `restore_engine`.

Everything the next tick depends on is here — bodies with their paths, objects and their users, open conversations,
queued inputs, what each agent has recently noticed, and the event counter — and nothing that is only a cache (paths
already searched). Sets are written sorted so the same state always gives the same bytes.
"""

from __future__ import annotations

from collections import deque

from pydantic import BaseModel, ConfigDict, Field

from town.core.engine import Engine
from town.core.inputs import WorldInput
from town.core.world import Action, Body, Conversation, Turn

Tile = tuple[int, int]


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BodyState(_State):
    name: str
    tile: Tile
    path: list[Tile] = Field(default_factory=list)
    action: Action | None = None  # the world's own frozen dataclass: pydantic validates and writes it as is
    asleep: bool = False
    conversation: int | None = None
    action_seq: int = Field(default=0, ge=0)


class ConversationState(_State):
    id: int
    participants: tuple[str, str]
    place: str
    started_tick: int
    next_speaker: str
    last_turn_tick: int
    turns: list[Turn] = Field(default_factory=list)
    ended: bool = False


class PerceiverState(_State):
    recent: dict[str, list[str]] = Field(default_factory=dict)
    in_view: dict[str, list[str]] = Field(default_factory=dict)
    noticed_at: dict[str, dict[str, int]] = Field(default_factory=dict)


class EngineState(_State):
    tick: int = Field(ge=0)
    next_event_id: int = Field(ge=1)
    bodies: list[BodyState]
    objects: dict[str, str] = Field(default_factory=dict)
    object_users: dict[str, list[str]] = Field(default_factory=dict)
    conversations: list[ConversationState] = Field(default_factory=list)
    next_conversation_id: int = Field(ge=1)
    queue: list[WorldInput] = Field(default_factory=list)
    perceiver: PerceiverState = Field(default_factory=PerceiverState)


def capture_engine(engine: Engine) -> EngineState:
    world = engine.world
    perceiver = engine.perceiver
    return EngineState(
        tick=world.tick,
        next_event_id=engine.bus.next_id,
        bodies=[
            BodyState(
                name=b.name,
                tile=b.tile,
                path=list(b.path),
                action=b.action,
                asleep=b.asleep,
                conversation=b.conversation,
                action_seq=b.action_seq,
            )
            for b in world.bodies.values()
        ],
        objects=dict(world.objects),
        object_users={address: sorted(users) for address, users in world.object_users.items()},
        conversations=[
            ConversationState(
                id=c.id,
                participants=c.participants,
                place=c.place,
                started_tick=c.started_tick,
                next_speaker=c.next_speaker,
                last_turn_tick=c.last_turn_tick,
                turns=[Turn(**vars(t)) for t in c.turns],  # copies: turns are mutable
                ended=c.ended,
            )
            for c in world.conversations.values()
        ],
        next_conversation_id=world.next_conversation_id,
        queue=list(engine.pending_inputs),
        perceiver=PerceiverState(
            recent={name: list(keys) for name, keys in perceiver.recent.items()},
            in_view={name: sorted(keys) for name, keys in perceiver.in_view.items()},
            noticed_at={name: dict(seen) for name, seen in perceiver.noticed_at.items()},
        ),
    )


def restore_engine(engine: Engine, state: EngineState) -> None:
    """Put a freshly built engine (same map and config) into the saved state."""
    world = engine.world
    world.tick = state.tick
    engine.bus.next_id = state.next_event_id
    engine.bus.tick = state.tick
    world.bodies = {
        b.name: Body(
            name=b.name,
            tile=b.tile,
            path=deque(b.path),
            action=b.action,
            asleep=b.asleep,
            conversation=b.conversation,
            action_seq=b.action_seq,
        )
        for b in state.bodies
    }
    world.objects = dict(state.objects)
    world.object_users = {address: set(users) for address, users in state.object_users.items()}
    world.conversations = {
        c.id: Conversation(
            id=c.id,
            participants=c.participants,
            place=c.place,
            started_tick=c.started_tick,
            next_speaker=c.next_speaker,
            last_turn_tick=c.last_turn_tick,
            turns=[Turn(**vars(t)) for t in c.turns],
            ended=c.ended,
        )
        for c in state.conversations
    }
    world.next_conversation_id = state.next_conversation_id
    engine.pending_inputs = list(state.queue)
    perceiver = engine.perceiver
    perceiver.recent = {name: deque(keys, maxlen=perceiver.retention) for name, keys in state.perceiver.recent.items()}
    perceiver.in_view = {name: set(keys) for name, keys in state.perceiver.in_view.items()}
    perceiver.noticed_at = {name: dict(seen) for name, seen in state.perceiver.noticed_at.items()}
