"""Conversation turns: `utterance_op` and `chat_memory`.

`utterance_op` writes one line for the agent whose turn it is; `chat_memory` is the record both sides keep afterwards.

Each agent keeps its own view of the dialogue (its lines as "You", the partner's by name), which keeps small models from
echoing the partner; every line is grounded in memories retrieved about the partner and the last thing they said.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from agents.importance import PendingMemory
from agents.llm.parsing import OutputError
from agents.llm.structured import Answer
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, asking, recall
from agents.prompts import render
from agents.schemas import UtteranceReply
from town.core.inputs import Say
from town.core.world import Conversation

FALLBACK_LINE = "…"
NOBODY_SPOKE = "(nobody has spoken yet; you start)"
CHAT_MEMORY_CHARS = 700


class UtteranceFields(BaseModel):
    name: str
    identity: str
    now: str
    partner: str
    relation: str
    place: str
    memories: str
    transcript: str


def spoken(text: str, speaker: str) -> str:
    """A line as said: without the speaker's own name in front ("Mei Lin: Hello" is "Hello").

    Small models write it so after seeing transcripts of "Name: line"; the transcript would show the name twice.
    """
    line = text.strip()
    for prefix in (f"{speaker}:", f"{speaker.split(maxsplit=1)[0]}:"):
        if line.startswith(prefix) and len(line) > len(prefix):
            return line[len(prefix) :].strip()
    return line


def own_view(speaker_lines: list[tuple[str, str]], me: str, limit: int) -> str:
    lines = [f"{'You' if who == me else who}: {text}" for who, text in speaker_lines[-limit:]]
    return "\n".join(lines) or NOBODY_SPOKE


def utterance_op(mind: MindView, conversation: Conversation, now: int) -> Operation:
    persona = mind.persona
    partner = conversation.partner_of(persona.name)
    history = [(turn.speaker, turn.text) for turn in conversation.turns]
    last_line = history[-1][1] if history else ""
    recalled = recall(mind, f"{partner}. {last_line}".strip(), now)
    fields = UtteranceFields(
        name=persona.name,
        identity=mind.identity,
        now=mind.now_label(now),
        partner=partner,
        relation=mind.relation_to(partner),
        place=mind.place_label(conversation.place),
        memories=recalled.numbered(),
        transcript=own_view(history, persona.name, mind.config.transcript_lines),
    )

    def conclude(answer: Answer[UtteranceReply]) -> Outcome:
        reply = answer.value
        # An opening line never ends the talk: the one spoken to always answers (the 1.5B set end_conversation on
        # its first line, and a one-line "conversation" followed). A fallback still ends it.
        ends = reply.end_conversation and (bool(history) or answer.fallback)
        line = spoken(reply.utterance, persona.name) or FALLBACK_LINE
        say = Say(conversation=conversation.id, speaker=persona.name, text=line, end=ends)
        return Outcome(
            purpose="utterance", inputs=[say], events=[recalled.logged(persona.name, "utterance")], touched=recalled.ids
        )

    return asking(
        "utterance",
        persona.name,
        render("utterance", fields, UtteranceReply),
        UtteranceReply,
        lambda: UtteranceReply(utterance=FALLBACK_LINE, end_conversation=True),
        conclude,
        check=lambda reply: reject_repeats(reply.utterance, [text for _, text in history]),
    )


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .!?")


ECHO_WORDS = 5  # a sentence this long said again word for word is an echo, not a reply ("Yes." may recur)


def _sentences(text: str) -> list[str]:
    return [_normal(part) for part in re.split(r"(?<=[.!?])\s+", text) if part.strip()]


def reject_repeats(utterance: str, earlier: list[str]) -> None:
    """Refuse a line that repeats one already said in this conversation, whole or a sentence of it.

    Small models loop on greetings, and the 1.5B answered "Sure, Mei Lin." followed by Mei's whole last line.
    """
    said = {sentence for line in earlier for sentence in [_normal(line), *_sentences(line)]}
    if _normal(utterance) in said or any(
        len(sentence.split()) >= ECHO_WORDS and sentence in said for sentence in _sentences(utterance)
    ):
        raise OutputError("that line was already said in this conversation; say something new or end the conversation")


def chat_memory(me: str, partner: str, lines: list[tuple[str, str, int]]) -> PendingMemory:
    """The record of a finished conversation, from `me`'s side, with the utterance events as its sources."""
    body = " / ".join(f"{who}: {text}" for who, text, _ in lines) or "(nothing was said)"
    text = f"Conversation between {me} and {partner}: {body}"
    if len(text) > CHAT_MEMORY_CHARS:
        text = text[: CHAT_MEMORY_CHARS - 1] + "…"
    return PendingMemory(kind="chat", text=text, sources=tuple(e for *_, e in lines), subject=partner, told_by=partner)
