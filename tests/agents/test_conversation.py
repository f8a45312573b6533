import asyncio

import pytest

from agents.config import CognitionConfig
from agents.dialogue import own_view
from tests.helpers import ByPurpose, collect, make_sim

CAFE_PLAN = {"broad_strokes": ["work at the cafe"], "schedule": [{"hour": 8, "activity": "work at the cafe"}]}
CAFE_STEPS = {
    "steps": [{"minutes": 15, "action": "serving coffee", "place": "Rosewood Cafe: cafe", "object": "counter"}]
}


def scripted_talk():
    lines = {
        "Mei Lin": iter(["Morning, Jonah! The harvest party is at five tonight.", "See you there!"]),
        "Jonah Price": iter(["I'll bring my guitar.", "Bye!"]),
    }

    def utterance(messages):
        speaker = messages[0].content.split(".")[0].removeprefix("You are ")
        text = next(lines[speaker])
        return {"utterance": text, "end_conversation": text == "See you there!"}

    return ByPurpose(
        {
            "plan_day": CAFE_PLAN,
            "decompose": CAFE_STEPS,
            "react": lambda m: {"talk": "yes" if m[0].content.startswith("You are Mei") else "no"},
            "utterance": utterance,
            "importance": lambda m: {
                "scores": [4] * sum(1 for line in m[-1].content.splitlines() if line[:1].isdigit())
            },
        }
    )


def test_two_agents_meet_talk_in_turns_remember_and_replan(town_map, personas):
    model = scripted_talk()
    sim = make_sim(town_map, personas[:2], model)
    events = collect(sim)
    asyncio.run(sim.run(200))
    starts = [e for e in events if e.type == "conversation_start"]
    assert len(starts) == 1 and starts[0].participants == ("Mei Lin", "Jonah Price")
    said = [(e.speaker, e.text) for e in events if e.type == "utterance"]
    assert said == [
        ("Mei Lin", "Morning, Jonah! The harvest party is at five tonight."),
        ("Jonah Price", "I'll bring my guitar."),
        ("Mei Lin", "See you there!"),
    ]
    end = next(e for e in events if e.type == "conversation_end")
    assert end.reason == "said goodbye" and end.turns == 3
    utterance_ids = [e.id for e in events if e.type == "utterance"]
    chats = [e for e in events if e.type == "memory" and e.kind == "chat"]
    assert {c.agent for c in chats} == {"Mei Lin", "Jonah Price"}
    for chat in chats:
        assert chat.sources == utterance_ids  # provenance: which utterance events the memory came from
        assert "harvest party is at five" in chat.text
    assert next(c for c in chats if c.agent == "Jonah Price").told_by == "Mei Lin"
    # Each utterance prompt shows the agent's own view of the dialogue.
    jonah_prompt = next(m for p, m in model.requests if p == "utterance" and m[0].content.startswith("You are Jonah"))
    assert "Mei Lin: Morning, Jonah!" in jonah_prompt[-1].content
    mei_second = [m for p, m in model.requests if p == "utterance" and m[0].content.startswith("You are Mei")][1]
    assert "You: Morning, Jonah!" in mei_second[-1].content
    # The retrieval behind each line is logged.
    assert any(e.type == "retrieval" and e.purpose == "utterance" for e in events)


def test_a_talk_is_fitted_into_the_plan_and_the_next_plan_hears_of_it(town_map, personas):
    model = scripted_talk()
    sim = make_sim(town_map, personas[:2], model)
    events = collect(sim)
    asyncio.run(sim.run(800))
    end = next(e for e in events if e.type == "conversation_end")
    for name in ("Mei Lin", "Jonah Price"):
        mine = [e for e in events if getattr(e, "agent", None) == name]
        before = [e for e in mine if e.type == "action" and e.tick < end.tick][-1]
        after = next(e for e in mine if e.type == "action" and e.tick >= end.tick)
        # No call re-plans the hour: the step the talk cut short goes on, and ends when it was planned to.
        assert after.description == before.description == "serving coffee" and after.tick - end.tick <= 1
        assert 0 <= before.until_tick - after.until_tick <= 6  # to the minute (steps last whole minutes)
        assert not [e for e in mine if e.type == "steps" and before.tick < e.tick <= end.tick]
        # The next plan asked for after the talk is told about it, once (the window planned ahead during the step the
        # talk cut short was asked for before it).
        plans = [e for e in mine if e.type == "steps" and e.tick > end.tick][1:]
        talk = f"{name} talked with {'Jonah Price' if name == 'Mei Lin' else 'Mei Lin'} at "
        assert plans[0].context.startswith(talk) and plans[0].context.endswith("The last words were: See you there!")
        assert all(talk not in (p.context or "") for p in plans[1:])
        # Going on with the same step in the same place, after the talk or in the next window, is not remembered anew.
        own = [e for e in mine if e.type == "memory" and e.text.startswith(f"{name} is serving coffee")]
        assert len(own) == 1
    asked = [m[-1].content for p, m in model.requests if p == "decompose" and m[0].content.startswith("You are Mei")]
    assert sum("Earlier: Mei Lin talked with Jonah Price at " in prompt for prompt in asked) == 1
    # Each speaker's hourly windows (four each, the last planned ahead) and no call for the talk.
    assert model.calls["decompose"] == 8


