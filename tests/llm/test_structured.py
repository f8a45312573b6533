import asyncio
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from agents.llm.fakes import CountingModel, SchemaFakeModel, ScriptedModel
from agents.llm.parsing import OutputError, parse_structured
from agents.llm.protocol import ChatMessage, LLMReply, ProviderError, SamplingParams
from agents.llm.structured import GatewayConfig, StructuredLLM


class Choice(BaseModel):
    decision: Literal["yes", "no"]
    confidence: int = Field(ge=1, le=10)


MESSAGES = [ChatMessage(role="user", content="decide")]


def ask(llm, log, **kw):
    return asyncio.run(
        llm.ask(
            MESSAGES,
            Choice,
            purpose="test",
            agent="A",
            fallback=lambda: Choice(decision="no", confidence=1),
            log=log,
            **kw,
        )
    )


def test_prose_and_code_fences_around_json_are_accepted():
    assert parse_structured('Sure! ```json\n{"decision": "yes", "confidence": 3}\n```', Choice).decision == "yes"
    with pytest.raises(OutputError, match="no JSON object"):
        parse_structured("yes", Choice)
    with pytest.raises(OutputError, match="does not fit the schema"):
        parse_structured('{"decision": "maybe", "confidence": 3}', Choice)


def test_one_repair_retry_quotes_the_error():
    model = ScriptedModel(['{"decision": "maybe", "confidence": 3}', '{"decision": "yes", "confidence": 3}'])
    log = []
    answer = ask(StructuredLLM(model), log)
    assert answer.value.decision == "yes" and not answer.fallback
    assert [r.outcome for r in log] == ["invalid", "ok"] and log[1].repaired
    repair = model.requests[1][1]
    assert repair[-2].role == "assistant" and "maybe" in repair[-2].content
    assert "does not fit the schema" in repair[-1].content


def test_second_failure_gives_the_counted_fallback():
    llm = StructuredLLM(ScriptedModel(["nope", "still nope"]))
    log = []
    answer = ask(llm, log)
    assert answer.fallback and answer.value == Choice(decision="no", confidence=1)
    assert log[-1].fallback and llm.usage.fallbacks == 1


class BudgetRecorder:
    name = "budgets"

    def __init__(self):
        self.budgets = {}

    async def complete(self, messages, *, schema, purpose, params):
        self.budgets[purpose] = params.max_tokens
        return LLMReply(text='{"decision": "yes", "confidence": 3}', prompt_tokens=5, completion_tokens=5)


def _budgets(config):
    model = BudgetRecorder()
    llm = StructuredLLM(model, config)
    for purpose in ("plan_day", "react"):
        asyncio.run(
            llm.ask(
                MESSAGES,
                Choice,
                purpose=purpose,
                agent="A",
                fallback=lambda: Choice(decision="no", confidence=1),
                log=[],
            )
        )
    return model.budgets


def test_a_day_plan_gets_room_for_its_long_answer_and_a_config_can_set_any_purpose():
    # At the ordinary 400 tokens the 1.5B's eighteen-block plans were cut off mid-JSON and fell back.
    assert _budgets(GatewayConfig()) == {"plan_day": 900, "react": 400}
    config = GatewayConfig(max_output_tokens=200, output_tokens={"react": 64})
    assert _budgets(config) == {"plan_day": 200, "react": 64}


def test_custom_checks_use_the_repair_turn():
    def no_yes(choice):
        if choice.decision == "yes":
            raise OutputError("say no")

    llm = StructuredLLM(ScriptedModel(['{"decision": "yes", "confidence": 2}', '{"decision": "no", "confidence": 2}']))
    assert ask(llm, [], check=no_yes).value.decision == "no"


class Flaky:
    name = "flaky"

    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

    async def complete(self, messages, *, schema, purpose, params):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return LLMReply(text='{"decision": "yes", "confidence": 5}', prompt_tokens=3, completion_tokens=4)


def test_transient_provider_errors_are_retried_with_backoff():
    model = Flaky([ProviderError("429 rate limited", transient=True), ProviderError("503", transient=True)])
    log = []
    answer = ask(StructuredLLM(model, GatewayConfig(backoff_seconds=0)), log)
    assert answer.value.decision == "yes" and model.calls == 3 and [r.outcome for r in log] == ["ok"]


def test_persistent_or_permanent_errors_fall_back_without_crashing():
    model = Flaky([ProviderError("timeout", transient=True)] * 10)
    log = []
    answer = ask(StructuredLLM(model, GatewayConfig(backoff_seconds=0, max_retries=2)), log)
    assert answer.fallback and model.calls == 3 and log[0].outcome == "provider_error" and "timeout" in log[0].error
    model = Flaky([ProviderError("401 bad key", transient=False)])
    answer = ask(StructuredLLM(model, GatewayConfig(backoff_seconds=0)), [])
    assert answer.fallback and model.calls == 1


def test_budget_stops_calls_and_falls_back():
    model = CountingModel(SchemaFakeModel())
    llm = StructuredLLM(model, GatewayConfig(max_calls=2))
    log = []
    for _ in range(4):
        ask(llm, log)
    assert model.total_calls == 2
    assert [r.outcome for r in log][-2:] == ["budget", "budget"] and llm.usage.fallbacks == 2


def test_schema_fake_is_valid_and_depends_only_on_the_request():
    fake = SchemaFakeModel(seed=3)
    params = SamplingParams()
    first = asyncio.run(fake.complete(MESSAGES, schema=Choice, purpose="p", params=params))
    again = asyncio.run(SchemaFakeModel(seed=3).complete(MESSAGES, schema=Choice, purpose="p", params=params))
    assert first.text == again.text
    Choice.model_validate_json(first.text)
    others = {
        asyncio.run(SchemaFakeModel(seed=s).complete(MESSAGES, schema=Choice, purpose="p", params=params)).text
        for s in range(4, 12)
    }
    assert others - {first.text}  # another seed is another answer (for some seeds: the schema has few answers)


class GatedModel:
    """Holds every call until the test opens the gate, counting how many are inside at once."""

    name = "gated"

    def __init__(self) -> None:
        self.inner = SchemaFakeModel()
        self.gate = asyncio.Event()
        self.inside = self.peak = self.calls = 0

    async def complete(self, messages, *, schema, purpose, params):
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        await self.gate.wait()
        self.inside -= 1
        self.calls += 1
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


@pytest.mark.parametrize("limit", [1, 4, 7])
def test_concurrency_is_bounded_and_calls_overlap_up_to_the_bound(limit):
    gated = GatedModel()
    llm = StructuredLLM(gated, GatewayConfig(concurrency=limit))

    async def many():
        logs = [[] for _ in range(8)]
        asks = [
            asyncio.ensure_future(
                llm.ask(MESSAGES, Choice, purpose="p", agent=str(i), fallback=lambda: None, log=logs[i])
            )
            for i in range(8)
        ]
        for _ in range(100):  # let every ask run as far as it can (no wall clock involved)
            await asyncio.sleep(0)
        waiting = gated.inside
        gated.gate.set()
        await asyncio.gather(*asks)
        return waiting

    waiting = asyncio.run(many())
    assert waiting == limit  # exactly as many at once as allowed: never more, and not one at a time
    assert gated.peak == limit and gated.calls == 8
