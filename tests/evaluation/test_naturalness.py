"""Naturalness by dialogue NLI: the metric on a scripted backend, and a real cross-encoder loaded from a folder."""

import json

import pytest

from tests.reliability.cli import town
from town.evaluation.corpus import Corpus, Utterance
from town.evaluation.naturalness import naturalness

MARK = "(contradicts)"


class ScriptedNLI:
    """Contradiction exactly where the second text carries the mark; entailment for a line that repeats the first."""

    name = "scripted"

    def __init__(self) -> None:
        self.asked = 0

    def classify(self, pairs):
        self.asked += len(pairs)
        return ["contradiction" if MARK in b else "entailment" if a == b else "neutral" for a, b in pairs]


def _corpus(contradicting: set[int]) -> Corpus:
    """Four two-speaker conversations of six lines; lines whose index is in `contradicting` carry the mark."""
    lines = []
    for k in range(24):
        text = f"Line {k} about the harvest." + (f" {MARK}" if k in contradicting else "")
        lines.append(Utterance(speaker="AB"[k % 2], text=text, conversation=str(k // 6), turn=k % 6 + 1))
    personas = {"A": "A bakes bread. A loves the harvest.", "B": "B is a teacher. B reads a lot."}
    return Corpus(name="c", utterances=lines, personas=personas)


def test_contradictions_injected_make_naturalness_fall_by_the_known_amount():
    clean = naturalness(_corpus(set()), ScriptedNLI())
    assert clean.coherence == 1.0 and clean.persona_contradictions == 0.0 and clean.self_contradictions == 0.0
    assert clean.naturalness == pytest.approx(1.0) and clean.dialogue_naturalness == pytest.approx(1.0)
    # Five marked lines, none opening a conversation: 5 of the 20 consecutive pairs contradict.
    marked = naturalness(_corpus({1, 2, 8, 15, 20}), ScriptedNLI())
    assert marked.coherence == pytest.approx(15 / 20)
    assert marked.consecutive == {"entailment": 0.0, "neutral": 0.75, "contradiction": 0.25}
    # Each marked line contradicts its persona sentences and its speaker's earlier lines (all 24 lines are checked).
    assert marked.persona_contradictions == pytest.approx(5 / 24)
    # The first line of each speaker has nothing earlier to contradict: 22 lines checked, 4 marked (line 1 is B's first).
    assert marked.self_contradictions == pytest.approx(4 / 22)
    expected = 0.6 * 0.75 + 0.2 * (1 - 5 / 24) + 0.2 * (1 - 4 / 22)
    assert marked.naturalness == pytest.approx(expected) and marked.naturalness < clean.naturalness


def test_pairs_a_backend_cannot_label_are_counted_and_left_out():
    class Unsure(ScriptedNLI):
        def classify(self, pairs):
            labels = super().classify(pairs)
            return [None if k % 2 else label for k, label in enumerate(labels)]

    result = naturalness(_corpus({1}), Unsure())
    assert result.unlabelled == result.pairs // 2 and result.coherence is not None


def _tiny_cross_encoder(folder, labels=("contradiction", "entailment", "neutral")):
    """A real (tiny, untrained) BERT cross-encoder with three labels, saved the way a downloaded model is."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    folder.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "harvest", "party", "i", "you", "a", "is"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: k for k, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)


OFFLINE = ["--embedder", "hashing", "--index", "numpy", "--quiet", "--model", "fake", "--cache", "off"]


@pytest.mark.slow
def test_a_cross_encoder_from_a_folder_measures_the_run_and_people(tmp_path):
    _tiny_cross_encoder(tmp_path / "nli")
    assert town(["run", "--agents", "4", "--hours", "6", "--out", "r", *OFFLINE], tmp_path).code == 0
    done = town(["eval", "r", "--embedder", "hashing", "--nli", "nli", "--out", "rep"], tmp_path, timeout=600)
    assert done.code == 0, done.err
    run = json.loads((tmp_path / "rep" / "report.json").read_text())["runs"][0]
    natural, human = run["naturalness"], run["naturalness_human"]
    assert natural["backend"] == "cross-encoder nli" and natural["pairs"] > 0 and natural["unlabelled"] == 0
    assert set(natural["consecutive"]) == {"entailment", "neutral", "contradiction"}
    assert human["pairs"] > 0 and human["persona_contradictions"] is None  # people's chat has no personas
    assert "naturalness (NLI)" in run["overall"]["components"]
    markdown = (tmp_path / "rep" / "report.md").read_text()
    assert "| Natural dialogue | dialogue NLI (cross-encoder nli)" in markdown
    assert "no offline model here" not in markdown  # the proxy note goes once the real measure is there


@pytest.mark.slow
def test_a_folder_that_is_not_an_nli_model_is_one_line(tmp_path):
    _tiny_cross_encoder(tmp_path / "sentiment", labels=("negative", "neutral", "positive"))
    (tmp_path / "empty").mkdir()
    assert town(["run", "--hours", "0.2", "--out", "r", *OFFLINE], tmp_path).code == 0
    for folder, reason in (("sentiment", "are not entailment, neutral and contradiction"), ("empty", "no config.json")):
        line = town(["eval", "r", "--embedder", "hashing", "--nli", folder, "--out", "rep"], tmp_path).one_error_line()
        assert reason in line
    assert not (tmp_path / "rep").exists()


def test_a_model_behind_a_server_can_be_the_nli_backend_and_its_answers_are_cached(tmp_path):
    from tests.reliability.servers import model_server

    assert town(["run", "--agents", "4", "--hours", "6", "--out", "r", *OFFLINE], tmp_path).code == 0
    with model_server("schema") as server:  # answers every pair with the schema's first label, entailment
        args = ["eval", "r", "--embedder", "hashing", "--out", "rep", "--nli", "openai/nli", "--nli-api-base"]
        done = town([*args, server.base], tmp_path, env={"OPENAI_API_KEY": "sk-test"}, timeout=600)
        asked = server.requests
    assert done.code == 0, done.err
    natural = json.loads((tmp_path / "rep" / "report.json").read_text())["runs"][0]["naturalness"]
    assert natural["backend"] == "openai/nli" and natural["unlabelled"] == 0
    assert natural["consecutive"]["entailment"] == 1.0 and natural["coherence"] == 1.0
    assert asked >= natural["pairs"] and (tmp_path / "rep" / "nli_cache.jsonl").stat().st_size > 0
