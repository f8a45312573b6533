"""Households and the dwellings they live in: `Dwelling`, `dwellings_of`, `form_households`, `house`.

- A dwelling is found on any map: a private sector with beds. Bedrooms named like a flat (data/taxonomy.yaml's
  `flat_words`: "apartment A", "flat 2", "Klaus's room") are each a dwelling of their own; a sector's other bedrooms
  make one house. A dwelling holds `people_per_bed` per bedroom plus `extra`.
- People who share a household size are grouped into households of that size, one adult at the head of each;
  children go to a head old enough to be their parent where there is one, then the adult closest in age to the
  head becomes the partner; everyone else is a grown-up child, a parent, a sibling or a housemate by age.
- Households are housed largest first, each in the smallest free dwelling that holds it (which houses everyone
  whenever any assignment can); a map too small is refused with how many it can house.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from town.core.errors import ConfigError
from town.core.places import TownMap
from town.experiments.taxonomy import taxonomy

ADULT = 18
PARENT_GAP = 18  # years between a parent and a child
PARTNER_GAP = 12  # years apart two adults may be and still read as a couple


@dataclass(frozen=True)
class Dwelling:
    sector: str
    bedrooms: tuple[str, ...]  # arena names, first the main one
    capacity: int

    @property
    def label(self) -> str:
        return self.sector if len(self.bedrooms) > 1 else f"{self.sector}: {self.bedrooms[0]}"


def dwellings_of(town_map: TownMap) -> list[Dwelling]:
    rules = taxonomy().households
    flat = re.compile(r"\b(" + "|".join(re.escape(w) for w in rules.flat_words) + r")\b", re.IGNORECASE)
    by_sector: dict[str, list[str]] = {}
    for arena in town_map.arenas.values():
        if "bed" in arena.objects and not town_map.sectors[arena.sector].public:
            by_sector.setdefault(arena.sector, []).append(arena.name)
    out = []
    for sector, beds in sorted(by_sector.items()):
        flats = sorted(b for b in beds if flat.search(b))
        rooms = sorted((b for b in beds if not flat.search(b)), key=lambda b: (not b.lower().startswith("main"), b))
        out += [Dwelling(sector, (b,), rules.people_per_bed + rules.extra) for b in flats]
        if rooms:
            out.append(Dwelling(sector, tuple(rooms), rules.people_per_bed * len(rooms) + rules.extra))
    if not out:
        raise ConfigError(f"map {town_map.world}: no private room with a bed to house anyone")
    return out


@dataclass
class Household:
    """People (by index) living together: the head first; each other member's role towards the head."""

    members: list[int]
    roles: dict[int, str] = field(default_factory=dict)  # member -> "partner", "child", "parent", ...
    dwelling: Dwelling | None = None
    bedroom: dict[int, str] = field(default_factory=dict)

    @property
    def head(self) -> int:
        return self.members[0]


def form_households(sizes: dict[int, int], ages: dict[int, int], rng: np.random.Generator) -> list[Household]:
    """Households from each person's household size and age; every household has an adult at its head."""
    groups: dict[int, list[int]] = {}
    for person, size in sizes.items():
        groups.setdefault(size, []).append(person)
    households: list[Household] = []
    for size, people in sorted(groups.items()):
        if len(people) % size:
            raise ConfigError(f"population: {len(people)} people in households of {size} cannot make whole ones")
        households += _group(size, [people[i] for i in rng.permutation(len(people))], ages)
    return households


def _group(size: int, people: list[int], ages: dict[int, int]) -> list[Household]:
    count = len(people) // size
    adults = [p for p in people if ages[p] >= ADULT]
    minors = sorted((p for p in people if ages[p] < ADULT), key=lambda p: ages[p])
    if len(adults) < count:
        raise ConfigError(f"population: {count} households of {size} but only {len(adults)} adults among them")
    # Heads: parents for the children first (adults 25-60 years older than a child), then the rest.
    suited = sorted(adults, key=lambda p: not 30 <= ages[p] <= 55 if minors else False)
    heads, rest = suited[:count], suited[count:]
    homes = [Household(members=[h]) for h in heads]
    for child in minors:
        open_ = [h for h in homes if len(h.members) < size]
        parents = [h for h in open_ if ages[h.head] - ages[child] >= PARENT_GAP]
        home = min(parents or open_, key=lambda h: (len(h.members), ages[h.head]))
        home.members.append(child)
    for home in homes:  # a partner closest in age to the head, then whoever is left
        while len(home.members) < size:
            best = min(range(len(rest)), key=lambda i: abs(ages[rest[i]] - ages[home.head]))
            home.members.append(rest.pop(best))
    for home in homes:
        _roles(home, ages)
    return homes


def _roles(home: Household, ages: dict[int, int]) -> None:
    head_age = ages[home.head]
    partnered = False
    for member in home.members[1:]:
        gap = head_age - ages[member]
        if ages[member] < ADULT:
            role = "child" if gap >= PARENT_GAP else "sibling"
        elif not partnered and abs(gap) <= PARTNER_GAP:
            role, partnered = "partner", True
        elif gap >= PARENT_GAP:
            role = "child"
        elif gap <= -PARENT_GAP:
            role = "parent"
        elif abs(gap) <= PARTNER_GAP:
            role = "sibling"
        else:
            role = "housemate"
        home.roles[member] = role


def house(households: list[Household], dwellings: list[Dwelling], town: str, rng: np.random.Generator) -> None:
    """Each household a dwelling of its own (largest households first, smallest dwelling that fits)."""
    free = [dwellings[i] for i in rng.permutation(len(dwellings))]
    order = sorted(range(len(households)), key=lambda i: -len(households[i].members))
    for i in order:
        home = households[i]
        fits = [d for d in free if d.capacity >= len(home.members)]
        if not fits:
            people = sum(len(h.members) for h in households)
            biggest = max(len(h.members) for h in households)
            raise ConfigError(
                f"map {town}: {len(dwellings)} dwellings (the largest holds {max(d.capacity for d in dwellings)}) "
                f"cannot house {people} people in {len(households)} households (the largest of {biggest}); use a "
                f"bigger map, e.g. `town map generate --people {people} --out town.tmj`, or fewer people"
            )
        dwelling = min(fits, key=lambda d: d.capacity)
        free.remove(dwelling)
        home.dwelling = dwelling
        _bedrooms(home, dwelling)


def _bedrooms(home: Household, dwelling: Dwelling) -> None:
    """The head and partner share the main bedroom; everyone else takes the other rooms in turn."""
    rooms = dwelling.bedrooms
    others = rooms[1:] or rooms
    turn = 0
    for member in home.members:
        if member == home.head or home.roles.get(member) == "partner":
            home.bedroom[member] = rooms[0]
        else:
            home.bedroom[member] = others[turn % len(others)]
            turn += 1
