"""`town bench rates [--model M]`: how a real model decides the things that set a town's call count.

Whether an agent stops to talk to someone it sees, how important it finds what it observes, whether its planned
steps keep it where it usually is at that hour or send it across town, and when it ends a conversation decide how many
conversations (a sighting and a handful of lines), reflections (two calls each) and sightings a day holds —
and so most of `town bench calls`. The counting fake behind that benchmark must decide them as a real model does, not
uniformly.

This benchmark takes the prompts agents actually send: a day of 25 distinct people in a generated town runs on the
fake, its sighting, scoring, decomposition and line prompts are kept, an even sample of them is put to the named model
through the gateway (validation, one repair, the fallback) exactly as an agent's call is, and the shares are printed:
how often it chose to talk, the distribution of the importance scores it gave, the share of planned steps at the usual
place the prompt names (and in its building), and how often a line after the first ended the talk. The `MEASURED_*`
shares of `agents.llm.fakes` and its `EVERYDAY_IMPORTANCE` are set from these figures.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agents.dialogue import NOBODY_SPOKE
from agents.importance import ImportanceFields
from agents.llm.fakes import CountingModel, building_of
from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, SamplingParams
from agents.llm.structured import GatewayConfig, StructuredLLM
from agents.operations import numbered
from agents.persona import Persona
from agents.planning import usual_place_named
from agents.prompts import render
from agents.schemas import ReactionChoice, importance_schema
from agents.wording import progressive
from town.evaluation.surveys import spearman

SAMPLED_PURPOSES = ("react", "importance", "decompose", "utterance")
# Batch sizes the importance scores are compared at (`cognition.importance_batch_size` is at most 60, 40 by default).
SCORING_BATCHES = (10, 20, 40, 60)


@dataclass(frozen=True)
class KeptPrompt:
    """A prompt an agent sent and the answer model it was asked for."""

    messages: list[ChatMessage]
    schema: type[BaseModel]


class PromptKeeper:
    """Wraps a model and keeps every prompt of the sampled purposes, in the order the town sent them."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.kept: dict[str, list[KeptPrompt]] = {p: [] for p in SAMPLED_PURPOSES}

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        if purpose in self.kept and schema is not None:
            self.kept[purpose].append(KeptPrompt(list(messages), schema))
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def town_prompts(agents: int = 25, hours: float = 24.0) -> dict[str, list[KeptPrompt]]:
    """The sampled purposes' prompts of a fake day of `agents` distinct people in a town generated for them."""
    from town.bench.figures import _simulate  # noqa: PLC0415 - the calls benchmark's own day
    from town.bench.workload import generated_world, realistic_fake  # noqa: PLC0415

    keeper = PromptKeeper(CountingModel(realistic_fake()))
    asyncio.run(_simulate(agents, hours, keeper, generated_world(agents)))
    return keeper.kept


def evenly(items: list[Any], count: int) -> list[Any]:
    """`count` items spread evenly over the list (all of them if there are fewer): the whole day, not its morning."""
    if count <= 0:
        return []
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def measure(
    model: ChatModel,
    prompts: dict[str, list[KeptPrompt]],
    sightings: int,
    scorings: int,
    plannings: int = 0,
    replies: int = 0,
) -> dict[str, Any]:
    """What the model chose on evenly sampled prompts of the day.

    Its talk share over `sightings` sighting prompts, its score distribution over `scorings` scoring prompts, the
    share of its planned steps at the usual place (and in its building) over `plannings` decomposition prompts that
    name one, and how often it ended the conversation over `replies` prompts for a line after the first.
    """
    llm = StructuredLLM(model, GatewayConfig(concurrency=1, max_retries=1), seed=0)
    answers: dict[str, list[tuple[KeptPrompt, BaseModel]]] = {}
    fallbacks = 0
    named = [kept for kept in prompts.get("decompose", []) if usual_place_named(kept.messages[-1].content)]
    answering = [kept for kept in prompts.get("utterance", []) if NOBODY_SPOKE not in kept.messages[-1].content]
    sampled = {"react": (prompts["react"], sightings), "importance": (prompts["importance"], scorings),
               "decompose": (named, plannings), "utterance": (answering, replies)}  # fmt: skip

    async def ask_all() -> None:
        nonlocal fallbacks
        for purpose, (kept, count) in sampled.items():
            answers[purpose] = []
            for prompt in evenly(kept, count):
                answer = await llm.ask(
                    prompt.messages, prompt.schema, purpose=purpose, agent="bench",
                    fallback=prompt.schema.model_construct, log=[],
                )  # fmt: skip
                fallbacks += answer.fallback
                if not answer.fallback:
                    answers[purpose].append((prompt, answer.value))

    started = time.perf_counter()
    asyncio.run(ask_all())
    talks = [answer.talk for _, answer in answers["react"] if isinstance(answer, ReactionChoice)]
    scores = [score for _, answer in answers["importance"] for score in answer.scores]  # type: ignore[attr-defined]
    steps = [
        (step.place, usual_place_named(prompt.messages[-1].content) or "")
        for prompt, answer in answers["decompose"]
        for step in answer.steps  # type: ignore[attr-defined]
    ]
    ends = [answer.end_conversation for _, answer in answers["utterance"]]  # type: ignore[attr-defined]
    histogram = Counter(scores)
    return {
        "sighting_prompts": len(talks),
        "talk_share": round(talks.count("yes") / len(talks), 3) if talks else None,
        "scored_observations": len(scores),
        "importance_shares_1_to_10": [round(histogram[s] / len(scores), 3) for s in range(1, 11)] if scores else [],
        "importance_mean": round(sum(scores) / len(scores), 2) if scores else None,
        "planned_steps": len(steps),
        "usual_place_share": _share([place == usual for place, usual in steps]),
        "usual_building_share": _share([building_of(place) == building_of(usual) for place, usual in steps]),
        "replies": len(ends),
        "end_share": _share(ends),
        "fallbacks": fallbacks,
        "wall_s": round(time.perf_counter() - started, 1),
    }


