"""Reacting to what an agent notices: `react_op` decides whether to go and talk to the person just seen.

A yes comes with the opening line, which the conversation starts with (no second call for the first line).

Only other awake agents who are free to talk are salient, and cooldowns (per agent between decisions, per pair between
chats) stop the same two people deciding about each other every tick.
"""

from __future__ import annotations

from pydantic import BaseModel

from agents.dialogue import spoken
from agents.effects import ReactionDecided
from agents.events import Reaction
from agents.llm.structured import Answer
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, asking, recall
from agents.prompts import render
from agents.schemas import ReactionChoice
from town.core.inputs import StartConversation, WorldInput
from town.core.perception import Percept


class ReactFields(BaseModel):
    name: str
    identity: str
    now: str
    current_action: str
    percept: str
    memories: str
    other: str


def react_op(mind: MindView, percept: Percept, now: int) -> Operation:
    persona = mind.persona
    recalled = recall(mind, percept.text, now)
    fields = ReactFields(
        name=persona.name,
        identity=mind.identity,
        now=mind.now_label(now),
        current_action=mind.current_action_text,
        percept=percept.text,
        memories=recalled.numbered(),
        other=percept.subject,
    )

    def conclude(answer: Answer[ReactionChoice]) -> Outcome:
        choice = answer.value
        inputs: list[WorldInput] = []
        if choice.decision == "talk":
            opening = spoken(choice.opening_line, persona.name)
            inputs.append(StartConversation(initiator=persona.name, partner=percept.subject, opening=opening))
        effect = ReactionDecided(decision=choice.decision, subject=percept.subject)
        reaction = Reaction(
            agent=persona.name,
            percept=percept.text,
            decision=choice.decision,
            fallback=answer.fallback,
        )
        events = [recalled.logged(persona.name, "react"), reaction]
        return Outcome(purpose="react", inputs=inputs, events=events, touched=recalled.ids, effects=[effect])

    return asking(
        "react",
        persona.name,
        render("react", fields, ReactionChoice),
        ReactionChoice,
        lambda: ReactionChoice(talk="no"),
        conclude,
    )
