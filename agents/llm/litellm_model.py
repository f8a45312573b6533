"""`LiteLLMModel`: every real provider through litellm, and `check_model`, the pre-flight check of a model choice.

Model strings are litellm's: `gpt-4o-mini`, `anthropic/claude-...`, `ollama/llama3.1`, `openai/NAME` with `api_base`
for vLLM or llama.cpp servers, and `embedded/smollm2-135m-instruct` for the bundled offline default. Provider
exceptions become `ProviderError`s marked transient (timeout, rate limit, 5xx, connection) or not (auth, bad request).
"""

from __future__ import annotations

import atexit
import json
import math
import os
import socket
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel

from agents.llm.endpoints import EndpointPool
from agents.llm.local_llama import EMBEDDED_PROVIDER, make_handler
from agents.llm.protocol import ChatMessage, LLMReply, ProviderError, SamplingParams, guard_real_call, schema_json
from agents.llm.structured_modes import (
    MODES,
    PROBE_SCHEMA,
    StructuredMode,
    StructuredSetting,
    response_format,
)
from town.core.errors import ConfigError
from town.core.secrets import redact

_embedded_handler: list[Any] = []  # at most one loaded SmolLM2 per process, shared by every LiteLLMModel


def import_litellm() -> Any:
    """Import litellm with its network look-ups turned off (price map, telemetry)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm  # noqa: PLC0415 - heavy backend, imported only when a real model is used

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    # Providers differ in what they accept (a seed, a schema); drop what one does not support instead of failing.
    litellm.drop_params = True
    if not _embedded_handler:
        _embedded_handler.append(make_handler())
        # Whatever is still loaded at exit is freed while the interpreter can still do it (llama.cpp's destructor
        # fails once module teardown has begun, printing a traceback after a run that went well).
        atexit.register(close_embedded)
    if not any(entry.get("provider") == EMBEDDED_PROVIDER for entry in litellm.custom_provider_map):
        litellm.custom_provider_map = [
            *litellm.custom_provider_map,
            {"provider": EMBEDDED_PROVIDER, "custom_handler": _embedded_handler[0]},
        ]
        litellm.utils.custom_llm_setup()
    return litellm


def cancel_embedded() -> None:
    """Cut short what the embedded model is generating or about to generate (quitting the app)."""
    for handler in _embedded_handler:
        handler.cancel()


def close_embedded() -> None:
    """Free the embedded model explicitly (its destructor complains when left to interpreter exit)."""
    for handler in _embedded_handler:
        handler.close()


class LiteLLMModel:
    """One model through litellm.

    Several `api_base`s (comma-separated: replicas of one self-hosted model) share the calls through an
    `EndpointPool`: each call goes to the least busy replica, at most `endpoint_concurrency[base]` (or its "*" entry)
    at once on each.
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        timeout_s: float = 60.0,
        structured: StructuredSetting = "auto",
        endpoint_concurrency: dict[str, int] | None = None,
    ) -> None:
        self.name = model
        bases = [b.strip() for b in (api_base or "").split(",") if b.strip()]
        limits = dict(endpoint_concurrency or {})
        unknown = sorted(set(limits) - {"*", *bases})
        if unknown:
            raise ConfigError(
                f"gateway.endpoint_concurrency names {', '.join(unknown)}, which is not one of the --api-base "
                f'addresses ({", ".join(bases) or "none given"}); use "*" for every endpoint'
            )
        # "" stands for the provider's own address (no --api-base).
        self.pool = EndpointPool(bases or [""], {b: n for b, n in limits.items() if b != "*"}, limits.get("*"))
        self.timeout_s = timeout_s
        # Only servers on this machine's loopback: the pytest guard lets those through (see guard_real_call).
        self.loopback = bool(bases) and all(is_loopback(b) for b in bases)
        if not bases and model.split("/", maxsplit=1)[0] in {"ollama", "ollama_chat"}:
            self.loopback = True  # litellm's default Ollama address is localhost:11434
        self.structured = structured
        # The mode in use: fixed by the setting, or (auto) litellm's view until a pre-flight probe tries the server.
        self.mode: StructuredMode = structured if structured != "auto" else self._mode_litellm_expects()
        self.mode_note = "set" if structured != "auto" else "litellm's model information"

    def _mode_litellm_expects(self) -> StructuredMode:
        if self.is_embedded:
            return "json_schema"
        return "json_schema" if _supports_schema(import_litellm(), self.name) else "none"

    def probe(self, timeout_s: float) -> list[tuple[str, ProviderError | None]]:
        """One tiny synchronous request per endpoint (see `agents.llm.preflight`): (endpoint, failure or None).

        Synchronous on purpose: litellm keeps async clients per event loop, and the run's loop is not started yet.
        """
        guard_real_call(self.name, loopback=self.loopback)
        litellm = import_litellm()
        results: list[tuple[str, ProviderError | None]] = []
        for base in self.pool.bases:
            request: dict[str, Any] = {
                "model": self.name,
                "messages": [{"role": "user", "content": "Reply with the single word: ok"}],
                "max_tokens": 8,
                "temperature": 0.0,
                "timeout": timeout_s,
                "num_retries": 0,
            }
            if base:
                request["api_base"] = base
            failure = self._ask_once(litellm, request)[1]
            if failure is not None and _rate_limited(failure):
                failure = None  # a server that says "not now" is alive and serving; the gateway waits as told
            results.append((base, failure))
            if failure is None and self.structured == "auto" and not self.is_embedded and base == results[0][0]:
                self._negotiate(litellm, request)  # once, on the first endpoint: replicas serve one model
        return results

    def _ask_once(self, litellm: Any, request: dict[str, Any]) -> tuple[str | None, ProviderError | None]:
        try:
            return reply_text(litellm.completion(**request)), None
        except ProviderError as exc:
            return None, exc
        except Exception as exc:  # litellm raises a wide family of provider exceptions
            return None, as_provider_error(litellm, exc)

    def _negotiate(self, litellm: Any, request: dict[str, Any]) -> None:
        """Try the structured-output modes on the real server, strongest first; keep the first that gives JSON."""
        refused: list[str] = []
        for mode in MODES:
            if mode == "none":
                break
            probe = {**request, "max_tokens": 24, "response_format": response_format(mode, "Probe", PROBE_SCHEMA)}
            probe["messages"] = [{"role": "user", "content": 'Answer with the JSON object {"ok": true}.'}]
            text, failure = self._ask_once(litellm, probe)
            if failure is None and text is not None and _is_json_object(text):
                self.mode = mode
                self.mode_note = "the server accepted it" + (f" (refused {', '.join(refused)})" if refused else "")
                return
            refused.append(mode)
        self.mode = "none"
        self.mode_note = f"the server refused {', '.join(refused)}: JSON is extracted from plain text"

    @property
    def is_embedded(self) -> bool:
        return self.name.startswith(f"{EMBEDDED_PROVIDER}/")

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        schema: type[BaseModel] | None,
        purpose: str,
        params: SamplingParams,
    ) -> LLMReply:
        guard_real_call(self.name, loopback=self.loopback)
        litellm = import_litellm()
        request: dict[str, Any] = {
            "model": self.name,
            "messages": [m.model_dump() for m in messages],
            "temperature": params.temperature,
            "max_tokens": params.max_tokens,
            "seed": params.seed,
            "timeout": self.timeout_s,
            "num_retries": 0,  # the gateway retries with its own backoff and counts every attempt
        }
        if schema is not None:
            fmt = response_format(self.mode, schema.__name__, schema_json(schema))
            if fmt is not None:
                request["response_format"] = fmt
        async with self.pool.endpoint() as base:
            if base:
                request["api_base"] = base
            try:
                response = await litellm.acompletion(**request)
            except Exception as exc:  # litellm raises a wide family of provider exceptions
                raise as_provider_error(litellm, exc) from None
        text = reply_text(response)
        usage = getattr(response, "usage", None)
        cost = 0.0
        if not self.is_embedded:
            try:
                cost = float(litellm.completion_cost(completion_response=response) or 0.0)
            except Exception:  # unknown prices are common for self-hosted models; cost stays 0
                cost = 0.0
        return LLMReply(
            text=text,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost=cost,
        )


