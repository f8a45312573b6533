"""What the inspector shows of an agent's memories: each text once, importance on its own 1-10 scale."""

from agents.memory import MemoryDraft
from tests.conftest import fake_config
from town.runtime.builders import build_simulation
from town.runtime.snapshot import SnapshotBuilder


def test_top_memories_are_distinct_and_show_importance_from_1_to_10(tmp_path):
    sim = build_simulation(fake_config(tmp_path, agents=2))
    sim.start()
    mind = sim.minds[0]
    same = "Mei Lin is serving customers at Rosewood Cafe: cafe"
    drafts = [MemoryDraft(kind="observation", text=same, importance=2) for _ in range(6)]
    drafts += [MemoryDraft(kind="thought", text="The harvest party matters to everyone", importance=9)]
    drafts += [MemoryDraft(kind="observation", text=f"Tom waved {i}", importance=1 + i) for i in range(4)]
    mind.memory.add_many(drafts, 0)
    view = SnapshotBuilder(sim).inspect(mind.name, [], False)
    texts = [m.text for m in view.memories]
    assert len(texts) == len(set(texts)) == 5
    assert texts.count(same) <= 1
    assert all(1 <= m.importance <= 10 and float(m.importance).is_integer() for m in view.memories)
    party = [m for m in view.memories if m.text.startswith("The harvest party")]
    assert party and party[0].importance == 9  # the memory's own score, not 0-1 after min-max normalising
    assert "1-10" in view.memories_title
