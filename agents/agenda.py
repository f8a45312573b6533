"""`Agenda`: where an agent is in its day: the day's schedule, the steps queued, the action under way, re-plans.

The mind owns one and is the only writer; operations read it through the mind's read-only view. Every field is part
of the saved state (the save writes the dataclass as it is), so a field added here is saved and restored with no
other edit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import date

from agents.effects import PlannedStep
from town.core.world import SAVED


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
        return True

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
