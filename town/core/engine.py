"""`Engine.step()`: one tick of the world, and `EngineConfig`.

Order within a tick (fixed and documented because determinism depends on it):
1. apply queued inputs in submission order;
2. systems: movement (one tile per tick along the path), conversations (turn cap, silence timeout), object states;
3. perception for every awake agent;
4. events go to observers as they happen; the tick counter advances last.
No cognition runs here: the runtime starts LLM operations from what `step()` returns.
"""

from __future__ import annotations

import copy
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from town.core.clock import GameClock
from town.core.errors import NoPathError
from town.core.events import (
    ActionStarted,
    AgentSpawned,
    ConversationEnded,
    ConversationStarted,
    EventBus,
    InputRejected,
    Moves,
    ObjectStateChanged,
    PathBlocked,
    SleepChanged,
    Utterance,
)
from town.core.inputs import EndConversation, Say, StartAction, StartConversation, WalkTowards, WorldInput
from town.core.pathfinding import PathFinder
from town.core.perception import Perceiver, Percept
from town.core.places import TownMap
from town.core.state import EngineState, assign_fields
from town.core.world import IDLE, Action, Body, Conversation, Turn, WorldState

Tile = tuple[int, int]


class EngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "turn_timeout_ticks" in data:
            raise ValueError("turn_timeout_ticks is now turn_timeout_minutes (game minutes of silence; 2 by default)")
        return data

    vision_radius: int = Field(default=4, ge=1, le=50)
    attention_bandwidth: int = Field(default=3, ge=1, le=20)
    retention: int = Field(default=5, ge=1, le=100)
    # Seeing the same person doing the same thing again within this many game minutes is not news (walking past
    # each other in a crowd would otherwise make a fresh memory every tick).
    renotice_minutes: int = Field(default=30, ge=0, le=24 * 60)
    max_turns: int = Field(default=8, ge=2, le=40)
    # Two game minutes of silence ends a conversation, so a lost or failed turn can never freeze two agents.
    turn_timeout_minutes: float = Field(default=2.0, gt=0, le=24 * 60, allow_inf_nan=False)
    # Agents may start talking a little beyond vision range: they saw each other a few ticks earlier and kept walking.
    talk_range: int = Field(default=8, ge=1, le=100)


@dataclass
class TickResult:
    """What the runtime needs after a tick: fresh percepts, conversations that started and ended.

    (Lines said are read from the conversations themselves: each keeps its turns.)
    """

    tick: int
    percepts: dict[str, list[Percept]] = field(default_factory=dict)
    ended: list[Conversation] = field(default_factory=list)
    started: list[Conversation] = field(default_factory=list)


