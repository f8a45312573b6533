"""Game time: `GameClock` maps tick numbers to game datetimes.

A tick is a fixed step of game time (10 game seconds by default, as in Park et al.), so 8,640 ticks make a game day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_TICK_SECONDS = 10


class GameClock(BaseModel):
    """Converts between ticks and game time; immutable so every layer can share it."""

    model_config = ConfigDict(frozen=True)

    start: datetime = datetime(2025, 2, 13, 8, 0)
    tick_seconds: int = Field(default=DEFAULT_TICK_SECONDS, ge=1, le=3600)

    def time_at(self, tick: int) -> datetime:
        return self.start + timedelta(seconds=tick * self.tick_seconds)

    def ticks_for(self, *, hours: float = 0.0, minutes: float = 0.0) -> int:
        """Whole ticks in a span of game time, at least one for any positive span."""
        seconds = hours * 3600 + minutes * 60
        if seconds <= 0:
            return 0
        return max(1, round(seconds / self.tick_seconds))

    def hours_between(self, earlier_tick: int, later_tick: int) -> float:
        return (later_tick - earlier_tick) * self.tick_seconds / 3600.0

    def tick_of(self, when: datetime) -> int:
        """The first tick at or after `when` (negative for times before the start)."""
        seconds = (when - self.start).total_seconds()
        return int(-(-seconds // self.tick_seconds))


def clock_label(when: datetime) -> str:
    """Time as agents read it in prompts: 'Thursday February 13, 08:05'."""
    return f"{when:%A %B} {when.day}, {when:%H:%M}"
