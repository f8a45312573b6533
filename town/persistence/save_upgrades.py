"""Save upgraders: each turns the raw JSON files of save version N (file name -> parsed JSON) into version N + 1.

A format change bumps SAVE_VERSION (town/persistence/manifest.py), adds its manifest model there and one upgrader
here, so every save ever written keeps loading. An upgrader only reshapes data; the loader validates the result
against the current models afterwards, so a save an upgrader cannot make sense of fails with the usual one-line error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upgrader = Callable[[dict[str, Any]], dict[str, Any]]

# Version 1 kept a mind's state flat; version 2 groups it by the component that owns it (the defaults are version 1's).
_AGENDA_V1 = {
    "schedule": [],
    "plan_day": None,
    "steps": [],
    "step_end_tick": 0,
    "current_action_text": "",
    "current_activity": "",
    "replan_context": None,
    "prefetched": False,
    "plan_version": 0,
}
_ATTENTION_V1 = {"salient": None, "salient_tick": -1, "last_reaction_tick": 0, "chat_cooldown": {}}
_MEMORY_LANE_V1 = {"pending": [], "importance_cache": {}, "reflection_questions": None}
_LANES_V1 = {"busy": [], "asleep": False, "departed": False}


def _mind_1_to_2(mind: Any) -> Any:
    if not isinstance(mind, dict):
        return mind  # not a mind at all: the validation after the upgrade says so

    def group(defaults: dict[str, Any]) -> dict[str, Any]:
        return {key: mind.pop(key, default) for key, default in defaults.items()}

    mind = dict(mind)
    agenda = group(_AGENDA_V1)
    if isinstance(agenda["steps"], list):
        agenda["steps"] = [
            dict(zip(("minutes", "action", "arena", "object"), step, strict=False)) if isinstance(step, list) else step
            for step in agenda["steps"]
        ]
    return {
        "persona": mind.pop("persona", None),
        "agenda": agenda,
        "attention": group(_ATTENTION_V1),
        "memory_lane": group(_MEMORY_LANE_V1),
        "lanes": group(_LANES_V1),
        "memory": mind.pop("memory", {}),
        **mind,  # anything else was not in version 1: left for the validation to name
    }


def _world_1_to_2(engine: Any) -> Any:
    """Version 1 listed bodies and conversations beside the engine's counters; version 2 saves the world as it is."""
    if not isinstance(engine, dict):
        return engine
    engine = dict(engine)
    bodies, conversations = engine.pop("bodies", []), engine.pop("conversations", [])
    world = {
        "tick": engine.pop("tick", 0),
        "bodies": {b.get("name"): b for b in bodies if isinstance(b, dict)} if isinstance(bodies, list) else bodies,
        "objects": engine.pop("objects", {}),
        "object_users": engine.pop("object_users", {}),
        "conversations": (
            {str(c.get("id")): c for c in conversations if isinstance(c, dict)}
            if isinstance(conversations, list)
            else conversations
        ),
        "next_conversation_id": engine.pop("next_conversation_id", 1),
    }
    return {"next_event_id": engine.pop("next_event_id", None), "world": world, **engine}


def _runtime_1_to_2(runtime: Any) -> Any:
    """Version 1 nested the run's counters under `counters`; version 2 saves the totals object as it is."""
    if not isinstance(runtime, dict) or not isinstance(runtime.get("stats"), dict):
        return runtime
    stats = dict(runtime["stats"])
    counters = stats.pop("counters", {})
    return {**runtime, "stats": {**stats, **(counters if isinstance(counters, dict) else {"counters": counters})}}


def _config_1_to_2(config: Any) -> Any:
    """Version 1's engine counted a conversation's silence in ticks; version 2 in game minutes."""
    if not isinstance(config, dict) or not isinstance(config.get("engine"), dict):
        return config
    engine = dict(config["engine"])
    ticks = engine.pop("turn_timeout_ticks", None)
    if isinstance(ticks, int) and isinstance(config.get("tick_seconds"), int):
        engine["turn_timeout_minutes"] = ticks * config["tick_seconds"] / 60
    return {**config, "engine": engine}


def upgrade_1_to_2(raw: dict[str, Any]) -> dict[str, Any]:
    upgraded = {name: _mind_1_to_2(value) if name.startswith("agents/") else value for name, value in raw.items()}
    if "world.json" in upgraded:
        upgraded["world.json"] = _world_1_to_2(upgraded["world.json"])
    if "runtime.json" in upgraded:
        upgraded["runtime.json"] = _runtime_1_to_2(upgraded["runtime.json"])
    manifest = dict(raw["manifest.json"])
    manifest.update(save_version=2, written_by="unknown (a version-1 save, which did not record it)")
    manifest["config"] = _config_1_to_2(manifest.get("config"))
    upgraded["manifest.json"] = manifest
    return upgraded


def upgrade_2_to_3(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 3 moved memory into append-only logs; read back, a version-2 save's state is already in its shape.

    The loader reads each version's files into the same JSON (minds with their records), so only the manifest
    changes: it gains `embedding_dim`, which version 2 did not need (its .npy files carry their shape).
    """
    manifest = dict(raw["manifest.json"])
    manifest.update(save_version=3, embedding_dim=None)
    return {**raw, "manifest.json": manifest}


UPGRADERS: dict[int, Upgrader] = {1: upgrade_1_to_2, 2: upgrade_2_to_3}
