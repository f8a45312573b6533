"""The action lane's policy: what an awake agent does next, in order of urgency.

One function per trigger, each over the agent's `Mind`: wake at the waking hour, go to bed at bedtime, speak when it
is the agent's turn in a conversation, plan a new day, re-plan after an interruption, decide about someone just seen,
take the next planned step (or decompose the block into steps). A trigger either starts an action at once (no model
call) or launches the one operation the lane may run. The mind keeps the state these read and write; this module keeps
only the order in which they are asked, and types the mind as `ActingMind` (the concrete class imports this module).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from agents.agenda import Agenda
from agents.attention import Attention
from agents.dialogue import utterance_op
from agents.lanes import ACT, PLAN, Lanes
from agents.mind_view import MindView
from agents.operations import Launch, Operation
from agents.planning import decompose_op, plan_day_op, routine_place, routine_schedule
from agents.reaction import react_op
from town.core.clock import GameClock
from town.core.inputs import StartAction, WorldInput
from town.core.places import Arena, TownMap
from town.core.world import Conversation, WorldState

WAKE_UP_MINUTES = 10


class ActingMind(MindView, Protocol):
    """What the policy reads of a mind beyond an operation's view, and the components it may change.

    Those are the mind's own lanes, agenda and attention: the policy is the mind's, not an operation's.
    """

    lanes: Lanes
    agenda: Agenda
    attention: Attention
    clock: GameClock
    map: TownMap
    home_arena: Arena
    bed: str | None
    plans: bool
    salient_ticks: int

    def is_awake_time(self, tick: int) -> bool: ...
    def waking_day(self, tick: int) -> date: ...
    def launch(self, op: Operation, purpose: str, tick: int, not_before: int = 0) -> Launch: ...
    def start(
        self, tick: int, action: str, arena: Arena, obj: str | None, minutes: int, asleep: bool = False
    ) -> StartAction: ...
    def go_to_sleep(self, tick: int) -> StartAction: ...


def next_action(mind: ActingMind, tick: int, world: WorldState) -> tuple[list[WorldInput], Launch | None]:
    """What the body does now (inputs) or the decision to think about first (a launch)."""
    body = world.bodies[mind.name]
    if mind.lanes.asleep:
        return _waking(mind, tick)
    if not mind.is_awake_time(tick) and body.conversation is None:
        return [mind.go_to_sleep(tick)], None
    if ACT in mind.lanes.busy:
        return [], None
    if body.conversation is not None:
        return [], _turn_to_speak(mind, tick, world.conversations.get(body.conversation))
    if mind.agenda.plan_day != mind.waking_day(tick):
        return _plan_the_day(mind, tick)
    if mind.agenda.replan_context is not None:
        return _replan(mind, tick)
    reaction = _reaction(mind, tick)
    if reaction is not None:
        return [], reaction
    if tick >= mind.agenda.step_end_tick:
        return _next_step(mind, tick)
    return [], None


def _waking(mind: ActingMind, tick: int) -> tuple[list[WorldInput], Launch | None]:
    if not mind.is_awake_time(tick):
        return [], None
    mind.lanes.asleep = False
    return [mind.start(tick, "waking up", mind.home_arena, mind.bed, WAKE_UP_MINUTES)], None


def _turn_to_speak(mind: ActingMind, tick: int, conv: Conversation | None) -> Launch | None:
    if conv is None or conv.ended or conv.next_speaker != mind.name:
        return None
    return mind.launch(utterance_op(mind, conv, tick), "utterance", tick)


def _plan_the_day(mind: ActingMind, tick: int) -> tuple[list[WorldInput], Launch | None]:
    if mind.plans:
        return [], mind.launch(plan_day_op(mind, tick), "plan_day", tick)
    schedule = routine_schedule(mind.persona) or [(mind.wake_minute, "go about the day")]
    mind.agenda.set_day(schedule, mind.waking_day(tick))
    return [], None


def _replan(mind: ActingMind, tick: int) -> tuple[list[WorldInput], Launch | None]:
    if mind.plans:
        return [], mind.launch(decompose_op(mind, tick, tick), "decompose", tick)
    mind.agenda.replan_context = None
    return [_routine_step(mind, tick)], None


def _reaction(mind: ActingMind, tick: int) -> Launch | None:
    """A decision about the agent just seen, if the sighting is fresh and the last reaction long enough ago."""
    attention = mind.attention
    if attention.salient is None:
        return None
    percept = attention.take(tick, mind.salient_ticks)
    if percept is None:
        return None
    cooldown = mind.clock.ticks_for(minutes=mind.config.reaction_cooldown_minutes)
    if tick - attention.last_reaction_tick < cooldown:
        return None
    return mind.launch(react_op(mind, percept, tick), "react", tick)


def _next_step(mind: ActingMind, tick: int) -> tuple[list[WorldInput], Launch | None]:
    agenda = mind.agenda
    if agenda.steps:
        step = agenda.steps.popleft()
        agenda.prefetched = False
        return [mind.start(tick, step.action, mind.map.arenas[step.arena], step.object, step.minutes)], None
    if PLAN in mind.lanes.busy:
        return [], None  # the next steps are being planned already
    if not mind.plans:
        return [_routine_step(mind, tick)], None
    return [], mind.launch(decompose_op(mind, tick, tick), "decompose", tick)


def _routine_step(mind: ActingMind, tick: int) -> StartAction:
    """Without planning: the current block's activity at the routine's place, until the block ends."""
    minute = mind.minute_of_day(tick)
    _, end, activity = mind.current_block(minute)
    label = routine_place(mind.persona, minute) or mind.default_place_label
    arena = mind.places.get(label) or mind.places[mind.default_place_label]
    return mind.start(tick, activity[:80], arena, None, max(5, min(end - minute, 60)))
