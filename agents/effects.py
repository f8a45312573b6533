"""Typed changes an operation's outcome makes to its agent's mind: the `Effect` union (`Mind.apply` makes them).

Outcomes carry their state changes as data rather than closures, so an outcome that is still waiting for its due tick
can be written into a save and applied after a resume exactly as it would have been.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class PlannedStep:
    minutes: int
    action: str
    arena: str  # address
    object: str | None


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SetDayPlan(_Effect):
    kind: Literal["set_day_plan"] = "set_day_plan"
    schedule: list[tuple[int, str]]


class SetSteps(_Effect):
    """Steps for the window starting now (`interrupt`) or when the current step ends (planned ahead at `version`)."""

    kind: Literal["set_steps"] = "set_steps"
    steps: list[tuple[int, str, str, str | None]]  # minutes, action, arena address, object
    activity: str
    context: str | None
    interrupt: bool
    version: int


class SetImportance(_Effect):
    kind: Literal["set_importance"] = "set_importance"
    memories: list[int]
    scores: list[int]
    learned: dict[str, int] = Field(default_factory=dict)  # text -> score, remembered for identical texts


class ReactionDecided(_Effect):
    kind: Literal["reaction_decided"] = "reaction_decided"
    # "react" (re-plan on the sight) is no longer asked; an outcome still pending in an older save may carry it.
    decision: Literal["talk", "react", "continue"]
    subject: str
    replan_context: str | None = None


class SetReflectionQuestions(_Effect):
    kind: Literal["set_reflection_questions"] = "set_reflection_questions"
    questions: list[str]


class ReflectionDone(_Effect):
    kind: Literal["reflection_done"] = "reflection_done"


Effect = Annotated[
    SetDayPlan | SetSteps | SetImportance | ReactionDecided | SetReflectionQuestions | ReflectionDone,
    Field(discriminator="kind"),
]
