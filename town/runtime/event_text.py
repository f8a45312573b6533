"""One wording for the events people read: the app's feed (live and in replay) and `town replay --text`.

`event_line` words an event; `feed_line` is the feed's short form of the notable ones, with the game clock in front.
"""

from __future__ import annotations

from collections.abc import Callable

from agents.events import AgentAdded, DayPlanned, Directed, Reflected, VisitorExchange, Whispered
from town.core.events import (
    ActionStarted,
    ConversationEnded,
    ConversationStarted,
    Event,
    RunEnded,
    RunStarted,
    Utterance,
)

# The feed: conversations, reflections, day plans and interventions from outside the town.
FEED_TYPES = frozenset(
    {
        "conversation_start",
        "conversation_end",
        "reflection",
        "day_plan",
        "whisper",
        "visitor",
        "directed",
        "agent_added",
    }
)
# The text timeline adds the run's ends, every action and every line said.
TEXT_TYPES = FEED_TYPES | {"run_start", "run_end", "action", "utterance"}


def event_line(event: Event, place_label: Callable[[str], str] = str, *, brief: bool = False) -> str | None:
    """The event in words, None for kinds people do not read; `brief` cuts long texts to a line of the feed."""

    def cut(text: str, limit: int) -> str:
        return text[:limit] if brief else text

    if isinstance(event, ConversationStarted):
        return f"{event.participants[0]} starts talking with {event.participants[1]}"
    if isinstance(event, ConversationEnded):
        a, b = event.participants
        return f"{a} and {b} finish talking ({event.reason}, {event.turns} lines)"
    if isinstance(event, Reflected):
        return f"{event.agent} reflects: {cut('; '.join(event.insights), 90)}"
    if isinstance(event, DayPlanned):
        return f"{event.agent} plans the day: {cut('; '.join(event.broad_strokes), 90)}"
    if isinstance(event, Whispered):
        return f"a thought is whispered to {event.agent}: {cut(event.thought, 80)}"
    if isinstance(event, Directed):
        return f"{event.agent} is sent to {event.place}"
    if isinstance(event, AgentAdded):
        return f"{event.agent} moves into town"
    if isinstance(event, VisitorExchange):
        who = "a visitor" if event.mode == "visitor" else "an interviewer"
        return f"{who} asks {event.agent}: {cut(event.said, 40)} — {event.agent}: {cut(event.reply, 50)}"
    if isinstance(event, RunStarted):
        return f"the town starts: {', '.join(event.agents)} (seed {event.seed}, model {event.model})"
    if isinstance(event, RunEnded):
        return f"the run ends ({event.reason})"
    if isinstance(event, ActionStarted):
        emoji = f" {event.emoji}" if event.emoji else ""
        return f"{event.agent} is {event.description}{emoji} at {place_label(event.place)}"
    if isinstance(event, Utterance):
        return f'    {event.speaker} → {event.listener}: "{event.text}"'
    return None


def feed_line(event: Event, clock: str) -> str | None:
    """The feed's line for a notable event, after the game clock ("08:15 ..."); None for the rest."""
    if event.type not in FEED_TYPES:
        return None
    line = event_line(event, brief=True)
    return f"{clock} {line}" if line else None
