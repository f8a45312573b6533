"""`town bench compare`: `memory_compare`, `agent_compare`, `bench_compare` — this town beside Concordia.

Concordia is PyPI `gdm-concordia` (the `[bench]` extra), run on the same machine with the same inputs.

- Memory: add N memories and retrieve the top 30 for a query, at 1k / 10k / 100k, with the same deterministic embedder
  (the hashing embedder) on both sides. Ours scores recency, importance and relevance over every record (Park et al.'s
  retrieval); Concordia's `AssociativeMemoryBank.retrieve_associative` ranks by cosine alone.
- Agent steps: the same counting fake language model answers both. An agent step is one decision of what to do next:
  for Concordia's basic entity an `observe` + `act` (its situation, self and "what would I do" questions, then the
  action); for ours an action started by an awake agent during a simulated game hour (plans, decompositions, reactions,
  conversations, importance and reflection calls included). Calls and prompt tokens per step, wall time per step.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from agents.embedding import HashingEmbedder
from agents.llm.fakes import CountingModel, SchemaFakeModel
from agents.llm.protocol import estimate_tokens
from agents.memory import MemoryDraft, MemoryStream
from agents.retrieval import RetrievalWeights
from agents.vector_index import NumpyIndex
from town.core.clock import GameClock
from town.core.errors import ConfigError

MEMORY_SIZES = (1_000, 10_000, 100_000)
AGENT_COUNTS = (5, 25)


def _concordia() -> Any:
    try:
        import concordia  # noqa: PLC0415
    except ImportError:
        raise ConfigError(
            "bench compare: Concordia is not installed; pip install -e '.[bench]' (gdm-concordia)"
        ) from None
    return concordia


def _texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    words = "market cafe party council garden music coffee bread library park friend plan tea story walk".split()
    return [f"memory {i}: " + " ".join(words[int(j)] for j in rng.integers(0, len(words), size=8)) for i in range(n)]


def memory_compare(sizes: tuple[int, ...] = MEMORY_SIZES, queries: int = 10) -> list[dict[str, Any]]:
    _concordia()
    from concordia.associative_memory.basic_associative_memory import AssociativeMemoryBank  # noqa: PLC0415

    embedder = HashingEmbedder()
    rows = []
    for n in sizes:
        texts = _texts(n)
        ours = MemoryStream(embedder, NumpyIndex(embedder.dim), GameClock())
        started = time.perf_counter()
        for start in range(0, n, 1000):
            ours.add_many(
                [MemoryDraft(kind="observation", text=t, importance=3) for t in texts[start : start + 1000]],
                start // 100,
            )
        ours_add = time.perf_counter() - started
        theirs = AssociativeMemoryBank(sentence_embedder=lambda text: embedder.embed([text])[0])
        started = time.perf_counter()
        theirs.extend(texts)
        theirs_add = time.perf_counter() - started
        ours_ms, theirs_ms = [], []
        weights = RetrievalWeights(top_k=30)
        for q in range(queries):
            query = texts[(q * 7919) % n]
            t0 = time.perf_counter()
            ours.retrieve(query, n // 100 + 1, weights, touch=False)
            ours_ms.append(1000 * (time.perf_counter() - t0))
            t0 = time.perf_counter()
            theirs.retrieve_associative(query, k=30)
            theirs_ms.append(1000 * (time.perf_counter() - t0))
        rows.append(
            {
                "memories": n,
                "add_s_ours": round(ours_add, 2),
                "add_s_concordia": round(theirs_add, 2),
                "retrieve_ms_ours": round(statistics.median(ours_ms), 2),
                "retrieve_ms_concordia": round(statistics.median(theirs_ms), 2),
                "retrieve_speedup": round(statistics.median(theirs_ms) / statistics.median(ours_ms), 1),
                "add_speedup": round(theirs_add / ours_add, 1),
            }
        )
    return rows


def _counting_concordia_model(language_model: Any) -> Any:
    class Counting(language_model.LanguageModel):  # type: ignore[misc, name-defined]
        """The same fake on Concordia's interface: seeded sentences, tokens estimated as on our side."""

        def __init__(self) -> None:
            self.calls = 0
            self.prompt_tokens = 0
            self._rng = np.random.default_rng(0)

        def sample_text(
            self,
            prompt: str,
            *,
            max_tokens: int = 256,
            terminators: Collection[str] = (),
            temperature: float = 0.5,
            timeout: float = 60,
            seed: int | None = None,
        ) -> str:
            self.calls += 1
            self.prompt_tokens += estimate_tokens(prompt)
            return "I think I will walk to the cafe and talk to a friend about the party."

        def sample_choice(
            self, prompt: str, responses: Sequence[str], *, seed: int | None = None
        ) -> tuple[int, str, Mapping[str, Any]]:
            self.calls += 1
            self.prompt_tokens += estimate_tokens(prompt)
            index = int(self._rng.integers(len(responses)))
            return index, responses[index], {}

    return Counting()


