"""`town bench embed`: texts embedded per second by each embedding backend available here.

The hashing embedder (no model), the in-process MiniLM (sentence-transformers, when its model is installed) and,
given `--model api:MODEL [--api-base URL]`, any embedding API through litellm — each on the same memory-like texts,
in batches as the memory stream sends them (one tick's new memories of all agents at once).
"""

from __future__ import annotations

import time
from typing import Any

from agents.embedding import Embedder, HashingEmbedder

TEXTS = 2_000


def memory_texts(count: int) -> list[str]:
    """Distinct texts shaped like observations ("Ada Baker is serving coffee at the counter")."""
    people = ["Ada Baker", "Kofi Mensah", "Lena Novak", "Omar Haddad", "Priya Shah", "Theo Ito"]
    doings = ["serving coffee", "reading by the window", "talking about the election", "sweeping the floor",
              "planning the harvest party", "walking to the market", "fixing a bicycle", "grading papers"]  # fmt: skip
    places = ["at the counter", "in the park", "in the library", "on the high street", "at home", "in the classroom"]
    return [f"{people[i % 6]} is {doings[(i // 6) % 8]} {places[(i // 48) % 6]} (note {i})" for i in range(count)]


def _rate(embedder: Embedder, texts: list[str], batch: int) -> dict[str, Any]:
    embedder.embed(texts[:batch])  # warm: a model's first call loads it
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed(texts[i : i + batch])
    wall = time.perf_counter() - started
    return {"backend": embedder.name, "dim": embedder.dim, "texts": len(texts), "batch": batch,
            "texts_per_s": round(len(texts) / wall, 1)}  # fmt: skip


def bench_embed(model: str | None = None, api_base: str | None = None, count: int = TEXTS) -> dict[str, Any]:
    texts = memory_texts(count)
    rows = [_rate(HashingEmbedder(), texts, 256)]
    try:
        from agents.llm.sentence_embedder import SentenceEmbedder  # noqa: PLC0415 - imports torch lazily

        rows.append(_rate(SentenceEmbedder(), texts, 256))
    except Exception as exc:  # not installed here: say so instead of a figure
        rows.append({"backend": "minilm", "unavailable": f"{type(exc).__name__}: {exc}"[:200]})
    if model:
        from agents.llm.api_embedder import ApiEmbedder  # noqa: PLC0415 - imports litellm lazily

        rows.append(_rate(ApiEmbedder(model.removeprefix("api:"), api_base), texts, 256))
    return {"benchmark": "embed", "backends": rows}
