"""A megabyte pasted into the chat or an experiment reaches neither the prompts nor the log in full."""

import asyncio

from agents.config import CognitionConfig
from agents.llm.fakes import SchemaFakeModel
from tests.helpers import collect, make_sim

MEGABYTE = "spam " * 200_000


class PromptSizes:
    """The schema fake, noting the longest prompt it was sent."""

    def __init__(self) -> None:
        self.inner = SchemaFakeModel()
        self.name = self.inner.name
        self.longest = 0

    async def complete(self, messages, *, schema, purpose, params):
        self.longest = max(self.longest, sum(len(m.content) for m in messages))
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def test_visitor_lines_whispers_and_broadcasts_are_capped(town_map, personas):
    model = PromptSizes()
    sim = make_sim(town_map, personas[:2], model, cognition=CognitionConfig(outside_text_max_chars=300))
    events = collect(sim)
    sim.start()
    name = personas[0].name
    reply = asyncio.run(sim.talk_to(name, "visitor", MEGABYTE, [("Visitor", MEGABYTE), (name, "Hello.")])).reply
    sim.whisper(name, MEGABYTE)
    sim.broadcast(MEGABYTE)
    asyncio.run(sim.step())
    assert reply and model.longest < 20_000  # the prompt carried the capped line, not a megabyte
    logged = [e.model_dump_json() for e in events]
    assert max(len(line) for line in logged) < 5_000
    said = next(e.said for e in events if e.type == "visitor")
    assert len(said) == 300 and said.endswith("…")
    assert next(e.thought for e in events if e.type == "whisper") == said
