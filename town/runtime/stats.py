"""`RunStats`: an event observer that totals what a run did (ticks, calls and tokens by purpose, fallbacks, talk)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from agents.events import LLMCall
from town.core.events import Event


class RunStats:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.prompt_tokens: Counter[str] = Counter()
        self.completion_tokens: Counter[str] = Counter()
        self.fallbacks: Counter[str] = Counter()
        self.failed_calls: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()
        self.awake_agent_ticks = 0
        self.ticks = 0

    def __call__(self, event: Event) -> None:
        self.counts[event.type] += 1
        if isinstance(event, LLMCall):
            purpose = event.purpose
            if event.outcome in ("ok", "invalid"):
                self.calls[purpose] += 1
                self.prompt_tokens[purpose] += event.prompt_tokens
                self.completion_tokens[purpose] += event.completion_tokens
            else:
                self.failed_calls[purpose] += 1
            if event.fallback:
                self.fallbacks[purpose] += 1

    def totals(self) -> dict[str, Any]:
        """Deterministic totals, the same for a live run and a replay from cache."""
        return {
            "ticks": self.ticks,
            "awake_agent_ticks": self.awake_agent_ticks,
            "calls": sum(self.calls.values()),
            "calls_by_purpose": dict(sorted(self.calls.items())),
            "prompt_tokens": sum(self.prompt_tokens.values()),
            "completion_tokens": sum(self.completion_tokens.values()),
            "tokens_by_purpose": {p: self.prompt_tokens[p] + self.completion_tokens[p] for p in sorted(self.calls)},
            "failed_calls": sum(self.failed_calls.values()),
            "fallbacks": sum(self.fallbacks.values()),
            "fallbacks_by_purpose": dict(sorted(self.fallbacks.items())),
            "conversations": self.counts["conversation_start"],
            "utterances": self.counts["utterance"],
            "memories": self.counts["memory"],
            "reflections": self.counts["reflection"],
            "actions": self.counts["action"],
            "rejected_inputs": self.counts["input_rejected"],
        }
