"""`Approaches`: in live mode, talks that a slow answer decided after the partner had walked on.

Rather than refuse such a talk (the engine's "walked out of range"), the initiator goes after the partner: each tick
the talk opens once they are within talk range, the walk follows a partner who keeps moving, and after
`APPROACH_MINUTES` (or when either falls asleep, leaves or starts another talk) it is given up, logged as a refused
input with the reason. Headless runs never need this: their answers land on time.
"""

from __future__ import annotations

from town.core.engine import Engine
from town.core.events import EventBus, InputRejected
from town.core.inputs import StartConversation, WalkTowards

APPROACH_MINUTES = 3  # how long an agent follows someone it decided to talk to before giving up


class Approaches:
    """The pending approaches (initiator -> the talk and the tick to give up at); not saved: live mode only."""

    def __init__(self, engine: Engine, bus: EventBus, ticks_per_minute: int) -> None:
        self.engine = engine
        self.bus = bus
        self.give_up_ticks = APPROACH_MINUTES * ticks_per_minute
        self.pending: dict[str, tuple[StartConversation, int]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.pending

    def _distance(self, a: str, b: str) -> int | None:
        bodies = self.engine.world.bodies
        x, y = bodies.get(a), bodies.get(b)
        if x is None or y is None:
            return None
        return max(abs(x.tile[0] - y.tile[0]), abs(x.tile[1] - y.tile[1]))

    def takes(self, item: StartConversation, tick: int) -> bool:
        """Take over a talk whose partner is out of reach (True), or leave it to the engine (False)."""
        bodies = self.engine.world.bodies
        a, b = bodies.get(item.initiator), bodies.get(item.partner)
        if a is None or b is None or a.asleep or b.asleep or a.conversation is not None or b.conversation is not None:
            return False  # the engine refuses it with the reason
        distance = self._distance(item.initiator, item.partner)
        if distance is None or distance <= self.engine.config.talk_range:
            return False
        self.pending[item.initiator] = (item, tick + self.give_up_ticks)
        self._walk(item)
        return True

    def follow_up(self, tick: int) -> None:
        """Each tick: open the talk once in reach, follow a partner who moved, give up when it cannot happen."""
        bodies = self.engine.world.bodies
        for name, (item, until) in list(self.pending.items()):
            a, b = bodies.get(name), bodies.get(item.partner)
            reason = None
            if a is None or b is None or a.asleep or b.asleep:
                reason = "a participant left or fell asleep"
            elif a.conversation is not None or b.conversation is not None:
                reason = "a participant is already in a conversation"
            elif tick >= until:
                reason = "the partner could not be caught up with"
            if reason is not None:
                del self.pending[name]
                self.bus.emit(InputRejected(input=item.model_dump(), reason=f"{reason} (while going over to talk)"))
            elif (self._distance(name, item.partner) or 0) <= self.engine.config.talk_range:
                del self.pending[name]
                self.engine.submit(item)
            elif a is not None and b is not None and (not a.path or a.path[-1] != b.tile):
                self._walk(item)

    def _walk(self, item: StartConversation) -> None:
        self.engine.submit(
            WalkTowards(agent=item.initiator, target=item.partner, description=f"going over to {item.partner}")
        )
