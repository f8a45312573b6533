"""`RecordReplayModel`: a `ChatModel` wrapper that records every answer and replays it for an identical request.

The key is a SHA-256 of model name, messages, JSON schema and sampling parameters (seed included), so a re-run of the
same simulation from the cache makes zero provider calls and reproduces the run. The cache is a JSONL file, appended one
line per new answer and flushed at once, so a crash loses nothing already answered. Modes: `record` (hit or call and
store), `replay` (hit or fail with a non-transient provider error, which the gateway turns into a counted fallback).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import IO, Literal

from pydantic import BaseModel, ValidationError

from agents.llm.protocol import ChatMessage, ChatModel, LLMReply, ProviderError, SamplingParams, schema_json
from town.core.errors import ConfigError
from town.core.input_files import read_jsonl

CacheMode = Literal["record", "replay"]


def request_key(model: str, messages: list[ChatMessage], schema: type[BaseModel] | None, params: SamplingParams) -> str:
    payload = {
        "model": model,
        "messages": [m.model_dump() for m in messages],
        "schema": schema_json(schema) if schema is not None else None,
        "params": params.model_dump(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class RecordReplayModel:
    def __init__(self, inner: ChatModel, path: str | Path, mode: CacheMode = "record") -> None:
        self.inner = inner
        self.name = inner.name
        self.path = Path(path)
        self.mode = mode
        self.hits = 0
        self.misses = 0
        self._entries: dict[str, LLMReply] = {}
        self._missed: set[str] = set()
        self._file: IO[str] | None = None
        if self.path.exists():
            self._load()
        elif mode == "replay":
            raise ConfigError(
                f"LLM cache {self.path}: file not found (replay needs a cache recorded by an earlier run)"
            )

    def _load(self) -> None:
        # A torn last line from a crash is expected and skipped; anything earlier means the file was edited.
        where = f"LLM cache {self.path}"
        for number, entry in enumerate(read_jsonl(self.path, where, ConfigError), start=1):
            try:
                self._entries[str(entry["key"])] = LLMReply.model_validate(entry["reply"])
            except (KeyError, TypeError, ValidationError):
                raise ConfigError(f"{where}: entry {number} is corrupt; delete the file to re-record") from None

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        schema: type[BaseModel] | None,
        purpose: str,
        params: SamplingParams,
    ) -> LLMReply:
        key = request_key(self.name, messages, schema, params)
        hit = self._entries.get(key)
        if hit is not None:
            self.hits += 1
            return hit.model_copy(update={"cached": True, "cost": 0.0})
        if key not in self._missed:  # a retried attempt of the same request is not another miss
            self._missed.add(key)
            self.misses += 1
        if self.mode == "replay":
            raise ProviderError(f"no cached answer for this {purpose} request (replay mode)", transient=False)
        reply = await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        self._entries[key] = reply
        self._write(key, reply)
        return reply

    def _write(self, key: str, reply: LLMReply) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(
            json.dumps({"key": key, "reply": reply.model_dump(exclude={"cached"})}, ensure_ascii=False) + "\n"
        )
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