class Engine:
    """Owns the world state, the queue of inputs, path search and perception, and steps them one tick at a time.

    Nothing else writes the world: inputs arrive through `submit` and are applied at the start of the next step, in
    order; what happened goes out as events on the bus. `get_state`/`set_state` carry all of it for saves.
    """

    def __init__(self, town_map: TownMap, clock: GameClock, bus: EventBus, config: EngineConfig | None = None) -> None:
        self.map = town_map
        self.clock = clock
        self.bus = bus
        self.config = config or EngineConfig()
        self.world = WorldState()
        self.paths = PathFinder(town_map.walkable, town_map.door_anchors())
        self.perceiver = Perceiver(
            town_map,
            self.config.vision_radius,
            self.config.attention_bandwidth,
            self.config.retention,
            renotice_ticks=clock.ticks_for(minutes=self.config.renotice_minutes),
        )
        self.pending_inputs: list[WorldInput] = []
        self._result = TickResult(tick=0)
        self.turn_timeout_ticks = clock.ticks_for(minutes=self.config.turn_timeout_minutes)
        bus.keep_time(lambda: self.world.tick)  # what happens is stamped with the tick the world is at

    # -- state for saves -------------------------------------------------------------------------------------------
    def get_state(self, *, copy_world: bool = True) -> EngineState:
        """Everything the next tick depends on, copied (caches such as searched paths are not state).

        With `copy_world=False` the state shares the live world: a view for a save written before the next tick.
        """
        return EngineState.model_construct(
            next_event_id=self.bus.next_id,
            world=copy.deepcopy(self.world) if copy_world else self.world,
            queue=list(self.pending_inputs),
            perceiver=self.perceiver.get_state(),
        )

    def set_state(self, state: EngineState) -> None:
        """Put a freshly built engine (same map and config) into the saved state.

        The world object stays the same one (the runtime and the snapshot publisher hold it); its fields are replaced.
        """
        assign_fields(self.world, copy.deepcopy(state.world))
        self.bus.next_id = state.next_event_id
        self.pending_inputs = list(state.queue)
        self.perceiver.set_state(state.perceiver)

    # -- outside world -------------------------------------------------------------------------------------------
    def spawn(self, name: str, tile: Tile, home: str = "") -> None:
        if name in self.world.bodies:
            raise ValueError(f"agent {name!r} already exists")
        self.world.bodies[name] = Body(name=name, tile=tile)
        self.bus.emit(AgentSpawned(agent=name, tile=tile, home=home))

    def submit(self, item: WorldInput) -> None:
        self.pending_inputs.append(item)

    def step_inputs(self) -> None:
        """Apply queued inputs now, between ticks (an intervention that must land before the world moves on)."""
        queue, self.pending_inputs = self.pending_inputs, []
        for item in queue:
            self._apply(item)

    def set_object_state(self, address: str, state: str) -> None:
        self._set_object(address, state)

    def remove(self, name: str) -> None:
        """Take an agent out of the world (it left town); the objects it used go idle."""
        self._release_objects(name)
        self.world.bodies.pop(name, None)

    # -- the tick --------------------------------------------------------------------------------------------------
    def step(self) -> TickResult:
        world = self.world
        self._result = TickResult(tick=world.tick)
        queue, self.pending_inputs = self.pending_inputs, []
        for item in queue:
            self._apply(item)
        self._move()
        self._expire_conversations()
        self._result.percepts = self.perceiver.perceive(world)
        result = self._result
        world.tick += 1
        return result

    # -- inputs ----------------------------------------------------------------------------------------------------
    def _apply(self, item: WorldInput) -> None:
        if isinstance(item, StartAction):
            self._start_action(item)
        elif isinstance(item, StartConversation):
            self._start_conversation(item)
        elif isinstance(item, WalkTowards):
            self._walk_towards(item)
        elif isinstance(item, Say):
            self._say(item)
        elif isinstance(item, EndConversation):
            conv = self.world.conversations.get(item.conversation)
            if conv is None or conv.ended:
                self._reject(item, "no such open conversation")
            else:
                self._end_conversation(conv, item.reason)

    def _reject(self, item: WorldInput, reason: str) -> None:
        self.bus.emit(InputRejected(input=item.model_dump(), reason=reason))

    def _start_action(self, item: StartAction) -> None:
        body = self.world.bodies.get(item.agent)
        arena = self.map.arenas.get(item.arena)
        if body is None or arena is None:
            self._reject(item, "unknown agent" if body is None else f"unknown place {item.arena}")
            return
        if body.conversation is not None:
            self._reject(item, "agent is in a conversation")
            return
        obj = arena.objects.get(item.object) if item.object else None
        if obj is not None:
            target = obj.access_for(item.agent)
        else:
            # A stable per-agent spot spreads agents over the arena without drawing random numbers.
            target = arena.tiles[zlib.crc32(item.agent.encode()) % len(arena.tiles)]
        try:
            body.path = deque(self.paths.path(body.tile, target))
        except NoPathError as exc:
            body.path = deque()
            self.bus.emit(PathBlocked(agent=body.name, target=target, reason=str(exc)))
        tick = self.world.tick
        body.action_seq += 1
        state = (item.object_state or "in use") if obj is not None else None
        body.action = Action(
            description=item.description,
            emoji=item.emoji,
            arena=arena.address,
            object=obj.name if obj else None,
            object_state=state,
            start_tick=tick,
            end_tick=tick + item.duration_ticks,
            seq=body.action_seq,
        )
        self._release_objects(body.name)
        if obj is not None and state is not None:
            self.world.object_users.setdefault(obj.address, set()).add(body.name)
            self._set_object(obj.address, state)
        if body.asleep != item.asleep:
            body.asleep = item.asleep
            self.bus.emit(SleepChanged(agent=body.name, asleep=item.asleep))
        self.bus.emit(
            ActionStarted(
                agent=body.name,
                description=item.description,
                emoji=item.emoji,
                place=arena.address,
                object=obj.name if obj else None,
                object_state=state,
                until_tick=tick + item.duration_ticks,
            )
        )

    def _release_objects(self, agent: str) -> None:
        for address in sorted(a for a, users in self.world.object_users.items() if agent in users):
            users = self.world.object_users[address]
            users.discard(agent)
            if not users:
                del self.world.object_users[address]
                self._set_object(address, IDLE)

    def _set_object(self, address: str, state: str) -> None:
        if self.world.objects.get(address, IDLE) != state:
            self.world.objects[address] = state
            self.bus.emit(ObjectStateChanged(object=address, state=state))

    def _walk_towards(self, item: WalkTowards) -> None:
        body, target = self.world.bodies.get(item.agent), self.world.bodies.get(item.target)
        if body is None or target is None or body is target:
            self._reject(item, "unknown or identical agents")
            return
        if body.conversation is not None:
            self._reject(item, "agent is in a conversation")
            return
        try:
            path = self.paths.path(body.tile, target.tile)
        except NoPathError as exc:
            self.bus.emit(PathBlocked(agent=body.name, target=target.tile, reason=str(exc)))
            return
        body.path = deque(path)
        tick = self.world.tick
        body.action_seq += 1
        arena = self.map.arena_at(target.tile)
        place = arena.address if arena else self.map.world
        body.action = Action(
            description=item.description,
            emoji="",
            arena=place,
            object=None,
            object_state=None,
            start_tick=tick,
            end_tick=tick + len(path) + 1,
            seq=body.action_seq,
        )
        self._release_objects(body.name)
        self.bus.emit(
            ActionStarted(
                agent=body.name,
                description=item.description,
                emoji="",
                place=place,
                object=None,
                object_state=None,
                until_tick=tick + len(path) + 1,
            )
        )

    def _start_conversation(self, item: StartConversation) -> None:
        bodies = self.world.bodies
        a, b = bodies.get(item.initiator), bodies.get(item.partner)
        if a is None or b is None or a is b:
            self._reject(item, "unknown or identical participants")
            return
        if a.asleep or b.asleep:
            self._reject(item, "a participant is asleep")
            return
        if a.conversation is not None or b.conversation is not None:
            self._reject(item, "a participant is already in a conversation")
            return
        if max(abs(a.tile[0] - b.tile[0]), abs(a.tile[1] - b.tile[1])) > self.config.talk_range:
            self._reject(item, "the partner has walked out of range")
            return
        world = self.world
        conv = Conversation(
            id=world.next_conversation_id,
            participants=(a.name, b.name),
            place=self._place_of(a),
            started_tick=world.tick,
            next_speaker=a.name,
            last_turn_tick=world.tick,
        )
        world.next_conversation_id += 1
        world.conversations[conv.id] = conv
        for body in (a, b):
            body.conversation = conv.id
            body.path.clear()
        started = ConversationStarted(conversation=conv.id, participants=conv.participants, place=conv.place)
        self.bus.emit(started)
        self._result.started.append(conv)
        if item.opening:
            self._say(Say(conversation=conv.id, speaker=a.name, text=item.opening))

    def _say(self, item: Say) -> None:
        conv = self.world.conversations.get(item.conversation)
        if conv is None or conv.ended:
            self._reject(item, "no such open conversation")
            return
        if item.speaker != conv.next_speaker:
            self._reject(item, f"it is {conv.next_speaker}'s turn")
            return
        listener = conv.partner_of(item.speaker)
        event = Utterance(
            conversation=conv.id, speaker=item.speaker, listener=listener, text=item.text, turn=len(conv.turns) + 1
        )
        self.bus.emit(event)
        conv.turns.append(Turn(item.speaker, item.text, self.world.tick, event.id))
        conv.next_speaker = listener
        conv.last_turn_tick = self.world.tick
        if item.end:
            self._end_conversation(conv, "said goodbye")
        elif len(conv.turns) >= self.config.max_turns:
            self._end_conversation(conv, "turn limit")

    def hold_conversations(self, thinking: set[str]) -> None:
        """Silence counts only while nobody is thinking.

        A conversation whose next speaker is still composing a line keeps its timer at zero (live mode, where a slow
        model would otherwise end a talk before its first line).
        """
        for conv in self.world.conversations.values():
            if not conv.ended and conv.next_speaker in thinking:
                conv.last_turn_tick = self.world.tick

    def _end_conversation(self, conv: Conversation, reason: str) -> None:
        conv.ended = True
        for name in conv.participants:
            body = self.world.bodies.get(name)
            if body is not None and body.conversation == conv.id:
                body.conversation = None
        ended = ConversationEnded(
            conversation=conv.id, participants=conv.participants, reason=reason, turns=len(conv.turns)
        )
        self.bus.emit(ended)
        self._result.ended.append(conv)

    # -- systems ---------------------------------------------------------------------------------------------------
    def _move(self) -> None:
        moved: dict[str, tuple[int, int]] = {}
        for body in self.world.bodies.values():
            if body.path and body.conversation is None:
                body.tile = body.path.popleft()
                moved[body.name] = body.tile
        if moved:
            self.bus.emit(Moves(positions=moved))

    def _expire_conversations(self) -> None:
        tick = self.world.tick
        for conv in list(self.world.conversations.values()):
            if conv.ended:
                continue
            if any(self.world.bodies[n].asleep for n in conv.participants if n in self.world.bodies):
                self._end_conversation(conv, "a participant fell asleep")
            elif tick - conv.last_turn_tick > self.turn_timeout_ticks:
                self._end_conversation(conv, "silence")
        # Ended conversations are kept only while a mind may still read them this tick.
        for conv_id in [c.id for c in self.world.conversations.values() if c.ended and c.last_turn_tick < tick - 1]:
            del self.world.conversations[conv_id]

    def _place_of(self, body: Body) -> str:
        arena = self.map.arena_at(body.tile)
        return arena.address if arena else self.map.world
