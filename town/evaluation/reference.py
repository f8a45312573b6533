"""The human reference: `CorpusMetrics`, `HumanReference`, `measure_corpus`, `build_reference`, `load_reference`.

`CorpusMetrics` is what is measured on any corpus; `HumanReference` holds those figures on a human corpus, with the two
speaker-disjoint halves whose agreement is the noise band.

The default reference is the chitchat-dataset (MIT), computed by tools/make_human_reference.py and kept as a small
versioned JSON in assets/eval/. Another corpus with speaker ids plugs in through `Corpus` and the same functions.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from agents.embedding import Embedder
from town.core.errors import ConfigError
from town.evaluation.corpus import Corpus, split_by_speaker
from town.evaluation.persona import EchoResult, consistency, echoing, homogenization
from town.evaluation.similarity import distribution_sim, sim
from town.evaluation.style import style_stats

REFERENCE_VERSION = 1
DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "assets" / "eval" / "human_reference_chitchat_v1.json"
# Corpus-level figures compared with the reference (name -> dimension).
COMPARED = {
    "short_reply": "style",
    "question": "style",
    "politeness": "style",
    "positivity": "style",
    "mean_words": "style",
    "distinct_1": "language diversity",
    "distinct_2": "language diversity",
    "consistency_auc": "persona consistency",
    "consistency_score": "persona consistency",
    "consecutive_similarity": "coherence / echoing",
    "homogenization": "between-agent diversity",
}


class CorpusMetrics(BaseModel):
    values: dict[str, float | None]
    emotions: dict[str, float]
    utterances: int
    speakers: int


class MetricReference(BaseModel):
    value: float
    half_a: float
    half_b: float

    @property
    def noise_sim(self) -> float:
        """How close two human halves come to each other: the ceiling for a simulated corpus."""
        return sim(self.half_a, self.half_b)


class HumanReference(BaseModel):
    version: int = REFERENCE_VERSION
    corpus: str
    embedder: str
    utterances: int
    speakers: int
    metrics: dict[str, MetricReference]
    emotions: dict[str, float]
    emotions_noise_sim: float
    notes: list[str] = Field(default_factory=list)


def measure_corpus(corpus: Corpus, embedder: Embedder, seed: int = 0, echo: EchoResult | None = None) -> CorpusMetrics:
    """The compared figures of a corpus; `echo` when the caller has already measured it (it embeds every turn)."""
    style = style_stats(corpus.texts())
    echo = echo if echo is not None else echoing(corpus, embedder)
    values: dict[str, float | None] = {
        "short_reply": style.short_reply,
        "question": style.question,
        "politeness": style.politeness,
        "positivity": style.positivity,
        "mean_words": style.mean_words,
        "distinct_1": style.distinct_1,
        "distinct_2": style.distinct_2,
        "consistency_auc": (verified := consistency(corpus, seed)).auc,
        "consistency_score": verified.score,
        "consecutive_similarity": echo.consecutive_similarity,
        "homogenization": homogenization(corpus),
    }
    return CorpusMetrics(
        values=values, emotions=style.emotions, utterances=len(corpus.utterances), speakers=len(corpus.by_speaker())
    )


def build_reference(corpus: Corpus, embedder: Embedder, seed: int = 0) -> HumanReference:
    whole = measure_corpus(corpus, embedder, seed)
    half_a, half_b = (measure_corpus(half, embedder, seed) for half in split_by_speaker(corpus, seed))
    metrics = {}
    for name in COMPARED:
        values = (whole.values[name], half_a.values[name], half_b.values[name])
        if all(v is not None for v in values):
            metrics[name] = MetricReference(value=values[0], half_a=values[1], half_b=values[2])  # type: ignore[arg-type]
    return HumanReference(
        corpus=corpus.name,
        embedder=embedder.name,
        utterances=whole.utterances,
        speakers=whole.speakers,
        metrics=metrics,
        emotions=whole.emotions,
        emotions_noise_sim=distribution_sim(half_a.emotions, half_b.emotions),
    )


def load_reference(path: Path = DEFAULT_REFERENCE) -> HumanReference:
    try:
        reference = HumanReference.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"human reference {path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise ConfigError(f"human reference {path}: not a reference file ({str(exc).splitlines()[0]})") from None
    if reference.version != REFERENCE_VERSION:
        raise ConfigError(f"human reference {path}: version {reference.version}, this town reads {REFERENCE_VERSION}")
    return reference
