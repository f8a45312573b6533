"""Naturalness as Eval4Sim defines it: dialogue NLI over a corpus, behind one small `NLIBackend` protocol.

A backend labels (premise, hypothesis) pairs entailment / neutral / contradiction. Two ship:

- `CrossEncoderNLI`: a local cross-encoder NLI model from a folder (`town eval --nli PATH`), loaded by
  sentence-transformers' CrossEncoder with no network; the labels come from the model's own `id2label`.
- `LLMNLI`: any model through the gateway (`town eval --nli MODEL`), asked one pair at a time with the golden prompt
  `agents/prompts/nli.txt`, answers cached in the report folder; a failed answer is counted and left out.

`naturalness` measures, as Eval4Sim does: coherence (consecutive turns of different speakers: the share that do not
contradict the line they answer, with the full label distribution), persona contradictions (a line against each
sentence of its speaker's persona) and self contradictions (a line against the speaker's last five lines), and
n = 0.6·coherence + 0.2·(1 − persona contradictions) + 0.2·(1 − self contradictions). Human chat has no personas, so the
comparison with people uses the dialogue part, (0.6·coherence + 0.2·(1 − self)) / 0.8, measured on a seeded sample of
the human corpus with the same backend.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel

from town.core.errors import ConfigError
from town.evaluation.corpus import Corpus

Label = Literal["entailment", "neutral", "contradiction"]
LABELS: tuple[Label, ...] = ("entailment", "neutral", "contradiction")
SELF_WINDOW = 5  # a line is checked against its speaker's last five lines
MAX_LINES = 200  # lines checked against persona and own history (seeded sample): bounds the pairs a model is asked


class NLIBackend(Protocol):
    name: str

    def classify(self, pairs: Sequence[tuple[str, str]]) -> list[Label | None]:
        """A label per (premise, hypothesis) pair; None where the backend could not say (counted, left out)."""
        ...


class NaturalnessResult(BaseModel):
    backend: str
    coherence: float | None
    consecutive: dict[str, float]  # label -> share over consecutive turns
    persona_contradictions: float | None
    self_contradictions: float | None
    naturalness: float | None  # Eval4Sim's n (needs personas)
    dialogue_naturalness: float | None  # the part comparable with people: (0.6 coherence + 0.2 (1 - self)) / 0.8
    pairs: int
    unlabelled: int  # pairs the backend could not label


def _share(labels: list[Label | None], wanted: set[str]) -> float | None:
    known = [x for x in labels if x is not None]
    return sum(x in wanted for x in known) / len(known) if known else None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 3]


def naturalness(corpus: Corpus, backend: NLIBackend, seed: int = 0) -> NaturalnessResult:
    consecutive_pairs = []
    for turns in corpus.conversations().values():
        consecutive_pairs += [
            (a.text, b.text) for a, b in zip(turns, turns[1:], strict=False) if a.speaker != b.speaker
        ]
    rng = np.random.default_rng(seed)
    lines = corpus.utterances
    chosen = set(rng.choice(len(lines), size=min(MAX_LINES, len(lines)), replace=False).tolist()) if lines else set()
    persona_pairs: list[tuple[int, tuple[str, str]]] = []
    self_pairs: list[tuple[int, tuple[str, str]]] = []
    earlier: dict[str, list[str]] = {}
    for k, u in enumerate(lines):
        if k in chosen:
            persona_pairs += [(k, (sentence, u.text)) for sentence in _sentences(corpus.personas.get(u.speaker, ""))]
            self_pairs += [(k, (before, u.text)) for before in earlier.get(u.speaker, [])[-SELF_WINDOW:]]
        earlier.setdefault(u.speaker, []).append(u.text)
    everything = consecutive_pairs + [p for _, p in persona_pairs] + [p for _, p in self_pairs]
    labels = backend.classify(everything) if everything else []
    n_consecutive, n_persona = len(consecutive_pairs), len(persona_pairs)
    consecutive = labels[:n_consecutive]
    persona = _per_line(persona_pairs, labels[n_consecutive : n_consecutive + n_persona])
    own = _per_line(self_pairs, labels[n_consecutive + n_persona :])
    coherence = _share(consecutive, {"entailment", "neutral"})
    counts = Counter(x for x in consecutive if x is not None)
    total = sum(counts.values())
    persona_rate = float(np.mean(persona)) if persona else None
    self_rate = float(np.mean(own)) if own else None
    n = None
    if coherence is not None and persona_rate is not None and self_rate is not None:
        n = 0.6 * coherence + 0.2 * (1 - persona_rate) + 0.2 * (1 - self_rate)
    dialogue = None
    if coherence is not None and self_rate is not None:
        dialogue = (0.6 * coherence + 0.2 * (1 - self_rate)) / 0.8
    return NaturalnessResult(
        backend=backend.name,
        coherence=coherence,
        consecutive={label: counts[label] / total for label in LABELS} if total else {},
        persona_contradictions=persona_rate,
        self_contradictions=self_rate,
        naturalness=n,
        dialogue_naturalness=dialogue,
        pairs=len(everything),
        unlabelled=sum(x is None for x in labels),
    )


def _per_line(pairs: list[tuple[int, tuple[str, str]]], labels: list[Label | None]) -> list[bool]:
    """Per line checked: does any of its pairs contradict (lines whose pairs all went unlabelled are left out)?"""
    by_line: dict[int, list[Label]] = {}
    for (line, _), label in zip(pairs, labels, strict=True):
        if label is not None:
            by_line.setdefault(line, []).append(label)
    return ["contradiction" in found for found in by_line.values()]


class CrossEncoderNLI:
    """A local cross-encoder NLI model (a folder with config.json and weights), run on the CPU, offline."""

    def __init__(self, folder: Path) -> None:
        from agents.llm.cross_encoder import CrossEncoderModel  # noqa: PLC0415 - loads torch, only with --nli

        self.model = CrossEncoderModel(folder)
        names = sorted(self.model.labels.values())
        self.labels: dict[str, Label] = {}
        for name in names:
            label = next((x for x in LABELS if name.startswith(x[:6])), None)
            if label is not None:
                self.labels[name] = label
        if set(self.labels.values()) != set(LABELS):
            raise ConfigError(f"--nli {folder}: its labels {names} are not entailment, neutral and contradiction")
        self.name = f"cross-encoder {folder.name}"

    def classify(self, pairs: Sequence[tuple[str, str]]) -> list[Label | None]:
        return [self.labels.get(name) for name in self.model.predict(pairs)]


class NLIFields(BaseModel):
    premise: str
    hypothesis: str


class NLIAnswer(BaseModel):
    label: Label


class LLMNLI:
    """Any model through the gateway, asked one pair at a time (prompt agents/prompts/nli.txt); a failure is None."""

    def __init__(self, llm: Any, name: str) -> None:
        self.llm = llm  # a StructuredLLM over the model and its record/replay cache
        self.name = name

    def classify(self, pairs: Sequence[tuple[str, str]]) -> list[Label | None]:
        import asyncio  # noqa: PLC0415

        from agents.prompts import render  # noqa: PLC0415

        async def one(premise: str, hypothesis: str) -> Label | None:
            answer = await self.llm.ask(
                render("nli", NLIFields(premise=premise[:600], hypothesis=hypothesis[:600]), NLIAnswer),
                NLIAnswer,
                purpose="nli",
                agent="evaluation",
                fallback=lambda: NLIAnswer(label="neutral"),
                log=[],
            )
            return None if answer.fallback else answer.value.label

        async def every() -> list[Label | None]:
            return list(await asyncio.gather(*(one(p, h) for p, h in pairs)))

        return asyncio.run(every())
