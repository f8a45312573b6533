"""Social metrics on a hand-built log where every answer is known: who told whom, who came, who knew whom."""

from datetime import datetime

import pytest

from town.core.clock import GameClock
from town.evaluation.intentions import intentions
from town.evaluation.social import (
    EventWindow,
    Fact,
    attendance,
    density,
    diffusion,
    network,
)
from town.persistence.trajectory import typed_events

CLOCK = GameClock(start=datetime(2025, 2, 13, 16, 0), tick_seconds=60)  # one tick = one game minute
AGENTS = ["Ann", "Bo", "Cy", "Di"]
PARTY = Fact(
    name="party",
    keywords=["party"],
    origin="Ann",
    event=EventWindow(place="Rosewood Cafe", start="17:00", end="17:30"),
)
CAFE = (3, 16)  # a tile of "Rosewood Cafe: cafe"
PARK = (2, 26)  # a tile of "Willowbrook Park: park"
MARKET = (19, 16)  # a tile of "Willow Market: shop floor"


def _log():
    """16:00 start. Ann tells Bo (10), Bo tells Cy (20), Di claims the party unprompted (15) and hears it from Cy (40)."""
    e = []

    def add(tick, event_type, **fields):
        e.append({"id": len(e) + 1, "tick": tick, "type": event_type, **fields})
        return len(e)

    add(
        0,
        "run_start",
        agents=AGENTS,
        seed=0,
        model="fake",
        map="Willowbrook",
        start_time="2025-02-13T16:00:00",
        tick_seconds=60,
    )
    for name, tile in zip(AGENTS, (CAFE, PARK, PARK, MARKET), strict=True):
        add(0, "spawn", agent=name, tile=list(tile))
    u1 = add(10, "utterance", speaker="Ann", listener="Bo", text="Come to my party at five!", conversation=1, turn=1)
    add(
        12,
        "memory",
        agent="Bo",
        memory=0,
        kind="chat",
        importance=5,
        text="Ann said: Come to my party",
        told_by="Ann",
        sources=[u1],
    )
    add(12, "memory", agent="Ann", memory=0, kind="chat", importance=5, text="I invited Bo", told_by="Bo", sources=[u1])
    add(15, "utterance", speaker="Di", listener="Cy", text="Are you going to the party?", conversation=2, turn=1)
    add(
        16,
        "memory",
        agent="Di",
        memory=0,
        kind="observation",
        importance=2,
        text="the party poster is up",
        subject=None,
    )
    u4 = add(20, "utterance", speaker="Bo", listener="Cy", text="Ann has a party tonight", conversation=3, turn=1)
    add(
        21,
        "memory",
        agent="Cy",
        memory=0,
        kind="chat",
        importance=5,
        text="Bo said: Ann has a party",
        told_by="Bo",
        sources=[u4],
    )
    add(
        21,
        "memory",
        agent="Bo",
        memory=1,
        kind="chat",
        importance=5,
        text="I told Cy about Ann",
        told_by="Cy",
        sources=[u4],
    )
    add(
        25,
        "steps",
        agent="Bo",
        activity="the party",
        steps=[
            [10, "walk to the cafe", "Willowbrook:Rosewood Cafe:cafe", ""],
            [10, "sit in the park", "Willowbrook:Willowbrook Park:park", ""],
        ],
    )
    add(30, "moves", positions={"Bo": list(CAFE)})  # Bo is at the cafe for both steps: the first is realised only
    u5 = add(40, "utterance", speaker="Cy", listener="Di", text="There is a party at the cafe", conversation=4, turn=1)
    add(
        41,
        "memory",
        agent="Di",
        memory=1,
        kind="chat",
        importance=5,
        text="Cy: a party at the cafe",
        told_by="Cy",
        sources=[u5],
    )
    add(62, "moves", positions={"Cy": list(CAFE)})  # Cy comes at 17:02; Di, invited late, stays at the market
    add(95, "moves", positions={"Cy": list(PARK)})
    add(100, "run_end", ticks=100, reason="completed", totals={})
    return typed_events(e)


def test_diffusion_follows_provenance_and_counts_unsourced_claims():
    spread = diffusion(_log(), PARTY, AGENTS, CLOCK)
    # Known from the tick the line was heard (not when the chat memory was written at the talk's end).
    assert [(x.agent, x.tick, x.source) for x in spread.learned] == [
        ("Bo", 10, "Ann"),
        ("Cy", 20, "Bo"),
        ("Di", 40, "Cy"),
    ]
    assert spread.claims == 4  # every utterance mentions it
    assert spread.unsourced_claims == 1  # Di at 15, before anyone told her
    assert spread.share_start == 0.25 and spread.share_end == 1.0
    assert spread.curve == [(0, 1), (60, 4), (100, 4)]  # sampled every game hour


def test_attendance_compares_who_was_invited_with_who_came(town_map):
    log = _log()
    spread = diffusion(log, PARTY, AGENTS, CLOCK)
    result = attendance(log, PARTY, spread, CLOCK, town_map)
    assert result.invited == ["Bo", "Cy", "Di"]  # all heard before 17:00 (tick 60)
    assert result.came == ["Bo", "Cy"]  # Bo walked over at 16:30; Cy came at 17:02; Ann, the host, is not counted
    assert result.invited_and_came == ["Bo", "Cy"]
    assert result.timeline[0] == (60, 2) and result.timeline[1] == (65, 3)


def test_network_density_uses_mutual_edges():
    acquaintances = {"Ann": {"Bo"}, "Bo": {"Ann"}, "Cy": {"Ann"}}  # Cy knows Ann, Ann does not know Cy
    result = network(_log(), AGENTS, acquaintances, CLOCK)
    assert result.edges_start == [("Ann", "Bo")]
    assert result.density_start == pytest.approx(2 * 1 / (4 * 3))
    # Talk adds: Bo-Cy (both have chat memories of each other); Cy-Di only one way (Di heard Cy; Cy has no memory of Di).
    assert result.edges_end == [("Ann", "Bo"), ("Bo", "Cy")]
    assert result.density_end == pytest.approx(density(2, 4)) == pytest.approx(1 / 3)


def test_intentions_check_where_the_agent_was_halfway_through_each_step(town_map):
    result = intentions(_log(), CLOCK, town_map)
    assert result.planned_steps == 2 and result.realised == 1 and result.by_agent == {"Bo": 0.5}
