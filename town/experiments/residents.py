"""Turning drafts into residents: names, faith at home, relations, routines and the `Persona` itself.

Family names are shared at home (housemates keep their own, some partners too) and first names follow the gender
the taxonomy gave; a child is brought up in the religion of the head of the household; each person's relations are
their household first, then colleagues and friends, up to `MAX_RELATIONS`; routines follow the occupation, with
lunch and a walk at the places nearest the person. Names are data (data/names.yaml).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import numpy as np
import yaml

from agents.persona import Persona, Relationship, RoutineItem
from town.core.places import TownMap
from town.experiments import persona_text as text
from town.experiments.draft import Draft
from town.experiments.households import Household
from town.experiments.occupations import TownPlaces, occupations
from town.experiments.ties import Ties

MAX_RELATIONS = 8  # relationships written per persona: household first, then colleagues and friends
NAMES_FILE = "data/names.yaml"


@cache
def _names() -> dict[str, list[str]]:
    data = yaml.safe_load(resources.files("town.experiments").joinpath(NAMES_FILE).read_text(encoding="utf-8"))
    return {k: [str(v) for v in vs] for k, vs in data.items()}


def name_households(drafts: list[Draft], households: list[Household], rng: np.random.Generator) -> None:
    """Family names shared at home (housemates keep their own); first names by gender; every name unique."""
    names = _names()
    used: set[str] = set()
    for home in households:
        family = names["surnames"][int(rng.integers(len(names["surnames"])))]
        for member in home.members:
            draft = drafts[member]
            own = home.roles.get(member) == "housemate" or (home.roles.get(member) == "partner" and rng.random() < 0.3)
            last = names["surnames"][int(rng.integers(len(names["surnames"])))] if own else family
            pool = {"woman": names["women"], "man": names["men"]}.get(draft.one("gender"))
            pool = pool or names["women"] + names["men"] + names["anyone"]
            pool = pool + names["anyone"] if rng.random() < 0.1 else pool
            for attempt in range(50):
                first = pool[int(rng.integers(len(pool)))]
                if attempt > 25:
                    first = f"{first} {chr(65 + int(rng.integers(26)))}."  # a middle initial sets two apart
                if f"{first} {last}" not in used:
                    break
            used.add(f"{first} {last}")
            draft.first, draft.last = first, last


def children_share_faith(drafts: list[Draft], households: list[Household], fixed: set[str]) -> None:
    """A child at home is brought up in the religion of the head of the household (unless a quota fixed it)."""
    if "religion" in fixed:
        return
    for home in households:
        head = drafts[home.head]
        for member, role in home.roles.items():
            if role == "child" and drafts[member].age < 18:
                drafts[member].facts.chosen["religion"] = list(head.facts.chosen.get("religion", []))
                drafts[member].options["religion"] = list(head.options.get("religion", []))


def _person_id(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def relations(drafts: list[Draft], households: list[Household], ties: Ties) -> None:
    for home in households:
        for member in home.members:
            drafts[member].household = [drafts[m].name for m in home.members if m != member]
    for draft in drafts:
        mine = ties.relations.get(draft.index, {})
        at_home = [o for o in mine if drafts[o].name in draft.household]
        others = [o for o in mine if drafts[o].name not in draft.household]
        for other in [*at_home, *others][:MAX_RELATIONS]:
            draft.relations[drafts[other].name] = mine[other]
            draft.relation_ids[drafts[other].name] = _person_id(drafts[other].name)


def _routine(draft: Draft, town_map: TownMap, places: TownPlaces, wake: str) -> list[RoutineItem]:
    occupation = occupations()[draft.occupation]
    bedroom = f"{draft.home}: {draft.bedroom}"
    kitchens = [a.label for a in town_map.arenas_of(draft.home) if "stove" in a.objects or "kitchen" in a.name]
    kitchen = kitchens[0] if kitchens else bedroom
    work = occupation.work if draft.workplace or occupation.away is None else occupation.away
    day_place = draft.workplace or kitchen
    lunch = places.nearest(places.lunch_places, day_place) or kitchen
    walk = places.nearest(places.walk_places, bedroom) or kitchen
    return [
        RoutineItem(time=wake, activity="wake up and get ready", place=bedroom),
        RoutineItem(time="09:00", activity=work, place=day_place),
        RoutineItem(time="12:30", activity="lunch out" if lunch != kitchen else "lunch at home", place=lunch),
        RoutineItem(time="13:30", activity=work, place=day_place),
        RoutineItem(time="17:30", activity="an evening walk" if walk != kitchen else "time at home", place=walk),
        RoutineItem(time="19:00", activity="cook dinner and relax", place=kitchen),
    ]


def persona(draft: Draft, town_map: TownMap, places: TownPlaces, rng: np.random.Generator) -> Persona:
    town = town_map.world
    style, wake, bed = text.lifestyle(draft.big_five)
    goal = text.goal(draft)
    religion = draft.one("religion")
    return Persona(
        id=_person_id(draft.name),
        name=draft.name,
        age=draft.age,
        occupation=draft.occupation,
        traits=text.traits(draft.big_five),
        big_five=draft.big_five,
        social_identity=text.social_identity(draft, town, rng),
        personal_identity=text.personal_identity(draft, town, rng),
        life_context=text.life_context(draft, town, rng),
        lifestyle=style,
        home=draft.home,
        home_arena=draft.bedroom,
        workplace=draft.workplace.split(": ")[0] if draft.workplace else None,
        wake_time=wake,
        bed_time=bed,
        routine=_routine(draft, town_map, places, wake),
        relationships=[Relationship(person=draft.relation_ids[n], relation=r) for n, r in draft.relations.items()],
        current_goals=[goal] if goal else [],
        gender=draft.one("gender") or None,
        religion=religion if religion and religion != "none" else None,
        attributes=draft.attributes(),
    )
