"""`Mind`: one agent's cognitive state and the triggers that decide when it needs to think.

Each tick the runtime hands a mind what its body perceived (`observe`) and asks for work on three lanes: the action
lane (`next_action`: wake, sleep, speak, plan the day, re-plan, react, take the next step, decompose), the planning lane
(`next_plan`: decompose the next window while the last step runs) and the memory lane (`next_memory`: score new
memories, reflect). A lane runs at most one operation at a time; everything that needs no
model call (the next planned step, going to bed, idle observations) happens at once. Sleeping agents make no calls.
"""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta

from agents.config import CognitionConfig
from agents.dialogue import chat_memory, utterance_op
from agents.effects import PlannedStep
from agents.importance import PendingMemory, importance_op, known_score
from agents.memory import MemoryDraft, MemoryStream
from agents.operations import Launch, Operation
from agents.persona import Persona, parse_hhmm
from agents.planning import decompose_op, emoji_for, plan_day_op, routine_place, routine_schedule
from agents.reaction import react_op
from agents.reflection import insights_op, questions_op
from agents.wording import progressive
from town.core.clock import GameClock, clock_label
from town.core.inputs import StartAction, WorldInput
from town.core.perception import Percept
from town.core.places import Arena, TownMap
from town.core.world import Conversation, WorldState

ACT, PLAN, MEMORY = "act", "plan", "memory"
# A percept older than this is no longer worth a reaction decision (the other agent has likely moved on).
SALIENT_TICKS = 6
WAKE_UP_MINUTES = 10


def known_places(persona: Persona, town_map: TownMap) -> dict[str, Arena]:
    """Places an agent can choose in plans: home, workplace, every public place, its routine's and its known places."""
    ordered: list[Arena] = list(town_map.arenas_of(persona.home))
    if persona.workplace:
        ordered += town_map.arenas_of(persona.workplace)
    ordered += [a for s in town_map.sectors.values() if s.public for a in town_map.arenas_of(s.name)]
    ordered += [a for item in persona.routine if (a := town_map.arena_by_label(item.place)) is not None]
    ordered += [a for label in persona.known_places if (a := town_map.arena_by_label(label)) is not None]
    places: dict[str, Arena] = {}
    for arena in ordered:
        places.setdefault(arena.label, arena)
    return places


