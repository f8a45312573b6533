"""Null baselines: talk that follows its personas and its partners beats the same lines shuffled; templates are flagged."""

import asyncio
import hashlib
import json
import re

import numpy as np

from agents.embedding import CachingEmbedder, HashingEmbedder
from agents.llm.fakes import SchemaFakeModel
from agents.llm.protocol import LLMReply
from tests.conftest import fake_config
from town.evaluation.corpus import Corpus, Utterance
from town.evaluation.evaluate import chance_mrr, evaluate_run
from town.evaluation.nulls import shuffled, template_like
from town.evaluation.reference import load_reference
from town.evaluation.social import load_facts
from town.persistence.runner import run_headless
from town.runtime.config import ASSETS

STOP = {"the", "and", "a", "an", "of", "to", "in", "at", "is", "with", "for", "on", "her", "his", "their", "who", "has"}


class PersonaFaithfulModel:
    """Every line in the speaker's own words (drawn from its persona) and about what the partner just said.

    Everything else is the schema fake. The speaker's name and identity come from the prompt's first line, the
    partner's last line from the transcript: a scripted stand-in for a model that stays in character and listens.
    """

    name = "persona-faithful"

    def __init__(self) -> None:
        self.inner = SchemaFakeModel(seed=0)

    async def complete(self, messages, *, schema, purpose, params):
        if purpose != "utterance":
            return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        system = messages[0].content
        identity = system.split(". ", 1)[1] if ". " in system else system
        own = [w for w in re.findall(r"[a-z]+", identity.lower()) if w not in STOP and len(w) > 3]
        transcript = messages[-1].content.split("The conversation so far:", 1)[-1].split("Write ", 1)[0]
        lines = [line for line in transcript.strip().splitlines() if ":" in line]
        heard = re.findall(r"[a-z]+", lines[-1].split(":", 1)[1].lower()) if lines else []
        heard = [w for w in heard if w not in STOP and len(w) > 3][:3]
        digest = hashlib.sha256(json.dumps([m.content for m in messages]).encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        picked = [own[int(i)] for i in rng.integers(len(own), size=6)] if own else ["well"]
        text = f"{' '.join(heard).capitalize() or 'Hello'}: {' '.join(picked)}, as ever, {len(lines)}."
        reply = {"utterance": text[:300], "end_conversation": len(lines) >= 5}
        return LLMReply(text=json.dumps(reply), prompt_tokens=100, completion_tokens=30)


def _evaluate(tmp_path, model, name):
    config = fake_config(tmp_path, agents=8, hours=12, seed=2, out=tmp_path / name, save_dir=tmp_path / "saves" / name)
    asyncio.run(run_headless(config, model=model))
    facts = load_facts(ASSETS / "eval" / "willowbrook_facts.yaml")
    embedder = CachingEmbedder(HashingEmbedder())
    return evaluate_run(config.out, embedder=embedder, facts=facts, reference=load_reference())


def test_talk_that_keeps_to_its_personas_and_partners_beats_its_shuffled_null(tmp_path):
    faithful = _evaluate(tmp_path, PersonaFaithfulModel(), "faithful")
    assert faithful.utterances > 100
    verdicts = {n.metric: n.better_than_null for n in faithful.nulls}
    assert verdicts == {
        "consistency_auc": True,
        "speaker_id_accuracy": True,
        "adherence_mrr_10": True,
        "consecutive_similarity": True,
    }
    assert not faithful.overall.zeroed


def test_the_fakes_template_talk_is_flagged_and_scores_no_better_than_shuffled(tmp_path):
    fake = _evaluate(tmp_path, SchemaFakeModel(seed=0), "fake")
    assert fake.template.template_like  # "I plan the park and the class." over and over
    verdicts = {n.metric: n.better_than_null for n in fake.nulls}
    assert verdicts["consistency_auc"] is False and verdicts["speaker_id_accuracy"] is False
    assert "consistency_auc" in fake.overall.zeroed
    assert fake.overall.components["persona consistency"] == 0.0


def test_a_shuffle_keeps_every_slot_and_every_line():
    lines = [
        Utterance(speaker=s, text=f"line {i}", conversation=str(i // 4), turn=i % 4 + 1)
        for i, s in enumerate("ABAB" * 5)
    ]
    corpus = Corpus(name="c", utterances=lines)
    mixed = shuffled(corpus, np.random.default_rng(0))
    assert [(u.speaker, u.conversation, u.turn) for u in mixed.utterances] == [
        (u.speaker, u.conversation, u.turn) for u in lines
    ]
    assert sorted(mixed.texts()) == sorted(corpus.texts()) and mixed.texts() != corpus.texts()


def test_template_check_and_the_chance_line():
    assert template_like(["Hi there."] * 5 + ["Something else entirely."], 0.8, 0.88).template_like  # repeats
    assert template_like([f"line number {i} is new" for i in range(20)], 0.3, 0.88).template_like  # few word pairs
    assert not template_like([f"line number {i} is new" for i in range(20)], 0.8, 0.88).template_like
    assert chance_mrr(1) == 0.75 and abs(chance_mrr(10) - sum(1 / r for r in range(1, 12)) / 11) < 1e-12
