"""Test helpers: a model that answers by purpose, and a small simulation around it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from agents.config import CognitionConfig
from agents.embedding import CachingEmbedder, HashingEmbedder
from agents.llm.protocol import ChatMessage, LLMReply, SamplingParams, estimate_tokens
from agents.llm.structured import GatewayConfig, StructuredLLM
from agents.vector_index import NumpyIndex
from town.core.clock import GameClock
from town.runtime.simulation import Simulation

Handler = Callable[[list[ChatMessage]], str | dict]


class ByPurpose:
    """Answers each purpose with its handler (a dict is sent as JSON); records every request."""

    name = "by-purpose"

    def __init__(self, handlers: dict[str, Handler | str | dict]) -> None:
        self.handlers = handlers
        self.requests: list[tuple[str, list[ChatMessage]]] = []
        self.calls: Counter[str] = Counter()

    async def complete(self, messages, *, schema, purpose, params: SamplingParams) -> LLMReply:
        self.requests.append((purpose, list(messages)))
        self.calls[purpose] += 1
        handler = self.handlers[purpose]
        reply = handler(messages) if callable(handler) else handler
        text = json.dumps(reply) if isinstance(reply, dict) else reply
        return LLMReply(
            text=text,
            prompt_tokens=sum(estimate_tokens(m.content) for m in messages),
            completion_tokens=estimate_tokens(text),
        )


def make_sim(town_map, personas, model, *, start=datetime(2025, 2, 13, 8, 0), cognition=None, **engine):
    from town.core.engine import EngineConfig

    return Simulation(
        town_map=town_map,
        personas=personas,
        llm=StructuredLLM(model, GatewayConfig(backoff_seconds=0)),
        embedder=CachingEmbedder(HashingEmbedder()),
        index_factory=NumpyIndex,
        clock=GameClock(start=start),
        seed=0,
        model_name=model.name,
        engine_config=EngineConfig(**engine),
        cognition=cognition or CognitionConfig(),
    )


def collect(sim):
    events = []
    sim.subscribe(events.append)
    return events


def golden_path(name: str) -> Path:
    return Path(__file__).parent / "golden" / f"{name}.txt"


# Starts `town` with Ctrl-C as at a terminal. A test run started in the background (a shell's `cmd &`) has SIGINT
# ignored, every child inherits that, and a Python started that way never turns SIGINT into KeyboardInterrupt: a test
# of Ctrl-C would hang instead. The disposition is reset, then the real command is exec'd (SIG_DFL survives exec).
_AS_AT_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'town.cli', *sys.argv[1:]])"
)


def town_argv(args: list[str]) -> list[str]:
    """The command line of `town ARGS` for a subprocess that a test may interrupt with SIGINT."""
    import sys

    return [sys.executable, "-c", _AS_AT_A_TERMINAL, *args]


def interrupt_town(args: list[str], watch: Path, min_bytes: int, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `python -m town.cli ARGS` (in the folder above the run folder), press Ctrl-C once `watch` holds
    `min_bytes`, return (exit code, stderr)."""
    import os
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(
        town_argv(args),
        cwd=watch.parent.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while not watch.exists() or watch.stat().st_size < min_bytes:
        if proc.poll() is not None:  # it ended (a crash at start-up, a refused option) before there was anything
            _, err = proc.communicate()
            raise AssertionError(f"the town exited with {proc.returncode} before it was interrupted:\n{err[-2000:]}")
        if time.time() > deadline:
            proc.kill()
            _, err = proc.communicate()
            raise AssertionError(f"{watch} never reached {min_bytes} bytes:\n{err[-2000:]}")
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err
