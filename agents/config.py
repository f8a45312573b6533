"""`CognitionConfig`: every knob of the agents' minds, with the reason for each default."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from agents.retrieval import RetrievalWeights

# A decision takes between no time and a game day; inf or NaN would schedule it never, or crash the clock.
ThinkMinutes = Annotated[float, Field(ge=0, le=24 * 60, allow_inf_nan=False)]


Ablation = Literal["reflection", "planning", "memory", "social_identity", "personal_identity", "life_context"]


class CognitionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    retrieval: RetrievalWeights = Field(default_factory=RetrievalWeights)
    # Small models lose track of long context; six memories keep prompts under ~600 tokens.
    memories_in_prompt: int = Field(default=6, ge=1, le=50)
    # Park et al.: reflect when the importance of new events passes 150 (two or three times a game day).
    reflection_threshold: int = Field(default=150, ge=1, le=100_000)
    reflection_questions: int = Field(default=3, ge=1, le=3)
    reflection_recent: int = Field(default=30, ge=5, le=100)
    # Game minutes each kind of decision takes before its result shows in the world. The body carries on meanwhile,
    # and operations in flight overlap across agents and ticks — which is where concurrent model calls pay off.
    # Talk and reactions are quick; scoring and reflecting are background thought; the day plan is made while waking.
    think_minutes: dict[str, ThinkMinutes] = Field(
        default_factory=lambda: {
            "utterance": 1.0,
            "react": 1.0,
            "decompose": 1.0,
            "plan_day": 5.0,
            "importance": 10.0,
            "reflect_questions": 10.0,
            "reflect_insights": 10.0,
        }
    )
    # After a talk: "fit" fits it into the plan without a call, as Park et al.'s re-plan around a chat does (the
    # steps it replaced are dropped, the one it cut short resumes, and the next plan is told about the talk);
    # "call" has both speakers re-plan the next hour at once with what was said — two calls a conversation, about
    # one an agent-hour, for plans that follow an agreement within the minute rather than by the next window.
    talk_replan: Literal["fit", "call"] = "fit"
    # Lazy decomposition covers at most this much of the current block per call.
    decompose_window_minutes: int = Field(default=60, ge=15, le=240)
    # A sighting older than this is no longer worth a reaction decision (the other agent has likely moved on).
    salient_minutes: float = Field(default=1.0, ge=0, le=60)
    # Between two reaction decisions of one agent, and before the same pair may chat again.
    reaction_cooldown_minutes: int = Field(default=30, ge=0, le=24 * 60)
    chat_cooldown_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60)
    # Memories are retrievable at once with a provisional importance; the real scores come in one call per batch,
    # made when this many wait or the oldest has waited this long (about one call per agent per game hour).
    importance_batch_minutes: int = Field(default=60, ge=0, le=240)
    importance_batch_size: int = Field(default=40, ge=1, le=60)
    transcript_lines: int = Field(default=8, ge=2, le=40)
    # Text from outside the town (a visitor's line, a whisper, a broadcast, a seeded fact) is cut to this many
    # characters before it reaches a prompt or the log: a pasted megabyte would otherwise ride along on every call
    # and every log line that quotes it.
    outside_text_max_chars: int = Field(default=1000, ge=20, le=20_000)
    # Park et al.'s ablations: without reflection no insights are drawn; without planning the agent follows its
    # persona's routine block by block (no planning calls); without memory nothing is recalled (records are still
    # logged, so the evaluation can see what the agent was never able to use). SPeCtrum's: without social_identity,
    # personal_identity or life_context the identity every prompt starts from leaves that part of the persona out.
    ablate: set[Ablation] = Field(default_factory=set)

    @field_serializer("ablate")
    def _sorted(self, ablate: set[str]) -> list[str]:
        return sorted(ablate)  # logged configs must be byte-stable
