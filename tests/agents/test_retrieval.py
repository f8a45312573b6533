import numpy as np
import pytest

from agents.embedding import CachingEmbedder, HashingEmbedder
from agents.memory import MemoryDraft, MemoryStream
from agents.retrieval import RetrievalWeights, min_max, score_memories, top_k
from agents.vector_index import NumpyIndex
from town.core.clock import GameClock


def test_min_max_scales_to_unit_range_and_constant_is_half():
    assert min_max(np.array([2.0, 4.0, 6.0])).tolist() == [0.0, 0.5, 1.0]
    assert min_max(np.array([3.0, 3.0])).tolist() == [0.5, 0.5]


def test_scores_match_hand_computed_values():
    # Three memories: accessed 0, 10 and 100 game hours ago; importance 2, 8, 5; cosine relevance 0.1, 0.2, 0.9.
    weights = RetrievalWeights(recency=1, importance=2, relevance=3, decay=0.99)
    s = score_memories(np.array([0.0, 10.0, 100.0]), np.array([2, 8, 5]), np.array([0.1, 0.2, 0.9]), weights)
    raw_recency = np.array([1.0, 0.99**10, 0.99**100])
    expected_recency = (raw_recency - raw_recency.min()) / (raw_recency.max() - raw_recency.min())
    assert s.recency == pytest.approx(expected_recency)
    assert s.recency[0] == 1.0  # the most recent memory ranks highest (not backwards)
    assert s.importance == pytest.approx([0.0, 1.0, 0.5])
    assert s.relevance == pytest.approx([0.0, 0.125, 1.0])
    assert s.total == pytest.approx(
        [1.0 * expected_recency[0] + 0 + 0, expected_recency[1] + 2.0 + 3 * 0.125, 0 + 1.0 + 3.0]
    )


def test_top_k_orders_by_score_and_breaks_ties_by_age():
    assert top_k(np.array([0.5, 0.9, 0.5, 0.1, 0.5]), 3).tolist() == [1, 0, 2]
    assert top_k(np.array([]), 3).tolist() == []
    assert top_k(np.array([1.0, 2.0]), 5).tolist() == [1, 0]


def make_stream():
    return MemoryStream(CachingEmbedder(HashingEmbedder()), NumpyIndex(384), GameClock())


def test_stream_retrieves_relevant_recent_important_memories_and_touches_them():
    stream = make_stream()
    stream.add(MemoryDraft(kind="observation", text="Tom is watering the garden in the park", importance=2), tick=0)
    stream.add(
        MemoryDraft(kind="chat", text="Mei said there is a party at Rosewood Cafe at 5pm", importance=8), tick=360
    )
    stream.add(MemoryDraft(kind="observation", text="the stove is in use", importance=1), tick=720)
    hits = stream.retrieve("party at the cafe", now=1080, weights=RetrievalWeights(), k=2)
    assert hits[0].record.text.startswith("Mei said there is a party")
    assert hits[0].relevance == 1.0 and hits[0].importance == 1.0
    assert all(h.record.last_accessed == 1080 for h in hits)
    untouched = stream.retrieve("garden", now=2000, weights=RetrievalWeights(), k=1, touch=False)
    assert untouched[0].record.last_accessed < 2000


def test_provisional_importance_counts_towards_reflection_only_once_scored():
    stream = make_stream()
    stream.add(MemoryDraft(kind="observation", text="a", importance=3, scored=False), tick=0)
    stream.add(MemoryDraft(kind="observation", text="b", importance=7), tick=0)
    assert stream.importance_since_reflection == 7 and stream.unscored == [0]
    stream.set_importance(0, 9)
    assert stream.importance_since_reflection == 16
    assert stream.records[0].importance == 9 and stream.records[0].scored


def test_thought_depth_follows_its_evidence():
    stream = make_stream()
    stream.add(MemoryDraft(kind="observation", text="a", importance=3), tick=0)
    first = stream.add(MemoryDraft(kind="thought", text="t1", importance=5, evidence=[0]), tick=1)
    second = stream.add(MemoryDraft(kind="thought", text="t2", importance=5, evidence=[0, first.id]), tick=2)
    assert (first.depth, second.depth) == (1, 2)


def test_identical_texts_are_embedded_once():
    embedder = CachingEmbedder(HashingEmbedder())
    stream = MemoryStream(embedder, NumpyIndex(384), GameClock())
    for tick in range(5):
        stream.add(MemoryDraft(kind="observation", text="Jonah is making coffee", importance=2), tick=tick)
    assert len(stream.vectors()) == 5  # reading the index embeds what waits
    assert embedder.misses == 1 and embedder.hits == 4


def test_a_ticks_new_memories_of_every_agent_are_embedded_in_one_call():
    from agents.memory import embed_pending

    class Counting(HashingEmbedder):
        calls = 0

        def embed(self, texts):
            Counting.calls += 1
            return super().embed(texts)

    embedder = Counting()
    streams = [MemoryStream(embedder, NumpyIndex(384), GameClock()) for _ in range(3)]
    for i, stream in enumerate(streams):
        stream.add_many(
            [MemoryDraft(kind="observation", text=f"agent {i} sees {j}", importance=2) for j in range(4)], 0
        )
    embed_pending(streams, embedder)
    assert Counting.calls == 1
    for i, stream in enumerate(streams):  # each got its own rows back, in order
        assert np.allclose(stream.vectors(), HashingEmbedder().embed([f"agent {i} sees {j}" for j in range(4)]))
    assert Counting.calls == 1  # nothing was left waiting


def test_hashing_embedder_is_normalised_and_similar_for_shared_words():
    vectors = HashingEmbedder().embed(["party at the cafe", "a party at Rosewood cafe", "watering plants"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_the_fused_ranking_picks_what_full_scoring_picks_with_the_same_parts():
    from agents.retrieval import best_k

    rng = np.random.default_rng(0)
    for trial in range(60):
        n = int(rng.integers(1, 2000))
        hours = rng.uniform(0, 200, n) if trial % 5 else np.full(n, 3.0)  # a constant part is 0.5 in both
        importance = rng.integers(1, 11, n).astype(np.float32) if trial % 7 else np.full(n, 4, np.float32)
        relevance = rng.uniform(-1, 1, n).astype(np.float32)
        weights = RetrievalWeights(
            recency=float(rng.uniform(0, 2)), importance=float(rng.uniform(0, 2)), relevance=float(rng.uniform(0, 3))
        )
        full = score_memories(hours, importance, relevance, weights)
        ranked = best_k(hours, importance, relevance, weights, 30)
        assert ranked.indices.tolist() == top_k(full.total, 30).tolist()
        for name in ("recency", "importance", "relevance", "total"):
            assert np.allclose(getattr(full, name)[ranked.indices], getattr(ranked, name), atol=1e-4), name
