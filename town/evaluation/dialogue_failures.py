"""Ways conversations between agents go wrong, counted from the log (the failure modes SPASM names).

- `ending_reasons`: how conversations ended — a goodbye, the turn cap, silence, sleep, someone leaving town, other —
  as counts and shares.
- `role_confusion`: lines where the speaker addresses itself by name ("Thanks, Mei" said by Mei) or speaks as its
  partner (a line that opens with the partner's name and a colon, or "I'm <partner>").
- `echo_episodes`: runs of two or more replies in a row that nearly repeat the line before (word-set Jaccard at or
  above `ECHO_JACCARD`), with examples.

Pure functions over typed events.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel

from town.core.events import ConversationEnded, Event, Utterance

ECHO_JACCARD = 0.8
EXAMPLES = 5
ENDINGS = ("said goodbye", "turn limit", "silence", "a participant fell asleep", "left town", "other")
_WORD = re.compile(r"[a-z0-9']+")


class Endings(BaseModel):
    conversations: int
    counts: dict[str, int]  # by ENDINGS
    shares: dict[str, float]


class Confusion(BaseModel):
    conversation: int
    speaker: str
    partner: str
    kind: str  # "addresses itself" | "speaks as its partner"
    text: str


class EchoEpisode(BaseModel):
    conversation: int
    lines: list[str]  # "speaker: text", the original line first


class DialogueFailures(BaseModel):
    lines: int
    endings: Endings
    confusions: list[Confusion]
    confusion_share: float | None
    echo_episodes: int
    echoed_lines: int
    echo_examples: list[EchoEpisode]


def _ending(reason: str) -> str:
    if reason in ENDINGS:
        return reason
    return "left town" if reason.endswith("left town") else "other"


def ending_reasons(events: Sequence[Event]) -> Endings:
    counts = Counter(_ending(e.reason) for e in events if isinstance(e, ConversationEnded))
    total = sum(counts.values())
    return Endings(
        conversations=total,
        counts={k: counts.get(k, 0) for k in ENDINGS},
        shares={k: round(counts.get(k, 0) / total, 4) if total else 0.0 for k in ENDINGS},
    )


def _first(name: str) -> str:
    return name.split(maxsplit=1)[0] if name.split() else name


def _self_introduction(text: str, name: str) -> bool:
    """Saying one's name ("I'm Mei", "my name is Mei Lin") is not addressing oneself."""
    lowered = text.lower()
    return any(f"{lead} {name.lower()}" in lowered for lead in ("i'm", "i am", "my name is", "this is", "it's"))


def role_confusion(events: Sequence[Event]) -> list[Confusion]:
    found = []
    for e in events:
        if not isinstance(e, Utterance) or e.speaker == e.listener:
            continue
        mine, theirs = _first(e.speaker), _first(e.listener)
        text = e.text.strip()
        speaks_as = re.match(rf"^\s*{re.escape(theirs)}(\s+\S+)?\s*:", text) or re.search(
            rf"\b(i'm|i am)\s+{re.escape(theirs)}\b", text, re.IGNORECASE
        )
        addresses = re.search(rf"\b{re.escape(mine)}\b", text) and not _self_introduction(text, mine)
        kind = "speaks as its partner" if speaks_as else "addresses itself" if addresses else None
        if kind is not None:
            found.append(
                Confusion(
                    conversation=e.conversation, speaker=e.speaker, partner=e.listener, kind=kind, text=text[:200]
                )
            )
    return found


def jaccard(a: str, b: str) -> float:
    x, y = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(x & y) / len(x | y) if x | y else 0.0


def echo_episodes(events: Sequence[Event]) -> list[EchoEpisode]:
    """Runs of replies that nearly repeat the line before them, per conversation, in order."""
    talks: dict[int, list[Utterance]] = {}
    for e in events:
        if isinstance(e, Utterance):
            talks.setdefault(e.conversation, []).append(e)
    episodes = []
    for conversation, lines in talks.items():
        run: list[Utterance] = []
        for before, after in zip(lines, lines[1:], strict=False):
            if jaccard(before.text, after.text) >= ECHO_JACCARD:
                run = run or [before]
                run.append(after)
                continue
            if len(run) >= 2:
                episodes.append(EchoEpisode(conversation=conversation, lines=[f"{u.speaker}: {u.text}" for u in run]))
            run = []
        if len(run) >= 2:
            episodes.append(EchoEpisode(conversation=conversation, lines=[f"{u.speaker}: {u.text}" for u in run]))
    return episodes


def dialogue_failures(events: Sequence[Event]) -> DialogueFailures:
    lines = sum(1 for e in events if isinstance(e, Utterance))
    confusions = role_confusion(events)
    echoes = echo_episodes(events)
    return DialogueFailures(
        lines=lines,
        endings=ending_reasons(events),
        confusions=confusions,
        confusion_share=round(len(confusions) / lines, 4) if lines else None,
        echo_episodes=len(echoes),
        echoed_lines=sum(len(ep.lines) - 1 for ep in echoes),
        echo_examples=echoes[:EXAMPLES],
    )
