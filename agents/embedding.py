"""Text embedders: the `Embedder` protocol, `HashingEmbedder` (deterministic, dependency-free) and `CachingEmbedder`.

The real embedder (all-MiniLM-L6-v2 through sentence-transformers) lives in `agents.llm.sentence_embedder`. Vectors are
float32 and L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import re
import zlib
from typing import Protocol, runtime_checkable

import numpy as np

_WORD = re.compile(r"[a-z0-9']+")


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One normalised float32 row per text."""
        ...


class HashingEmbedder:
    """Bag of words and word bigrams hashed into `dim` signed buckets.

    Deterministic across processes and machines, so tests and benchmarks need no model; texts that share words are
    similar, which is enough for retrieval tests to mean something.
    """

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            for token in words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]:
                h = zlib.crc32(token.encode())
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


class CachingEmbedder:
    """Embeds each distinct text once, however many agents remember it ("Jonah is making coffee" is seen a lot)."""

    def __init__(self, inner: Embedder, max_entries: int = 200_000) -> None:
        self.inner = inner
        self.dim = inner.dim
        self.name = inner.name
        self._cache: dict[str, np.ndarray] = {}
        self._max = max_entries
        self.hits = 0
        self.misses = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        # This call's rows are held here, not read back from the cache: a full cache starts afresh below, and the
        # texts it already knew must still be answered.
        rows = {t: self._cache[t] for t in texts if t in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in rows))
        if missing:
            vectors = self.inner.embed(missing)
            if len(self._cache) + len(missing) > self._max:
                self._cache.clear()
            for text, vector in zip(missing, vectors, strict=True):
                self._cache[text] = rows[text] = vector
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([rows[t] for t in texts])
