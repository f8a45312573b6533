"""Injected provider faults for soak tests: `FaultRates` and `FaultInjectingModel`.

Wraps any `ChatModel` and, at configurable rates, answers a call with a timeout, a rate limit, a server error
(transient `ProviderError`s the gateway retries), malformed JSON, an empty reply, or an over-long reply. Each decision
is drawn from the request and its attempt number, so a soak is reproducible and a retried call can succeed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import numpy as np
from pydantic import BaseModel, Field

from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, ProviderError, SamplingParams

FAULTS = ("timeout", "rate_limit", "server_error", "malformed_json", "empty_reply", "overlong_reply")
_RAMBLE = "Well, let me think about that for a moment, there is a lot to say here. " * 80


class FaultRates(BaseModel):
    timeout: float = Field(default=0.0, ge=0, le=1)
    rate_limit: float = Field(default=0.0, ge=0, le=1)
    server_error: float = Field(default=0.0, ge=0, le=1)
    malformed_json: float = Field(default=0.0, ge=0, le=1)
    empty_reply: float = Field(default=0.0, ge=0, le=1)
    overlong_reply: float = Field(default=0.0, ge=0, le=1)

    @classmethod
    def every(cls, rate: float) -> FaultRates:
        return cls(**dict.fromkeys(FAULTS, rate))


class FaultInjectingModel:
    def __init__(self, inner: ChatModel, rates: FaultRates, seed: int = 0) -> None:
        if sum(rates.model_dump().values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        self.inner = inner
        self.name = inner.name
        self.rates = rates
        self.seed = seed
        self.injected: Counter[str] = Counter()
        self.calls = 0
        self._attempts: Counter[str] = Counter()

    def _draw(self, messages: list[ChatMessage], purpose: str) -> str | None:
        key = hashlib.sha256(json.dumps([purpose, [m.content for m in messages]]).encode()).hexdigest()
        attempt = self._attempts[key]
        self._attempts[key] += 1
        digest = hashlib.sha256(f"{self.seed}:{key}:{attempt}".encode()).digest()
        roll = float(np.random.default_rng(int.from_bytes(digest[:8], "little")).random())
        edge = 0.0
        for fault in FAULTS:
            edge += getattr(self.rates, fault)
            if roll < edge:
                return fault
        return None

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        self.calls += 1
        fault = self._draw(messages, purpose)
        if fault is not None:
            self.injected[fault] += 1
        if fault == "timeout":
            raise ProviderError("Timeout: the provider did not answer in time", transient=True)
        if fault == "rate_limit":
            raise ProviderError("RateLimitError: 429 too many requests", transient=True)
        if fault == "server_error":
            raise ProviderError("InternalServerError: 500", transient=True)
        reply = await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        if fault == "malformed_json":
            return reply.model_copy(update={"text": reply.text[: max(1, len(reply.text) // 2)] + ' ,"oops": }'})
        if fault == "empty_reply":
            return reply.model_copy(update={"text": "", "completion_tokens": 0})
        if fault == "overlong_reply":
            return reply.model_copy(
                update={"text": _RAMBLE + reply.text + _RAMBLE, "completion_tokens": reply.completion_tokens + 2000}
            )
        return reply
