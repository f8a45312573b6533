"""Real model servers (here: local HTTP servers that behave like them) get the structured output they understand."""

import asyncio
import json
import time

from agents.llm.litellm_model import LiteLLMModel
from agents.llm.protocol import ChatMessage, ProviderError
from agents.llm.structured import GatewayConfig, StructuredLLM
from agents.schemas import ReactionChoice
from tests.reliability.cli import town
from tests.reliability.servers import model_server

OFFLINE = ["--embedder", "hashing", "--index", "numpy", "--quiet", "--hours", "0.1", "--cache", "off"]
KEY = {"OPENAI_API_KEY": "sk-test"}


def test_a_server_that_refuses_json_schema_is_asked_in_json_object_mode(tmp_path):
    with model_server("llamacpp") as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", *OFFLINE]
        done = town([*args[:-4], "--cache", "off"], tmp_path, env=KEY)
        formats = list(server.formats)
    assert done.code == 0, done.err
    assert "structured output: json_object (the server accepted it (refused json_schema))" in done.err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["structured_output"]["mode"] == "json_object"
    probes, run = formats[:3], formats[3:]
    assert probes == ["-", "json_schema", "json_object"]  # the plain test request, then the modes strongest first
    assert run and set(run) == {"json_object"}  # every call of the run asked in the mode the server accepted


def test_a_server_that_takes_json_schema_keeps_it_and_a_set_mode_is_not_negotiated(tmp_path):
    with model_server("ok") as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", *OFFLINE]
        assert town(args, tmp_path, env=KEY).code == 0
        negotiated = list(server.formats)
    assert negotiated[:2] == ["-", "json_schema"] and set(negotiated[2:]) == {"json_schema"}
    with model_server("ok") as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "s", "--structured", "none"]
        assert town([*args, *OFFLINE], tmp_path, env=KEY).code == 0
        fixed = list(server.formats)
    assert set(fixed) == {"-"}
    assert json.loads((tmp_path / "s" / "summary.json").read_text())["structured_output"] == {
        "mode": "none",
        "why": "set",
    }


class Attempts:
    """Counts the attempts the gateway makes through a real LiteLLMModel."""

    def __init__(self, inner: LiteLLMModel) -> None:
        self.inner, self.name, self.count = inner, inner.name, 0

    async def complete(self, messages, *, schema, purpose, params):
        self.count += 1
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def _ask(base: str, config: GatewayConfig) -> tuple[object, list, Attempts]:
    model = Attempts(LiteLLMModel("openai/test", api_base=base))
    llm = StructuredLLM(model, config)
    log: list = []
    messages = [ChatMessage(role="user", content="talk?")]

    async def go():
        return await llm.ask(
            messages,
            ReactionChoice,
            purpose="react",
            agent="A",
            fallback=lambda: ReactionChoice(talk="no"),
            log=log,
        )

    return asyncio.run(go()), log, model