def test_a_town_set_to_re_plan_after_talks_asks_both_speakers_at_once(town_map, personas):
    model = scripted_talk()
    sim = make_sim(town_map, personas[:2], model, cognition=CognitionConfig(talk_replan="call"))
    events = collect(sim)
    asyncio.run(sim.run(200))
    end = next(e for e in events if e.type == "conversation_end")
    replans = [e for e in events if e.type == "steps" and "just finished talking" in e.context]
    assert {r.agent for r in replans} == {"Mei Lin", "Jonah Price"}
    assert all(r.tick - end.tick <= 12 for r in replans)  # within the two game minutes a re-plan takes


def test_a_yes_with_an_opening_line_starts_the_talk_with_it_and_saves_the_first_line_call(town_map, personas):
    model = scripted_talk()
    opening = "Jonah! Are you coming to the harvest party at five?"
    model.handlers["react"] = lambda m: (  # written with the speaker's name in front, as small models do
        {"talk": "yes", "opening": f"Mei Lin: {opening}"} if m[0].content.startswith("You are Mei") else {"talk": "no"}
    )
    sim = make_sim(town_map, personas[:2], model)
    events = collect(sim)
    asyncio.run(sim.run(200))
    said = [(e.speaker, e.text) for e in events if e.type == "utterance"]
    # Mei's opening is the talk's first line; Jonah answers it, and Mei's next line is her first utterance call.
    assert said == [("Mei Lin", opening), ("Jonah Price", "I'll bring my guitar."),
                    ("Mei Lin", "Morning, Jonah! The harvest party is at five tonight."), ("Jonah Price", "Bye!"),
                    ("Mei Lin", "See you there!")]  # fmt: skip
    assert model.calls["utterance"] == 4  # five lines, the first written by the reaction
    first = next(m for p, m in model.requests if p == "utterance")
    assert first[0].content.startswith("You are Jonah") and f"Mei Lin: {opening}" in first[-1].content
    react_prompt = next(m for p, m in model.requests if p == "react" and m[0].content.startswith("You are Mei"))
    assert "what Mei Lin says first to Jonah Price" in react_prompt[-1].content
    chats = [e for e in events if e.type == "memory" and e.kind == "chat"]
    assert chats and all(opening in chat.text for chat in chats)


def test_a_line_is_said_without_the_speakers_own_name_in_front():
    from agents.dialogue import spoken

    assert spoken("Mei Lin: Morning, Jonah!", "Mei Lin") == "Morning, Jonah!"
    assert spoken("  Mei: Morning!", "Mei Lin") == "Morning!"
    assert spoken("Jonah: you said it", "Mei Lin") == "Jonah: you said it"  # someone else's name stays
    assert spoken("Mei Lin:", "Mei Lin") == "Mei Lin:"  # nothing after it: not emptied


def test_chat_cooldown_stops_the_pair_from_talking_again_at_once(town_map, personas):
    model = scripted_talk()
    sim = make_sim(town_map, personas[:2], model)
    events = collect(sim)
    asyncio.run(sim.run(500))
    assert sum(1 for e in events if e.type == "conversation_start") == 1


def test_repeated_lines_are_refused_and_end_the_talk(town_map, personas):
    model = scripted_talk()
    model.handlers["utterance"] = lambda m: {"utterance": "Hi! How are you today?", "end_conversation": False}
    sim = make_sim(town_map, personas[:2], model)
    events = collect(sim)
    asyncio.run(sim.run(200))
    said = [e.text for e in events if e.type == "utterance"]
    assert said[0] == "Hi! How are you today?"
    assert said[1] == "…"  # the partner's copy was refused twice, so the fallback line ends the conversation
    assert next(e for e in events if e.type == "conversation_end").turns == 2


