import numpy as np
import pytest

from town.core.errors import NoPathError
from town.core.pathfinding import PathFinder


def grid(rows):
    return np.array([[c == "." for c in row] for row in rows])


def test_shortest_path_goes_around_a_wall():
    finder = PathFinder(grid(["....", ".##.", "...."]))
    path = finder.path((0, 1), (3, 1))
    assert len(path) == 5  # up/down around the two-tile wall
    assert path[-1] == (3, 1)
    for (x0, y0), (x1, y1) in zip(((0, 1),) + path, path, strict=False):
        assert abs(x0 - x1) + abs(y0 - y1) == 1


def test_already_there_is_an_empty_path():
    assert PathFinder(grid(["..."])).path((1, 0), (1, 0)) == ()


def test_unreachable_goal_raises_a_clear_error_without_giving_up_early():
    big = np.ones((200, 200), dtype=bool)
    big[:, 100] = False  # a wall across the whole map
    finder = PathFinder(big)
    with pytest.raises(NoPathError, match="walled off"):
        finder.path((0, 0), (199, 199))
    # A long but possible detour is still found (no iteration cap). The grid is the map's, fixed once loaded.
    big[199, 100] = True
    assert len(PathFinder(big).path((0, 0), (199, 0))) == 199 + 2 * 199


def test_blocked_goal_is_reported():
    with pytest.raises(NoPathError, match="goal tile is blocked"):
        PathFinder(grid([".#"])).path((0, 0), (1, 0))


def test_paths_are_deterministic_and_cached():
    finder = PathFinder(np.ones((30, 30), dtype=bool))
    first = finder.path((0, 0), (20, 17))
    assert finder.path((0, 0), (20, 17)) is first
    assert PathFinder(np.ones((30, 30), dtype=bool)).path((0, 0), (20, 17)) == first


def test_far_goals_come_from_the_goals_tree_and_are_as_short_as_a_star_and_independent_of_history():
    from town.core.pathfinding import FIELD_FROM

    rng = np.random.default_rng(0)
    walls = rng.random((80, 120)) < 0.25
    walls[0, :] = walls[:, 0] = False  # a walkable edge keeps most of it connected
    finder = PathFinder(~walls)
    pairs = [((0, 0), (119, 79)), ((0, 40), (100, 0)), ((5, 0), (60, 70)), ((0, 79), (119, 0)), ((119, 0), (0, 50))]
    checked = 0
    for start, goal in pairs:
        if walls[goal[1], goal[0]]:
            continue
        assert abs(start[0] - goal[0]) + abs(start[1] - goal[1]) >= FIELD_FROM
        try:
            far = finder.path(start, goal)
        except NoPathError:
            continue
        assert len(far) == len(finder._astar(start, goal))  # noqa: SLF001 - as short as A* finds
        for (x0, y0), (x1, y1) in zip((start, *far), far, strict=False):
            assert abs(x0 - x1) + abs(y0 - y1) == 1 and not walls[y1, x1]
        # A fresh finder (a resumed run) walks the same steps: the path depends on the two tiles only.
        assert PathFinder(~walls).path(start, goal) == far
        checked += 1
    assert checked >= 3


def test_far_walks_into_a_room_go_by_its_door_and_share_its_tree(tmp_path):
    import json

    from town.core.places import load_town_map
    from town.mapping.generate import generate_town

    path = tmp_path / "town.tmj"
    path.write_text(json.dumps(generate_town(300, seed=1)))
    town = load_town_map(path)
    finder = PathFinder(town.walkable, town.door_anchors())
    cafe = next(a for a in town.arenas.values() if a.name == "cafe")
    seats = [t for t in cafe.tiles if town.is_walkable(t)][:3]
    start = max(town.spawns.values())  # the town square, far from most rooms
    door_id = int(town.door_anchors()[seats[0][1], seats[0][0]])
    door = (door_id % town.width, door_id // town.width)
    walks = [finder.path(start, seat) for seat in seats]
    if abs(start[0] - door[0]) + abs(start[1] - door[1]) < 48:
        pytest.skip("the generated cafe is near the square")
    for seat, walk in zip(seats, walks, strict=True):
        assert walk[-1] == seat and door in walk  # through the door, then inside
        for (x0, y0), (x1, y1) in zip((start, *walk), walk, strict=False):
            assert abs(x0 - x1) + abs(y0 - y1) == 1 and town.is_walkable((x1, y1))
        assert len(walk) <= len(PathFinder(town.walkable)._astar(start, seat)) + 2 * len(cafe.tiles)  # noqa: SLF001
    assert len(finder._trees) == 1  # noqa: SLF001 - one tree (the cafe door's) served all three seats
    assert PathFinder(town.walkable, town.door_anchors()).path(start, seats[1]) == walks[1]
