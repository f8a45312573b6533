from town.core.clock import GameClock
from town.core.engine import Engine, EngineConfig
from town.core.events import EventBus
from town.core.inputs import StartAction

PARK = "Willowbrook:Willowbrook Park:park"


def park_engine(town_map, names_and_offsets):
    engine = Engine(town_map, GameClock(), EventBus())
    base = (3, 27)
    for name, (dx, dy) in names_and_offsets:
        engine.spawn(name, (base[0] + dx, base[1] + dy))
    return engine


def test_only_agents_within_the_vision_radius_are_seen(town_map):
    engine = park_engine(town_map, [("A", (0, 0)), ("Near", (3, 0)), ("Far", (9, 0))])
    percepts = engine.step().percepts
    assert [p.subject for p in percepts["A"]] == ["Near"]
    assert "Far" not in {p.subject for p in percepts.get("Near", [])}


def test_attention_bandwidth_keeps_the_nearest(town_map):
    others = [(f"P{i}", (i % 3 + 1, i // 3)) for i in range(6)]
    engine = park_engine(town_map, [("A", (0, 0))] + others)
    seen = engine.step().percepts["A"]
    assert len(seen) == 3
    assert seen == sorted(seen, key=lambda p: (p.distance, p.key))


def test_something_in_view_is_noticed_once_until_it_changes(town_map):
    engine = park_engine(town_map, [("A", (0, 0)), ("B", (1, 0))])
    assert [p.text for p in engine.step().percepts["A"]] == ["B is idle"]
    assert "A" not in engine.step().percepts
    engine.submit(
        StartAction(agent="B", description="watering the garden", arena=PARK, object="garden", duration_ticks=50)
    )
    first = engine.step().percepts["A"]
    assert "B is watering the garden" in [p.text for p in first]


def test_sleeping_agents_perceive_nothing(town_map):
    engine = park_engine(town_map, [("A", (0, 0)), ("B", (1, 0))])
    engine.submit(StartAction(agent="A", description="sleeping", arena=PARK, duration_ticks=50, asleep=True))
    percepts = engine.step().percepts
    assert "A" not in percepts
    assert any(p.text == "A is sleeping" for p in percepts["B"])


def test_the_same_sight_is_not_news_again_within_the_renotice_window(town_map):
    engine = Engine(town_map, GameClock(), EventBus(), EngineConfig(retention=1))
    engine.spawn("A", (3, 27))
    engine.spawn("B", (4, 27))
    engine.spawn("C", (20, 30))
    b, c = engine.world.bodies["B"], engine.world.bodies["C"]
    assert [p.subject for p in engine.step().percepts["A"]] == ["B"]

    def leave_and_return():
        b.tile = (20, 8)
        engine.step()
        b.tile = (4, 27)
        return [p.subject for p in engine.step().percepts.get("A", [])]

    assert leave_and_return() == []  # walked out of view and back a moment later: not news
    c.tile = (3, 28)  # A notices C, so B is no longer among the last `retention` sights
    assert [p.subject for p in engine.step().percepts["A"]] == ["C"]
    assert leave_and_return() == []  # still within 30 game minutes of seeing B
    engine.world.tick += engine.clock.ticks_for(minutes=31)
    assert leave_and_return() == ["B"]


def test_every_busy_object_within_the_radius_is_seen_and_no_other(town_map):
    # Objects are found through grid cells; checked against measuring every object from every onlooker.
    import math

    config = EngineConfig(attention_bandwidth=20, retention=100)
    radius = config.vision_radius
    walkable = [(x, y) for y in range(town_map.height) for x in range(town_map.width) if town_map.walkable[y, x]]
    for x, y in walkable[:: max(1, len(walkable) // 60)]:
        engine = Engine(town_map, GameClock(), EventBus(), config)
        engine.spawn("A", (x, y))
        for address in town_map.objects:
            engine.world.objects[address] = "in use"
        seen = {p.subject for p in engine.step().percepts.get("A", []) if p.kind == "object"}
        here = town_map.arena_at((x, y))
        expected = {
            address
            for address, obj in town_map.objects.items()
            if min(math.hypot(ax - x, ay - y) for ax, ay in obj.access_tiles or (obj.access_tile,)) <= radius
            and here is not None
            and obj.arena == here.address
        }
        assert seen == expected, (x, y)


def test_sight_stops_at_the_walls_of_a_room(town_map):
    # Park et al.'s agents perceive only their own arena: neighbours on either side of a wall, or someone on the
    # street and someone indoors, do not see each other however close they stand.
    walkable = [(x, y) for y in range(town_map.height) for x in range(town_map.width) if town_map.walkable[y, x]]

    def room(tile):
        arena = town_map.arena_at(tile)
        return arena.address if arena else None

    apart = next(
        (a, b)
        for a in walkable
        for b in walkable
        if a < b and abs(a[0] - b[0]) + abs(a[1] - b[1]) <= 2 and room(a) != room(b)
    )
    together = next(
        (a, b)
        for a in walkable
        for b in walkable
        if a < b and abs(a[0] - b[0]) + abs(a[1] - b[1]) <= 2 and room(a) == room(b) is not None
    )
    for (a, b), seen in ((apart, False), (together, True)):
        engine = Engine(town_map, GameClock(), EventBus())
        engine.spawn("A", a)
        engine.spawn("B", b)
        percepts = engine.step().percepts
        assert ("B" in {p.subject for p in percepts.get("A", [])}) is seen, (a, b)
        assert ("A" in {p.subject for p in percepts.get("B", [])}) is seen, (a, b)


def test_skipping_unchanged_neighbourhoods_notices_exactly_what_looking_at_everyone_would(town_map):
    # The perceiver passes over cells where nothing within sight changed since the last tick. A second engine that
    # forgets what it saw (so it looks at every cell every tick) must notice the same things, tick by tick.
    import numpy as np

    rng = np.random.default_rng(3)
    arenas = sorted(town_map.arenas)
    skipping, looking = (Engine(town_map, GameClock(), EventBus()) for _ in range(2))
    for engine in (skipping, looking):
        for i in range(12):
            engine.spawn(f"P{i}", town_map.arenas[arenas[i % 3]].tiles[0])
    noticed = 0
    for tick in range(400):
        inputs = []
        for i in range(12):
            if rng.random() < 0.03:  # now and then someone sets off somewhere, uses something, or falls asleep
                arena = town_map.arenas[arenas[int(rng.integers(len(arenas)))]]
                obj = sorted(arena.objects)[0] if arena.objects and rng.random() < 0.5 else None
                inputs.append(
                    StartAction(agent=f"P{i}", description=f"errand {tick}", arena=arena.address, object=obj,
                                duration_ticks=int(rng.integers(5, 60)), asleep=bool(rng.random() < 0.1))
                )  # fmt: skip
        for engine in (skipping, looking):
            for item in inputs:
                engine.submit(item)
        looking.perceiver._last_tiles.clear()
        looking.perceiver._last_busy.clear()
        got, want = skipping.step().percepts, looking.step().percepts
        assert got == want, tick
        noticed += sum(len(p) for p in got.values())
    assert noticed > 50  # the walk was eventful enough to notice things
