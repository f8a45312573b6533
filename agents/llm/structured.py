"""`StructuredLLM`: validated answers from any `ChatModel`, never a crash.

For each question: wait for a concurrency slot; call the model, retrying transient provider errors with exponential
backoff; parse and validate against the pydantic schema; on invalid output, one repair retry that quotes the error; if
that fails too (or the provider keeps failing, or a budget is spent) return the caller's deterministic fallback. Every
underlying call becomes a `CallRecord` in the caller's log, so the runtime can emit them in a deterministic order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from agents.llm.breaker import Breaker
from agents.llm.parsing import OutputError, parse_structured
from agents.llm.per_loop import PerLoop
from agents.llm.protocol import ChatMessage, ChatModel, ProviderError, SamplingParams
from agents.llm.structured_modes import StructuredSetting
from town.core.secrets import redact

T = TypeVar("T", bound=BaseModel)
CallOutcome = Literal["ok", "invalid", "provider_error", "budget"]


class GatewayConfig(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    # Remote providers take many calls at once; the embedded model serialises its own calls behind a lock anyway.
    concurrency: int = Field(default=32, ge=1, le=512)
    # At most this many calls at once on one server (an --api-base; "*": every one), within `concurrency`: replicas
    # of different sizes each get what they can serve (agents/llm/endpoints.py).
    endpoint_concurrency: dict[str, Annotated[int, Field(ge=1, le=512)]] = Field(default_factory=dict, max_length=64)
    max_retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0, le=600)
    max_calls: int | None = Field(default=None, ge=1, le=10**12)
    max_tokens: int | None = Field(default=None, ge=1, le=10**15)
    max_cost: float | None = Field(default=None, gt=0, le=1e9)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_output_tokens: int = Field(default=400, ge=16, le=8192)
    # An answer that needs more room than the rest gets its own budget, by purpose: a day plan of up to eighteen hour
    # blocks runs past the ordinary 400 (two of the 1.5B's four plans in one run were cut there, then fell back).
    output_tokens: dict[str, Annotated[int, Field(ge=16, le=8192)]] = Field(
        default_factory=lambda: {"plan_day": 900}, max_length=64
    )
    # A provider whose last this-many calls all failed (after their retries) is taken for gone: the run ends with
    # reason provider_unavailable instead of living the rest of the day on fallbacks. 0 never gives up.
    stop_after_failed_calls: int = Field(default=12, ge=0, le=100_000)
    # Seconds one attempt may take before it counts as a timeout (then retried like any transient failure).
    timeout_s: float = Field(default=60.0, gt=0, le=3600)
    # A server's Retry-After is honoured up to this many seconds (a longer one waits this long, then tries again).
    max_retry_after_s: float = Field(default=120.0, ge=0, le=3600)
    # A provider that failed stop_after_failed_calls calls in a row is not given up at once: calls pause, one probe
    # goes out every probe_every_s, and they resume when it answers (agents/llm/breaker.py) -- a server restarting
    # or a hosted API's short outage costs a pause, not the run. Only an outage longer than the budget ends the run.
    # 0: give up at once.
    outage_budget_s: float = Field(default=300.0, ge=0, le=7 * 24 * 3600)
    probe_every_s: float = Field(default=5.0, gt=0, le=3600)
    # How JSON is asked of the server (agents/llm/structured_modes.py); auto negotiates at pre-flight.
    structured: StructuredSetting = "auto"


class Attempt(BaseModel):
    """One try of a call at the provider: its number, wall-clock latency and, if it failed, the error's kind."""

    number: int
    latency_s: float
    error: str | None = None


class CallRecord(BaseModel):
    """One call to the model. `latency_s` and `cached` are wall-clock facts kept out of the trajectory."""

    purpose: str
    agent: str
    outcome: CallOutcome
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    repaired: bool = False
    fallback: bool = False
    error: str | None = None
    latency_s: float = 0.0
    cached: bool = False
    attempts: list[Attempt] = Field(default_factory=list)  # every try, retries included (telemetry only)


