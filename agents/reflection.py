"""Reflection in two operations: `questions_op` and `insights_op`.

`questions_op` asks which high-level questions the recent memories raise; `insights_op` (started later, with its own
retrieval) turns the retrieved statements into insights citing evidence.

Splitting it keeps every memory read at the start of an operation, which is what makes runs reproducible.
"""

from __future__ import annotations

from pydantic import BaseModel

from agents.effects import ReflectionDone, SetReflectionQuestions
from agents.events import Reflected, RetrievalLogged
from agents.llm.structured import Answer
from agents.memory import MemoryDraft
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, asking, numbered, recall
from agents.prompts import render
from agents.schemas import FocalQuestions, Insights


class QuestionFields(BaseModel):
    name: str
    identity: str
    memories: str
    count: int


class InsightFields(BaseModel):
    name: str
    identity: str
    statements: str
    questions: str


def questions_op(mind: MindView) -> Operation:
    persona = mind.persona
    recent = mind.memory.recent(mind.config.reflection_recent)
    fields = QuestionFields(
        name=persona.name,
        identity=mind.identity,
        memories=numbered([r.text for r in recent]),
        count=mind.config.reflection_questions,
    )
    default = f"What matters most to {persona.name} right now?"

    def conclude(answer: Answer[FocalQuestions]) -> Outcome:
        # Small models repeat themselves; the same question twice would only retrieve the same evidence twice.
        questions = list(dict.fromkeys(q.strip() for q in answer.value.questions if q.strip()))
        chosen = questions[: mind.config.reflection_questions] or [default]
        return Outcome(purpose="reflect_questions", effects=[SetReflectionQuestions(questions=chosen)])

    return asking(
        "reflect_questions",
        persona.name,
        render("reflect_questions", fields, FocalQuestions),
        FocalQuestions,
        lambda: FocalQuestions(questions=[default]),
        conclude,
    )


def insights_op(mind: MindView, questions: list[str], now: int) -> Operation:
    persona = mind.persona
    per_question = max(2, mind.config.memories_in_prompt)
    evidence: dict[int, str] = {}
    for question in questions:
        for hit in recall(mind, question, now, k=per_question).hits:
            evidence.setdefault(hit.record.id, hit.record.text)
    shown = list(evidence.items())
    fields = InsightFields(
        name=persona.name,
        identity=mind.identity,
        statements=numbered([text for _, text in shown]),
        questions=" ".join(questions),
    )

    def conclude(answer: Answer[Insights]) -> Outcome:
        drafts = []
        seen: set[str] = set()
        for insight in answer.value.insights:
            key = " ".join(insight.text.lower().split())
            if not key or key in seen:
                continue
            seen.add(key)
            cited = sorted({shown[n - 1][0] for n in insight.evidence if 1 <= n <= len(shown)})
            drafts.append(
                MemoryDraft(kind="thought", text=insight.text.strip(), importance=insight.importance, evidence=cited)
            )
        events = [
            RetrievalLogged(
                agent=persona.name, purpose="reflect", query=" ".join(questions), memories=[i for i, _ in shown]
            ),
            Reflected(
                agent=persona.name, questions=questions, insights=[d.text for d in drafts], fallback=answer.fallback
            ),
        ]
        return Outcome(
            purpose="reflect_insights",
            memories=drafts,
            events=events,
            touched=[i for i, _ in shown],
            effects=[ReflectionDone()],
        )

    return asking(
        "reflect_insights",
        persona.name,
        render("reflect_insights", fields, Insights),
        Insights,
        lambda: Insights.model_construct(insights=[]),
        conclude,
    )
