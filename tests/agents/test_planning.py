import asyncio

from agents.planning import PlannedStep, emoji_for, fit_steps, normalise_schedule, routine_schedule
from agents.schemas import HourBlock
from tests.helpers import ByPurpose, collect, make_sim


def test_schedule_is_sorted_deduplicated_and_clipped_to_waking_hours():
    blocks = [
        HourBlock(hour=h, activity=a)
        for h, a in [(13, "lunch"), (6, "too early"), (9, "work"), (9, "dup"), (23, "late")]
    ]
    assert normalise_schedule(blocks, wake_minute=7 * 60, bed_minute=22 * 60) == [(540, "work"), (780, "lunch")]
    # After-midnight hours belong to the end of a late sleeper's day.
    assert normalise_schedule([HourBlock(hour=0, activity="write")], 8 * 60, 24 * 60 + 30) == [(1440, "write")]


def test_hours_the_plan_leaves_open_keep_the_routine():
    routine = [(7 * 60, "breakfast"), (9 * 60 + 30, "lecture"), (13 * 60, "library")]
    blocks = [HourBlock(hour=9, activity="study at the cafe"), HourBlock(hour=15, activity="help at the market")]
    assert normalise_schedule(blocks, 7 * 60, 23 * 60, routine) == [
        (420, "breakfast"),
        (540, "study at the cafe"),
        (780, "library"),
        (900, "help at the market"),
    ]


def test_out_of_range_numbers_are_clamped_not_discarded():
    from agents.schemas import importance_schema, steps_schema

    steps = steps_schema(("A: b",)).model_validate(
        {"steps": [{"minutes": 2, "action": "x", "place": "A: b"}, {"minutes": 40, "action": "y", "place": "A: b"}]}
    )
    assert [s.minutes for s in steps.steps] == [5, 15]
    assert importance_schema(2).model_validate({"scores": [0, 12]}).scores == [1, 10]


def test_steps_fill_the_window_exactly():
    a = PlannedStep(10, "a", "x", None)
    b = PlannedStep(15, "b", "y", None)
    c = PlannedStep(5, "c", "z", None)
    # A plan that falls short is stretched in proportion, in its order: nobody walks back and forth between a and b.
    assert [(s.action, s.minutes) for s in fit_steps([a, b], 60)] == [("a", 24), ("b", 36)]
    assert [(s.action, s.minutes) for s in fit_steps([a, b, c], 45)] == [("a", 15), ("b", 23), ("c", 7)]
    # One that runs over is cut at the window's end.
    assert [s.minutes for s in fit_steps([a, b], 20)] == [10, 10]
    # A remainder under five minutes joins the previous step instead of becoming a sliver.
    assert [(s.action, s.minutes) for s in fit_steps([a, b, c], 27)] == [("a", 10), ("b", 17)]
    assert fit_steps([], 30) == []


def test_routine_fallback_and_emoji(personas):
    mei = personas[0]
    assert routine_schedule(mei)[0] == (390, "wake up, wash and have tea")
    assert emoji_for("brewing coffee") == "☕" and emoji_for("pondering") == "🙂"


def _plan(messages):
    return {
        "broad_strokes": ["run the cafe", "host the party"],
        "schedule": [{"hour": 8, "activity": "bake pastries"}, {"hour": 9, "activity": "serve customers"}],
    }


