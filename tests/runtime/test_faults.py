"""A run never crashes on a failing or nonsensical model: every failure becomes a counted fallback."""

import asyncio
import json

import pytest

from agents.llm.protocol import LLMReply, ProviderError
from tests.conftest import fake_config
from town.persistence.runner import run_headless


class AlwaysDown:
    name = "down"

    def __init__(self, transient: bool) -> None:
        self.transient = transient
        self.calls = 0

    async def complete(self, messages, *, schema, purpose, params):
        self.calls += 1
        raise ProviderError(
            "503 service unavailable" if self.transient else "401 invalid key", transient=self.transient
        )


class Gibberish:
    name = "gibberish"

    async def complete(self, messages, *, schema, purpose, params):
        return LLMReply(text="I am not sure what you mean {", prompt_tokens=5, completion_tokens=7)


def _events(config):
    return [json.loads(line) for line in (config.out / "trajectory.jsonl").read_text().splitlines()]


def test_a_provider_that_is_down_all_day_costs_fallbacks_not_the_run(tmp_path):
    config = fake_config(tmp_path, agents=3, hours=1.5)
    config.gateway.backoff_seconds = 0
    config.gateway.stop_after_failed_calls = 0  # never give up: the day is lived on fallbacks
    model = AlwaysDown(transient=True)
    result = asyncio.run(run_headless(config, model=model))
    totals = result.totals
    assert result.reason == "completed" and totals["ticks"] == config.ticks
    assert totals["calls"] == 0 and totals["failed_calls"] > 0 and totals["fallbacks"] == totals["failed_calls"]
    # Each failed call was tried 1 + max_retries times (operations still in flight when the run ends add a few).
    attempts = config.gateway.max_retries + 1
    in_flight_bound = 3 * config.agents * attempts
    assert totals["failed_calls"] * attempts <= model.calls <= totals["failed_calls"] * attempts + in_flight_bound
    events = _events(config)
    # Agents still live their day from their routines: they plan (fallback), act and move.
    assert any(e["type"] == "day_plan" and e["fallback"] for e in events)
    assert sum(1 for e in events if e["type"] == "action") >= 6
    assert any(e["type"] == "moves" for e in events)


def test_permanent_errors_are_not_retried(tmp_path):
    config = fake_config(tmp_path, agents=2, hours=0.5)
    model = AlwaysDown(transient=False)
    result = asyncio.run(run_headless(config, model=model))
    failed = result.totals["failed_calls"]
    assert failed > 0 and failed <= model.calls <= failed + 3 * config.agents


def test_a_provider_that_refuses_every_call_ends_the_run_without_pausing_for_probes(tmp_path):
    """A refusal (a revoked key) is not an outage: the breaker stays shut and the run ends with the true reason."""
    config = fake_config(tmp_path, agents=2, hours=1)
    config.gateway.outage_budget_s = 3600  # an outage would be waited out for an hour
    config.gateway.stop_after_failed_calls = 3
    result = asyncio.run(run_headless(config, model=AlwaysDown(transient=False)))
    assert result.reason == "provider_unavailable" and result.summary["outages"] == {
        "count": 0,
        "seconds": 0,
        "probes": 0,
    }
    assert result.totals["ticks"] < config.ticks


def test_unparseable_answers_get_one_repair_then_a_fallback(tmp_path):
    config = fake_config(tmp_path, agents=3, hours=1)
    result = asyncio.run(run_headless(config, model=Gibberish()))
    calls = [e for e in _events(config) if e["type"] == "llm_call"]
    assert calls and all(c["outcome"] == "invalid" for c in calls)
    assert sum(c["fallback"] for c in calls) == len(calls) // 2 == result.totals["fallbacks"]
    assert result.summary["totals"]["actions"] >= 3


class Broken:
    """A model with a bug in it (not a provider failure): the run must stop, and its log must say so."""

    name = "broken"

    async def complete(self, messages, *, schema, purpose, params):
        raise RuntimeError("a bug in the model adapter")


def test_a_bug_stops_the_run_with_a_closed_log_that_says_crashed(tmp_path):
    config = fake_config(tmp_path, agents=2, hours=0.5)
    with pytest.raises(RuntimeError, match="a bug in the model adapter"):
        asyncio.run(run_headless(config, model=Broken()))
    last = _events(config)[-1]
    assert last["type"] == "run_end" and last["reason"] == "crashed" and "RuntimeError" in last["detail"]
    assert json.loads((config.out / "summary.json").read_text())["reason"] == "crashed"
