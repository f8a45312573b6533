"""Survey questions put to an agent, with typed answers: `SurveyQuestion`, `survey_op`.

A question has a kind — Likert (1-5 agreement), a choice among options, a number, or free text — and the answer is
validated against a schema built for it (a choice outside the options is not an answer). The agent answers from its
memories, in interview mode: nothing is remembered unless the question says `remember`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, model_validator

from agents.answer_shape import Written
from agents.events import SurveyAnswered
from agents.llm.structured import Answer
from agents.memory import MemoryDraft
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, asking, recall
from agents.prompts import render

# A remembered question enters memory as "<name> was asked in a survey: <question> ..." (the evaluation reads it).
SURVEY_MEMORY = " was asked in a survey:"
LIKERT = ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree")


class SurveyQuestion(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    text: str = Field(min_length=1)
    kind: Literal["likert", "choice", "number", "text"]
    options: list[str] = Field(default_factory=list)
    remember: bool = False
    # The trajectory outcome an answer predicts, for the evaluation's stated-vs-acted measures: whether the agent
    # then attends the fact's event ("attends"), or whether it already knew the fact when asked ("knows").
    predicts: Literal["attends", "knows"] | None = None
    fact: str | None = None
    retest_of: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]+$")  # an earlier question asked again

    @model_validator(mode="after")
    def _options_fit_the_kind(self) -> SurveyQuestion:
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError(f"question {self.id}: a choice needs at least two options")
        if self.kind != "choice" and self.options:
            raise ValueError(f"question {self.id}: only a choice question has options")
        if self.retest_of == self.id:
            raise ValueError(f"question {self.id}: a retest needs its own id (retest_of names the earlier one)")
        if (self.predicts is None) != (self.fact is None):
            raise ValueError(f"question {self.id}: predicts and fact go together (an outcome, and its fact)")
        if self.predicts is not None and self.kind == "text":
            raise ValueError(f"question {self.id}: a text answer predicts nothing; use likert, choice or number")
        return self


class SurveyFields(BaseModel):
    name: str
    identity: str
    now: str
    memories: str
    question: str
    answer_format: str


def answer_schema(question: SurveyQuestion) -> type[BaseModel]:
    answer: Any
    if question.kind == "likert":
        answer = (int, Field(ge=1, le=5))
    elif question.kind == "choice":
        answer = (Literal[tuple(question.options)], Field(description="one of the options"))  # type: ignore[valid-type]
    elif question.kind == "number":
        answer = (float, ...)
    else:
        answer = (Written, Field(min_length=1, max_length=400, description="your answer"))
    return create_model(f"Answer_{question.id}", answer=answer)


def _format(question: SurveyQuestion) -> str:
    """How to answer, in words (the shape beside it names no answer: small models copy examples)."""
    if question.kind == "likert":
        scale = "; ".join(f"{i} = {label}" for i, label in enumerate(LIKERT, start=1))
        return f"a whole number from 1 to 5 ({scale})"
    if question.kind == "choice":
        return f"exactly one of: {', '.join(question.options)}"
    if question.kind == "number":
        return "a number"
    return "one or two sentences"


def survey_op(mind: MindView, survey: str, question: SurveyQuestion, now: int) -> Operation:
    persona = mind.persona
    recalled = recall(mind, question.text, now)
    schema = answer_schema(question)
    answer_format = _format(question)
    fields = SurveyFields(
        name=persona.name,
        identity=mind.identity,
        now=mind.now_label(now),
        memories=recalled.numbered(),
        question=question.text,
        answer_format=answer_format,
    )

    def conclude(answer: Answer[BaseModel]) -> Outcome:
        value = None if answer.fallback else answer.value.answer  # type: ignore[attr-defined]
        event = SurveyAnswered(
            agent=persona.name,
            survey=survey,
            question=question.id,
            kind=question.kind,
            answer=value,
            fallback=answer.fallback,
            predicts=question.predicts,
            fact=question.fact,
            retest_of=question.retest_of,
        )
        memories = []
        if question.remember and value is not None:
            text = f"{persona.name}{SURVEY_MEMORY} {question.text} {persona.name} answered: {value}"
            memories.append(MemoryDraft(kind="thought", text=text[:600], importance=3))
        return Outcome(purpose="survey", events=[event], memories=memories)

    return asking(
        "survey",
        persona.name,
        render("survey", fields, schema),
        schema,
        lambda: schema.model_construct(answer=None),  # no answer is recorded as none, never invented
        conclude,
    )
