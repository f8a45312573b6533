"""Events of the agents layer.

`MemoryAdded`, `MemoryScored`, `DayPlanned`, `StepsPlanned`, `Reaction`, `Reflected`, `RetrievalLogged`,
`VisitorExchange`, `Whispered` and `LLMCall` go through the same `EventBus` as the engine's and land in the trajectory
log.
"""

from __future__ import annotations

from typing import Literal

from town.core.events import Event


class MemoryAdded(Event):
    type: Literal["memory"] = "memory"
    agent: str
    memory: int
    kind: str
    text: str
    importance: int
    evidence: list[int] = []
    sources: list[int] = []
    subject: str | None = None
    told_by: str | None = None
    scored: bool = True


class MemoryScored(Event):
    """Batched importance scores replacing the provisional ones of earlier `memory` events."""

    type: Literal["memory_scored"] = "memory_scored"
    agent: str
    memories: list[int]
    scores: list[int]
    fallback: bool = False


class DayPlanned(Event):
    type: Literal["day_plan"] = "day_plan"
    agent: str
    broad_strokes: list[str]
    schedule: list[tuple[str, str]]
    fallback: bool = False


class StepsPlanned(Event):
    """Steps (minutes, action, arena, object) planned for an activity.

    `adopted` is false when they came too late (planned ahead, and a re-plan happened meanwhile) and went unused.
    """

    type: Literal["steps"] = "steps"
    agent: str
    activity: str
    steps: list[tuple[int, str, str, str]]
    context: str = ""
    fallback: bool = False
    adopted: bool = True


class Reaction(Event):
    type: Literal["reaction"] = "reaction"
    agent: str
    percept: str
    decision: str
    reason: str = ""
    fallback: bool = False


class Reflected(Event):
    type: Literal["reflection"] = "reflection"
    agent: str
    questions: list[str]
    insights: list[str] = []
    fallback: bool = False


class RetrievalLogged(Event):
    """Which memories a decision saw: the evaluation traces answers back to their evidence with it."""

    type: Literal["retrieval"] = "retrieval"
    agent: str
    purpose: str
    query: str
    memories: list[int]


class VisitorExchange(Event):
    """Someone outside the town spoke to an agent: a visitor (remembered) or an interviewer (not remembered)."""

    type: Literal["visitor"] = "visitor"
    agent: str
    mode: str
    said: str
    reply: str
    fallback: bool = False


class Whispered(Event):
    type: Literal["whisper"] = "whisper"
    agent: str
    thought: str


class Directed(Event):
    """Someone outside the town sent an agent to a place (the app's "go there"); the agent re-plans once there."""

    type: Literal["directed"] = "directed"
    agent: str
    place: str


class AgentAdded(Event):
    """A new person moved into the town mid-run."""

    type: Literal["agent_added"] = "agent_added"
    agent: str
    persona: str


class SurveyAnswered(Event):
    """One agent's answer to one survey question (`answer` is None when no valid answer came: counted, not guessed)."""

    type: Literal["survey_answer"] = "survey_answer"
    agent: str
    survey: str
    question: str
    kind: str
    answer: int | float | str | None
    fallback: bool = False
    # What the question declared (the evaluation joins answers to behaviour and to earlier answers by them).
    predicts: str | None = None  # "attends" or "knows": the trajectory outcome the answer predicts
    fact: str | None = None  # the fact (facts file) that outcome is about
    retest_of: str | None = None  # the id of an earlier question this one asks again


class Broadcast(Event):
    """A town-wide event everyone awake hears about (an experiment's intervention)."""

    type: Literal["broadcast"] = "broadcast"
    text: str


class FactSeeded(Event):
    """An experiment gave an agent a piece of news to spread (the origin of a diffusion measurement)."""

    type: Literal["fact_seeded"] = "fact_seeded"
    agent: str
    fact: str
    text: str
    keywords: list[str]


class AgentRemoved(Event):
    type: Literal["agent_removed"] = "agent_removed"
    agent: str


class LLMCall(Event):
    """One model call; wall-clock latency and cache hits live in telemetry.jsonl so this log stays deterministic."""

    type: Literal["llm_call"] = "llm_call"
    agent: str
    purpose: str
    outcome: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    repaired: bool = False
    fallback: bool = False
    error: str | None = None
