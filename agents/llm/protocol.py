"""The model contract: `ChatMessage`, `SamplingParams`, `LLMReply`, `ChatModel`, `ProviderError`, and the pytest guard.

A provider is data (a litellm model string and options); every model, real or fake, implements `ChatModel.complete`.
"""

from __future__ import annotations

import os
import weakref
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

# Roughly four characters per token for English; used only where a provider reports no usage (fakes, some servers).
CHARS_PER_TOKEN = 4
ALLOW_REAL_LLM_ENV = "TOWN_ALLOW_REAL_LLM"


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)
    role: Literal["system", "user", "assistant"]
    content: str


class SamplingParams(BaseModel):
    model_config = ConfigDict(frozen=True)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=256, ge=1, le=8192)
    seed: int = 0


class LLMReply(BaseModel):
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    cached: bool = False


class ProviderError(Exception):
    """A provider failed; `transient` errors (timeout, 429, 5xx, connection) are retried with backoff."""

    def __init__(self, message: str, *, transient: bool, retry_after_s: float | None = None) -> None:
        super().__init__(" ".join(message.split())[:300])
        self.transient = transient
        self.retry_after_s = retry_after_s  # the server's Retry-After, when it sent one


class EmbedderUnavailable(ProviderError):
    """An embedding server failed a batch after every retry: the run stops rather than embed with anything else."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class RealCallInTestError(RuntimeError):
    """A test reached a real provider without the `real_llm` marker; never caught by fallbacks."""


@runtime_checkable
class ChatModel(Protocol):
    name: str

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        schema: type[BaseModel] | None,
        purpose: str,
        params: SamplingParams,
    ) -> LLMReply: ...


_SCHEMA_JSON: weakref.WeakKeyDictionary[type[BaseModel], dict[str, Any]] = weakref.WeakKeyDictionary()


def schema_json(schema: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of an answer model, built once per model class (it is asked for on every call).

    Kept as long as the class lives: a town of thousands has a decomposition model per agent's places, more than
    a bounded cache holds.
    """
    cached = _SCHEMA_JSON.get(schema)
    if cached is None:
        cached = _SCHEMA_JSON[schema] = schema.model_json_schema()
    return cached


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN)


def guard_real_call(model: str, *, loopback: bool = False) -> None:
    """Refuse a real provider call inside pytest unless the test is marked `real_llm` (which sets the env flag).

    A server on this machine's loopback address (a test's own HTTP server on 127.0.0.1) is not a provider: allowed.
    """
    if loopback:
        return
    if "PYTEST_CURRENT_TEST" in os.environ and os.environ.get(ALLOW_REAL_LLM_ENV) != "1":
        raise RealCallInTestError(
            f"test {os.environ['PYTEST_CURRENT_TEST']} tried to call real model {model!r}; "
            "use a fake or mark it real_llm"
        )
