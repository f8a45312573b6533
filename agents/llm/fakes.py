"""Deterministic models for tests and benchmarks.

`ScriptedModel`, `SchemaFakeModel`, `RealisticChoices`, `CountingModel` and `FixedLatencyModel` all implement
`ChatModel`.

`SchemaFakeModel` answers any schema with valid random content seeded by a hash of the request, so its answers do not
depend on call order and two runs with the same seed agree byte for byte. Token counts are estimated from text length.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from pydantic import BaseModel

from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, SamplingParams, estimate_tokens, schema_json

_WORDS = (
    "coffee music garden book party market class park friend plan paint song election bread study weather "
    "tonight morning neighbour library council harvest festival tea story walk dinner town cafe"
).split()
_VERBS = "talk about,think about,work on,look for,plan,enjoy,ask about,help with,read about,tidy".split(",")


def _prompt_tokens(messages: list[ChatMessage]) -> int:
    return sum(estimate_tokens(m.content) + 4 for m in messages)


class ScriptedModel:
    """Replies from a queue (strings, dicts turned into JSON, or callables of (messages, purpose))."""

    name = "scripted"

    def __init__(self, replies: Iterable[str | dict | Callable[[list[ChatMessage], str], str]] = ()) -> None:
        self.replies: deque = deque(replies)
        self.requests: list[tuple[str, list[ChatMessage]]] = []

    def push(self, *replies: str | dict | Callable[[list[ChatMessage], str], str]) -> None:
        self.replies.extend(replies)

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        self.requests.append((purpose, list(messages)))
        if not self.replies:
            raise AssertionError(f"ScriptedModel has no reply left for a {purpose} call")
        reply = self.replies.popleft()
        if callable(reply):
            reply = reply(messages, purpose)
        text = json.dumps(reply) if isinstance(reply, dict) else str(reply)
        return LLMReply(text=text, prompt_tokens=_prompt_tokens(messages), completion_tokens=estimate_tokens(text))


class SchemaFakeModel:
    """Valid random JSON for whatever schema is asked, seeded by the request itself."""

    def __init__(self, seed: int = 0, name: str = "fake") -> None:
        self.seed = seed
        self.name = name

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        digest = hashlib.sha256(json.dumps([self.seed, purpose, [m.content for m in messages]]).encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        if schema is None:
            text = _sentence(rng)
        else:
            json_schema = schema_json(schema)
            text = json.dumps(_generate(json_schema, json_schema.get("$defs", {}), rng))
        return LLMReply(text=text, prompt_tokens=_prompt_tokens(messages), completion_tokens=estimate_tokens(text))


def _sentence(rng: np.random.Generator) -> str:
    verb = _VERBS[int(rng.integers(len(_VERBS)))]
    nouns = [_WORDS[int(i)] for i in rng.integers(len(_WORDS), size=2)]
    return f"I {verb} the {nouns[0]} and the {nouns[1]}."


def _generate(node: dict[str, Any], defs: dict[str, Any], rng: np.random.Generator) -> Any:
    if "$ref" in node:
        return _generate(defs[node["$ref"].rsplit("/", 1)[-1]], defs, rng)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][int(rng.integers(len(node["enum"])))]
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"] or node["anyOf"]
        return _generate(options[0], defs, rng)
    kind = node.get("type")
    if kind == "object":
        return {key: _generate(sub, defs, rng) for key, sub in node.get("properties", {}).items()}
    if kind == "array":
        lo = node.get("minItems", 1)
        hi = node.get("maxItems", max(lo, 4))
        return [_generate(node.get("items", {}), defs, rng) for _ in range(int(rng.integers(lo, hi + 1)))]
    if kind == "integer":
        lo, hi = node.get("minimum", 0), node.get("maximum", 10)
        return int(rng.integers(lo, hi + 1))
    if kind == "number":
        lo, hi = node.get("minimum", 0.0), node.get("maximum", 1.0)
        return float(rng.uniform(lo, hi))
    if kind == "boolean":
        # Mostly false: a fake that ends every conversation at once would hide turn-taking.
        return bool(rng.random() < 0.25)
    text = _sentence(rng)
    max_len = node.get("maxLength")
    return text[:max_len] if max_len else text


# How a real model scores the importance of everyday observations, as a distribution over 1-10. Park et al.'s prompt
# anchors the scale (1: brushing teeth, making the bed; 10: a break-up, a college acceptance) and their agents, at a
# threshold of 150, reflect two or three times a game day; most of what a townsperson sees is mundane, so most scores
# are 1-3 (60% 1-2, 80% 1-3, mean 2.5) with a thin tail of memorable moments. A uniform 1-10 (mean 5.5) would make
# reflection fire about twice as often as it should and inflate every calls figure built on it.
EVERYDAY_IMPORTANCE = (0.30, 0.30, 0.20, 0.08, 0.05, 0.03, 0.02, 0.01, 0.005, 0.005)
# How often a real model, asked whether an agent should stop and talk to the person it just saw, says yes: the 1.5B
# (Qwen2.5-Coder-1.5B-Instruct, the strongest offline model here) said yes to 16 of 30 sighting prompts sampled evenly
# from a town's day (`town bench rates --model embedded/qwen2.5-coder-1.5b`). The same run scored that day's
# observations higher than `EVERYDAY_IMPORTANCE` (mean 3.9: 49% 1, 27% 5, 20% 8-10) — but on the fake's invented
# actions ("tidying the election"), which a model may find odd rather than mundane; README, `town bench calls`.
MEASURED_TALK_SHARE = 0.53
# Where a real model puts a planned step, against the place the prompt says the agent usually is at that hour, and
# how often it ends a conversation after a line: the 1.5B over decomposition and line prompts sampled evenly from a
# town's day (`town bench rates --model embedded/qwen2.5-coder-1.5b`, two runs: 55 of 122 and 63 of 118 steps at the
# usual place; 73 of 118 in its building; 12 of 30 lines after the first ended the talk). A fake picking any known
# place for every 5-15-minute step sends people across town most of the day — more sightings, reactions and talk,
# more paths and perception for the engine — and one ending a talk after a quarter of its lines draws talks out.
MEASURED_USUAL_PLACE_SHARE = 0.49  # the step is at the usual place (118 of 240)
MEASURED_USUAL_BUILDING_SHARE = 0.62  # the step is in the usual place's building (that place or another room of it)
MEASURED_END_SHARE = 0.40  # a line after the first ends the conversation


def building_of(label: str) -> str:
    """The building part of a place label ('Juniper Cafe: kitchen' is in 'Juniper Cafe')."""
    return label.split(": ", 1)[0]


class RealisticChoices:
    """Another model, except for the choices that set a town's call count, which follow a real model's rates.

    Importance scores follow `EVERYDAY_IMPORTANCE`, a sighting turns into a conversation with probability
    `talk_share`, a line after the first ends the conversation with probability `end_share`, and — given
    `usual_place`, which reads the usual place a decomposition prompt names — a planned step is at that place with
    probability `usual_place_share`, elsewhere in its building up to `usual_building_share`, and otherwise at a place
    in another building (all seeded by the request, so a run is reproducible). A fake choosing uniformly talks on
    half of all sightings, scores observations 5.5 on average and wanders: more conversations and reflections than a
    model makes.
    """

    PURPOSES = ("importance", "react", "decompose", "utterance")

    def __init__(
        self,
        inner: ChatModel,
        importance: tuple[float, ...] = EVERYDAY_IMPORTANCE,
        talk_share: float = MEASURED_TALK_SHARE,
        usual_place: Callable[[str], str | None] | None = None,
        usual_place_share: float = MEASURED_USUAL_PLACE_SHARE,
        usual_building_share: float = MEASURED_USUAL_BUILDING_SHARE,
        end_share: float = MEASURED_END_SHARE,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.importance = np.array(importance) / sum(importance)
        self.talk_share = talk_share
        self.usual_place = usual_place
        self.usual_place_share = usual_place_share
        self.usual_building_share = max(usual_building_share, usual_place_share)
        self.end_share = end_share

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        reply = await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        usual = self.usual_place(messages[-1].content) if purpose == "decompose" and self.usual_place else None
        if purpose not in self.PURPOSES or schema is None or (purpose == "decompose" and usual is None):
            return reply
        data = json.loads(reply.text)
        digest = hashlib.sha256(json.dumps([m.content for m in messages]).encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        if purpose == "importance":
            data["scores"] = [int(s) for s in rng.choice(np.arange(1, 11), size=len(data["scores"]), p=self.importance)]
        elif purpose == "react":
            data["talk"] = "yes" if rng.random() < self.talk_share else "no"
        elif purpose == "utterance":
            data["end_conversation"] = bool(rng.random() < self.end_share)
        elif usual is not None:
            self._place_steps(data["steps"], usual, _place_choices(schema_json(schema)), rng)
        text = json.dumps(data)
        return LLMReply(text=text, prompt_tokens=reply.prompt_tokens, completion_tokens=estimate_tokens(text))

    def _place_steps(self, steps: list[dict], usual: str, places: list[str], rng: np.random.Generator) -> None:
        building = building_of(usual)
        same = [p for p in places if building_of(p) == building and p != usual]
        other = [p for p in places if building_of(p) != building]
        for step in steps:
            draw = rng.random()
            if draw < self.usual_place_share:
                step["place"] = usual
            elif draw < self.usual_building_share and same:
                step["place"] = same[int(rng.integers(len(same)))]
            elif other:
                step["place"] = other[int(rng.integers(len(other)))]


def _place_choices(json_schema: dict[str, Any]) -> list[str]:
    """The labels a decomposition schema allows for a step's place."""
    place = json_schema["$defs"]["Step"]["properties"]["place"]
    return list(place["enum"]) if "enum" in place else [place["const"]]


class CountingModel:
    """Counts calls and tokens by purpose while delegating to another model."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls: Counter[str] = Counter()
        self.prompt_tokens: Counter[str] = Counter()
        self.completion_tokens: Counter[str] = Counter()

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        reply = await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        self.calls[purpose] += 1
        self.prompt_tokens[purpose] += reply.prompt_tokens
        self.completion_tokens[purpose] += reply.completion_tokens
        return reply


class FixedLatencyModel:
    """Sleeps a fixed wall-clock time before answering, like a remote provider; tracks the sum of latencies."""

    def __init__(self, inner: ChatModel, latency_s: float) -> None:
        self.inner = inner
        self.name = inner.name
        self.latency_s = latency_s
        self.total_latency_s = 0.0
        self.calls = 0

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        await asyncio.sleep(self.latency_s)
        self.total_latency_s += self.latency_s
        self.calls += 1
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
