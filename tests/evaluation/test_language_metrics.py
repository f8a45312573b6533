"""Language metrics behave in both directions: two halves of the human corpus look alike (Sim near 1), and text that is
deliberately unhuman — one sentence repeated, or speakers shuffled — moves the relevant Sims down."""

import numpy as np
import pytest

from agents.embedding import CachingEmbedder, HashingEmbedder
from town.evaluation.corpus import Corpus, Utterance, chitchat_corpus, split_by_speaker
from town.evaluation.persona import consistency, speaker_identification
from town.evaluation.reference import COMPARED, load_reference, measure_corpus
from town.evaluation.similarity import distribution_sim, sim
from town.evaluation.style import distinct_n, style_stats

EMBEDDER = CachingEmbedder(HashingEmbedder())


@pytest.fixture(scope="module")
def halves():
    return split_by_speaker(chitchat_corpus(max_conversations=700, seed=1), seed=1)


@pytest.fixture(scope="module")
def measured(halves):
    return [measure_corpus(half, EMBEDDER) for half in halves]


def test_sim_and_distribution_sim_are_eval4sims_formulas():
    assert sim(0.1, 0.2) == pytest.approx(0.5) and sim(0.3, 0.2) == pytest.approx(0.5)  # both directions count
    assert sim(0.9, 0.2) == 0.0 and sim(0.2, 0.2) == 1.0
    assert distribution_sim({"a": 1.0}, {"a": 1.0}) == 1.0
    assert distribution_sim({"a": 1.0}, {"b": 1.0}) == pytest.approx(0.0)
    assert distinct_n(["a b a b"], 1) == 0.5 and distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)


def test_two_human_halves_are_near_each_other_on_every_metric(measured):
    a, b = measured
    for name in COMPARED:
        assert sim(a.values[name], b.values[name]) > 0.8, name
    assert distribution_sim(a.emotions, b.emotions) > 0.95


def test_the_shipped_reference_agrees_with_a_fresh_human_sample(measured):
    reference = load_reference()
    for name in ("short_reply", "question", "positivity", "mean_words", "distinct_1", "distinct_2", "consistency_auc"):
        assert sim(measured[0].values[name], reference.metrics[name].value) > 0.8, name


def test_one_repeated_sentence_is_far_from_human(halves, measured):
    human = measured[0]
    speakers = sorted(halves[0].by_speaker())[:20]
    robotic = Corpus(
        name="one sentence",
        utterances=[
            Utterance(
                speaker=s, text="That sounds wonderful, I would love to help with that!", conversation=str(i), turn=t
            )
            for i, s in enumerate(speakers)
            for t in range(1, 11)
        ],
    )
    stats = style_stats(robotic.texts())
    for name in ("short_reply", "question", "distinct_1", "distinct_2", "mean_words"):
        human_sim = sim(human.values[name], measured[1].values[name])
        assert sim(getattr(stats, name), human.values[name]) < human_sim - 0.3, name


def test_shuffled_speakers_lose_consistency_and_identifiability(halves):
    corpus = halves[0]
    big = {s for s, said in corpus.by_speaker().items() if len(said) >= 30}
    chosen = sorted(big)[:12]
    real = Corpus(name="real", utterances=[u for u in corpus.utterances if u.speaker in chosen])
    owners = np.random.default_rng(0).permutation([u.speaker for u in real.utterances])
    shuffled = Corpus(
        name="shuffled",
        utterances=[u.model_copy(update={"speaker": str(o)}) for u, o in zip(real.utterances, owners, strict=True)],
    )
    assert consistency(real).auc > consistency(shuffled).auc + 0.05
    real_id, shuffled_id = speaker_identification(real), speaker_identification(shuffled)
    assert real_id.accuracy > 2 * real_id.chance
    assert shuffled_id.accuracy < real_id.accuracy - 0.1


def test_pan_consistency_parts_separate_a_clear_author_signal_from_none():
    import numpy as np

    from town.evaluation.persona import _pan_scores

    rng = np.random.default_rng(0)
    labels = np.array([1] * 200 + [0] * 200)
    clear = _pan_scores(np.where(labels == 1, 0.8, 0.2) + rng.normal(0, 0.01, 400), labels, np.random.default_rng(1))
    assert clear["auc"] == 1.0 and clear["c_at_1"] == 1.0 and clear["f1"] == 1.0 and clear["brier"] > 0.9
    noise = _pan_scores(rng.random(400), labels, np.random.default_rng(1))
    assert 0.35 < noise["auc"] < 0.65 and noise["brier"] < 0.8
