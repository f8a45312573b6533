"""`town bench quality`: how sensibly a model answers thirty agent prompts, and how often it copies the prompt.

Each case (town/bench/quality_cases.py) goes through the gateway exactly as an agent's call does (validation, one
repair, then the fallback). The figures: the share answered sensibly (the case's programmatic check on the final
answer; a fallback is not sensible), the share whose first reply copied the prompt (`copied`), the share whose first
reply failed the schema, the fallbacks, and seconds per model call. Runs offline on any embedded model.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from pydantic import BaseModel

from agents.answer_shape import PLACEHOLDER
from agents.llm.parsing import OutputError, parse_structured
from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, SamplingParams
from agents.llm.structured import GatewayConfig, StructuredLLM
from agents.prompts import render
from town.bench.quality_cases import CASES, QualityCase

_DECODER = json.JSONDecoder()
COPY_WORDS = 4  # a text this long found word for word in the prompt's own wording is a copy, not an answer
# Fields that carry what the answer is about or the choices it picks from: repeating them is using the prompt (a
# place named from the list is a choice), not copying its instructions.
DATA_FIELDS = (
    "memories", "transcript", "question", "items", "activity", "context", "places", "usual_place", "answer_format"
)  # fmt: skip


class RawReplies:
    """Wraps a model and keeps the text and latency of every reply, the first attempt and the repair alike."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.replies: list[tuple[str, float]] = []

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        started = time.perf_counter()
        reply = await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        self.replies.append((reply.text, time.perf_counter() - started))
        return reply


def _normal(text: str) -> str:
    return " ".join(text.lower().replace('"', " ").split()).strip(" .!?,;:")


def text_values(reply: str) -> list[str]:
    """Every string value of the first JSON object in the reply (none if it holds no object)."""
    start = reply.find("{")
    try:
        data, _ = _DECODER.raw_decode(reply[start:]) if start >= 0 else (None, 0)
    except json.JSONDecodeError:
        return []
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            out.append(value)

    walk(data)
    return out


def copied(reply: str, instructions: str) -> bool:
    """Whether the reply repeats the prompt instead of answering it.

    A placeholder (`<...>`) anywhere in the reply (the shape given back, valid JSON or not), or a value of `COPY_WORDS`
    words or more that stands word for word in the prompt's own wording (`instructions`: the prompt less its
    `DATA_FIELDS`).
    """
    if PLACEHOLDER.search(reply):
        return True
    said = _normal(instructions)
    for value in text_values(reply):
        words = _normal(value)
        if len(words.split()) >= COPY_WORDS and words in said:
            return True
    return False


def instructions_of(case: QualityCase) -> str:
    """The prompt's own wording: the whole prompt less the material an answer may use (memories, the question)."""
    blanks = {key: "\n" for key in DATA_FIELDS if key in type(case.fields).model_fields}
    messages = render(case.template, case.fields.model_copy(update=blanks), case.schema)
    return "\n".join(m.content for m in messages)


async def _ask(llm: StructuredLLM, raw: RawReplies, case: QualityCase) -> dict[str, Any]:
    first = len(raw.replies)
    answer = await llm.ask(
        render(case.template, case.fields, case.schema),
        case.schema,
        purpose=case.template,
        agent=case.id,
        fallback=case.schema.model_construct,
        log=[],
    )
    first_reply = raw.replies[first][0] if len(raw.replies) > first else ""
    try:
        parse_structured(first_reply, case.schema)
        schema_failure = False
    except OutputError:
        schema_failure = True
    return {
        "id": case.id,
        "kind": case.kind,
        "sensible": not answer.fallback and bool(case.sensible(answer.value)),
        "copied": copied(first_reply, instructions_of(case)),
        "schema_failure": schema_failure,
        "fallback": answer.fallback,
        "reply": first_reply[:200],
    }


def score(model: ChatModel, cases: tuple[QualityCase, ...] = CASES, seed: int = 0) -> dict[str, Any]:
    """The figures for `model` on `cases` (one call after another, as the embedded model serves them)."""
    raw = RawReplies(model)
    llm = StructuredLLM(raw, GatewayConfig(concurrency=1, max_retries=1), seed=seed)

    async def all_cases() -> list[dict[str, Any]]:
        return [await _ask(llm, raw, case) for case in cases]

    started = time.perf_counter()
    rows = asyncio.run(all_cases())
    wall = time.perf_counter() - started
    count = len(rows)
    by_kind: dict[str, str] = {}
    for kind in dict.fromkeys(row["kind"] for row in rows):
        mine = [row for row in rows if row["kind"] == kind]
        by_kind[kind] = f"{sum(row['sensible'] for row in mine)}/{len(mine)}"
    latencies = [latency for _, latency in raw.replies]
    return {
        "cases": count,
        "sensible_share": round(sum(row["sensible"] for row in rows) / count, 3),
        "copied_share": round(sum(row["copied"] for row in rows) / count, 3),
        "schema_failure_share": round(sum(row["schema_failure"] for row in rows) / count, 3),
        "fallbacks": sum(row["fallback"] for row in rows),
        "calls": len(latencies),
        "s_per_call": round(sum(latencies) / max(1, len(latencies)), 2),
        "wall_s": round(wall, 1),
        "sensible_by_kind": by_kind,
        "not_sensible": [row["id"] for row in rows if not row["sensible"]],
        "copied_cases": [row["id"] for row in rows if row["copied"]],
        "first_replies": [f"{row['id']}: {' '.join(row['reply'].split())[:140]}" for row in rows],
    }


def bench_quality(model: str | None = None, api_base: str | None = None) -> dict[str, Any]:
    from agents.llm.local_llama import DEFAULT_EMBEDDED_MODEL  # noqa: PLC0415
    from town.runtime.builders import build_model  # noqa: PLC0415
    from town.runtime.config import RunConfig  # noqa: PLC0415
    from town.runtime.model_chain import close_models  # noqa: PLC0415

    name = model or DEFAULT_EMBEDDED_MODEL
    chat = build_model(RunConfig(model=name, api_base=api_base, cache="off"))
    try:
        return {"benchmark": "quality", "model": name, **score(chat)}
    finally:
        close_models(chat)  # the embedded model freed before the interpreter tears llama.cpp down