def test_retry_after_is_honoured(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with model_server("ratelimit") as server:
        _, _, attempts = _ask(server.base, GatewayConfig(backoff_seconds=0, max_retries=2))
        times = list(server.times)
    # Two logical calls (the answer, then one repair of it), each first refused with Retry-After: 1.
    assert attempts.count == len(times) == 4
    gaps = [times[1] - times[0], times[3] - times[2]]
    assert min(gaps) >= 1.0  # the server's wait was kept; backoff_seconds=0 alone would have retried at once


def test_a_reply_with_no_choices_is_a_counted_failure_not_a_crash(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    with model_server("empty") as server:
        answer, log, _ = _ask(server.base, GatewayConfig(backoff_seconds=0, max_retries=1))
        requests = server.requests
    assert answer.fallback and log[-1].outcome == "provider_error" and "empty choices" in log[-1].error
    assert requests == 2  # transient: retried once


def test_a_missing_key_is_never_retried(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with model_server("ok") as server:
        answer, log, attempts = _ask(server.base, GatewayConfig(backoff_seconds=0, max_retries=3))
    assert answer.fallback and "Missing credentials" in log[-1].error
    assert attempts.count == 1  # asked once: a missing key does not get better by asking again


def test_provider_error_carries_retry_after_from_headers():
    class Response:
        headers = {"retry-after": "2.5"}

    class Limited(Exception):
        status_code = 429
        response = Response()

    from agents.llm.litellm_model import as_provider_error, import_litellm

    error = as_provider_error(import_litellm(), Limited("429"))
    assert isinstance(error, ProviderError) and error.transient and error.retry_after_s == 2.5


def test_every_attempt_is_in_telemetry_and_a_retried_request_is_one_cache_miss(tmp_path):
    with model_server("ratelimit") as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", "--structured", "none"]
        args += ["--embedder", "hashing", "--index", "numpy", "--quiet", "--hours", "0.3", "--config", "fast.yaml"]
        (tmp_path / "fast.yaml").write_text("gateway:\n  max_retry_after_s: 0\n  backoff_seconds: 0\n")
        done = town(args, tmp_path, env=KEY)
        requests = server.requests
    assert done.code == 0, done.err
    calls = [json.loads(line) for line in (tmp_path / "r" / "telemetry.jsonl").read_text().splitlines()]
    attempts = [a for call in calls for a in call["attempts"]]
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    # Every request of the run but the pre-flight one is in telemetry, also those of operations that never landed,
    # except the ones still waiting when the run ended.
    assert len(attempts) <= requests - 1 and summary["operations_cancelled_at_end"] > 0
    assert {a["error"] for a in attempts} == {None, "RateLimitError"}
    assert all([a["n"] for a in call["attempts"]] == list(range(1, len(call["attempts"]) + 1)) for call in calls)
    assert any(len(call["attempts"]) > 1 for call in calls)  # the retried ones show each try
    assert all(call["attempts"][-1]["error"] is None for call in calls if call["outcome"] != "provider_error")
    cache = summary["cache"]
    assert cache["misses"] == len(calls)  # one miss per request, not one per attempt


def _breaker_config(tmp_path, budget_s: float):
    """No retries, the breaker tripping after 3 failed calls, a probe every 0.2 s, and the given outage budget."""
    path = tmp_path / "breaker.yaml"
    path.write_text(
        "gateway:\n  backoff_seconds: 0\n  max_retries: 0\n  stop_after_failed_calls: 3\n"
        f"  outage_budget_s: {budget_s}\n  probe_every_s: 0.2\n"
    )
    return path


def test_the_breaker_pauses_calls_while_the_server_is_away_and_resumes_when_it_returns(tmp_path):
    import threading

    config = _breaker_config(tmp_path, budget_s=60)
    with model_server("ok", answers=6) as server:

        def come_back() -> None:  # the server goes away after 6 answers and is back once it has refused a few
            server.released.wait(60)
            time.sleep(1.5)
            server.answers, server.requests, server.mode = 10**9, 0, "ok"

        threading.Thread(target=come_back, daemon=True).start()
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", "--config", str(config)]
        done = town([*args, "--structured", "none", *OFFLINE[:-4], "--hours", "0.5"], tmp_path, env=KEY, timeout=300)
    assert done.code == 0, done.err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["reason"] == "completed" and summary["totals"]["ticks"] == 180
    outages = summary["outages"]
    assert outages["count"] == 1 and outages["seconds"] >= 1.0 and outages["probes"] >= 2  # opened, probed, closed


def test_an_outage_longer_than_its_budget_ends_the_run(tmp_path):
    config = _breaker_config(tmp_path, budget_s=1)
    with model_server("ok", answers=6) as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", "--config", str(config)]
        done = town([*args, "--structured", "none", *OFFLINE[:-4], "--hours", "1"], tmp_path, env=KEY, timeout=300)
    assert done.code == 2 and "outage budget exhausted" in done.lines[-1], done.err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["reason"] == "provider_unavailable" and summary["outages"]["seconds"] >= 1.0


def test_replicas_share_the_calls_and_none_gets_more_at_once_than_its_limit(tmp_path):
    from contextlib import ExitStack

    with ExitStack() as stack:
        replicas = [stack.enter_context(model_server("schema")) for _ in range(2)]
        for replica in replicas:
            replica.delay_s = 0.3  # slow enough that the day's first plans pile up
        bases = ",".join(r.base for r in replicas)
        args = ["run", "--model", "openai/test", "--api-base", bases, "--out", "r", "--endpoint-concurrency", "2"]
        done = town([*args, "--agents", "6", *OFFLINE], tmp_path, env=KEY, timeout=300)
    assert done.code == 0, done.err
    assert [r.peak_in_flight for r in replicas] == [2, 2]  # six agents plan at once; each server serves two at a time
    assert all(r.requests > 3 for r in replicas)


def test_the_endpoint_pool_sends_each_call_to_the_least_busy_server_with_room():
    from agents.llm.endpoints import EndpointPool

    pool = EndpointPool(["small", "big"], {"big": 3}, default_limit=1)

    async def scenario():
        gate = asyncio.Event()
        order = []

        async def call():
            async with pool.endpoint() as base:
                order.append(base)
                await gate.wait()

        tasks = [asyncio.create_task(call()) for _ in range(5)]
        while sum(pool.in_flight.values()) < 4:
            await asyncio.sleep(0)
        waiting = len(tasks) - sum(pool.in_flight.values())
        gate.set()
        await asyncio.gather(*tasks)
        return order, waiting

    order, waiting = asyncio.run(scenario())
    assert order[:4] == ["small", "big", "big", "big"] and waiting == 1  # the fifth waited for a free slot
    assert pool.peak == {"small": 1, "big": 3} and pool.in_flight == {"small": 0, "big": 0}
    assert sum(pool.served.values()) == 5


def test_bench_concurrency_measures_a_real_server(tmp_path):
    with model_server("schema") as server:
        server.delay_s = 0.2
        args = ["bench", "concurrency", "--model", "openai/test", "--api-base", server.base, "--agents", "4"]
        done = town([*args, "--hours", "0.1", "--endpoint-concurrency", "3", "--json"], tmp_path, env=KEY, timeout=300)
        sent = server.requests
        peak = server.peak_in_flight
    assert done.code == 0, done.err
    (figures,) = json.loads(done.out)
    assert figures["requests"] == sent - 2  # all but the pre-flight request and the structured-output probe
    assert figures["in_flight"]["peak"] == peak == 3  # four agents plan at once; the server takes three at a time
    assert figures["latency_s"]["p50"] >= 0.2 and figures["wall_over_sequential"] < 1  # calls overlapped
    assert figures["per_endpoint"] == {server.base: {"served": sent - 2, "peak_in_flight": 3, "limit": 3}}
    assert figures["reason"] == "completed"