def is_loopback(api_base: str) -> bool:
    host = urlparse(api_base).hostname or ""
    return host in {"localhost", "127.0.0.1", "::1"} or host.startswith("127.")


def _supports_schema(litellm: Any, model: str) -> bool:
    try:
        return bool(litellm.supports_response_schema(model=model))
    except Exception:
        return False


def as_provider_error(litellm: Any, exc: Exception) -> ProviderError:
    transient_types = tuple(
        t
        for t in (
            getattr(litellm, name, None)
            for name in (
                "Timeout",
                "RateLimitError",
                "ServiceUnavailableError",
                "InternalServerError",
                "APIConnectionError",
            )
        )
        if isinstance(t, type)
    )
    status = getattr(exc, "status_code", None)
    transient = isinstance(exc, transient_types) or (isinstance(status, int) and (status == 429 or status >= 500))
    if _is_auth_problem(litellm, exc):
        transient = False  # a missing or rejected key does not get better by asking again
    return ProviderError(redact(f"{type(exc).__name__}: {exc}"), transient=transient, retry_after_s=_retry_after(exc))


def _is_auth_problem(litellm: Any, exc: Exception) -> bool:
    auth = getattr(litellm, "AuthenticationError", None)
    if isinstance(auth, type) and isinstance(exc, auth):
        return True
    text = str(exc).lower()
    return "missing credentials" in text or "api_key client option must be set" in text or "invalid api key" in text


