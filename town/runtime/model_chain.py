"""The provider chain a run's model is (cache, budget, telemetry around the backend), and what to do with it at the end.

`close_models` flushes the record/replay cache and frees the embedded model; `cancel_models` cuts its work short;
`find_cache` and `structured_output` read what the chain holds, for summaries and forks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from agents.llm.cache import RecordReplayModel
from agents.llm.protocol import ChatModel


def cancel_models() -> None:
    """Cut short the embedded model's work in progress, if this process loaded it (remote calls cancel as tasks)."""
    backend = sys.modules.get("agents.llm.litellm_model")
    if backend is not None:
        backend.cancel_embedded()


def close_models(model: ChatModel) -> None:
    """Flush the cache file and free the embedded model (if this process loaded the real backends at all)."""
    for link in model_chain(model):
        if isinstance(link, RecordReplayModel):
            link.close()
    backend = sys.modules.get("agents.llm.litellm_model")
    if backend is not None:
        backend.close_embedded()


def find_cache(model: ChatModel) -> Path | None:
    """The record/replay cache file in a provider chain, if there is one."""
    cache = cache_model(model)
    return cache.path if cache is not None else None


def cache_model(model: ChatModel) -> RecordReplayModel | None:
    return next((m for m in model_chain(model) if isinstance(m, RecordReplayModel)), None)


def structured_output(model: ChatModel) -> dict[str, str] | None:
    """How the provider is asked for JSON (mode and why), for a real provider; None for the fakes."""
    link = next((m for m in model_chain(model) if hasattr(m, "mode") and hasattr(m, "mode_note")), None)
    return {"mode": link.mode, "why": link.mode_note} if link is not None else None


def model_chain(model: ChatModel) -> list[Any]:
    chain, inner = [], model
    while inner is not None:
        chain.append(inner)
        inner = getattr(inner, "inner", None)
    return chain
