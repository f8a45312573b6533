"""Builders that turn a `RunConfig` into live parts.

`build_model`, `build_embedder`, `index_factory`, `roster`, `load_world`, `build_simulation`. Heavy backends are
imported only when the configuration asks for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from agents.embedding import CachingEmbedder, Embedder, HashingEmbedder
from agents.llm.cache import RecordReplayModel
from agents.llm.fakes import FixedLatencyModel, SchemaFakeModel
from agents.llm.protocol import ChatModel
from agents.llm.structured import CallRecord, StructuredLLM
from agents.persona import Persona, check_against_map, check_unique, load_personas
from agents.settings_files import describe_validation_error
from agents.vector_index import NumpyIndex, VectorIndex
from town.core.clock import GameClock
from town.core.errors import ConfigError
from town.core.places import TownMap, load_town_map
from town.runtime.config import RunConfig
from town.runtime.simulation import Simulation

FAKE_MODEL = "fake"


def build_model(config: RunConfig) -> ChatModel:
    """The provider chain: fake or litellm, wrapped in the record/replay cache unless it is off."""
    model: ChatModel
    if config.model == FAKE_MODEL:
        model = SchemaFakeModel(seed=config.seed)
        if config.fake_latency_s > 0:
            model = FixedLatencyModel(model, config.fake_latency_s)
    else:
        from agents.llm.litellm_model import LiteLLMModel, check_model  # noqa: PLC0415 - imports litellm lazily

        check_model(config.model, config.api_base)
        remote = LiteLLMModel(
            config.model,
            api_base=config.api_base,
            timeout_s=config.gateway.timeout_s,
            structured=config.gateway.structured,
            endpoint_concurrency=config.gateway.endpoint_concurrency,
        )
        if config.preflight and not remote.is_embedded:
            from agents.llm.preflight import preflight  # noqa: PLC0415

            preflight(remote, config.preflight_timeout_s)
        model = remote
    if config.cache != "off":
        model = RecordReplayModel(model, config.cache_path or config.out / "llm_cache.jsonl", mode=config.cache)
    return model


def build_embedder(config: RunConfig) -> Embedder:
    if config.embedder == "hashing":
        return CachingEmbedder(HashingEmbedder())
    if config.embedder.startswith("api:"):
        from agents.llm.api_embedder import ApiEmbedder  # noqa: PLC0415 - imports litellm lazily

        return CachingEmbedder(ApiEmbedder(config.embedder.removeprefix("api:"), config.embedder_api_base))
    from agents.llm.sentence_embedder import SentenceEmbedder  # noqa: PLC0415 - imports torch lazily

    return CachingEmbedder(SentenceEmbedder())


def index_factory(config: RunConfig) -> Callable[[int], VectorIndex]:
    if config.index == "numpy":
        return NumpyIndex
    if config.index == "half":
        from agents.llm.half_index import HalfIndex  # noqa: PLC0415 - imports torch

        return HalfIndex
    from agents.llm.faiss_index import FaissIndex  # noqa: PLC0415

    return FaissIndex


def roster(personas: list[Persona], count: int) -> list[Persona]:
    """The first `count` personas; past the cast, copies with numbered names and ids (for benchmarks and crowds)."""
    if count <= len(personas):
        return personas[:count]
    out = list(personas)
    copy = 2
    while len(out) < count:
        for persona in personas:
            if len(out) == count:
                break
            out.append(persona.model_copy(update={"id": f"{persona.id}-{copy}", "name": f"{persona.name} {copy}"}))
        copy += 1
    return out


def changed(personas: list[Persona], changes: dict[str, dict[str, Any]]) -> list[Persona]:
    """The personas with `changes` (name -> fields) applied; a name not in the cast or a bad value is refused."""
    names = {p.name for p in personas}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise ConfigError(f"persona_changes: {', '.join(unknown)} is not in this cast ({', '.join(sorted(names))})")
    out = []
    for persona in personas:
        if persona.name not in changes:
            out.append(persona)
            continue
        try:
            out.append(Persona.model_validate({**persona.model_dump(), **changes[persona.name]}))
        except ValidationError as exc:
            raise ConfigError(f"persona_changes: {persona.name}: {describe_validation_error(exc)}") from None
    return out


def load_world(config: RunConfig) -> tuple[TownMap, list[Persona]]:
    town_map = load_town_map(config.map)
    personas = changed(roster(load_personas(config.personas), config.agents), config.persona_changes)
    check_unique(personas, [f"persona {p.name!r} (agent {i + 1})" for i, p in enumerate(personas)])
    for persona in personas:
        check_against_map(persona, town_map)
    return town_map, personas


def build_simulation(
    config: RunConfig,
    *,
    model: ChatModel | None = None,
    embedder: Embedder | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
    world: tuple[TownMap, list[Persona]] | None = None,
) -> Simulation:
    town_map, personas = world if world is not None else load_world(config)
    chat_model = model if model is not None else build_model(config)
    llm = StructuredLLM(chat_model, config.gateway, seed=config.seed)
    return Simulation(
        town_map=town_map,
        personas=personas,
        llm=llm,
        embedder=embedder if embedder is not None else build_embedder(config),
        index_factory=index_factory(config),
        clock=GameClock(start=config.start, tick_seconds=config.tick_seconds),
        seed=config.seed,
        model_name=config.model,
        engine_config=config.engine,
        cognition=config.cognition,
        run_config=config.public_dict(),
        on_call=on_call,
    )