def routine_observations(count: int, seed: int = 0) -> tuple[Persona, list[str]]:
    """Observations of people at their routine activities, and who is to score them: most of a day's memories.

    Up to `count` distinct ones from a town generated for 25, shuffled.
    """
    from town.bench.workload import generated_world  # noqa: PLC0415 - the calls benchmark's own town

    _, people = generated_world(25, seed=seed)
    seen = [f"{p.name} is {progressive(r.activity, p.name)} at {r.place}" for p in people for r in p.routine]
    texts = list(dict.fromkeys(seen))
    random.Random(seed).shuffle(texts)
    return people[0], texts[:count]


def scoring_by_batch_size(
    model: ChatModel, sizes: tuple[int, ...] = SCORING_BATCHES, items: int = 60
) -> dict[str, Any]:
    """How a model's importance scores depend on how many memories one call scores.

    The same routine observations are scored in batches of each size, in the same order. Per size: the mean score, the
    share of 1s, and Spearman's correlation between an item's place in its batch and its score — near 0 when the
    score follows what was seen, towards 1 when scores rise down the list whatever it says (None: every score equal).
    """
    llm = StructuredLLM(model, GatewayConfig(concurrency=1, max_retries=1), seed=0)
    owner, texts = routine_observations(items)
    figures: dict[str, Any] = {}

    async def score_all() -> None:
        for size in sizes:
            scores: list[int] = []
            places: list[int] = []
            fallbacks = 0
            for start in range(0, len(texts), size):
                batch = texts[start : start + size]
                schema = importance_schema(len(batch))
                fields = ImportanceFields(name=owner.name, identity=owner.summary(), items=numbered(batch))
                answer = await llm.ask(
                    render("importance", fields, schema), schema, purpose="importance", agent="bench",
                    fallback=schema.model_construct, log=[],
                )  # fmt: skip
                if answer.fallback:
                    fallbacks += 1
                    continue
                scores.extend(answer.value.scores)  # type: ignore[attr-defined]
                places.extend(range(len(batch)))
            figures[str(size)] = {
                "mean": round(sum(scores) / len(scores), 2) if scores else None,
                "share_of_1": _share([score == 1 for score in scores]),
                "place_vs_score_spearman": _rounded(spearman(places, scores)),
                "fallbacks": fallbacks,
            }

    asyncio.run(score_all())
    return {"observations": len(texts), "by_batch_size": figures}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def bench_rates(
    model: str | None = None,
    api_base: str | None = None,
    sightings: int = 30,
    scorings: int = 8,
    plannings: int = 24,
    replies: int = 30,
) -> dict[str, Any]:
    from agents.llm.local_llama import DEFAULT_EMBEDDED_MODEL  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import RunConfig  # noqa: PLC0415
    from town.runtime.model_chain import close_models  # noqa: PLC0415

    prompts = town_prompts()
    name = model or DEFAULT_EMBEDDED_MODEL
    chat = build_model(RunConfig(model=name, api_base=api_base, cache="off"))
    try:
        figures = measure(chat, prompts, sightings, scorings, plannings, replies)
        figures["importance_by_batch_size"] = scoring_by_batch_size(chat)
    finally:
        close_models(chat)  # the embedded model freed before the interpreter tears llama.cpp down
    return {
        "benchmark": "rates",
        "model": name,
        "prompts_in_the_day": {p: len(v) for p, v in prompts.items()},
        **figures,
        "sampled": {
            "sightings": sightings,
            "scoring_prompts": scorings,
            "decomposition_prompts": plannings,
            "line_prompts": replies,
        },  # fmt: skip
    }
