"""Batched importance scoring: `importance_op` scores an agent's unscored memories in one call.

Idle and sleeping observations score 1 without a call (Park et al. do the same); texts an agent has scored before come
from its cache. Everything else enters the memory stream at once with a provisional score and is re-scored in batches
(when enough are waiting or the oldest has waited long enough), so one call covers many memories without making any of
them late to retrieve.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from agents.effects import SetImportance
from agents.events import MemoryScored
from agents.llm.structured import Answer
from agents.memory import MemoryDraft, MemoryKind
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, asking, numbered
from agents.prompts import render
from agents.schemas import importance_schema

# Scores used without asking: an idle or sleeping neighbour is the paper's canonical "1"; a provisional or failed score
# is the middle-low value a mundane observation usually receives, so neither retrieval nor reflection timing is skewed.
MUNDANE_SCORE = 1
FALLBACK_SCORE = 3
PROVISIONAL_SCORE = FALLBACK_SCORE
_MUNDANE_ENDINGS = (" is idle", " is sleeping")


@dataclass(frozen=True)
class PendingMemory:
    """A memory waiting for its importance score."""

    kind: MemoryKind
    text: str
    sources: tuple[int, ...] = ()
    subject: str | None = None
    told_by: str | None = None

    def draft(self, importance: int | None) -> MemoryDraft:
        """A draft with a known score, or a provisional one waiting for the next scoring batch (None)."""
        return MemoryDraft(
            kind=self.kind,
            text=self.text,
            importance=PROVISIONAL_SCORE if importance is None else importance,
            scored=importance is not None,
            sources=list(self.sources),
            subject=self.subject,
            told_by=self.told_by,
        )


class ImportanceFields(BaseModel):
    name: str
    identity: str
    items: str


def known_score(text: str, cache: dict[str, int]) -> int | None:
    if text.endswith(_MUNDANE_ENDINGS):
        return MUNDANE_SCORE
    return cache.get(text)


def importance_op(mind: MindView, memory_ids: list[int]) -> Operation:
    persona = mind.persona
    texts = [mind.memory.records[i].text for i in memory_ids]
    unique = list(dict.fromkeys(texts))
    fields = ImportanceFields(name=persona.name, identity=mind.identity, items=numbered(unique))
    schema = importance_schema(len(unique))

    def conclude(answer: Answer[BaseModel]) -> Outcome:
        by_text = dict(zip(unique, answer.value.scores, strict=True))  # type: ignore[attr-defined]
        scores = [by_text[t] for t in texts]
        effect = SetImportance(memories=memory_ids, scores=scores, learned={} if answer.fallback else by_text)
        event = MemoryScored(agent=persona.name, memories=memory_ids, scores=scores, fallback=answer.fallback)
        return Outcome(purpose="importance", events=[event], effects=[effect])

    return asking(
        "importance",
        persona.name,
        render("importance", fields, schema),
        schema,
        lambda: schema.model_validate({"scores": [FALLBACK_SCORE] * len(unique)}),
        conclude,
    )
