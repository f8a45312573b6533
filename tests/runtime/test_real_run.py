"""An integration run on the real embedded model, MiniLM embeddings and FAISS (slow: about a minute on 2 cores)."""

import asyncio
import json

import pytest

from town.persistence.runner import run_headless
from town.runtime.config import RunConfig


@pytest.mark.real_llm
@pytest.mark.slow
def test_short_run_on_the_embedded_model(tmp_path):
    config = RunConfig(agents=2, hours=0.5, seed=1, out=tmp_path / "run")  # defaults: embedded SmolLM2, minilm, faiss
    result = asyncio.run(run_headless(config))
    events = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    kinds = {e["type"] for e in events}
    assert {"run_start", "moves", "action", "memory", "llm_call", "day_plan", "steps", "run_end"} <= kinds
    calls = [e for e in events if e["type"] == "llm_call"]
    # The pipeline, not the 135M model's judgement, is under test: calls happen, are counted and logged.
    assert len(calls) >= 4 and sum(1 for c in calls if c["outcome"] == "ok") >= 2
    assert all(c["prompt_tokens"] > 0 for c in calls if c["outcome"] == "ok")
    assert result.summary["model"] == "embedded/smollm2-135m-instruct"
    assert result.summary["cache"]["misses"] == len(calls)
