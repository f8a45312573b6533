from town.core.clock import GameClock
from town.core.engine import Engine, EngineConfig
from town.core.events import EventBus
from town.core.inputs import EndConversation, Say, StartAction, StartConversation

CAFE = "Willowbrook:Rosewood Cafe:cafe"


def make_engine(town_map, **config):
    bus = EventBus()
    events = []
    bus.subscribe(events.append)
    engine = Engine(town_map, GameClock(), bus, EngineConfig(**config))
    return engine, events


def test_agent_walks_one_tile_per_tick_to_the_object(town_map):
    engine, events = make_engine(town_map)
    engine.spawn("Mei", town_map.spawns["mei-lin"])
    engine.submit(
        StartAction(agent="Mei", description="serving coffee", arena=CAFE, object="counter", duration_ticks=100)
    )
    target = town_map.objects[f"{CAFE}:counter"].access_tile
    distance = len(engine.paths.path(town_map.spawns["mei-lin"], target))
    for _ in range(distance):
        engine.step()
    assert engine.world.bodies["Mei"].tile == target
    assert engine.world.objects[f"{CAFE}:counter"] == "in use"
    kinds = [e.type for e in events]
    assert kinds.count("moves") == distance
    assert "action" in kinds and "object_state" in kinds


def test_object_returns_to_idle_when_the_agent_moves_on(town_map):
    engine, _ = make_engine(town_map)
    engine.spawn("Mei", town_map.spawns["mei-lin"])
    engine.submit(StartAction(agent="Mei", description="serving", arena=CAFE, object="counter", duration_ticks=5))
    engine.step()
    engine.submit(StartAction(agent="Mei", description="resting", arena=CAFE, duration_ticks=5))
    engine.step()
    assert engine.world.objects[f"{CAFE}:counter"] == "idle"


def test_bad_inputs_are_rejected_as_events_not_exceptions(town_map):
    engine, events = make_engine(town_map)
    engine.spawn("Mei", town_map.spawns["mei-lin"])
    engine.submit(StartAction(agent="Nobody", description="x", arena=CAFE, duration_ticks=1))
    engine.submit(StartAction(agent="Mei", description="x", arena="Willowbrook:Nowhere:void", duration_ticks=1))
    engine.submit(Say(conversation=99, speaker="Mei", text="hello?"))
    engine.step()
    rejected = [e for e in events if e.type == "input_rejected"]
    assert [r.reason for r in rejected] == [
        "unknown agent",
        "unknown place Willowbrook:Nowhere:void",
        "no such open conversation",
    ]


def _two_in_the_cafe(town_map, **config):
    engine, events = make_engine(town_map, **config)
    tiles = town_map.arenas[CAFE].tiles
    engine.spawn("Mei", tiles[0])
    engine.spawn("Jonah", tiles[1])
    engine.submit(StartConversation(initiator="Mei", partner="Jonah"))
    engine.step()
    conv_id = engine.world.bodies["Mei"].conversation
    return engine, events, conv_id


def test_conversation_turns_alternate_and_end_on_the_turn_cap(town_map):
    engine, events, conv = _two_in_the_cafe(town_map, max_turns=4)
    assert conv is not None and engine.world.bodies["Jonah"].conversation == conv
    # Jonah may not speak first: it is the initiator's turn.
    engine.submit(Say(conversation=conv, speaker="Jonah", text="Me first"))
    engine.step()
    assert [e.reason for e in events if e.type == "input_rejected"] == ["it is Mei's turn"]
    for speaker, text in [("Mei", "Hi"), ("Jonah", "Hello"), ("Mei", "Party at 5?"), ("Jonah", "I'll come")]:
        engine.submit(Say(conversation=conv, speaker=speaker, text=text))
        result = engine.step()
    utterances = [e for e in events if e.type == "utterance"]
    assert [(u.speaker, u.listener, u.turn) for u in utterances] == [
        ("Mei", "Jonah", 1),
        ("Jonah", "Mei", 2),
        ("Mei", "Jonah", 3),
        ("Jonah", "Mei", 4),
    ]
    ended = [e for e in events if e.type == "conversation_end"]
    assert ended[0].reason == "turn limit" and ended[0].turns == 4
    assert [c.id for c in result.ended] == [conv]
    assert engine.world.bodies["Mei"].conversation is None


def test_goodbye_and_silence_end_conversations(town_map):
    engine, events, conv = _two_in_the_cafe(town_map)
    engine.submit(Say(conversation=conv, speaker="Mei", text="Bye!", end=True))
    engine.step()
    assert [e.reason for e in events if e.type == "conversation_end"] == ["said goodbye"]

    engine, events, conv = _two_in_the_cafe(town_map, turn_timeout_minutes=0.5)  # three ticks of ten seconds
    for _ in range(3):
        engine.step()
    assert not [e for e in events if e.type == "conversation_end"]  # half a minute of silence is not yet too long
    for _ in range(2):
        engine.step()
    assert [e.reason for e in events if e.type == "conversation_end"] == ["silence"]
    engine.submit(EndConversation(conversation=conv))
    engine.step()
    assert events[-1].type == "input_rejected"


def test_cannot_talk_to_someone_far_away_or_busy(town_map):
    engine, events = make_engine(town_map)
    engine.spawn("Mei", town_map.spawns["mei-lin"])
    engine.spawn("Grace", town_map.spawns["grace-okafor"])
    engine.submit(StartConversation(initiator="Mei", partner="Grace"))
    engine.step()
    assert events[-1].type == "input_rejected" and "out of range" in events[-1].reason


def test_the_old_tick_count_for_silence_is_refused_with_its_new_name():
    import pytest
    from pydantic import ValidationError

    from town.core.engine import EngineConfig

    with pytest.raises(ValidationError, match="turn_timeout_ticks is now turn_timeout_minutes"):
        EngineConfig.model_validate({"turn_timeout_ticks": 12})
