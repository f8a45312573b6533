"""Park et al.'s ablations, selectable in the cognition config: no reflection, no planning, no memory."""

import asyncio

from agents.config import CognitionConfig
from agents.llm.fakes import CountingModel, SchemaFakeModel
from tests.conftest import fake_config
from town.runtime.builders import build_simulation


def _run(tmp_path, ablate, hours=4):
    config = fake_config(tmp_path, agents=4, hours=hours, seed=2)
    # A lower reflection threshold than Park et al.'s 150: four people reflect within a few game hours.
    cognition = CognitionConfig(ablate=set(ablate), reflection_threshold=60)
    config = config.model_copy(update={"cognition": cognition})
    counting = CountingModel(SchemaFakeModel(seed=2))
    sim = build_simulation(config, model=counting)
    events = []
    sim.subscribe(events.append)
    asyncio.run(sim.run(config.ticks))
    return counting, events


def test_the_full_architecture_uses_every_faculty(tmp_path):
    counting, events = _run(tmp_path, [])
    assert counting.calls["plan_day"] and counting.calls["decompose"] and counting.calls["reflect_questions"]
    assert any(e.type == "retrieval" and e.memories for e in events)


def test_no_reflection_never_reflects(tmp_path):
    counting, events = _run(tmp_path, ["reflection"])
    assert counting.calls["reflect_questions"] == counting.calls["reflect_insights"] == 0
    assert not any(e.type == "reflection" for e in events) and counting.calls["decompose"]


def test_no_planning_follows_the_routine_without_planning_calls(tmp_path):
    counting, events = _run(tmp_path, ["planning", "reflection"])
    assert counting.calls["plan_day"] == counting.calls["decompose"] == 0
    actions = [e for e in events if e.type == "action" and e.description not in ("sleeping", "waking up")]
    assert len({e.agent for e in actions}) == 4, "everyone still goes about their routine"


def test_no_memory_recalls_nothing(tmp_path):
    counting, events = _run(tmp_path, ["memory", "planning", "reflection"])
    retrievals = [e for e in events if e.type == "retrieval"]
    assert retrievals and all(e.memories == [] for e in retrievals)
    assert any(e.type == "memory" for e in events), "memories are still logged for the evaluation"
