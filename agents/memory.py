"""An agent's memory stream: `MemoryDraft`, `MemoryRecord`, `MemoryState`, `Retrieved`, `MemoryStream`.

Records are observations, thoughts (reflections), chats and plans, each with importance 1-10 (provisional until a
batched scoring call replaces it, so a memory is retrievable the moment it is made), creation and last-access tick,
evidence (ids of records a thought rests on) and sources (ids of trajectory events it came from — who said what to whom,
which the evaluation needs for provenance). Scoring arrays live beside the records as numpy vectors so retrieval over
100k memories is a few vector operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.embedding import Embedder
from agents.retrieval import RetrievalWeights, best_k
from agents.vector_index import VectorIndex
from town.core.clock import GameClock

MemoryKind = Literal["observation", "thought", "chat", "plan"]


class MemoryDraft(BaseModel):
    """A record before it has an id, times and an embedding (what operations return)."""

    kind: MemoryKind
    text: str
    importance: int = Field(ge=1, le=10)
    evidence: list[int] = Field(default_factory=list)
    sources: list[int] = Field(default_factory=list)
    subject: str | None = None
    told_by: str | None = None
    scored: bool = True


@dataclass(slots=True, kw_only=True)
class MemoryRecord:
    """A stored memory: the draft's fields, plus its id in the stream, when it was made and last recalled, its depth.

    A slotted dataclass (validated by pydantic where a save is read) rather than a model: a town holds millions of
    these, and a model's per-object dictionary and fields-set cost more than the memory's own text.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")

    kind: MemoryKind
    text: str
    importance: Annotated[int, Field(ge=1, le=10)]
    evidence: list[int] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    subject: str | None = None
    told_by: str | None = None
    scored: bool = True
    id: int
    created: int
    last_accessed: int
    depth: int = 0  # a thought resting on thoughts is one deeper than its deepest evidence


class MemoryState(BaseModel):
    """What a save keeps of a stream: the records (embeddings go beside them as a matrix) and the two counters."""

    model_config = ConfigDict(extra="forbid")

    records: list[MemoryRecord] = Field(default_factory=list)
    importance_since_reflection: int = 0
    unscored: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> MemoryState:
        for position, record in enumerate(self.records):
            if record.id != position:
                raise ValueError(f"records[{position}].id is {record.id}; ids must count up from 0")
        if any(not 0 <= i < len(self.records) for i in self.unscored):
            raise ValueError("unscored names a memory id that does not exist")
        return self


RECORD_FIELDS = tuple(f.name for f in fields(MemoryRecord))
_NONE: list[int] = []  # shared by every record without evidence or sources (records' lists are never appended to)


def _compact(values: dict) -> MemoryRecord:
    """A record from values already valid (no validation), empty evidence and sources sharing one list."""
    for name in ("evidence", "sources"):
        if not values[name]:
            values[name] = _NONE
    return MemoryRecord(**values)


@dataclass(frozen=True)
class Retrieved:
    record: MemoryRecord
    recency: float
    importance: float
    relevance: float
    score: float


