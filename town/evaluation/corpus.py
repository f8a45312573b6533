"""Dialogue as data for the language metrics: `Utterance`, `Corpus`, built from a run's log or from a human corpus.

A corpus is a list of utterances (speaker, conversation, turn, text) plus, where known, each speaker's persona text.
Runs and the human reference go through the same metric functions, so every figure is comparable by construction.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel, Field

from town.core.events import Event
from town.core.events import Utterance as LoggedUtterance


class Utterance(BaseModel):
    speaker: str
    text: str
    conversation: str
    turn: int = Field(ge=1)
    tick: int | None = None


class Corpus(BaseModel):
    name: str
    utterances: list[Utterance]
    personas: dict[str, str] = Field(default_factory=dict)

    def texts(self) -> list[str]:
        return [u.text for u in self.utterances]

    def by_speaker(self) -> dict[str, list[Utterance]]:
        out: dict[str, list[Utterance]] = {}
        for u in self.utterances:
            out.setdefault(u.speaker, []).append(u)
        return out

    def conversations(self) -> dict[str, list[Utterance]]:
        out: dict[str, list[Utterance]] = {}
        for u in self.utterances:
            out.setdefault(u.conversation, []).append(u)
        return {key: sorted(turns, key=lambda u: u.turn) for key, turns in out.items()}


def corpus_from_events(events: Iterable[Event], personas: dict[str, str], name: str) -> Corpus:
    """The utterances of a trajectory log, in order, with the agents' persona summaries."""
    utterances = [
        Utterance(speaker=e.speaker, text=e.text, conversation=str(e.conversation), turn=e.turn, tick=e.tick)
        for e in events
        if isinstance(e, LoggedUtterance) and e.text.strip() not in ("", "…")  # "…" is the fallback of a failed line
    ]
    return Corpus(name=name, utterances=utterances, personas=personas)


def chitchat_corpus(max_conversations: int | None = None, seed: int = 0) -> Corpus:
    """The chitchat-dataset (MIT; 7,168 human conversations): a speaker's consecutive messages form one turn.

    Conversations of a single turn are left out (nobody answered). With `max_conversations`, a seeded sample.
    """
    import chitchat_dataset  # noqa: PLC0415 - an 8 MB JSON, only for the human reference

    data = chitchat_dataset.Dataset()
    keys = sorted(data)
    if max_conversations is not None and max_conversations < len(keys):
        rng = np.random.default_rng(seed)
        keys = sorted(rng.choice(keys, size=max_conversations, replace=False).tolist())
    utterances: list[Utterance] = []
    for key in keys:
        turns = data[key]["messages"]
        if len(turns) < 2:
            continue
        for number, parts in enumerate(turns, start=1):
            text = " ".join(p["text"].strip() for p in parts if p.get("text", "").strip())
            if text:
                utterances.append(Utterance(speaker=parts[0]["sender"], text=text, conversation=key, turn=number))
    return Corpus(name="chitchat-dataset", utterances=utterances)


def split_by_speaker(corpus: Corpus, seed: int = 0) -> tuple[Corpus, Corpus]:
    """Two halves with disjoint speakers (a conversation goes where its first speaker goes)."""
    speakers = sorted(corpus.by_speaker())
    rng = np.random.default_rng(seed)
    half = set(rng.permutation(speakers)[: len(speakers) // 2].tolist())
    first_speaker = {key: turns[0].speaker for key, turns in corpus.conversations().items()}
    a = [u for u in corpus.utterances if first_speaker[u.conversation] in half]
    b = [u for u in corpus.utterances if first_speaker[u.conversation] not in half]
    return (
        Corpus(name=f"{corpus.name} (half A)", utterances=a, personas=corpus.personas),
        Corpus(name=f"{corpus.name} (half B)", utterances=b, personas=corpus.personas),
    )
