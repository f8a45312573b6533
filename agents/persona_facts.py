"""What a persona fixes about a mind for life: the places it may choose, its home and bed, and its waking day.

Computed once when the mind is made (none of it is saved state: a restored mind derives it again from its persona
and the map).
"""

from __future__ import annotations

from datetime import date, timedelta

from agents.persona import Persona, minute_of_day
from town.core.clock import GameClock
from town.core.places import Arena, TownMap

# Public places a person knows besides their routine's: those near home and work. Willowbrook has 4 and Smallville
# 6, so they know every one; a generated town for 10,000 has ~160, and listing all of them made every
# agent's place list, prompt and schema grow with the town.
KNOWN_PUBLIC_SECTORS = 12


def known_places(persona: Persona, town_map: TownMap) -> dict[str, Arena]:
    """Places an agent can choose in plans: home, workplace, public places near them, its routine's and known places.

    In a small town that is every public place; in a big one the `KNOWN_PUBLIC_SECTORS` nearest home and work, so an
    agent's choices (and its prompts, and its answer schema) stay the size of a neighbourhood as the town grows.
    """
    ordered: list[Arena] = list(town_map.arenas_of(persona.home))
    near = [persona.home]
    if persona.workplace:
        ordered += town_map.arenas_of(persona.workplace)
        near.append(persona.workplace)
    ordered += [a for s in town_map.public_near(near, KNOWN_PUBLIC_SECTORS) for a in town_map.arenas_of(s)]
    ordered += [a for item in persona.routine if (a := town_map.arena_by_label(item.place)) is not None]
    ordered += [a for label in persona.known_places if (a := town_map.arena_by_label(label)) is not None]
    places: dict[str, Arena] = {}
    for arena in ordered:
        places.setdefault(arena.label, arena)
    return places


def home_of(persona: Persona, town_map: TownMap) -> tuple[Arena, str | None]:
    """The arena the agent sleeps in (its named home arena, else one with a bed, else the first) and its bed, if any."""
    label = f"{persona.home}: {persona.home_arena}" if persona.home_arena else None
    arena = town_map.arena_by_label(label) if label else None
    if arena is None:
        arenas = town_map.arenas_of(persona.home)
        arena = next((a for a in arenas if "bed" in a.objects), arenas[0])
    return arena, "bed" if "bed" in arena.objects else None


def waking_hours(persona: Persona) -> tuple[int, int]:
    """Wake and bed time in minutes since midnight, bed past 1440 when it falls after midnight."""
    wake, bed = minute_of_day(persona.wake_time), minute_of_day(persona.bed_time)
    return wake, bed if bed > wake else bed + 1440


class WakingDay:
    """The agent's day runs from waking to bed: minutes count from midnight, and past 1440 after midnight."""

    def __init__(self, persona: Persona, clock: GameClock) -> None:
        self.clock = clock
        self.wake_minute, self.bed_minute = waking_hours(persona)

    def minute_of(self, tick: int) -> int:
        when = self.clock.time_at(tick)
        minute = when.hour * 60 + when.minute
        return minute if minute >= self.wake_minute else minute + 1440

    def date_of(self, tick: int) -> date:
        """The date of the waking day `tick` falls in (the small hours belong to the day before)."""
        return (self.clock.time_at(tick) - timedelta(minutes=self.wake_minute)).date()

    def is_awake(self, tick: int) -> bool:
        return self.wake_minute <= self.minute_of(tick) < self.bed_minute