class Mind:
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
        self.identity = persona.summary()
        # People outside the loaded cast keep a readable name made from their persona id.
        self._relations = {
            names_by_id.get(r.person, r.person.replace("-", " ").title()): r.relation for r in persona.relationships
        }
        self.places = known_places(persona, town_map)
        home_label = f"{persona.home}: {persona.home_arena}" if persona.home_arena else None
        home_arenas = town_map.arenas_of(persona.home)
        self.home_arena = town_map.arena_by_label(home_label) if home_label else None
        if self.home_arena is None:
            self.home_arena = next((a for a in home_arenas if "bed" in a.objects), home_arenas[0])
        self.bed = "bed" if "bed" in self.home_arena.objects else None
        work = town_map.arenas_of(persona.workplace) if persona.workplace else []
        self.default_place_label = (work[0] if work else self.home_arena).label
        wake, bed = parse_hhmm(persona.wake_time), parse_hhmm(persona.bed_time)
        self.wake_minute = wake.hour * 60 + wake.minute
        bed_minute = bed.hour * 60 + bed.minute
        self.bed_minute = bed_minute if bed_minute > self.wake_minute else bed_minute + 1440

        self.schedule: list[tuple[int, str]] = []
        self.plan_day: date | None = None
        self.steps: deque[PlannedStep] = deque()
        self.step_end_tick = 0
        self.current_action_text = "getting ready for the day"
        self.current_activity = ""
        self.replan_context: str | None = None
        self.pending: list[PendingMemory] = []
        self.importance_cache: dict[str, int] = {}
        self.salient: Percept | None = None
        self.salient_tick = -1
        self.last_reaction_tick = -(10**9)
        self.chat_cooldown: dict[str, int] = {}
        self.reflection_questions: list[str] | None = None
        self.busy: set[str] = set()
        self.asleep = False
        self.prefetched = False
        self.plan_version = 0
        self.memory.recall_enabled = "memory" not in config.ablate
        self.plans = "planning" not in config.ablate
        self.reflects = "reflection" not in config.ablate
        self.departed = False  # left town (an experiment's intervention): no body, no more thinking

    # -- time ------------------------------------------------------------------------------------------------------
    def minute_of_day(self, tick: int) -> int:
        """Minutes since midnight of the agent's waking day: after-midnight hours count past 1440 until wake time."""
        when = self.clock.time_at(tick)
        minute = when.hour * 60 + when.minute
        return minute if minute >= self.wake_minute else minute + 1440

    def waking_day(self, tick: int) -> date:
        return (self.clock.time_at(tick) - timedelta(minutes=self.wake_minute)).date()

    def is_awake_time(self, tick: int) -> bool:
        return self.wake_minute <= self.minute_of_day(tick) < self.bed_minute

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
        if not self.schedule:
            return minute, min(minute + 60, self.bed_minute), "go about the day"
        index = max((i for i, (start, _) in enumerate(self.schedule) if start <= minute), default=0)
        start, activity = self.schedule[index]
        end = self.schedule[index + 1][0] if index + 1 < len(self.schedule) else self.bed_minute
        return start, max(end, minute + 5), activity

    # -- state changes applied by outcomes ---------------------------------------------------------------------------
    def set_day_plan(self, schedule: list[tuple[int, str]], tick: int) -> None:
        self.schedule = schedule
        self.plan_day = self.waking_day(tick)
        self.steps.clear()
        self.plan_version += 1

    def set_steps(
        self, steps: list[PlannedStep], activity: str, context: str | None, *, interrupt: bool, version: int
    ) -> bool:
        """Queue freshly planned steps; False when they were dropped.

        A re-plan (`interrupt`) also ends the current action so the first step starts now. Steps planned ahead under
        an older plan version (a re-plan happened meanwhile) are dropped.
        """
        if not interrupt and version != self.plan_version:
            return False
        self.plan_version += 1
        self.steps = deque(steps)
        self.current_activity = activity
        if interrupt:
            self.step_end_tick = 0
        if self.replan_context == context:
            self.replan_context = None
        return True

    def request_replan(self, context: str) -> None:
        self.replan_context = context[:300]
        self.steps.clear()
        self.prefetched = False
        self.plan_version += 1

    # -- perception --------------------------------------------------------------------------------------------------
    def observe(
        self,
        tick: int,
        percepts: list[Percept],
        started: list[Conversation],
        ended: list[Conversation],
        world: WorldState,
    ) -> None:
        for percept in percepts:
            self.pending.append(PendingMemory(kind="observation", text=percept.text, subject=percept.subject))
            if self.salient_tick != tick and self._is_salient(percept, tick, world):
                self.salient, self.salient_tick = percept, tick
        for conv in started:
            if self.name in conv.participants:
                self.steps.clear()
                self.salient = None
                self.plan_version += 1
        for conv in ended:
            if self.name not in conv.participants:
                continue
            partner = conv.partner_of(self.name)
            lines = [(t.speaker, t.text, t.event_id) for t in conv.turns]
            if lines:
                self.pending.append(chat_memory(self.name, partner, lines))
            self.chat_cooldown[partner] = tick
            last = f" The last words were: {lines[-1][1]}" if lines else ""
            self.request_replan(f"{self.name} just finished talking with {partner}.{last}")

    def _is_salient(self, percept: Percept, tick: int, world: WorldState) -> bool:
        if percept.kind != "agent":
            return False
        other = world.bodies.get(percept.subject)
        me = world.bodies.get(self.name)
        if other is None or me is None or other.asleep or other.conversation is not None or me.conversation is not None:
            return False
        cooldown = self.clock.ticks_for(minutes=self.config.chat_cooldown_minutes)
        return tick - self.chat_cooldown.get(percept.subject, -(10**9)) >= cooldown

    # -- the action lane ---------------------------------------------------------------------------------------------
    def launch(self, op: Operation, purpose: str, tick: int, not_before: int = 0) -> Launch:
        """Wrap an operation with the tick its outcome lands: after its thinking time, and not before `not_before`."""
        minutes = self.config.think_minutes.get(purpose, 1.0)
        return Launch(
            op=op, purpose=purpose, due=max(tick + self.clock.ticks_for(minutes=minutes), not_before, tick + 1)
        )

    def next_action(self, tick: int, world: WorldState) -> tuple[list[WorldInput], Launch | None]:
        body = world.bodies[self.name]
        awake_time = self.is_awake_time(tick)
        if self.asleep:
            if not awake_time:
                return [], None
            self.asleep = False
            return [self._start(tick, "waking up", self.home_arena, self.bed, WAKE_UP_MINUTES)], None
        if not awake_time and body.conversation is None:
            return [self._go_to_sleep(tick)], None
        if ACT in self.busy:
            return [], None
        if body.conversation is not None:
            conv = world.conversations.get(body.conversation)
            if conv is not None and not conv.ended and conv.next_speaker == self.name:
                return [], self.launch(utterance_op(self, conv, tick), "utterance", tick)
            return [], None
        if self.plan_day != self.waking_day(tick):
            if not self.plans:
                self.set_day_plan(routine_schedule(self.persona) or [(self.wake_minute, "go about the day")], tick)
                return [], None
            return [], self.launch(plan_day_op(self, tick), "plan_day", tick)
        if self.replan_context is not None:
            if not self.plans:
                self.replan_context = None
                return [self._routine_step(tick)], None
            return [], self.launch(decompose_op(self, tick, tick), "decompose", tick)
        if self.salient is not None and tick - self.salient_tick <= SALIENT_TICKS:
            percept, self.salient = self.salient, None
            cooldown = self.clock.ticks_for(minutes=self.config.reaction_cooldown_minutes)
            if tick - self.last_reaction_tick >= cooldown:
                return [], self.launch(react_op(self, percept, tick), "react", tick)
        if tick >= self.step_end_tick:
            if self.steps:
                step = self.steps.popleft()
                arena = self.map.arenas[step.arena]
                self.prefetched = False
                return [self._start(tick, step.action, arena, step.object, step.minutes)], None
            if PLAN in self.busy:
                return [], None  # the next steps are being planned already
            if not self.plans:
                return [self._routine_step(tick)], None
            return [], self.launch(decompose_op(self, tick, tick), "decompose", tick)
        return [], None

    def _routine_step(self, tick: int) -> StartAction:
        """Without planning: the current block's activity at the routine's place, until the block ends."""
        minute = self.minute_of_day(tick)
        _, end, activity = self.current_block(minute)
        label = routine_place(self.persona, minute) or self.default_place_label
        arena = self.places.get(label) or self.places[self.default_place_label]
        return self._start(tick, activity[:80], arena, None, max(5, min(end - minute, 60)))

    def next_plan(self, tick: int, world: WorldState) -> Launch | None:
        """Plan the next window while the last step runs, due the moment it ends.

        Nobody waits on this call, and the action lane stays free to talk and react meanwhile. A re-plan in between
        makes its answer stale (dropped).
        """
        if (
            not self.plans
            or PLAN in self.busy
            or self.asleep
            or self.prefetched
            or self.steps
            or self.replan_context is not None
            or self.plan_day != self.waking_day(tick)
            or tick >= self.step_end_tick
            or world.bodies[self.name].conversation is not None
            or self.minute_of_day(self.step_end_tick) >= self.bed_minute
        ):
            return None
        self.prefetched = True
        op = decompose_op(self, tick, self.step_end_tick)
        return self.launch(op, "decompose", tick, not_before=self.step_end_tick)

    def _start(
        self, tick: int, action: str, arena: Arena, obj: str | None, minutes: int, asleep: bool = False
    ) -> StartAction:
        duration = self.clock.ticks_for(minutes=minutes)
        self.step_end_tick = tick + duration
        action = progressive(action)
        self.current_action_text = action
        self.pending.append(PendingMemory(kind="observation", text=f"{self.name} is {action} at {arena.label}"))
        return StartAction(
            agent=self.name,
            description=action,
            emoji=emoji_for(action),
            arena=arena.address,
            object=obj,
            duration_ticks=duration,
            asleep=asleep,
        )

    def directed(self, tick: int, arena: Arena, minutes: int) -> StartAction:
        """Go where someone outside the town asked; the plan resumes (re-planned) when the stay is over."""
        self.steps.clear()
        self.plan_version += 1  # a plan made ahead for the old step no longer fits
        self.prefetched = False
        self.salient = None
        return self._start(tick, f"going over to {arena.label} as asked", arena, None, minutes)

    def _go_to_sleep(self, tick: int) -> StartAction:
        self.asleep = True
        self.steps.clear()
        self.plan_version += 1
        self.salient = None
        self.replan_context = None
        minutes_left = (self.wake_minute + 1440 - self.minute_of_day(tick)) % 1440 or 1440
        return self._start(tick, "sleeping", self.home_arena, self.bed, minutes_left, asleep=True)

    # -- the memory lane ---------------------------------------------------------------------------------------------
    def next_memory(self, tick: int) -> tuple[list[MemoryDraft], Launch | None]:
        """New memories to store now (scored from cache or provisional), and at most one scoring or reflecting call."""
        drafts = [item.draft(known_score(item.text, self.importance_cache)) for item in self.pending]
        self.pending = []
        if MEMORY in self.busy or self.asleep:
            return drafts, None
        if not self.reflects:
            self.memory.importance_since_reflection = 0
        elif self.reflection_questions is not None:
            return drafts, self.launch(insights_op(self, self.reflection_questions, tick), "reflect_insights", tick)
        elif self.memory.importance_since_reflection >= self.config.reflection_threshold:
            self.memory.importance_since_reflection = 0
            return drafts, self.launch(questions_op(self), "reflect_questions", tick)
        if self._scoring_due(tick):
            batch, self.memory.unscored = self.memory.unscored, []
            return drafts, self.launch(importance_op(self, batch), "importance", tick)
        return drafts, None

    def _scoring_due(self, tick: int) -> bool:
        """Score when enough memories wait, or the oldest has waited `importance_batch_minutes`."""
        unscored = self.memory.unscored
        if not unscored:
            return False
        cfg = self.config
        oldest = self.memory.records[unscored[0]].created
        return len(unscored) >= cfg.importance_batch_size or tick - oldest >= self.clock.ticks_for(
            minutes=cfg.importance_batch_minutes
        )