def agent_compare(counts: tuple[int, ...] = AGENT_COUNTS, steps: int = 6) -> list[dict[str, Any]]:
    _concordia()
    from concordia.associative_memory.basic_associative_memory import AssociativeMemoryBank  # noqa: PLC0415
    from concordia.language_model import language_model  # noqa: PLC0415
    from concordia.prefabs.entity import basic  # noqa: PLC0415

    from town.runtime.builders import build_simulation  # noqa: PLC0415
    from town.runtime.config import RunConfig  # noqa: PLC0415

    embedder = HashingEmbedder()
    rows = []
    for agents in counts:
        model = _counting_concordia_model(language_model)
        entities = []
        for i in range(agents):
            bank = AssociativeMemoryBank(sentence_embedder=lambda text: embedder.embed([text])[0])
            prefab = basic.Entity(params={"name": f"Agent {i}", "goal": "have a good day"})
            entities.append(prefab.build(model=model, memory_bank=bank))
        started = time.perf_counter()
        for step in range(steps):
            for entity in entities:
                entity.observe(f"Step {step}: it is a quiet morning in the town square.")
                entity.act()
        theirs_wall = time.perf_counter() - started
        theirs_steps = steps * agents

        counting = CountingModel(SchemaFakeModel(seed=0))
        config = RunConfig(agents=agents, hours=1, model="fake", embedder="hashing", index="numpy", cache="off")
        sim = build_simulation(config, model=counting)
        events: list[Any] = []
        sim.subscribe(events.append)
        started = time.perf_counter()
        asyncio.run(sim.run(config.ticks))
        ours_wall = time.perf_counter() - started
        ours_steps = sum(1 for e in events if e.type == "action" and e.description not in ("sleeping", "waking up"))
        ours_tokens = sum(counting.prompt_tokens.values())
        rows.append(
            {
                "agents": agents,
                "concordia_steps": theirs_steps,
                "concordia_calls_per_step": round(model.calls / theirs_steps, 2),
                "concordia_prompt_tokens_per_step": round(model.prompt_tokens / theirs_steps),
                "concordia_ms_per_step": round(1000 * theirs_wall / theirs_steps, 1),
                "our_steps": ours_steps,
                "our_calls_per_step": round(counting.total_calls / max(1, ours_steps), 2),
                "our_prompt_tokens_per_step": round(ours_tokens / max(1, ours_steps)),
                "our_ms_per_step": round(1000 * ours_wall / max(1, ours_steps), 1),
            }
        )
        row = rows[-1]
        row["calls_ratio_concordia_to_ours"] = round(
            row["concordia_calls_per_step"] / max(row["our_calls_per_step"], 1e-9), 1
        )
        row["tokens_ratio_concordia_to_ours"] = round(
            row["concordia_prompt_tokens_per_step"] / max(row["our_prompt_tokens_per_step"], 1), 1
        )
        row["time_ratio_concordia_to_ours"] = round(row["concordia_ms_per_step"] / max(row["our_ms_per_step"], 1e-9), 1)
    return rows


FEATURES = {
    "ours": "perception (vision, attention, retention), memory stream with recency/importance/relevance retrieval and "
    "batched importance scoring, reflection with evidence, day plan + lazy decomposition over map places, reactions, "
    "turn-taking conversations, movement on a Tiled map",
    "concordia basic entity": "observation log, associative memory (cosine retrieval), three reasoning questions per "
    "act (situation, self, what would a person like me do), free-text action; no map, no planning or reflection "
    "components in this prefab",
}


def bench_compare(sizes: tuple[int, ...] = MEMORY_SIZES, agents: tuple[int, ...] = AGENT_COUNTS) -> dict[str, Any]:
    return {
        "benchmark": "compare",
        "memory": memory_compare(sizes),
        "agent_steps": agent_compare(agents),
        "features": FEATURES,
    }
