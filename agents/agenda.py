"""`Agenda`: where an agent is in its day: the day's schedule, the steps queued, the action under way, re-plans.

The mind owns one and is the only writer; operations read it through the mind's read-only view. Every field is part
of the saved state (the save writes the dataclass as it is), so a field added here is saved and restored with no
other edit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import date

from agents.effects import PlannedStep
from town.core.clock import GameClock
from town.core.world import SAVED

# A step cut short by a talk resumes only if at least this much of it is left.
MIN_RESUMED_MINUTES = 3


@dataclass
class Agenda:
    __pydantic_config__ = SAVED  # a save naming a field this component lacks is damaged

    schedule: list[tuple[int, str]] = field(default_factory=list)  # (minute of the waking day, activity)
    plan_day: date | None = None  # the waking day the schedule is for
    steps: deque[PlannedStep] = field(default_factory=deque)
    step_end_tick: int = 0
    current_action_text: str = "getting ready for the day"
    current_activity: str = ""
    replan_context: str | None = None  # what happened that asks for new steps now
    current_step: PlannedStep | None = None  # the step under way, resumed when a talk cut it short
    talk_context: str | None = None  # the last talk fitted into the plan, for the next plan to take into account
    prefetched: bool = False  # the next window's steps are being planned ahead
    plan_version: int = 0  # bumped by every change that makes steps planned ahead stale

    def set_day(self, schedule: list[tuple[int, str]], day: date) -> None:
        self.schedule = schedule
        self.plan_day = day
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
        if self.talk_context == context:
            self.talk_context = None
        return True

    def fit_talk(self, now: int, started: int, clock: GameClock, context: str) -> None:
        """Fit a finished talk into the plan without a model call, the way Park et al.'s re-plan after a chat does.

        The talk took the place of whatever the plan had for its time: those steps are dropped, the step it cut short
        resumes for what is left of it (a remainder under `MIN_RESUMED_MINUTES` is not worth walking back for), and
        the plan ends when it would have. The next step starts at once, so a body stopped mid-walk walks on. What was
        said reaches the next plan asked for after the talk through `talk_context` (and the chat memory its recall may
        bring up). A window planned ahead before the talk is kept: planning it again cost 0.4 calls an agent-hour in
        `town bench calls`, and an agreement for later is found by the recall of the plans made then. Steps that were
        not under way when the talk began (the agent was waiting for them, or they landed during it) displace nothing:
        they start now.
        """
        kept: deque[PlannedStep] = deque()

        def keep(step: PlannedStep, ends: int) -> None:
            minutes = int((ends - now) * clock.tick_seconds // 60)
            if minutes >= MIN_RESUMED_MINUTES:
                kept.append(replace(step, minutes=min(minutes, step.minutes)))

        end = self.step_end_tick if self.step_end_tick >= started else now
        if self.current_step is not None:
            keep(self.current_step, end)
        for step in self.steps:
            end += clock.ticks_for(minutes=step.minutes)
            keep(step, end)
        self.steps = kept
        self.step_end_tick = now
        self.talk_context = context[:300]

    def request_replan(self, context: str) -> None:
        self.replan_context = context[:300]
        self.drop_steps()

    def drop_steps(self) -> None:
        """Forget the queued steps, and make any planned ahead stale."""
        self.steps.clear()
        self.prefetched = False
        self.plan_version += 1

    def current_block(self, minute: int, bed_minute: int) -> tuple[int, int, str]:
        """(start, end, activity) of the schedule block covering `minute`."""
        if not self.schedule:
            return minute, min(minute + 60, bed_minute), "go about the day"
        index = max((i for i, (start, _) in enumerate(self.schedule) if start <= minute), default=0)
        start, activity = self.schedule[index]
        end = self.schedule[index + 1][0] if index + 1 < len(self.schedule) else bed_minute
        return start, max(end, minute + 5), activity
