"""`hand_out_news`: what a tick brought each mind — its percepts and the conversations it began or ended.

Each mind is handed only the conversations it is in (every mind scanning all of them made a tick quadratic in agents),
and a mind that saw nothing new and is in no talk that began or ended is not visited: observing nothing changes nothing.
"""

from __future__ import annotations

from agents.mind import Mind
from town.core.engine import TickResult
from town.core.world import WorldState, by_participant


def hand_out_news(minds: list[Mind], result: TickResult, world: WorldState) -> None:
    started, ended = by_participant(result.started), by_participant(result.ended)
    news = result.percepts.keys() | started.keys() | ended.keys()
    for mind in minds:
        name = mind.name
        if name in news and not mind.lanes.departed:
            mind.observe(result.tick, result.percepts.get(name, []), started.get(name, []), ended.get(name, []), world)
