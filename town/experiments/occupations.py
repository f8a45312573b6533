"""Occupations and where a map lets people live and work: `Occupation`, `occupations`, `TownPlaces`.

Occupations are data (data/occupations.yaml): the ages they fit, the words naming their workplaces, what their day
is. `TownPlaces` finds on any map the homes (bedrooms of private sectors), each occupation's workplaces (public
places whose names match its words) and the places to lunch and walk; a quota the map cannot staff is refused.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import yaml
from pydantic import BaseModel, Field

from town.core.errors import ConfigError
from town.core.places import TownMap

OCCUPATIONS_FILE = "data/occupations.yaml"


class Occupation(BaseModel):
    """An occupation: the ages it fits, the words naming where it works on a map, and what the working day is."""

    ages: tuple[int, int]
    works_at: list[str]
    work: str
    away: str | None = Field(None, description="the day when the map has no such place (work outside the town)")


@cache
def occupations() -> dict[str, Occupation]:
    text = resources.files("town.experiments").joinpath(OCCUPATIONS_FILE).read_text(encoding="utf-8")
    return {str(k): Occupation.model_validate(v) for k, v in yaml.safe_load(text).items()}


def homes_of(town_map: TownMap) -> list[str]:
    """'Sector: arena' labels of the map's bedrooms (arenas with a bed, in sectors that are not public)."""
    homes = [a.label for a in town_map.arenas.values() if "bed" in a.objects and not town_map.sectors[a.sector].public]
    if not homes:
        raise ConfigError(f"map {town_map.world}: no arena with a bed to house anyone")
    return sorted(homes)


class TownPlaces:
    """Where a generated population lives, works, lunches and walks on one map, found by the map's own names."""

    def __init__(self, town_map: TownMap, jobs: set[str]) -> None:
        self.map = town_map
        self.homes = homes_of(town_map)
        self.workplaces: dict[str, list[str]] = {}
        for job in sorted(jobs):
            occupation = occupations()[job]
            found = places_named(town_map, occupation.works_at)
            if not found and occupation.works_at and occupation.away is None:
                raise ConfigError(
                    f"quota occupation {job!r}: map {town_map.world} has no public place for it (no arena, sector or "
                    f"object named like {', '.join(occupation.works_at)}); drop it from the quota or use another map"
                )
            self.workplaces[job] = found
        self._centers: dict[str, tuple[float, float] | None] = {}
        self.lunch_places = places_named(town_map, ["cafe", "restaurant", "diner", "pub", "canteen"])
        self.walk_places = places_named(town_map, ["park", "garden", "square", "green"])
        self.lunch = self.lunch_places[0] if self.lunch_places else None
        self.walk = self.walk_places[0] if self.walk_places else None

    def nearest(self, places: list[str], to: str) -> str | None:
        """Of `places` ('Sector: arena'), the one closest to the arena `to`.

        People lunch and walk near where they are, so a big town's thousand people do not all meet in its first cafe.
        """
        if not places:
            return None
        here = self._center(to)
        if here is None:
            return places[0]

        def distance(label: str) -> float:
            there = self._center(label)
            return float("inf") if there is None else abs(there[0] - here[0]) + abs(there[1] - here[1])

        return min(places, key=lambda label: (distance(label), label))

    def _center(self, label: str) -> tuple[float, float] | None:
        if label not in self._centers:
            arena = self.map.arena_by_label(label)
            mean = np.mean(np.array(arena.tiles), axis=0) if arena is not None and arena.tiles else None
            self._centers[label] = None if mean is None else (float(mean[0]), float(mean[1]))
        return self._centers[label]

    def assign_workplaces(self, people: list[tuple[str, str | None]]) -> list[str | None]:
        """A workplace for each (job, home sector): the nearest to home that still has room.

        Every place of a job takes the same share of its workers (as many as dealing them out in turn would give),
        and each person, in the order given, takes the nearest place with room left: people work near where they
        live, so a big town's people do not all cross the town to work — and a commute, and the path walked each
        time, stays the length of a neighbourhood, not of the town. Ties go to the place listed first.
        """
        by_job: dict[str, list[int]] = {}
        for i, (job, _) in enumerate(people):
            by_job.setdefault(job, []).append(i)
        chosen: list[str | None] = [None] * len(people)
        for job, workers in by_job.items():
            places = self.workplaces.get(job) or []
            if not places:
                continue
            share, extra = divmod(len(workers), len(places))
            room = np.array([share + (k < extra) for k in range(len(places))])
            centres = np.array([self._center(label) or (np.inf, np.inf) for label in places], dtype=float)
            for i in workers:
                home = self._sector_center(people[i][1])
                distance = np.zeros(len(places)) if home is None else np.abs(centres - home).sum(axis=1)
                distance[room == 0] = np.inf
                k = int(np.argmin(distance)) if np.isfinite(distance).any() else int(np.flatnonzero(room)[0])
                room[k] -= 1
                chosen[i] = places[k]
        return chosen

    def _sector_center(self, sector: str | None) -> tuple[float, float] | None:
        """The middle of a sector's arenas (a home), or None when the map has no such sector."""
        found = self.map.sectors.get(sector) if sector else None
        tiles = [t for name in found.arenas for t in self.map.arenas[name].tiles] if found else []
        if not tiles:
            return None
        mean = np.mean(np.array(tiles), axis=0)
        return float(mean[0]), float(mean[1])


def places_named(town_map: TownMap, words: list[str]) -> list[str]:
    """Labels of public arenas whose name, sector or objects contain the first word of `words` that matches any."""
    arenas = [a for a in town_map.arenas.values() if town_map.sectors[a.sector].public]
    for word in words:
        w = word.lower()
        hits = [
            a for a in arenas if w in a.name.lower() or w in a.sector.lower() or any(w in o.lower() for o in a.objects)
        ]
        if hits:
            return sorted(a.label for a in hits)
    return []
