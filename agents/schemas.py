"""Pydantic schemas of every structured answer the agents ask for.

Choices are enums (the place list is built per agent from the places it knows), lengths and ranges are bounded, and
shapes stay flat: small models fill flat JSON far more reliably than nested free text. Every text the model writes is
`Written` (a copied `<placeholder>` is refused), and each field's description is the placeholder its prompt shows.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from agents.answer_shape import Written


def _clamp(lo: int, hi: int) -> BeforeValidator:
    """Bring an out-of-range number back into range instead of discarding the whole answer.

    Constrained decoding does not enforce bounds, and a 3-minute step or an importance of 11 is a near miss.
    """

    def clamp(value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return min(hi, max(lo, int(value)))
        return value

    return BeforeValidator(clamp)


Score = Annotated[int, _clamp(1, 10), Field(ge=1, le=10)]
StepMinutes = Annotated[int, _clamp(5, 15), Field(ge=5, le=15)]
Hour = Annotated[int, _clamp(0, 23), Field(ge=0, le=23)]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HourBlock(_Answer):
    hour: Hour = Field(description="hour of the day, 0 to 23")
    activity: Written = Field(min_length=1, max_length=100, description="what is done from that hour")


class DayPlan(_Answer):
    # Each aim bounded (the grammar enforces it too): SmolLM2 filled one aim with "The day begins at 161:00. The day
    # ends at ..." until the 900-token plan budget ran out, a 12 s call that could only fall back.
    broad_strokes: list[Annotated[Written, Field(max_length=120)]] = Field(
        min_length=1, max_length=8, description="one aim for the day"
    )
    schedule: list[HourBlock] = Field(min_length=1, max_length=18)


class StepBase(_Answer):
    minutes: StepMinutes = Field(description="5 to 15")
    action: Written = Field(min_length=1, max_length=80, description="what is done in this step")


@lru_cache(maxsize=4096)
def steps_schema(place_labels: tuple[str, ...]) -> type[BaseModel]:
    """`{"steps": [{"minutes", "action", "place", "object"}]}` with `place` restricted to the agent's known places."""
    place_type = Literal[place_labels]  # type: ignore[valid-type]
    place = (place_type, Field(description="a place from the list"))
    thing = (Written, Field(default="", max_length=40, description="a thing used there, or empty"))
    step = create_model("Step", __base__=StepBase, place=place, object=thing)
    return create_model("Steps", __base__=_Answer, steps=(list[step], Field(min_length=1, max_length=6)))  # type: ignore[valid-type]


@lru_cache(maxsize=64)
def importance_schema(count: int) -> type[BaseModel]:
    """Exactly one 1-10 score per numbered memory."""
    return create_model(
        "ImportanceScores",
        __base__=_Answer,
        scores=(list[Score], Field(min_length=count, max_length=count, description="1 to 10 for that memory")),
    )


class ReactionChoice(_Answer):
    """Whether to go and talk to the person just seen — a yes-or-no decision — and, if yes, the opening line.

    Asked to choose among carrying on, changing plans and talking, the 1.5B chose to talk in none of 6 cases (two
    seeds) where talking was the point; asked yes or no, in 4 of 6, and it carried on where it should in 5 of 6.
    Plans still change after a sight: the next plan is told of the conversation it led to. No reason is asked for:
    SmolLM2 filled it with the placeholder's own words ("why, in a few words"), and nothing in the town reads it.

    The opening line is asked in the same call: one call fewer a conversation, and the sighting's memories about the
    person are the ones the first line would recall. A yes with no opening starts the talk as before, the first line
    asked for on its own (`opening_line` is then empty).
    """

    talk: Literal["yes", "no"]
    opening: Written = Field(default="", max_length=300, description="if yes, what you say first to them; if no, empty")

    @property
    def opening_line(self) -> str:
        """The opening to speak as the talk starts, or "" (no talk, or a yes that wrote none)."""
        return self.opening.strip() if self.talk == "yes" else ""

    @property
    def decision(self) -> Literal["talk", "continue"]:
        return "talk" if self.talk == "yes" else "continue"


class UtteranceReply(_Answer):
    utterance: Written = Field(min_length=1, max_length=300, description="the next line, one or two sentences")
    end_conversation: bool = False


class FocalQuestions(_Answer):
    questions: list[Written] = Field(min_length=1, max_length=3, description="a high-level question")


class Insight(_Answer):
    text: Written = Field(min_length=1, max_length=240, description="an insight")
    evidence: list[int] = Field(default_factory=list, max_length=6, description="number of a statement")
    importance: Score = Field(default=5, description="1 to 10")


class Insights(_Answer):
    insights: list[Insight] = Field(min_length=1, max_length=5)
