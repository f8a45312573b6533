"""Fitting a finished talk into an agent's plan without a model call."""

from collections import deque

from agents.agenda import Agenda
from agents.effects import PlannedStep
from town.core.clock import GameClock

CLOCK = GameClock()  # 10-second ticks: six to a minute


def _agenda(step_end_tick: int, current: PlannedStep, queued: list[PlannedStep]) -> Agenda:
    return Agenda(steps=deque(queued), step_end_tick=step_end_tick, current_step=current, prefetched=False)


def test_the_talk_replaces_what_the_plan_had_for_its_time_and_the_plan_ends_as_it_would_have():
    bake = PlannedStep(10, "baking", "kitchen", "oven")
    serve = PlannedStep(15, "serving", "counter", None)
    sweep = PlannedStep(10, "sweeping", "cafe", None)
    # Baking ends at tick 60; serving would run 60-150 and sweeping 150-210. The talk ran from before 60 to 96.
    agenda = _agenda(60, bake, [serve, sweep])
    agenda.fit_talk(96, 40, CLOCK, "Mei talked with Jonah at 08:10.")
    assert list(agenda.steps) == [PlannedStep(9, "serving", "counter", None), sweep]
    assert agenda.step_end_tick == 96  # the next step starts at once
    assert agenda.talk_context == "Mei talked with Jonah at 08:10."


def test_the_step_the_talk_cut_short_resumes_for_what_is_left_of_it():
    bake = PlannedStep(30, "baking", "kitchen", "oven")
    serve = PlannedStep(15, "serving", "counter", None)
    agenda = _agenda(180, bake, [serve])  # baking until tick 180 (the talk ended at 60: 20 minutes left)
    agenda.fit_talk(60, 30, CLOCK, "talk")
    assert list(agenda.steps) == [PlannedStep(20, "baking", "kitchen", "oven"), serve]


def test_a_remainder_too_short_to_walk_back_for_is_dropped():
    bake = PlannedStep(10, "baking", "kitchen", None)
    serve = PlannedStep(15, "serving", "counter", None)
    agenda = _agenda(72, bake, [serve])  # two minutes of baking left
    agenda.fit_talk(60, 30, CLOCK, "talk")
    assert list(agenda.steps) == [serve]


def test_a_talk_longer_than_the_plan_leaves_nothing_to_resume():
    agenda = _agenda(60, PlannedStep(10, "baking", "kitchen", None), [PlannedStep(5, "serving", "counter", None)])
    agenda.fit_talk(400, 50, CLOCK, "a long talk")
    assert not agenda.steps and agenda.talk_context == "a long talk"  # the next plan is asked for, told of the talk


def test_steps_that_landed_during_the_talk_start_after_it_whole():
    # A re-plan asked for before the talk landed during it ("start now": no step under way); the talk displaced none.
    fresh = [PlannedStep(10, "serving", "counter", None), PlannedStep(20, "sweeping", "cafe", None)]
    agenda = _agenda(0, PlannedStep(15, "walking", "street", None), fresh)
    agenda.fit_talk(300, 200, CLOCK, "talk")
    assert list(agenda.steps) == fresh and agenda.step_end_tick == 300
