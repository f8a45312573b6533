"""Typed inputs to the engine: `StartAction`, `StartConversation`, `WalkTowards`, `Say`, `EndConversation`.

`WorldInput` is their union.

Everything that changes the world from outside `Engine.step()` (finished cognition, the user, interventions) is one of
these. They are validated again when applied; an input that no longer fits the world (a partner who fell asleep, an
unknown place) is rejected with an event rather than an exception.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StartAction(_Input):
    """Walk to a place (and object) and do something there until `duration_ticks` have passed."""

    kind: Literal["start_action"] = "start_action"
    agent: str
    description: str = Field(min_length=1, max_length=200)
    emoji: str = ""
    arena: str
    object: str | None = None
    object_state: str | None = None
    duration_ticks: int = Field(ge=1)
    asleep: bool = False


class StartConversation(_Input):
    kind: Literal["start_conversation"] = "start_conversation"
    initiator: str
    partner: str
    opening_reason: str = ""  # no longer written (the reaction gives no reason); an older save's pending input has it
    opening: str = Field(default="", max_length=600)  # the initiator's first line, said as the talk starts (or none)


class WalkTowards(_Input):
    """Walk up to another agent, wherever they are now (to talk to someone who has moved on)."""

    kind: Literal["walk_towards"] = "walk_towards"
    agent: str
    target: str
    description: str = Field(min_length=1, max_length=200)


class Say(_Input):
    kind: Literal["say"] = "say"
    conversation: int
    speaker: str
    text: str = Field(max_length=600)
    end: bool = False


class EndConversation(_Input):
    kind: Literal["end_conversation"] = "end_conversation"
    conversation: int
    reason: str = "ended"


WorldInput = Annotated[
    StartAction | StartConversation | WalkTowards | Say | EndConversation, Field(discriminator="kind")
]