class _Column:
    """A growable numpy vector."""

    def __init__(self, dtype: type) -> None:
        self.data = np.zeros(64, dtype=dtype)
        self.size = 0

    def append(self, value: float) -> None:
        if self.size == len(self.data):
            self.data = np.concatenate([self.data, np.zeros(len(self.data) // 4 + 1, dtype=self.data.dtype)])
        self.data[self.size] = value
        self.size += 1

    def view(self) -> np.ndarray:
        return self.data[: self.size]


class MemoryStream:
    """Owns one agent's records, their embeddings (in the index) and scoring columns, and two counters.

    The counters: importance scored since the last reflection (the trigger), and the ids still waiting for a scoring
    call. `get_state`/`set_state` carry all of it except the embeddings, which `vectors()` returns for the save.
    """

    def __init__(self, embedder: Embedder, index: VectorIndex, clock: GameClock, *, recall: bool = True) -> None:
        self.embedder = embedder
        self.index = index
        self.clock = clock
        self.records: list[MemoryRecord] = []
        self.pending_texts: list[str] = []  # texts of the newest records, not embedded yet
        self._created = _Column(np.int64)
        self._accessed = _Column(np.int64)
        self._importance = _Column(np.float32)
        self._scored = _Column(np.int8)
        self.importance_since_reflection = 0
        self.unscored: list[int] = []
        self.recall_enabled = recall  # off in the "no memory" ablation: records are kept, nothing is recalled

    def __len__(self) -> int:
        return len(self.records)

    def add(self, draft: MemoryDraft, tick: int) -> MemoryRecord:
        return self.add_many([draft], tick)[0]

    def add_many(self, drafts: list[MemoryDraft], tick: int) -> list[MemoryRecord]:
        if not drafts:
            return []
        # Texts wait to be embedded with every other agent's of this tick (`embed_pending`), in one batch; anything
        # that reads the index embeds what is still waiting first.
        self.pending_texts.extend(d.text for d in drafts)
        added = []
        for draft in drafts:
            depth = 0
            if draft.kind == "thought" and draft.evidence:
                depth = 1 + max(self.records[i].depth for i in draft.evidence if 0 <= i < len(self.records))
            # The draft is already validated; constructing skips re-validating hundreds of thousands of records.
            record = _compact({**dict(draft), "id": len(self.records), "created": tick, "last_accessed": tick,
                               "depth": depth})  # fmt: skip
            self.records.append(record)
            self._created.append(tick)
            self._accessed.append(tick)
            self._importance.append(record.importance)
            self._scored.append(record.scored)
            if not record.scored:
                self.unscored.append(record.id)
            elif record.kind != "thought":
                self.importance_since_reflection += record.importance
            added.append(record)
        return added

    def get_state(self) -> MemoryState:
        """The stream's state, its records shared rather than copied.

        A state is written out before the town takes its next tick, and copying a day's 25,000 records would double
        the time of every autosave.
        """
        self.embed_waiting()
        return MemoryState.model_construct(
            records=list(self.records),
            importance_since_reflection=self.importance_since_reflection,
            unscored=list(self.unscored),
        )

    def set_state(self, state: MemoryState, vectors: np.ndarray) -> None:
        """Fill an empty stream from saved records and their embeddings (one row per record, in id order)."""
        records = state.records
        if self.records:
            raise ValueError("set_state() needs an empty memory stream")
        self.pending_texts = []
        if len(vectors) != len(records):
            raise ValueError(f"{len(records)} memory records but {len(vectors)} embedding rows")
        if vectors.ndim != 2 or vectors.shape[1] != self.embedder.dim:
            raise ValueError(f"embeddings of shape {vectors.shape} do not fit the {self.embedder.name} embedder")
        if len(records):
            self.index.add(vectors)
        for record in records:
            self.records.append(_compact({f: getattr(record, f) for f in RECORD_FIELDS}))
            self._created.append(record.created)
            self._accessed.append(record.last_accessed)
            self._importance.append(record.importance)
            self._scored.append(record.scored)
        self.importance_since_reflection = state.importance_since_reflection
        self.unscored = list(state.unscored)

    def take_unscored(self) -> list[int]:
        """The ids waiting for a scoring call, handed over to the call (the stream stops waiting on them)."""
        batch, self.unscored = self.unscored, []
        return batch

    def scoring_due(self, tick: int, batch_size: int, batch_ticks: int) -> bool:
        """Whether to score now: `batch_size` memories wait, or the oldest has waited `batch_ticks`."""
        if not self.unscored:
            return False
        return len(self.unscored) >= batch_size or tick - self.records[self.unscored[0]].created >= batch_ticks

    def reflected(self) -> None:
        """A reflection finished: importance counts towards the next one from zero."""
        self.importance_since_reflection = 0

    def take_pending(self) -> list[str]:
        texts, self.pending_texts = self.pending_texts, []
        return texts

    def add_vectors(self, vectors: np.ndarray) -> None:
        """Embeddings for the texts `take_pending` handed out, in the same order."""
        if len(vectors):
            self.index.add(vectors)

    def embed_waiting(self) -> None:
        """Embed the texts still waiting (what every reader of the index does first)."""
        if self.pending_texts:
            self.add_vectors(self.embedder.embed(self.take_pending()))

    def vectors(self, start: int = 0) -> np.ndarray:
        """The embeddings from record `start` on, one float32 row per record in id order (what a save writes)."""
        self.embed_waiting()
        if start >= len(self.records):
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return self.index.vectors(start)

    def columns(self) -> np.ndarray:
        """What changes in a record after it is made, one int32 row per record: importance, scored (0/1), last access.

        A save appends each record once and rewrites only these columns, read here from the scoring arrays rather than
        from a million record objects.
        """
        n = len(self.records)
        return (
            np.stack([self._importance.view(), self._scored.view(), self._accessed.view()], axis=1).astype(np.int32)
            if n
            else np.zeros((0, 3), dtype=np.int32)
        )

    def set_importance(self, memory_id: int, score: int) -> None:
        """Replace a provisional importance with the scored one; only scored importance counts towards reflection."""
        record = self.records[memory_id]
        record.importance = score
        self._importance.data[memory_id] = score
        if not record.scored:
            record.scored = True
            self._scored.data[memory_id] = 1
            if record.kind != "thought":
                self.importance_since_reflection += score

    def retrieve(
        self, query: str, now: int, weights: RetrievalWeights, k: int | None = None, *, touch: bool = True
    ) -> list[Retrieved]:
        """The k best records for `query`.

        Retrieval refreshes recency, as in the paper: with `touch` the records are marked accessed now; operations
        pass False and touch them when their outcome is applied.
        """
        if not self.records or not self.recall_enabled:
            return []
        self.embed_waiting()
        query_vec = self.embedder.embed([query])[0]
        hours = (now - self._accessed.view()) * (self.clock.tick_seconds / 3600.0)
        ranked = best_k(hours, self._importance.view(), self.index.similarities(query_vec), weights, k or weights.top_k)
        result = [
            Retrieved(
                record=self.records[i],
                recency=float(ranked.recency[j]),
                importance=float(ranked.importance[j]),
                relevance=float(ranked.relevance[j]),
                score=float(ranked.total[j]),
            )
            for j, i in enumerate(ranked.indices.tolist())
        ]
        if touch:
            self.touch([r.record.id for r in result], now)
        return result

    def touch(self, ids: list[int], tick: int) -> None:
        for i in ids:
            if 0 <= i < len(self.records) and self.records[i].last_accessed < tick:
                self.records[i].last_accessed = tick
                self._accessed.data[i] = tick

    def recent(self, count: int) -> list[MemoryRecord]:
        return self.records[-count:] if count > 0 else []


def embed_pending(streams: list[MemoryStream], embedder: Embedder) -> None:
    """Embed every stream's waiting texts in one call (a tick's new memories of the whole town), rows handed back."""
    waiting = [(stream, stream.take_pending()) for stream in streams if stream.pending_texts]
    if not waiting:
        return
    vectors = embedder.embed([text for _, texts in waiting for text in texts])
    at = 0
    for stream, texts in waiting:
        stream.add_vectors(vectors[at : at + len(texts)])
        at += len(texts)
