"""The judge's pre-test: it must tell who spoke lines of the run's own talk before its ratings are trusted."""

from __future__ import annotations

import asyncio
import json
import re

from agents.llm.protocol import LLMReply
from agents.llm.structured import GatewayConfig, StructuredLLM
from tests.evaluation.test_messy_logs import Log
from town.core.events import Utterance as LoggedUtterance
from town.evaluation.corpus import Corpus, Utterance, corpus_from_events
from town.evaluation.judge_check import judge_pretest, speaker_items

PEOPLE = {
    "Mei Lin": "Mei Lin, 34, owner of Rosewood Cafe; bakes bread.",
    "Jonah Price": "Jonah Price, 28, barista and guitarist.",
    "Sofia Moreno": "Sofia Moreno, 21, chemistry student.",
    "David Lin": "David Lin, 36, teacher and local historian.",
    "Priya Shah": "Priya Shah, 41, runs for council.",
}
LINES = {
    "Mei Lin": "The rye loaves came out of the oven just now",
    "Jonah Price": "I am playing three new songs at open mic tonight",
    "Sofia Moreno": "My titration lab ran late again this week",
    "David Lin": "The old mill was built in eighteen forty two",
    "Priya Shah": "Vote for me and the park gets new benches",
}


def _corpus(folder) -> Corpus:
    """Six conversations in which everyone says their line, written through the trajectory writer and read back."""
    log = Log(folder, agents=list(PEOPLE))
    log.spawn()
    names = list(LINES)
    for i in range(6):
        for turn, (speaker, text) in enumerate(LINES.items(), start=1):
            listener = names[(names.index(speaker) + 1) % len(names)]
            said = LoggedUtterance(conversation=i, speaker=speaker, listener=listener, text=f"{text} ({i})", turn=turn)
            log.emit(i * 10 + turn, said)
    return corpus_from_events(log.end(100), PEOPLE, name="town")


class Judge:
    """Answers from the prompt: `pick(line, candidates)` names the speaker it chooses."""

    name = "judge"

    def __init__(self, pick) -> None:
        self.pick = pick

    async def complete(self, messages, *, schema, purpose, params):
        text = next(m.content for m in messages if "The line:" in m.content)  # a repair turn repeats no prompt
        line = re.search(r'The line: "(.*)"', text).group(1)
        candidates = re.findall(r"^- ([^:]+):", text, re.MULTILINE)
        return LLMReply(text=self.pick(line, candidates))


def _true_speaker(line, candidates):
    return json.dumps({"speaker": next(s for s, t in LINES.items() if line.startswith(t))})


def _run(tmp_path, pick, baseline=0.8):
    llm = StructuredLLM(Judge(pick), GatewayConfig(backoff_seconds=0))
    return asyncio.run(judge_pretest(llm, _corpus(tmp_path), seed=3, stylometric_baseline=baseline))


def test_items_have_the_true_speaker_among_four_candidates_and_are_seeded(tmp_path):
    corpus = _corpus(tmp_path)
    items = speaker_items(corpus, seed=3)
    assert len(items) == 20 and all(len(i.candidates) == 4 and i.speaker in i.candidates for i in items)
    assert items == speaker_items(corpus, seed=3) and items != speaker_items(corpus, seed=4)


def test_a_judge_that_knows_the_speakers_is_trusted(tmp_path):
    check = _run(tmp_path, _true_speaker)
    assert check.accuracy == 1.0 and check.chance == 0.25 and check.threshold == 0.5 and check.trusted
    assert check.stylometric_baseline == 0.8


def test_a_judge_that_always_names_the_first_candidate_is_at_chance_and_not_trusted(tmp_path):
    check = _run(tmp_path, lambda line, candidates: json.dumps({"speaker": candidates[0]}))
    assert check.answered == 20 and check.accuracy < 0.5 and not check.trusted


def test_a_judge_that_never_answers_validly_is_not_trusted_and_counts_no_answers(tmp_path):
    check = _run(
        tmp_path, lambda line, candidates: json.dumps({"speaker": "Nobody"})
    )  # not a candidate: refused, then fallback
    assert check.items == 20 and check.answered == 0 and check.accuracy is None and not check.trusted


def test_without_two_speakers_with_personas_there_is_nothing_to_ask():
    lone = Corpus(
        name="x",
        utterances=[Utterance(speaker="Mei Lin", text="hello there my friend", conversation="1", turn=1)],
        personas=PEOPLE,
    )
    assert speaker_items(lone, seed=0) == []