def test_a_goodbye_in_the_opening_line_still_gets_an_answer(town_map, personas):
    model = scripted_talk()
    lines = iter(["Lovely to see you, Jonah, I must run!", "Oh, see you later then.", "Bye!", "Bye then."])
    model.handlers["utterance"] = lambda m: {"utterance": next(lines), "end_conversation": True}
    sim = make_sim(town_map, personas[:2], model)
    events = collect(sim)
    asyncio.run(sim.run(200))
    said = [(e.speaker, e.text) for e in events if e.type == "utterance"]
    assert [text for _, text in said] == ["Lovely to see you, Jonah, I must run!", "Oh, see you later then."]
    assert said[0][0] != said[1][0]
    ended = next(e for e in events if e.type == "conversation_end")
    assert ended.turns == 2 and ended.reason == "said goodbye"


def test_a_line_that_echoes_a_sentence_already_said_is_refused():
    from agents.dialogue import reject_repeats
    from agents.llm.parsing import OutputError

    said = ["That sounds great! Can you tell me more about the menu for the party?"]
    for echo in ("Sure. Can you tell me more about the menu for the party?", "that sounds great! can you tell me "
                 "more about the menu for the party"):  # fmt: skip
        with pytest.raises(OutputError, match="already said"):
            reject_repeats(echo, said)
    reject_repeats("That sounds great! I'll bring the bread and the cheese.", said)  # a short sentence may recur
    reject_repeats("The menu is soup, bread and a big cake for the party.", said)


def test_own_view_labels_lines_from_the_speakers_side():
    lines = [("Mei", "hi"), ("Jonah", "hello"), ("Mei", "bye")]
    assert own_view(lines, "Jonah", 8) == "Mei: hi\nYou: hello\nMei: bye"
    assert own_view(lines, "Mei", 2) == "Jonah: hello\nYou: bye"
    assert own_view([], "Mei", 8).startswith("(nobody has spoken yet")


def test_planning_ahead_leaves_the_action_lane_free_to_talk(town_map, personas):
    from agents.config import CognitionConfig
    from agents.lanes import ACT, PLAN

    model = scripted_talk()
    # One 15-minute step per window: the next window is always being planned while the agents meet and talk.
    sim = make_sim(town_map, personas[:2], model, cognition=CognitionConfig(decompose_window_minutes=15))
    events = collect(sim)
    overlap = []

    async def go():
        for _ in range(200):
            await sim.step()
            overlap.extend(m.name for m in sim.minds if {ACT, PLAN} <= m.lanes.busy)

    asyncio.run(go())
    assert overlap  # a step was being planned ahead while the same agent spoke or reacted
    assert [e.reason for e in events if e.type == "conversation_end"] == ["said goodbye"]


def test_steps_planned_ahead_are_dropped_after_a_replan(town_map, personas):
    from agents.planning import PlannedStep

    sim = make_sim(town_map, personas[:1], scripted_talk())
    mind = sim.minds[0]
    agenda = mind.agenda
    version = agenda.plan_version
    agenda.request_replan("Mei heard the news")
    agenda.set_steps([PlannedStep(10, "stale", "x", None)], "old block", None, interrupt=False, version=version)
    assert not agenda.steps
    agenda.set_steps([PlannedStep(10, "fresh", "x", None)], "block", "Mei heard the news", interrupt=True, version=0)
    assert [s.action for s in agenda.steps] == ["fresh"] and mind.replan_context is None


def test_deciding_not_to_talk_carries_on_the_plan(town_map, personas):
    model = scripted_talk()
    model.handlers["react"] = {"talk": "no"}
    sim = make_sim(town_map, personas[:2], model)
    events = collect(sim)
    asyncio.run(sim.run(150))
    reactions = [e for e in events if e.type == "reaction"]
    assert reactions and all(r.decision == "continue" for r in reactions)
    assert not any(e.type == "conversation_start" for e in events)
    assert not any(e.type == "steps" and "noticed that" in (e.context or "") for e in events)
    # The next reaction of the same agent waits for the cooldown (30 game minutes = 180 ticks).
    by_agent = {}
    for r in reactions:
        by_agent.setdefault(r.agent, []).append(r.tick)
    assert all(len(ticks) == 1 for ticks in by_agent.values())


def test_a_re_plan_on_a_sight_still_pending_in_an_older_save_is_applied(town_map, personas):
    # Older towns could decide "react" (re-plan on what was seen); such an outcome may be waiting in a save.
    from agents.effects import ReactionDecided

    sim = make_sim(town_map, personas[:1], scripted_talk())
    mind = sim.minds[0]
    mind.apply(ReactionDecided(decision="react", subject="Sam", replan_context="Mei noticed Sam."), 10)
    assert mind.replan_context == "Mei noticed Sam."