@dataclass
class Answer(Generic[T]):
    value: T
    fallback: bool


@dataclass
class Usage:
    """What the gateway has spent in this run; saved as it is (runtime.json)."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    fallbacks: int = 0


class StructuredLLM:
    """The one door to the model: owns the concurrency limit, the budget and usage totals, and the breaker.

    `ask` sends a prompt, validates the reply against the schema, repairs once, and otherwise answers `fallback()`;
    every attempt is a `CallRecord` in the caller's log, and provider failures never reach the caller.
    """

    def __init__(self, model: ChatModel, config: GatewayConfig | None = None, seed: int = 0) -> None:
        self.model = model
        self.config = config or GatewayConfig()
        self.seed = seed
        self.usage = Usage()
        self._slots = PerLoop(lambda: asyncio.Semaphore(self.config.concurrency))
        self.failed_in_a_row = 0
        # Set (to the last error) once `stop_after_failed_calls` calls in a row failed; later calls are not attempted.
        self.unavailable: str | None = None
        self.breaker = Breaker(self.config.outage_budget_s, self.config.probe_every_s)

    def _over_budget(self) -> bool:
        c, u = self.config, self.usage
        return (
            (c.max_calls is not None and u.calls >= c.max_calls)
            or (c.max_tokens is not None and u.prompt_tokens + u.completion_tokens >= c.max_tokens)
            or (c.max_cost is not None and u.cost >= c.max_cost)
        )

    async def ask(
        self,
        messages: list[ChatMessage],
        schema: type[T],
        *,
        purpose: str,
        agent: str,
        fallback: Callable[[], T],
        log: list[CallRecord],
        check: Callable[[T], None] | None = None,
    ) -> Answer[T]:
        """A validated answer, or `fallback()` after one repair retry.

        `check` adds rules a schema cannot express: it raises `OutputError`, whose message goes back to the model in
        the repair turn.
        """
        budget = self.config.output_tokens.get(purpose, self.config.max_output_tokens)
        params = SamplingParams(temperature=self.config.temperature, max_tokens=budget, seed=self.seed)
        conversation = list(messages)
        repaired = False
        for attempt in range(2):  # the first answer and one repair
            record, reply_text = await self._call(conversation, schema, purpose, agent, params)
            log.append(record)
            if reply_text is None:
                break
            try:
                value = parse_structured(reply_text, schema)
                if check is not None:
                    check(value)
            except OutputError as exc:
                record.outcome = "invalid"
                record.error = str(exc)
                if attempt == 0:
                    conversation = conversation + [
                        ChatMessage(role="assistant", content=reply_text[:1500]),
                        ChatMessage(
                            role="user",
                            content=f"That reply was invalid: {exc}. Answer again with only the JSON object.",
                        ),
                    ]
                    repaired = True
                continue
            record.repaired = repaired
            return Answer(value=value, fallback=False)
        log[-1].fallback = True
        self.usage.fallbacks += 1
        return Answer(value=fallback(), fallback=True)

    async def _call(
        self, messages: list[ChatMessage], schema: type[T], purpose: str, agent: str, params: SamplingParams
    ) -> tuple[CallRecord, str | None]:
        """One logical call with provider retries: its record, and the reply text unless the provider failed."""
        if self._over_budget():
            return CallRecord(purpose=purpose, agent=agent, outcome="budget", error="budget exhausted"), None
        if self.unavailable is not None:
            return CallRecord(purpose=purpose, agent=agent, outcome="provider_error", error=self.unavailable), None
        probed: list[Attempt] = []  # this call's probes while the breaker was open (telemetry keeps every attempt)
        if self.breaker.is_open:
            async with self.breaker.turn.get():
                while self.breaker.is_open and self.unavailable is None:
                    if self.breaker.over_budget():
                        down = self.breaker.down_for()
                        self.unavailable = f"the model has not answered for {down:.0f} s (outage budget exhausted)"
                        break
                    await self.breaker.wait_for_probe()
                    record, text, transient = await self._attempts(messages, schema, purpose, agent, params, tries=1)
                    probed += [a.model_copy(update={"number": len(probed) + 1}) for a in record.attempts]
                    if text is not None:
                        self.breaker.close()
                        self.failed_in_a_row = 0
                        record.attempts = probed
                        return record, text
                    if not transient:  # it is back, but refuses us (a key revoked meanwhile): no point waiting
                        self.unavailable = f"the model answered a probe with a refusal ({record.error})"
            if self.unavailable is not None:
                failed = CallRecord(purpose=purpose, agent=agent, outcome="provider_error", error=self.unavailable)
                failed.attempts = probed
                return failed, None
        tries = self.config.max_retries + 1
        record, text, transient = await self._attempts(messages, schema, purpose, agent, params, tries=tries)
        record.attempts = probed + [a.model_copy(update={"number": len(probed) + a.number}) for a in record.attempts]
        if text is not None:
            self.failed_in_a_row = 0
            return record, text
        self.failed_in_a_row += 1
        limit = self.config.stop_after_failed_calls
        if limit and self.failed_in_a_row >= limit and self.unavailable is None:
            # An endpoint that stopped answering may come back; one that refuses (a revoked key, a request it will
            # never take) will not, so only transient failures pause for probes.
            if self.config.outage_budget_s > 0 and transient:
                self.breaker.trip()
            else:
                self.unavailable = f"the model failed {self.failed_in_a_row} calls in a row (last: {record.error})"
        return record, None

    async def _attempts(
        self,
        messages: list[ChatMessage],
        schema: type[T],
        purpose: str,
        agent: str,
        params: SamplingParams,
        tries: int,
    ) -> tuple[CallRecord, str | None, bool]:
        """Up to `tries` attempts with backoff (and the server's Retry-After).

        The record, the text if answered, and whether the last failure was transient (worth trying again later).
        """
        last_error = ""
        transient = True
        attempts: list[Attempt] = []
        for retry in range(tries):
            wait_at_least = 0.0  # the server's Retry-After for this attempt, if it sent one
            async with self._slots.get():
                started = time.perf_counter()
                try:
                    reply = await self.model.complete(messages, schema=schema, purpose=purpose, params=params)
                except ProviderError as exc:
                    last_error = redact(str(exc))  # providers sometimes echo the request's credentials
                    kind = last_error.split(":", 1)[0][:60] if ":" in last_error else "ProviderError"
                    attempts.append(Attempt(number=retry + 1, latency_s=time.perf_counter() - started, error=kind))
                    wait_at_least = min(exc.retry_after_s or 0.0, self.config.max_retry_after_s)
                    transient = exc.transient
                    if not exc.transient:
                        break
                else:
                    latency = time.perf_counter() - started
                    attempts.append(Attempt(number=retry + 1, latency_s=latency))
                    u = self.usage
                    u.calls += 1
                    u.prompt_tokens += reply.prompt_tokens
                    u.completion_tokens += reply.completion_tokens
                    u.cost += reply.cost
                    record = CallRecord(
                        purpose=purpose,
                        agent=agent,
                        outcome="ok",
                        prompt_tokens=reply.prompt_tokens,
                        completion_tokens=reply.completion_tokens,
                        cost=reply.cost,
                        latency_s=latency,
                        cached=reply.cached,
                        attempts=attempts,
                    )
                    return record, reply.text, True
            if retry < tries - 1:
                await asyncio.sleep(max(self.config.backoff_seconds * (2**retry), wait_at_least))
        record = CallRecord(purpose=purpose, agent=agent, outcome="provider_error", error=last_error, attempts=attempts)
        return record, None, transient
