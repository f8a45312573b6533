"""`RunStats`: an event observer that totals what a run did (ticks, calls and tokens by purpose, fallbacks, talk)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import ConfigDict, PlainSerializer

from agents.events import LLMCall
from town.core.events import Event

# Counters are written sorted: a resumed run's counters then serialise like an uninterrupted run's.
Tally = Annotated[Counter[str], PlainSerializer(lambda c: dict(sorted(c.items())), return_type=dict[str, int])]


@dataclass
class RunStats:
    """Totals by purpose and by event type; saved as it is (runtime.json), so a new total is one edit."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    ticks: int = 0
    awake_agent_ticks: int = 0
    calls: Tally = field(default_factory=Counter)
    prompt_tokens: Tally = field(default_factory=Counter)
    completion_tokens: Tally = field(default_factory=Counter)
    fallbacks: Tally = field(default_factory=Counter)
    failed_calls: Tally = field(default_factory=Counter)
    counts: Tally = field(default_factory=Counter)

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
