"""Talking to an agent from outside the town: `visitor_op` (talk as a visitor or interview) and `whisper`.

- Visitor: the agent answers in character and remembers the exchange (a chat memory told by "a visitor").
- Interview (Park et al.'s interview mode): the agent answers from its memories; nothing is remembered.
- Whisper: an inner thought planted in the agent's memory stream, no model call.
Each exchange is an event in the trajectory, so evaluations can tell visitors' words from the town's own talk.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agents.answer_shape import Written
from agents.events import VisitorExchange
from agents.importance import PendingMemory
from agents.llm.structured import Answer
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, asking, recall
from agents.prompts import render

VisitorMode = Literal["visitor", "interview"]
VISITOR = "a visitor"
FALLBACK_REPLY = "…"


class VisitorReply(BaseModel):
    reply: Written = Field(min_length=1, max_length=500, description="the reply, one to three sentences")


class VisitorFields(BaseModel):
    name: str
    identity: str
    now: str
    current_action: str
    place: str
    memories: str
    transcript: str


def visitor_op(
    mind: MindView, mode: VisitorMode, said: str, history: list[tuple[str, str]], now: int, place: str
) -> Operation:
    """One reply to a visitor's (or interviewer's) line; `history` is this exchange so far as (speaker, text)."""
    persona = mind.persona
    recalled = recall(mind, said, now)
    speaker = "Visitor" if mode == "visitor" else "Interviewer"
    lines = [*history, (speaker, said)]
    fields = VisitorFields(
        name=persona.name,
        identity=mind.identity,
        now=mind.now_label(now),
        current_action=mind.current_action_text,
        place=place,
        memories=recalled.numbered(),
        transcript="\n".join(f"{who}: {text}" for who, text in lines[-mind.config.transcript_lines :]),
    )

    def conclude(answer: Answer[VisitorReply]) -> Outcome:
        reply = answer.value.reply.strip()
        memories = []
        if mode == "visitor":
            text = f"Conversation between {persona.name} and {VISITOR}: Visitor: {said} / {persona.name}: {reply}"
            memories.append(PendingMemory(kind="chat", text=text[:700], subject=VISITOR, told_by=VISITOR).draft(None))
        exchange = VisitorExchange(agent=persona.name, mode=mode, said=said, reply=reply, fallback=answer.fallback)
        return Outcome(purpose=mode, memories=memories, events=[recalled.logged(persona.name, mode), exchange])

    return asking(
        mode,
        persona.name,
        render("visitor_reply" if mode == "visitor" else "interview", fields, VisitorReply),
        VisitorReply,
        lambda: VisitorReply(reply=FALLBACK_REPLY),
        conclude,
    )


def whisper_draft(mind: MindView, thought: str) -> PendingMemory:
    """An inner thought the agent will take as its own (scored with the next importance batch)."""
    return PendingMemory(kind="thought", text=f"{mind.name} thinks: {thought.strip()}"[:600])