def test_day_plan_then_lazy_decomposition_into_known_places(town_map, personas):
    def steps(messages):
        user = messages[-1].content
        assert "Places Mei Lin can go:" in user and "Rosewood Cafe: cafe kitchen" in user
        return {
            "steps": [
                {"minutes": 15, "action": "baking pastries", "place": "Rosewood Cafe: cafe kitchen", "object": "Stove"},
                {"minutes": 15, "action": "icing buns", "place": "Rosewood Cafe: cafe kitchen", "object": "oven"},
            ]
        }

    model = ByPurpose(
        {"plan_day": _plan, "decompose": steps, "importance": lambda m: {"scores": [2] * m[-1].content.count("\n")}}
    )
    sim = make_sim(town_map, personas[:1], model)
    events = collect(sim)
    asyncio.run(sim.run(80))
    plan = next(e for e in events if e.type == "day_plan")
    # The model planned 08:00 and 09:00; the hours it left open keep Mei's routine.
    assert plan.schedule[:5] == [
        ("06:30", "wake up, wash and have tea"),
        ("07:30", "open the cafe and bake pastries"),
        ("08:00", "bake pastries"),
        ("09:00", "serve customers"),
        ("13:00", "lunch break and plan the party"),
    ]
    planned = next(e for e in events if e.type == "steps")
    # The plan lands at 08:05 (five minutes of thought), so the window is the hour 08:05-09:05, which reaches into the
    # next block (named in the prompt): the two answered steps are stretched to fill its 60 minutes; the object is
    # matched to the arena's objects.
    asked = next(m for p, m in model.requests if p == "decompose")[-1].content
    assert "From 08:05 to 09:05 Mei Lin plans to: bake pastries, then from 09:00 serve customers." in asked
    assert [(s[0], s[1]) for s in planned.steps] == [(30, "baking pastries"), (30, "icing buns")]
    assert planned.steps[0][2] == "Willowbrook:Rosewood Cafe:cafe kitchen"
    assert planned.steps[0][3] == "stove" and planned.steps[1][3] == ""
    action = next(e for e in events if e.type == "action" and e.description == "baking pastries")
    assert action.emoji == "🥐" and action.object == "stove"
    assert model.calls["decompose"] == 1  # the next window is only planned when the last step begins


def test_invalid_answers_are_repaired_once_then_fall_back_to_the_routine(town_map, personas):
    answers = iter(['{"steps": [{"minutes": 10, "action": "x", "place": "Mars: base"}]}', "no json at all"])
    model = ByPurpose({"plan_day": _plan, "decompose": lambda m: next(answers, "still no json")})
    sim = make_sim(town_map, personas[:1], model)
    events = collect(sim)
    asyncio.run(sim.run(50))
    calls = [e for e in events if e.type == "llm_call" and e.purpose == "decompose"]
    assert [c.outcome for c in calls[:2]] == ["invalid", "invalid"]
    assert "Place" in calls[0].error or "place" in calls[0].error
    assert calls[1].fallback and "repair" not in calls[1].error
    # The repair turn quoted the error back to the model.
    repair_messages = model.requests[2][1]
    assert model.requests[2][0] == "decompose"
    assert repair_messages[-1].content.startswith("That reply was invalid:")
    planned = next(e for e in events if e.type == "steps")
    assert planned.fallback and planned.steps[0][1] == "bake pastries"
    assert sim.stats.totals()["fallbacks"] == 1


def test_a_window_being_planned_ahead_is_not_planned_twice(town_map, personas):
    from agents.config import CognitionConfig

    think = dict(CognitionConfig().think_minutes, decompose=10.0)  # planning takes longer than a 5-minute step
    short = {"steps": [{"minutes": 5, "action": "wiping tables", "place": "Rosewood Cafe: cafe", "object": ""}]}
    model = ByPurpose({"plan_day": _plan, "decompose": short, "importance": lambda m: {"scores": [2] * 40}})
    sim = make_sim(
        town_map, personas[:1], model, cognition=CognitionConfig(think_minutes=think, decompose_window_minutes=15)
    )
    asyncio.run(sim.run(720))
    windows = [m[-1].content.split(". From ")[1].split(" to ")[0] for p, m in model.requests if p == "decompose"]
    assert len(windows) > 5
    assert len(windows) == len(set(windows))


def test_steps_planned_ahead_that_a_replan_made_stale_are_logged_as_not_adopted(tmp_path):
    from agents.effects import SetSteps
    from agents.events import StepsPlanned
    from agents.operations import Outcome
    from tests.conftest import fake_config
    from town.runtime.builders import build_simulation

    sim = build_simulation(fake_config(tmp_path, agents=1, hours=1))
    logged = []
    sim.subscribe(logged.append)
    mind = sim.minds[0]
    arena = next(iter(sim.map.arenas))
    for version, expected in ((mind.plan_version - 1, False), (mind.plan_version, True)):  # stale, then current
        steps = [(30, "read", arena, None)]
        effect = SetSteps(steps=steps, activity="reading", context=None, interrupt=False, version=version)
        event = StepsPlanned(agent=mind.name, activity="reading", steps=[(30, "read", arena, "")])
        sim._apply(mind, "plan", Outcome(purpose="decompose", events=[event], effects=[effect]), sim.tick)
        assert [e.adopted for e in logged if isinstance(e, StepsPlanned)][-1] is expected
    assert [s.action for s in mind.agenda.steps] == ["read"]
