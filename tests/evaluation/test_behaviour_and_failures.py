"""Behaviour and dialogue-failure measures on logs written through the trajectory writer, answers known by design."""

from __future__ import annotations

from collections import Counter

import pytest

from agents.persona import RoutineItem, load_persona
from tests.evaluation.test_messy_logs import CAFE, PARK, Log
from town.core.events import ActionStarted, ConversationEnded, Moves, SleepChanged, Utterance
from town.evaluation.behaviour import behaviour, homogenization, routine_share
from town.evaluation.dialogue_failures import dialogue_failures
from town.runtime.config import DEFAULT_PERSONAS


@pytest.fixture
def mei():
    return load_persona(DEFAULT_PERSONAS / "01-mei-lin.yaml")


def _act(log: Log, tick: int, agent: str, description: str) -> None:
    log.emit(tick, ActionStarted(agent=agent, description=description, place="x", until_tick=tick + 1))


def test_waking_hours_split_by_home_work_and_third_places_and_actions_per_hour(tmp_path, mei, town_map):
    home = town_map.arenas_of(mei.home)[0].tiles[0]
    log = Log(tmp_path, agents=["Mei Lin"])
    log.spawn(**{"Mei Lin": home})  # 16:00 at home
    _act(log, log.at(0), "Mei Lin", "tidying the kitchen")
    log.emit(log.at(30), Moves(positions={"Mei Lin": CAFE}))  # 16:30 at work (Rosewood Cafe)
    _act(log, log.at(30), "Mei Lin", "baking bread")
    log.emit(log.at(90), Moves(positions={"Mei Lin": PARK}))  # 17:30 in the park: a third place
    _act(log, log.at(90), "Mei Lin", "baking cakes")
    log.emit(log.at(120), SleepChanged(agent="Mei Lin", asleep=True))  # 18:00 asleep: no longer counted
    _act(log, log.at(120), "Mei Lin", "sleeping")
    events = log.end(log.at(180))
    result = behaviour(events, [mei], town_map, log.clock)
    [row] = result.agents
    assert row.awake_hours == 2.0 and row.actions == 3 and row.actions_per_awake_hour == 1.5
    assert row.time_share == {"home": 0.25, "work": 0.5, "third place": 0.25, "outdoors": 0.0}
    assert result.distinct_activities == 2  # tidying, baking


def test_the_routine_split_weighs_each_block_by_its_length(mei, town_map):
    routine = [
        RoutineItem(time="07:00", activity="breakfast", place=mei.routine[0].place),  # home, 2 h
        RoutineItem(time="09:00", activity="work", place="Rosewood Cafe: cafe"),  # work, 8 h
        RoutineItem(time="17:00", activity="walk", place="Willowbrook Park: park"),  # a third place, 6 h to bed
    ]
    persona = mei.model_copy(update={"routine": routine, "wake_time": "07:00", "bed_time": "23:00"})
    assert routine_share(persona, town_map) == {"home": 0.125, "work": 0.5, "third place": 0.375, "outdoors": 0.0}


def test_homogenization_is_one_for_identical_mixes_and_zero_for_disjoint_ones():
    assert homogenization([Counter(reading=2, baking=1), Counter(reading=4, baking=2)]) == pytest.approx(1.0)
    assert homogenization([Counter(reading=1), Counter(baking=1)]) == 0.0
    assert homogenization([Counter(reading=1)]) is None


def _say(log: Log, tick: int, speaker: str, listener: str, text: str, conversation: int = 1) -> None:
    log.emit(tick, Utterance(conversation=conversation, speaker=speaker, listener=listener, text=text, turn=tick))


def test_endings_role_confusion_and_echo_episodes(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    _say(log, 1, "Ann", "Bo", "I'm Ann, nice to meet you")  # saying one's name is not confusion
    _say(log, 2, "Bo", "Ann", "Ann: I will come to the party")  # speaks as its partner
    _say(log, 3, "Ann", "Bo", "Thanks, Ann!")  # addresses itself
    _say(log, 4, "Cy", "Di", "See you at the party tonight", conversation=2)
    _say(log, 5, "Di", "Cy", "See you at the party tonight!", conversation=2)
    _say(log, 6, "Cy", "Di", "see you at the party tonight", conversation=2)
    _say(log, 7, "Di", "Cy", "I must go and feed the cat", conversation=2)
    for tick, reason in ((8, "said goodbye"), (9, "said goodbye"), (10, "silence"), (11, "Bo left town")):
        log.emit(tick, ConversationEnded(conversation=tick, participants=("Ann", "Bo"), reason=reason, turns=2))
    events = log.end(20)
    result = dialogue_failures(events)
    assert result.endings.counts == {
        "said goodbye": 2,
        "turn limit": 0,
        "silence": 1,
        "a participant fell asleep": 0,
        "left town": 1,
        "other": 0,
    }
    assert [(c.speaker, c.kind) for c in result.confusions] == [
        ("Bo", "speaks as its partner"),
        ("Ann", "addresses itself"),
    ]
    assert result.echo_episodes == 1 and result.echoed_lines == 2
    assert result.echo_examples[0].lines[0] == "Cy: See you at the party tonight"


def test_varied_talk_has_no_confusion_and_no_echo(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    for tick, (speaker, listener, text) in enumerate(
        [("Ann", "Bo", "Good morning Bo"), ("Bo", "Ann", "Morning! The bread smells good"), ("Ann", "Bo", "Fresh rye")]
    ):
        _say(log, tick + 1, speaker, listener, text)
    result = dialogue_failures(log.end(10))
    assert result.confusions == [] and result.echo_episodes == 0 and result.confusion_share == 0.0
