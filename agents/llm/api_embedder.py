"""`ApiEmbedder`: embeddings from any embedding API through litellm, batched and concurrent.

Any server litellm reaches serves: OpenAI (`text-embedding-3-small`), and any OpenAI-compatible embedding server —
Hugging Face TEI, vLLM, llama.cpp's server — as `openai/NAME` (or `hosted_vllm/NAME`) with an `api_base`. Texts go in
batches of `batch_size`, up to `concurrency` batches at once; rows come back in input order (by the `index` each
carries), L2-normalised float32 like every embedder here. A batch that fails for a passing reason (timeout, rate
limit, 5xx, connection) is retried with backoff; one that still fails raises `EmbedderUnavailable`, which ends a run
the orderly way (its last autosave resumes it), never with vectors from another model mixed in. The dimension is
read from one probe at start, which is also the pre-flight check: a dead server is one line before anything runs.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from agents.llm.litellm_model import as_provider_error, check_reachable, import_litellm, is_loopback
from agents.llm.protocol import EmbedderUnavailable, ProviderError, guard_real_call
from town.core.errors import ConfigError
from town.core.secrets import redact


class ApiEmbedder:
    """Owns the connection settings and a thread pool for concurrent batches; `name` says which model embeds."""

    def __init__(
        self,
        model: str,
        api_base: str | None = None,
        *,
        batch_size: int = 64,
        concurrency: int = 4,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
    ) -> None:
        if not model:
            raise ConfigError("embedder api:MODEL needs a model name, e.g. api:openai/bge-small-en-v1.5")
        self.model = model
        self.api_base = api_base
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.name = f"api:{model}"
        self._litellm = import_litellm()
        self._pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="embed")
        self.calls = 0
        guard_real_call(model, loopback=bool(api_base) and is_loopback(api_base or ""))
        if api_base:
            check_reachable(api_base)
        try:
            probe = self._batch(["pre-flight"])
        except EmbedderUnavailable as exc:
            raise ConfigError(f"embedder {self.name}: {exc}") from None
        self.dim = int(probe.shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        parts = list(self._pool.map(self._batch, batches)) if len(batches) > 1 else [self._batch(batches[0])]
        return np.concatenate(parts)

    def _batch(self, texts: list[str]) -> np.ndarray:
        last: ProviderError | None = None
        for attempt in range(self.max_retries + 1):
            try:
                return self._rows(self._request(texts), len(texts))
            except ProviderError as exc:
                last = exc
                if not exc.transient:
                    break
                time.sleep(self.backoff_s * 2**attempt)
        assert last is not None
        raise EmbedderUnavailable(f"embedding {len(texts)} texts failed: {last}")

    def _request(self, texts: list[str]) -> Any:
        kwargs: dict[str, Any] = {"model": self.model, "input": texts, "timeout": self.timeout_s}
        if self.api_base:
            kwargs["api_base"] = self.api_base
            kwargs.setdefault("api_key", "none")  # self-hosted servers take any key; litellm insists on one
        self.calls += 1
        try:
            return self._litellm.embedding(**kwargs)
        except Exception as exc:
            raise as_provider_error(self._litellm, exc) from None

    def _rows(self, response: Any, count: int) -> np.ndarray:
        data = response.get("data") if isinstance(response, dict) else getattr(response, "data", None)
        if not data or len(data) != count:
            raise ProviderError(
                redact(f"the server returned {len(data or [])} embeddings for {count} texts"), transient=True
            )
        items = sorted(data, key=lambda d: int(_field(d, "index", 0)))
        rows = np.array([_field(d, "embedding", []) for d in items], dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] == 0 or (hasattr(self, "dim") and rows.shape[1] != self.dim):
            raise ProviderError(f"the server returned embeddings of shape {rows.shape}", transient=False)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return rows / norms


def _field(item: Any, name: str, default: Any) -> Any:
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)
