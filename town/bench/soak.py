"""`town soak`: a run under injected provider faults, then two runs that must end, and end honestly.

1. Faults: every one of six provider fault kinds at `rate` (timeouts, rate limits, server errors, malformed JSON,
   empty and over-long replies) for the whole run: no crash, no lost tick, every fault counted.
2. A dying endpoint: the provider refuses every connection from a third of the way in. Calls pause and probe it (the
   gateway's breaker, with a 2 s outage budget here); it never returns, so the run must stop early with reason
   `provider_unavailable` (not live the rest of the day on fallbacks) and close its log.
3. A full disk: the process may not grow a file past a limit (RLIMIT_FSIZE, a real refused write from the kernel).
   The run must stop with reason `write_failed`, keep its log whole up to the last complete tick, and say so.
"""

from __future__ import annotations

import asyncio
import json
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.llm.fakes import SchemaFakeModel
from agents.llm.faults import FAULTS, FaultInjectingModel, FaultRates
from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, ProviderError, SamplingParams
from agents.llm.structured import GatewayConfig
from town.core.errors import TownError
from town.core.input_files import read_jsonl
from town.runtime.config import RunConfig

# The endings scenarios 2 and 3 must reach; anything else (a crash, "completed") fails the soak.
EXPECTED_ENDINGS = {"dying_endpoint": "provider_unavailable", "full_disk": "write_failed"}
DISK_LIMIT_BYTES = 60_000
DYING_TOWN_AGENTS = 10  # the fewest people the dying endpoint's town has (`_dying_endpoint`)


class DyingEndpoint:
    """Answers through `inner` for `healthy_calls` calls, then refuses every connection, as a server that went away."""

    def __init__(self, inner: ChatModel, healthy_calls: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.healthy_calls = healthy_calls
        self.calls = 0
        self.refused = 0

    async def complete(
        self, messages: list[ChatMessage], *, schema: type[BaseModel] | None, purpose: str, params: SamplingParams
    ) -> LLMReply:
        self.calls += 1
        if self.calls > self.healthy_calls:
            self.refused += 1
            raise ProviderError("APIConnectionError: [Errno 111] Connection refused", transient=True)
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def soak_config(agents: int, hours: float, seed: int, out: Path, outage_budget_s: float = 0.0) -> RunConfig:
    return RunConfig(
        agents=agents,
        hours=hours,
        seed=seed,
        model="fake",
        embedder="hashing",
        index="numpy",
        cache="off",
        out=out,
        autosave_minutes=0,
        gateway=GatewayConfig(backoff_seconds=0, outage_budget_s=outage_budget_s, probe_every_s=0.25),
    )


def soak(agents: int = 25, hours: float = 24.0, rate: float = 0.1, seed: int = 0) -> dict[str, Any]:
    """All three scenarios; figures of the fault run plus how each ending scenario ended."""
    from town.persistence.runner import run_headless  # noqa: PLC0415

    model = FaultInjectingModel(SchemaFakeModel(seed=seed), FaultRates.every(rate), seed=seed)
    crashes: list[str] = []
    totals: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="town-soak-") as tmp:
        config = soak_config(agents, hours, seed, Path(tmp) / "run")
        started = time.perf_counter()
        try:
            totals = asyncio.run(run_headless(config, model=model)).totals
        except Exception as exc:  # a soak counts crashes instead of stopping at the first
            crashes.append(f"{type(exc).__name__}: {exc}")
        wall = time.perf_counter() - started
        outcomes, repaired = _call_outcomes(config.out / "trajectory.jsonl")
        endings = {
            "dying_endpoint": _dying_endpoint(agents, seed, Path(tmp) / "dying"),
            "full_disk": _full_disk(agents, seed, Path(tmp) / "full"),
        }
    wrong = [f"{name}: {got['reason']}" for name, got in endings.items() if got["reason"] != EXPECTED_ENDINGS[name]]
    return {
        "benchmark": "soak",
        "agents": agents,
        "game_hours": hours,
        "fault_rate_each": rate,
        "wall_s": round(wall, 1),
        "crashes": len(crashes) + len(wrong),
        "crash_messages": crashes + [f"ended wrongly: {w}" for w in wrong],
        "lost_ticks": config.ticks - totals.get("ticks", 0),
        "model_calls": model.calls,
        "faults_injected": {fault: model.injected[fault] for fault in FAULTS},
        "calls_by_outcome": dict(sorted(outcomes.items())),
        "answers_repaired": repaired,
        "fallbacks": totals.get("fallbacks", 0),
        "conversations": totals.get("conversations", 0),
        "utterances": totals.get("utterances", 0),
        "endings": endings,
    }


def _call_outcomes(log: Path) -> tuple[Counter[str], int]:
    outcomes: Counter[str] = Counter()
    repaired = 0
    for event in read_jsonl(log, "soak log", TownError) if log.exists() else []:
        if event["type"] == "llm_call":
            outcomes[event["outcome"]] += 1
            repaired += bool(event.get("repaired"))
    return outcomes, repaired


def _dying_endpoint(agents: int, seed: int, out: Path) -> dict[str, Any]:
    """Two game hours; the endpoint dies after a third of the calls a healthy run makes in that time.

    At least `DYING_TOWN_AGENTS` people: the breaker trips after a dozen failed calls in a row and ends the run at the
    next call once the outage outlasts its budget, and three people falling back to hour-long routine steps ask too
    little in two hours to get there (the run then completes on fallbacks, which is right for them but tests nothing).
    """
    from town.persistence.runner import run_headless  # noqa: PLC0415

    agents = max(agents, DYING_TOWN_AGENTS)
    model = DyingEndpoint(SchemaFakeModel(seed=seed), healthy_calls=max(1, agents * 2))
    config = soak_config(agents, 2.0, seed, out, outage_budget_s=2.0)
    try:
        result = asyncio.run(run_headless(config, model=model))
    except Exception as exc:
        return {"reason": f"crash ({type(exc).__name__}: {exc})"}
    return {
        "reason": result.reason,
        "ticks": result.totals["ticks"],
        "of_ticks": config.ticks,
        "refused_connections": model.refused,
        "outage_probes": result.summary["outages"]["probes"],
        "log_closed": _last_event(out)["type"] == "run_end",
    }


def _full_disk(agents: int, seed: int, out: Path) -> dict[str, Any]:
    """Two game hours with no file allowed past DISK_LIMIT_BYTES: the trajectory hits it first."""
    from town.persistence.runner import RunWriteError, run_headless  # noqa: PLC0415

    config = soak_config(agents, 2.0, seed, out)
    out.mkdir(parents=True)
    message = ""
    try:
        with _file_size_limit(DISK_LIMIT_BYTES):
            asyncio.run(run_headless(config, model=SchemaFakeModel(seed=seed)))
    except RunWriteError as exc:
        message = str(exc)
    except Exception as exc:
        return {"reason": f"crash ({type(exc).__name__}: {exc})"}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    events = read_jsonl(out / "trajectory.jsonl", "soak log", TownError)  # every line whole, or this raises
    return {
        "reason": summary["reason"],
        "ticks": summary["totals"]["ticks"],
        "of_ticks": config.ticks,
        "log_lines_whole": len(events),
        "message": message,
    }


@contextmanager
def _file_size_limit(limit: int) -> Iterator[None]:
    """Files may not grow past `limit` bytes while inside (Python ignores SIGXFSZ, so writes fail with EFBIG)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def _last_event(out: Path) -> dict[str, Any]:
    events = read_jsonl(out / "trajectory.jsonl", "soak log", TownError)
    return events[-1] if events else {}
