from datetime import datetime

import numpy as np

from town.core.clock import GameClock, clock_label
from town.core.rng import RngTree


def test_ticks_map_to_game_time_at_ten_seconds_each():
    clock = GameClock(start=datetime(2025, 2, 13, 8, 0))
    assert clock.time_at(0) == datetime(2025, 2, 13, 8, 0)
    assert clock.time_at(360) == datetime(2025, 2, 13, 9, 0)
    assert clock.ticks_for(hours=24) == 8640
    assert clock.ticks_for(minutes=1) == 6
    assert clock.tick_of(datetime(2025, 2, 13, 8, 0, 5)) == 1
    assert clock.hours_between(0, 720) == 2.0


def test_clock_label_is_readable():
    assert clock_label(datetime(2025, 2, 13, 8, 5)) == "Thursday February 13, 08:05"


def test_child_streams_are_reproducible_and_independent():
    a, b = RngTree(7), RngTree(7)
    assert a.child("mei").integers(1000, size=5).tolist() == b.child("mei").integers(1000, size=5).tolist()
    # Drawing from another child does not shift this one.
    c = RngTree(7)
    c.child("jonah").integers(1000, size=50)
    assert c.child("mei").integers(1000, size=5).tolist() == RngTree(7).child("mei").integers(1000, size=5).tolist()
    assert not np.array_equal(RngTree(7).child("mei").random(4), RngTree(8).child("mei").random(4))


def test_rng_state_round_trips():
    tree = RngTree(3)
    tree.child("x").random(3)
    state = tree.state()
    expected = tree.child("x").random(3)
    other = RngTree(3)
    other.restore(state)
    assert np.array_equal(other.child("x").random(3), expected)