def _retry_after(exc: Exception) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form) on the error's HTTP response, if the server sent one."""
    for source in (getattr(exc, "response", None), exc):
        headers = getattr(source, "headers", None) or getattr(source, "litellm_response_headers", None)
        if not headers:
            continue
        try:
            value = headers.get("retry-after") or headers.get("Retry-After")
        except AttributeError:
            continue
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds >= 0 and math.isfinite(seconds):
            return seconds
    return None


def _rate_limited(error: ProviderError) -> bool:
    return error.retry_after_s is not None or str(error).startswith("RateLimitError")


def reply_text(response: Any) -> str:
    """The reply's text; a reply without choices, message or content is a failed attempt, never a crash."""
    choices = getattr(response, "choices", None) or []
    if not choices:  # some servers answer 200 with no choices under load
        raise ProviderError("the server answered with an empty choices list", transient=True)
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None) if message is not None else None
    if content is None:
        if getattr(message, "tool_calls", None):
            raise ProviderError("the server answered with tool calls and no text", transient=False)
        raise ProviderError("the server answered with no message content", transient=True)
    return str(content)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text.strip()), dict)
    except ValueError:
        return False


def check_model(model: str, api_base: str | None = None) -> None:
    """Refuse to start, with a one-line reason, when the model string or its endpoint cannot work.

    Checks what can be known without spending a call: litellm knows the provider, the provider's API key is in the
    environment, and a given api_base accepts TCP connections. (We refuse rather than run a whole day on fallbacks.)
    """
    if model.startswith(f"{EMBEDDED_PROVIDER}/"):
        from agents.llm.local_llama import embedded_threads  # noqa: PLC0415
        from agents.llm.model_store import find_gguf  # noqa: PLC0415

        find_gguf(model.removeprefix(f"{EMBEDDED_PROVIDER}/"))
        embedded_threads()  # a bad TOWN_EMBEDDED_THREADS is refused before the run, not at the first call
        return
    litellm = import_litellm()
    bases = [b.strip() for b in (api_base or "").split(",") if b.strip()]
    api_base = bases[0] if bases else None
    try:
        _, provider, _, _ = litellm.get_llm_provider(model=model, api_base=api_base)
    except Exception:
        raise ConfigError(
            f"model {model!r}: litellm does not know this provider; use a litellm model string such as gpt-4o-mini, "
            f"ollama/llama3.1 or openai/NAME with --api-base"
        ) from None
    if bases:
        for base in bases:  # every replica must answer: a dead one would eat a share of the calls
            check_reachable(base)
    elif provider not in {"ollama", "ollama_chat", "hosted_vllm", "lm_studio", "llamafile"}:
        try:
            env = litellm.validate_environment(model=model)
        except Exception:
            env = {"keys_in_environment": True}
        if not env.get("keys_in_environment", True):
            missing = ", ".join(env.get("missing_keys") or ["the provider's API key"])
            raise ConfigError(f"model {model!r}: set {missing} in the environment (keys are read only from there)")


def check_reachable(api_base: str) -> None:
    parsed = urlparse(api_base)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ConfigError(f"--api-base {api_base!r}: expected a URL like http://localhost:8000/v1")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=3.0):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"--api-base {api_base}: cannot connect ({reason}); start the server or fix the URL"
        ) from None
