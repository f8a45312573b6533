"""The embedding cache: each distinct text embedded once, and a full cache never loses a row it was asked for."""

import numpy as np

from agents.embedding import CachingEmbedder, HashingEmbedder


def test_a_full_cache_starts_afresh_and_still_answers_every_text():
    inner = HashingEmbedder()
    cache = CachingEmbedder(inner, max_entries=3)
    cache.embed(["a tea", "a walk"])
    # Two new texts overflow the cache of three: it is emptied, but "a tea", known before, is still answered.
    rows = cache.embed(["a tea", "a song", "a book", "a tea"])
    assert np.array_equal(rows, inner.embed(["a tea", "a song", "a book", "a tea"]))
    assert cache.misses == 4 and cache.hits == 2


def test_each_distinct_text_is_embedded_once():
    calls = []

    class Counting(HashingEmbedder):
        def embed(self, texts):
            calls.append(list(texts))
            return super().embed(texts)

    cache = CachingEmbedder(Counting())
    cache.embed(["x", "y", "x"])
    cache.embed(["y", "z"])
    assert calls == [["x", "y"], ["z"]]
