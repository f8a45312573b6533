"""`Mind`: one agent's cognition: its components' state and the triggers that decide when it needs to think.

Each tick the runtime hands a mind what its body perceived (`observe`) and asks for work on three lanes: the action
lane (`next_action`, whose order of triggers — wake, sleep, speak, plan the day, re-plan, react, take the next step,
decompose — is `action_policy`'s), the planning lane (`next_plan`: decompose the next window while the last step runs)
and the memory lane (`next_memory`: score new memories, reflect). A lane runs at most one operation at a time;
everything that needs no model call (the next planned step, going to bed, idle observations) happens at once. Sleeping
agents make no calls.
"""

from __future__ import annotations

import copy
from datetime import date
from functools import cached_property

import numpy as np
from pydantic import BaseModel

from agents import action_policy
from agents.agenda import Agenda
from agents.attention import Attention
from agents.config import CognitionConfig
from agents.dialogue import chat_memory
from agents.effects import (
    Effect,
    PlannedStep,
    ReactionDecided,
    ReflectionDone,
    SetDayPlan,
    SetImportance,
    SetReflectionQuestions,
    SetSteps,
)
from agents.importance import PendingMemory, importance_op, known_score
from agents.lanes import MEMORY, PLAN, Lanes
from agents.memory import MemoryDraft, MemoryStream
from agents.memory_lane import MemoryLane
from agents.operations import Launch, Operation
from agents.persona import Persona
from agents.persona_facts import WakingDay, home_of, known_places
from agents.planning import decompose_op, emoji_for
from agents.reflection import insights_op, questions_op
from agents.schemas import steps_schema
from agents.state import MindState
from agents.wording import progressive
from town.core.clock import GameClock, clock_label
from town.core.inputs import StartAction, WorldInput
from town.core.perception import Percept
from town.core.places import Arena, TownMap
from town.core.world import Conversation, WorldState

# The mind's saved components, each a field of MindState of the same name (the memory stream is saved beside them).
COMPONENTS = ("agenda", "attention", "memory_lane", "lanes")


