"""Typed changes an operation's outcome makes to its agent's mind: the `Effect` union and `apply_effect`.

Outcomes carry their state changes as data rather than closures, so an outcome that is still waiting for its due tick
can be written into a save and applied after a resume exactly as it would have been.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from agents.mind import Mind


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


def apply_effect(mind: Mind, effect: Effect, tick: int) -> bool:
    """Change `mind` as the outcome says, at the tick the outcome lands; False when the mind refused it as stale."""
    if isinstance(effect, SetDayPlan):
        mind.set_day_plan(list(effect.schedule), tick)
    elif isinstance(effect, SetSteps):
        steps = [PlannedStep(*step) for step in effect.steps]
        return mind.set_steps(
            steps, effect.activity, effect.context, interrupt=effect.interrupt, version=effect.version
        )
    elif isinstance(effect, SetImportance):
        for memory_id, score in zip(effect.memories, effect.scores, strict=True):
            mind.memory.set_importance(memory_id, score)
        mind.importance_cache.update(effect.learned)
    elif isinstance(effect, ReactionDecided):
        mind.last_reaction_tick = tick
        if effect.decision == "talk":
            mind.chat_cooldown[effect.subject] = tick
        elif effect.decision == "react" and effect.replan_context is not None:
            mind.request_replan(effect.replan_context)
    elif isinstance(effect, SetReflectionQuestions):
        mind.reflection_questions = list(effect.questions)
    elif isinstance(effect, ReflectionDone):
        mind.reflection_questions = None
        mind.memory.importance_since_reflection = 0
    return True
