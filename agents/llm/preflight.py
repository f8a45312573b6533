"""`preflight`: one tiny real request to the model before a run starts, so a dead endpoint is refused up front.

The connection check in `check_model` only proves a port is open. A server that accepts TCP but never answers, an
`--api-base` missing its `/v1` (every call a 404), a 501, a missing key, a stopped Ollama: each would otherwise let a
whole day run on fallbacks and exit 0. The preflight asks every endpoint for a few tokens with a short timeout and
turns any failure into one `ConfigError` line; `--no-preflight` skips it (for a server that is still starting, say).
It is synchronous and outside the gateway: it is not a call of the run, and nothing of it is logged or cached.
"""

from __future__ import annotations

from typing import Protocol

from agents.llm.protocol import ProviderError
from town.core.errors import ConfigError


class Probeable(Protocol):
    name: str

    def probe(self, timeout_s: float) -> list[tuple[str, ProviderError | None]]: ...


def preflight(model: Probeable, timeout_s: float) -> None:
    """Raise `ConfigError` unless every endpoint of `model` answers a one-line request within `timeout_s` seconds."""
    for endpoint, failure in model.probe(timeout_s):
        if failure is not None:
            where = f"model {model.name!r}" + (f" at {endpoint}" if endpoint else "")
            raise ConfigError(f"{where}: a test request failed ({failure}){_hint(str(failure))}")


def _hint(reason: str) -> str:
    lowered = reason.lower()
    if "timeout" in lowered or "timed out" in lowered:
        return "; is the server up and serving this model? (--preflight-timeout S waits longer)"
    if "404" in lowered or "not found" in lowered:
        return "; an OpenAI-compatible --api-base usually ends in /v1"
    if "credential" in lowered or "api key" in lowered or "api_key" in lowered or "401" in lowered:
        return "; set the provider's key in the environment (a keyless local server: hosted_vllm/NAME)"
    if "connect" in lowered or "refused" in lowered:
        return "; start the server or fix the address"
    return "; --no-preflight skips this check"