class Mind:
    """Owns one agent's cognitive state and is its only writer.

    What is fixed at birth (persona, known places, home, waking hours, config) sits in plain attributes; what changes
    lives in components: `agenda` (the day's plan and the action under way), `attention` (what may deserve a
    reaction), `memory_lane` (memories not stored yet, learned scores, a reflection in progress), `lanes` (what is
    thinking, asleep, departed) and the `memory` stream. Operations read it through `MindView`; their outcomes come
    back as `Effect`s that `apply` makes. `get_state`/`set_state` carry every component for saves.
    """

    def __init__(
        self,
        persona: Persona,
        memory: MemoryStream,
        town_map: TownMap,
        clock: GameClock,
        config: CognitionConfig,
        names_by_id: dict[str, str],
    ) -> None:
        self.persona = persona
        self.name = persona.name
        self.memory = memory
        self.map = town_map
        self.clock = clock
        self.config = config
        self.identity = persona.summary(omit=config.ablate)  # an S/P/C ablation leaves its part out
        # People outside the loaded cast keep a readable name made from their persona id.
        self._relations = {
            names_by_id.get(r.person, r.person.replace("-", " ").title()): r.relation for r in persona.relationships
        }
        self.places = known_places(persona, town_map)
        self.home_arena, self.bed = home_of(persona, town_map)
        work = town_map.arenas_of(persona.workplace) if persona.workplace else []
        self.default_place_label = (work[0] if work else self.home_arena).label
        self.day = WakingDay(persona, clock)
        self.wake_minute, self.bed_minute = self.day.wake_minute, self.day.bed_minute
        self.plans = "planning" not in config.ablate
        self.reflects = "reflection" not in config.ablate
        self.salient_ticks = clock.ticks_for(minutes=config.salient_minutes)

        self.agenda = Agenda()
        self.attention = Attention()
        self.memory_lane = MemoryLane()
        self.lanes = Lanes()

    # -- state for saves ---------------------------------------------------------------------------------------------
    def get_state(self, *, copy_parts: bool = True) -> MindState:
        """Every component, copied; with `copy_parts=False` shared (a view for a save made before the mind changes)."""
        parts = {name: copy.deepcopy(getattr(self, name)) if copy_parts else getattr(self, name) for name in COMPONENTS}
        return MindState.model_construct(persona=self.persona, memory=self.memory.get_state(), **parts)

    def set_state(self, state: MindState, vectors: np.ndarray) -> None:
        """Put a freshly built mind (same persona, map, config) into the saved state; `vectors` are the embeddings."""
        for name in COMPONENTS:
            setattr(self, name, copy.deepcopy(getattr(state, name)))
        self.memory.set_state(state.memory, vectors)

    # -- what operations read (MindView) ---------------------------------------------------------------------------
    @cached_property
    def step_schema(self) -> type[BaseModel]:
        """The decomposition's answer model over this agent's places, built once (a shared cache thrashed at 10k)."""
        return steps_schema(tuple(self.places))

    @property
    def current_action_text(self) -> str:
        return self.agenda.current_action_text

    @property
    def replan_context(self) -> str | None:
        return self.agenda.replan_context

    @property
    def talk_context(self) -> str | None:
        return self.agenda.talk_context

    @property
    def plan_version(self) -> int:
        return self.agenda.plan_version

    # -- time (the waking day: after-midnight hours count past 1440 until wake time) --------------------------------
    def minute_of_day(self, tick: int) -> int:
        return self.day.minute_of(tick)

    def waking_day(self, tick: int) -> date:
        return self.day.date_of(tick)

    def is_awake_time(self, tick: int) -> bool:
        return self.day.is_awake(tick)

    def now_label(self, tick: int) -> str:
        return clock_label(self.clock.time_at(tick))

    # -- lookups used by prompts -----------------------------------------------------------------------------------
    @property
    def relations(self) -> dict[str, str]:
        """Relation by the other person's name (persona ids resolved against the cast)."""
        return dict(self._relations)

    def relation_to(self, name: str) -> str:
        return self._relations.get(name, "an acquaintance")

    def place_label(self, address: str) -> str:
        arena = self.map.arenas.get(address)
        return arena.label if arena else address

    def current_block(self, minute: int) -> tuple[int, int, str]:
        """(start, end, activity) of the schedule block covering `minute`."""
        return self.agenda.current_block(minute, self.bed_minute)

    # -- changes from outside the mind's own triggers ------------------------------------------------------------------
    def apply(self, effect: Effect, tick: int) -> bool:
        """Change the mind as an outcome says, at the tick it lands; False when the mind refused it as stale."""
        if isinstance(effect, SetDayPlan):
            self.agenda.set_day(list(effect.schedule), self.waking_day(tick))
        elif isinstance(effect, SetSteps):
            steps = [PlannedStep(*step) for step in effect.steps]
            return self.agenda.set_steps(
                steps, effect.activity, effect.context, interrupt=effect.interrupt, version=effect.version
            )
        elif isinstance(effect, SetImportance):
            for memory_id, score in zip(effect.memories, effect.scores, strict=True):
                self.memory.set_importance(memory_id, score)
            self.memory_lane.learn(effect.learned)
        elif isinstance(effect, ReactionDecided):
            self.attention.last_reaction_tick = tick
            if effect.decision == "talk":
                self.attention.talked(effect.subject, tick)
            elif effect.decision == "react" and effect.replan_context is not None:
                self.agenda.request_replan(effect.replan_context)
        elif isinstance(effect, SetReflectionQuestions):
            self.memory_lane.reflection_questions = list(effect.questions)
        elif isinstance(effect, ReflectionDone):
            self.memory_lane.reflection_questions = None
            self.memory.reflected()
        return True

    def note(self, memory: PendingMemory) -> None:
        """Something to remember that did not come through the eyes (a whisper, a broadcast): stored next tick."""
        self.memory_lane.pending.append(memory)

    def occupy(self, lane: str) -> None:
        self.lanes.busy.add(lane)

    def release(self, lane: str) -> None:
        self.lanes.busy.discard(lane)

    def leave_town(self) -> None:
        self.lanes.departed = True

    def directed(self, tick: int, arena: Arena, minutes: int) -> StartAction:
        """Go where someone outside the town asked; the plan resumes (re-planned) when the stay is over."""
        self.agenda.drop_steps()  # a plan made ahead for the old step no longer fits
        self.attention.forget()
        return self.start(tick, f"going over to {arena.label} as asked", arena, None, minutes)

    # -- perception --------------------------------------------------------------------------------------------------
    def observe(
        self,
        tick: int,
        percepts: list[Percept],
        started: list[Conversation],
        ended: list[Conversation],
        world: WorldState,
    ) -> None:
        attention = self.attention
        for percept in percepts:
            self.note(PendingMemory(kind="observation", text=percept.text, subject=percept.subject))
            if attention.salient_tick != tick and self._is_salient(percept, tick, world):
                attention.notice(percept, tick)
        replans = self.config.talk_replan == "call"
        for conv in started:
            if self.name in conv.participants:
                if replans:  # the plan is made again when the talk ends; none planned meanwhile is kept
                    self.agenda.steps.clear()
                    self.agenda.plan_version += 1
                attention.forget()
        for conv in ended:
            if self.name not in conv.participants:
                continue
            partner = conv.partner_of(self.name)
            lines = [(t.speaker, t.text, t.event_id) for t in conv.turns]
            if lines:
                self.note(chat_memory(self.name, partner, lines))
            attention.talked(partner, tick)
            last = f" The last words were: {lines[-1][1]}" if lines else ""
            if replans:
                self.agenda.request_replan(f"{self.name} just finished talking with {partner}.{last}")
            else:
                when = self.clock.time_at(conv.started_tick).strftime("%H:%M")
                talk = f"{self.name} talked with {partner} at {when}.{last}"
                self.agenda.fit_talk(tick, conv.started_tick, self.clock, talk)

    def _is_salient(self, percept: Percept, tick: int, world: WorldState) -> bool:
        if percept.kind != "agent":
            return False
        other = world.bodies.get(percept.subject)
        me = world.bodies.get(self.name)
        if other is None or me is None or other.asleep or other.conversation is not None or me.conversation is not None:
            return False
        return self.attention.since_talk(percept.subject, tick) >= self.clock.ticks_for(
            minutes=self.config.chat_cooldown_minutes
        )

    # -- the action lane ---------------------------------------------------------------------------------------------
    def launch(self, op: Operation, purpose: str, tick: int, not_before: int = 0) -> Launch:
        """Wrap an operation with the tick its outcome lands: after its thinking time, and not before `not_before`."""
        minutes = self.config.think_minutes.get(purpose, 1.0)
        return Launch(
            op=op, purpose=purpose, due=max(tick + self.clock.ticks_for(minutes=minutes), not_before, tick + 1)
        )

    def next_action(self, tick: int, world: WorldState) -> tuple[list[WorldInput], Launch | None]:
        """What the body does now (inputs) or the decision to think about first (a launch): `action_policy`."""
        return action_policy.next_action(self, tick, world)

    def next_plan(self, tick: int, world: WorldState) -> Launch | None:
        """Plan the next window while the last step runs, due the moment it ends.

        Nobody waits on this call, and the action lane stays free to talk and react meanwhile. A re-plan in between
        makes its answer stale (dropped).
        """
        agenda = self.agenda
        if (
            not self.plans
            or PLAN in self.lanes.busy
            or self.lanes.asleep
            or agenda.prefetched
            or agenda.steps
            or agenda.replan_context is not None
            or agenda.plan_day != self.waking_day(tick)
            or tick >= agenda.step_end_tick
            or world.bodies[self.name].conversation is not None
            or self.minute_of_day(agenda.step_end_tick) >= self.bed_minute
        ):
            return None
        agenda.prefetched = True
        op = decompose_op(self, tick, agenda.step_end_tick)
        return self.launch(op, "decompose", tick, not_before=agenda.step_end_tick)

    def start(
        self, tick: int, action: str, arena: Arena, obj: str | None, minutes: int, asleep: bool = False
    ) -> StartAction:
        """Begin an action now: the agenda's step end and action text, the agent's own observation of it, the input."""
        duration = self.clock.ticks_for(minutes=minutes)
        action = progressive(action, self.name)
        agenda = self.agenda
        before = agenda.current_step
        agenda.step_end_tick = tick + duration
        agenda.current_step = PlannedStep(minutes, action, arena.address, obj)
        agenda.current_action_text = action
        # Going on with the same thing in the same place (a step resumed after a talk, or planned twice in a row) is
        # nothing new to remember.
        if before is None or (before.action, before.arena) != (action, arena.address):
            self.note(PendingMemory(kind="observation", text=f"{self.name} is {action} at {arena.label}"))
        return StartAction(
            agent=self.name,
            description=action,
            emoji=emoji_for(action),
            arena=arena.address,
            object=obj,
            duration_ticks=duration,
            asleep=asleep,
        )

    def go_to_sleep(self, tick: int) -> StartAction:
        """Bed until the waking hour: what was planned for the rest of the day is dropped."""
        self.lanes.asleep = True
        self.agenda.steps.clear()
        self.agenda.plan_version += 1
        self.agenda.replan_context = self.agenda.talk_context = None
        self.attention.forget()
        minutes_left = (self.wake_minute + 1440 - self.minute_of_day(tick)) % 1440 or 1440
        return self.start(tick, "sleeping", self.home_arena, self.bed, minutes_left, asleep=True)

    # -- the memory lane ---------------------------------------------------------------------------------------------
    def next_memory(self, tick: int) -> tuple[list[MemoryDraft], Launch | None]:
        """New memories to store now (scored from cache or provisional), and at most one scoring or reflecting call."""
        lane = self.memory_lane
        drafts = [item.draft(known_score(item.text, lane.importance_cache)) for item in lane.take_pending()]
        if MEMORY in self.lanes.busy or self.lanes.asleep:
            return drafts, None
        if not self.reflects:
            self.memory.reflected()
        elif lane.reflection_questions is not None:
            return drafts, self.launch(insights_op(self, lane.reflection_questions, tick), "reflect_insights", tick)
        elif self.memory.importance_since_reflection > self.config.reflection_threshold:
            # The counter restarts when the reflection is done (ReflectionDone), and the lane stays busy until then.
            return drafts, self.launch(questions_op(self), "reflect_questions", tick)
        cfg = self.config
        if self.memory.scoring_due(
            tick, cfg.importance_batch_size, self.clock.ticks_for(minutes=cfg.importance_batch_minutes)
        ):
            return drafts, self.launch(importance_op(self, self.memory.take_unscored()), "importance", tick)
        return drafts, None
