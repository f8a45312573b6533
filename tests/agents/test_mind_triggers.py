import asyncio
from datetime import datetime

from agents.config import CognitionConfig
from agents.importance import MUNDANE_SCORE
from agents.memory import MemoryDraft
from tests.agents.test_conversation import CAFE_PLAN, CAFE_STEPS
from tests.helpers import ByPurpose, collect, make_sim


def numbered_count(messages):
    return sum(1 for line in messages[-1].content.splitlines() if line[:1].isdigit() and ". " in line)


def quiet_day(score: int) -> ByPurpose:
    """A day at the cafe where nobody stops to react and every memory scores `score`."""
    return ByPurpose(
        {
            "plan_day": CAFE_PLAN,
            "decompose": CAFE_STEPS,
            "react": {"talk": "no"},
            "importance": lambda m: {"scores": [score] * numbered_count(m)},
        }
    )


def test_reflection_triggers_past_the_threshold_and_cites_evidence(town_map, personas):
    model = ByPurpose(
        {
            "plan_day": CAFE_PLAN,
            "decompose": CAFE_STEPS,
            "reflect_questions": {"questions": ["What does Mei care about?", "What does Mei care about?"]},
            "reflect_insights": {
                "insights": [
                    {"text": "Mei cares about her party", "evidence": [1, 2, 99], "importance": 7},
                    {"text": "Mei cares about  her party", "evidence": [3], "importance": 7},
                ]
            },
        }
    )
    sim = make_sim(town_map, personas[:1], model, cognition=CognitionConfig(reflection_threshold=20))
    events = collect(sim)
    mind = sim.minds[0]
    sim.start()
    for text in ("Mei is planning a party", "Mei bought lanterns", "Mei invited Jonah"):
        mind.memory.add(MemoryDraft(kind="observation", text=text, importance=7), tick=0)
    assert mind.memory.importance_since_reflection == 21
    asyncio.run(sim.run(200))
    assert model.calls["reflect_questions"] == 1 and model.calls["reflect_insights"] == 1
    reflected = next(e for e in events if e.type == "reflection")
    assert reflected.questions == ["What does Mei care about?"]  # repeated questions and insights count once
    assert reflected.insights == ["Mei cares about her party"]
    thought = next(e for e in events if e.type == "memory" and e.kind == "thought")
    retrieval = next(e for e in events if e.type == "retrieval" and e.purpose == "reflect")
    # Evidence numbers 1 and 2 map to the first two statements shown; 99 was not shown and is dropped.
    assert thought.evidence == sorted(retrieval.memories[:2])
    assert mind.memory.importance_since_reflection < 20


def test_reflection_waits_until_importance_exceeds_the_threshold_not_reaches_it(town_map, personas):
    """Park et al. reflect when the importance of recent events *exceeds* the threshold."""
    sim = make_sim(town_map, personas[:1], quiet_day(score=3), cognition=CognitionConfig(reflection_threshold=20))
    mind = sim.minds[0]
    sim.start()
    for importance in (7, 7, 6):  # exactly 20
        mind.memory.add(MemoryDraft(kind="observation", text=f"worth {importance}", importance=importance), tick=0)
    _, launch = mind.next_memory(1)
    assert mind.memory.importance_since_reflection == 20 and launch is None
    mind.memory.add(MemoryDraft(kind="observation", text="one more thing", importance=1), tick=1)
    _, launch = mind.next_memory(2)
    assert launch is not None and launch.purpose == "reflect_questions"
    # The count restarts once, when the reflection is done, not when it is asked for.
    assert mind.memory.importance_since_reflection == 21


def test_memories_are_stored_at_once_and_scored_in_batches(town_map, personas):
    model = quiet_day(score=6)
    cognition = CognitionConfig(importance_batch_minutes=30, importance_batch_size=60)
    sim = make_sim(town_map, personas[:3], model, cognition=cognition)
    events = collect(sim)
    asyncio.run(sim.run(360))
    memories = [e for e in events if e.type == "memory" and e.kind == "observation"]
    assert any(not m.scored for m in memories)
    scored = [e for e in events if e.type == "memory_scored"]
    assert scored and all(s == 6 for e in scored for s in e.scores)
    # One call per agent covers every memory that waited up to half an hour, so calls are far fewer than memories.
    assert model.calls["importance"] <= 3 * 3
    assert model.calls["importance"] < len(memories) / 3
    # Idle neighbours score 1 without a call.
    for agent in sim.minds:
        for record in agent.memory.records:
            if record.text.endswith(" is idle"):
                assert record.importance == MUNDANE_SCORE and record.scored


def test_sleeping_agents_make_no_calls(town_map, personas):
    model = quiet_day(score=2)
    # 23:30 to 05:30: Mei (bed 22:30, up 06:30) sleeps throughout; Leo (bed 00:30) is up for the first hour.
    sim = make_sim(town_map, [personas[0], personas[8]], model, start=datetime(2025, 2, 13, 23, 30))
    events = collect(sim)
    asyncio.run(sim.run(6 * 360))
    assert not any(e.type == "llm_call" and e.agent == "Mei Lin" for e in events)
    leo_calls = [e for e in events if e.type == "llm_call" and e.agent == "Leo Novak"]
    assert leo_calls and max(e.tick for e in leo_calls) < 2 * 360
    sleeps = [(e.agent, e.asleep) for e in events if e.type == "sleep"]
    assert ("Mei Lin", True) in sleeps and ("Leo Novak", True) in sleeps
    assert sim.minds[0].lanes.asleep and sim.minds[1].lanes.asleep
