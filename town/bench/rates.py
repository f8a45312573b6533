"""`town bench rates [--model M]`: how a real model decides the two things that set a town's call count.

Whether an agent stops to talk to someone it sees, and how important it finds what it observes, decide how many
conversations (a sighting, a handful of lines, two re-plans) and reflections (two calls each) a day holds — and so most
of `town bench calls`. The counting fake behind that benchmark must decide them as a real model does, not uniformly.

This benchmark takes the prompts agents actually send: a day of 25 distinct people in a generated town runs on the
fake, its sighting and scoring prompts are kept, an even sample of them is put to the named model through the gateway
(validation, one repair, the fallback) exactly as an agent's call is, and the shares are printed: how often it chose
to talk, and the distribution of the importance scores it gave. `agents.llm.fakes.MEASURED_TALK_SHARE` and
`EVERYDAY_IMPORTANCE` are set from these figures.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from pydantic import BaseModel

from agents.llm.fakes import CountingModel, RealisticChoices, SchemaFakeModel
from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, SamplingParams
from agents.llm.structured import GatewayConfig, StructuredLLM
from agents.schemas import ReactionChoice, importance_schema

SAMPLED_PURPOSES = ("react", "importance")


class PromptKeeper:
    """Wraps a model and keeps every prompt of the sampled purposes, in the order the town sent them."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.kept: dict[str, list[list[ChatMessage]]] = {p: [] for p in SAMPLED_PURPOSES}

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        if purpose in self.kept:
            self.kept[purpose].append(list(messages))
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def town_prompts(agents: int = 25, hours: float = 24.0) -> dict[str, list[list[ChatMessage]]]:
    """The sighting and scoring prompts of a fake day of `agents` distinct people in a town generated for them."""
    from town.bench.figures import _simulate  # noqa: PLC0415 - the calls benchmark's own day
    from town.bench.scaling import generated_world  # noqa: PLC0415

    keeper = PromptKeeper(CountingModel(RealisticChoices(SchemaFakeModel(seed=0))))
    asyncio.run(_simulate(agents, hours, keeper, generated_world(agents)))
    return keeper.kept


def evenly(items: list[Any], count: int) -> list[Any]:
    """`count` items spread evenly over the list (all of them if there are fewer): the whole day, not its morning."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def item_count(messages: list[ChatMessage]) -> int:
    """How many numbered items a scoring prompt lists (each on its own line, '1. ...')."""
    text = messages[-1].content
    return sum(1 for line in text.splitlines() if line.split(".", 1)[0].strip().isdigit())


def measure(
    model: ChatModel, prompts: dict[str, list[list[ChatMessage]]], sightings: int, scorings: int, seed: int = 0
) -> dict[str, Any]:
    """The model's talk share over `sightings` sampled sighting prompts and its score distribution over `scorings`."""
    llm = StructuredLLM(model, GatewayConfig(concurrency=1, max_retries=1), seed=seed)

    async def ask_all() -> tuple[list[str], list[int], int]:
        talks: list[str] = []
        scores: list[int] = []
        fallbacks = 0
        for messages in evenly(prompts["react"], sightings):
            answer = await llm.ask(
                messages, ReactionChoice, purpose="react", agent="bench", fallback=lambda: ReactionChoice(talk="no"),
                log=[],
            )  # fmt: skip
            fallbacks += answer.fallback
            if not answer.fallback:
                talks.append(answer.value.talk)
        for messages in evenly(prompts["importance"], scorings):
            schema = importance_schema(item_count(messages))
            answer = await llm.ask(
                messages, schema, purpose="importance", agent="bench", fallback=schema.model_construct, log=[]
            )
            fallbacks += answer.fallback
            if not answer.fallback:
                scores.extend(answer.value.scores)  # type: ignore[attr-defined]
        return talks, scores, fallbacks

    started = time.perf_counter()
    talks, scores, fallbacks = asyncio.run(ask_all())
    histogram = Counter(scores)
    return {
        "sighting_prompts": len(talks),
        "talk_share": round(talks.count("yes") / len(talks), 3) if talks else None,
        "scored_observations": len(scores),
        "importance_shares_1_to_10": [round(histogram[s] / len(scores), 3) for s in range(1, 11)] if scores else [],
        "importance_mean": round(sum(scores) / len(scores), 2) if scores else None,
        "fallbacks": fallbacks,
        "wall_s": round(time.perf_counter() - started, 1),
    }


def bench_rates(
    model: str | None = None, api_base: str | None = None, sightings: int = 30, scorings: int = 8
) -> dict[str, Any]:
    from agents.llm.local_llama import DEFAULT_EMBEDDED_MODEL  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import RunConfig  # noqa: PLC0415
    from town.runtime.model_chain import close_models  # noqa: PLC0415

    prompts = town_prompts()
    name = model or DEFAULT_EMBEDDED_MODEL
    chat = build_model(RunConfig(model=name, api_base=api_base, cache="off"))
    try:
        figures = measure(chat, prompts, sightings, scorings)
    finally:
        close_models(chat)  # the embedded model freed before the interpreter tears llama.cpp down
    return {
        "benchmark": "rates",
        "model": name,
        "prompts_in_the_day": {p: len(v) for p, v in prompts.items()},
        **figures,
        "sampled": {"sightings": sightings, "scoring_prompts": scorings},
    }
