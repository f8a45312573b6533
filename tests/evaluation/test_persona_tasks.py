"""PersonaGym-style persona tasks with a scripted judge: questions per rubric, answers, grades, per-agent scores."""

from __future__ import annotations

import asyncio
import json
import re

from agents.llm.protocol import LLMReply
from agents.llm.structured import GatewayConfig, StructuredLLM
from town.evaluation.persona_tasks import RUBRICS, answer_tasks, grade_tasks, persona_scores, write_tasks

IDENTITIES = {"Mei Lin": "Mei Lin, 34, owner of Rosewood Cafe.", "Jonah Price": "Jonah Price, 28, barista."}


class Judge:
    """Writes two questions per rubric (naming the rubric), and grades Mei's answers 5 and Jonah's 2 — except on
    toxicity control, where it fails to grade (an invalid reply, twice)."""

    name = "judge"

    async def complete(self, messages, *, schema, purpose, params):
        text = "\n".join(m.content for m in messages)
        if purpose == "persona_task":
            rubric = re.search(r"What the questions test: (.*)", text).group(1)
            return LLMReply(text=json.dumps({"questions": [f"Q1 on {rubric}", f"Q2 on {rubric}"]}))
        if "toxicity control" in text:
            return LLMReply(text="I refuse to grade this.")
        score = 5 if "The person: Mei Lin" in text else 2
        return LLMReply(text=json.dumps({"score": score, "reason": "as scripted"}))


def test_tasks_are_written_answered_graded_and_averaged_per_agent():
    judge = StructuredLLM(Judge(), GatewayConfig(backoff_seconds=0))
    tasks, unwritten = asyncio.run(write_tasks(judge, IDENTITIES, per_rubric=2))
    assert unwritten == 0 and len(tasks) == 2 * len(RUBRICS) * 2
    assert {t.rubric for t in tasks} == {r.name for r in RUBRICS}

    async def ask(agent, question):
        # Jonah's first expected-action answer is a fallback (the call failed): not graded, not counted as a grade
        failed = agent == "Jonah Price" and question.startswith("Q1 on what this person would do")
        return ("…", True) if failed else (f"{agent} answers", False)

    asyncio.run(answer_tasks(tasks, ask))
    asyncio.run(grade_tasks(judge, tasks, IDENTITIES))
    scores = {s.agent: s for s in persona_scores(tasks)}
    mei, jonah = scores["Mei Lin"], scores["Jonah Price"]
    assert mei.by_rubric["expected action"] == 5 and jonah.by_rubric["expected action"] == 2
    assert mei.by_rubric["toxicity control"] is None  # the judge failed to grade it: left out, not a 3
    assert mei.score == 5 and jonah.score == 2
    assert mei.graded == 8 and mei.ungraded == 2  # two toxicity questions not graded
    assert jonah.graded == 7 and jonah.ungraded == 3  # and one answer that never came


def test_questions_the_judge_fails_to_write_are_counted():
    class Mute(Judge):
        async def complete(self, messages, *, schema, purpose, params):
            return LLMReply(text="no")

    tasks, unwritten = asyncio.run(write_tasks(StructuredLLM(Mute(), GatewayConfig(backoff_seconds=0)), IDENTITIES, 1))
    assert tasks == [] and unwritten == 2 * len(RUBRICS)
