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


def _walks(start, path, walkable):
    steps = (start, *path)
    return all(
        abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 and walkable[b[1], b[0]]
        for a, b in zip(steps, steps[1:], strict=False)
    )


def _bfs_length(walkable, start, goal):
    from collections import deque

    seen = {start: 0}
    queue = deque([start])
    while queue:
        x, y = queue.popleft()
        if (x, y) == goal:
            return seen[goal]
        for n in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if (
                0 <= n[0] < walkable.shape[1]
                and 0 <= n[1] < walkable.shape[0]
                and walkable[n[1], n[0]]
                and n not in seen
            ):
                seen[n] = seen[(x, y)] + 1
                queue.append(n)
    return None


def test_far_paths_in_a_big_town_use_the_goal_regions_tree_and_stay_shortest():
    from town.core.pathfinding import REGION

    rng = np.random.default_rng(1)
    big = rng.random((3 * REGION, 8 * REGION)) > 0.2  # a wide town with scattered obstacles
    big[REGION, :] = True  # and a clear street across it, so every pair below is connected
    big[:, 0::7] = True
    big[REGION + 3, :] = True  # the start's own street
    finder = PathFinder(big)
    goal = (6 * REGION + 10, REGION)
    near_start = (5 * REGION + 5, REGION + 3)  # inside the goal's region (the blocks around its own)
    far_start = (10, REGION)  # outside it: the whole map's tree
    for start in (near_start, far_start):
        path = finder.path(start, goal)
        assert path[-1] == goal and _walks(start, path, big)
        assert len(path) == _bfs_length(big, start, goal)
    boxes = {box for _, box in finder._trees}  # noqa: SLF001
    assert (0, 0, big.shape[1], big.shape[0]) in boxes and len(boxes) == 2  # one region tree, one whole-map tree
    region_box = next(b for b in boxes if b != (0, 0, big.shape[1], big.shape[0]))
    assert (region_box[2] - region_box[0]) * (region_box[3] - region_box[1]) < big.size / 2


def test_a_goal_walled_off_within_its_region_is_reached_round_the_outside():
    from town.core.pathfinding import REGION

    big = np.ones((3 * REGION, 8 * REGION), dtype=bool)
    goal = (5 * REGION + 5, 5)
    start = (5 * REGION + 5, 2 * REGION - 1)  # in the goal's region (x 4R-7R, y 0-2R), far enough for a tree
    big[REGION, 3 * REGION + 64 :] = False  # a wall across the whole region: the way round passes x < 4R
    path = PathFinder(big).path(start, goal)
    assert path[-1] == goal and _walks(start, path, big)
    assert len(path) == _bfs_length(big, start, goal)
    assert any(x < 4 * REGION for x, _ in path)  # it went round, out of the goal's region


def test_trees_kept_stay_within_the_byte_budget(monkeypatch):
    import town.core.pathfinding as pathfinding

    monkeypatch.setattr(pathfinding, "FIELD_BUDGET_BYTES", 3 * 100 * 100)  # three trees of this 100x100 map
    finder = PathFinder(np.ones((100, 100), dtype=bool))
    for goal in [(99, 99), (99, 0), (0, 99), (60, 60), (99, 50)]:
        assert finder.path((0, 0), goal)[-1] == goal
    assert len(finder._trees) == 3 and sum(len(t) for t in finder._trees.values()) <= 3 * 100 * 100  # noqa: SLF001


def test_region_graphs_kept_stay_within_their_byte_budget_and_are_reused(monkeypatch):
    import town.core.pathfinding as pathfinding
    from town.core.pathfinding import REGION

    built = []
    real_build = pathfinding._grid_graph  # noqa: SLF001
    monkeypatch.setattr(
        pathfinding, "_grid_graph", lambda walkable: built.append(walkable.shape) or real_build(walkable)
    )
    big = np.ones((3 * REGION, 9 * REGION), dtype=bool)
    finder = PathFinder(big)
    # Goals in three regions (x blocks 0-2, 3-5, 6-8), then other goals in the same regions (new trees): each
    # region's graph is built once.
    goals = [(REGION + 5, REGION), (4 * REGION + 5, REGION), (7 * REGION + 5, REGION)]
    for lap in range(2):
        for x, y in goals:
            goal = (x, y + 7 * lap)
            assert finder.path((x + 60, y + 3), goal)[-1] == goal  # from inside the region, far enough for a tree
    assert len(finder._trees) == 6 and len(built) == 3  # noqa: SLF001
    one = pathfinding._graph_bytes(finder._graphs[next(iter(finder._graphs))])  # noqa: SLF001
    monkeypatch.setattr(pathfinding, "GRAPH_BUDGET_BYTES", 2 * one)
    small = PathFinder(big)
    for goal in goals:
        small.path((goal[0] + 60, goal[1] + 3), goal)
    assert len(small._graphs) == 2  # noqa: SLF001 - the least recently used region's graph was let go
