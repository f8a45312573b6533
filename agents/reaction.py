"""Reacting to what an agent notices: `react_op` decides continue / react (re-plan) / talk for one salient percept.

Only other awake agents who are free to talk are salient, and cooldowns (per agent between decisions, per pair between
chats) stop the same two people deciding about each other every tick.
"""

from __future__ import annotations

from pydantic import BaseModel

from agents.effects import ReactionDecided
from agents.events import Reaction, RetrievalLogged
from agents.llm.structured import CallRecord, StructuredLLM
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, numbered
from agents.prompts import render
from agents.schemas import ReactionChoice
from town.core.inputs import StartConversation
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
    retrieved = mind.memory.retrieve(
        percept.text, now, mind.config.retrieval, k=mind.config.memories_in_prompt, touch=False
    )
    fields = ReactFields(
        name=persona.name,
        identity=mind.identity,
        now=mind.now_label(now),
        current_action=mind.current_action_text,
        percept=percept.text,
        memories=numbered([r.record.text for r in retrieved]),
        other=percept.subject,
    )
    messages = render("react", fields)

    async def run(llm: StructuredLLM) -> Outcome:
        calls: list[CallRecord] = []
        answer = await llm.ask(
            messages,
            ReactionChoice,
            purpose="react",
            agent=persona.name,
            fallback=lambda: ReactionChoice(decision="continue", reason="no decision"),
            log=calls,
        )
        choice = answer.value
        inputs = []
        if choice.decision == "talk":
            inputs.append(
                StartConversation(initiator=persona.name, partner=percept.subject, opening_reason=choice.reason)
            )

        replan = f"{persona.name} noticed that {percept.text.rstrip('.')}. {choice.reason}".strip()
        effect = ReactionDecided(
            decision=choice.decision,
            subject=percept.subject,
            replan_context=replan if choice.decision == "react" else None,
        )

        events = [
            RetrievalLogged(
                agent=persona.name, purpose="react", query=percept.text, memories=[r.record.id for r in retrieved]
            ),
            Reaction(
                agent=persona.name,
                percept=percept.text,
                decision=choice.decision,
                reason=choice.reason,
                fallback=answer.fallback,
            ),
        ]
        return Outcome(
            purpose="react",
            inputs=inputs,
            calls=calls,
            events=events,
            touched=[r.record.id for r in retrieved],
            effects=[effect],
        )

    return run
