"""The symbolic validator: does a person's record and text agree with what was sampled and with the map?

`problems(persona, household_size, town_map)` returns one line per contradiction, empty when there is none:
- the record: the age fits the occupation (no 9-year-old surgeon), the home, bedroom, workplace and routine
  places exist on the map;
- the text (every free-text field): an age written in it ("a 52-year-old", "aged 52", "in her fifties") is the
  person's age; an occupation it gives them ("works as a nurse", "is a retired teacher") is theirs; "lives alone"
  only for a household of one and "lives with" never for one; a place it names in town ("lives at Birch
  Cottage", "works at Elm Street Cafe") is a building or room on the map.
It reads text with patterns, not a model, so it can run on every person and its verdicts are reproducible.
"""

from __future__ import annotations

import re

from agents.persona import Persona, check_against_map
from town.core.errors import PersonaError
from town.core.places import TownMap
from town.experiments.occupations import occupations

TEXT_FIELDS = ("social_identity", "personal_identity", "life_context", "lifestyle")
DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70,
           "eighties": 80, "nineties": 90, "teens": 10}  # fmt: skip
PLACE_NOUNS = (
    "House Home Cottage Cafe Café Market Park College School Street Lane Road Hospital Clinic Apartments Court "
    "Library Pub Arms Inn Studio Church Farm Shop Store Bakery Square Hall Centre Center Office Flats"
).split()
_AGE = re.compile(
    r"\b(\d{1,3})[- ]years?[- ]old\b|\baged (\d{1,3})\b|\bage of (\d{1,3})\b|\bis (\d{1,3}) years\b", re.I
)
_DECADE = re.compile(r"\b(?:in )?(?:his|her|their|my) (?:early |mid-|mid |late )?(" + "|".join(DECADES) + r")\b", re.I)
_JOB = re.compile(  # "is a retired teacher's daughter" says nothing of her own job
    r"\b(?:works as|working as|job as|is|became|trained as|now a|as) (?:a |an )?((?:[a-z]+ )?[a-z]+)\b(?!['’]s)"
)
_PLACE = re.compile(
    r"\b(?:at|in|to|near|into|from|above|behind|beside|on) (?:the )?((?:[A-Z][\w'’-]*\s){0,3}(?:"
    + "|".join(PLACE_NOUNS)
    + r"))\b"
)


def problems(
    persona: Persona, household_size: int | None, town_map: TownMap, names: MapNames | None = None
) -> list[str]:
    """Every contradiction in one person; pass `names` (built once per map) when checking many."""
    names = names or MapNames(town_map)
    found = _record(persona, town_map)
    for field in TEXT_FIELDS:
        text = getattr(persona, field)
        found += [f"{field}: {p}" for p in text_problems(text, persona, household_size, town_map, names)]
    return found


def _record(persona: Persona, town_map: TownMap) -> list[str]:
    found = []
    job = occupations().get(persona.occupation)
    if job is not None and not job.ages[0] <= persona.age <= job.ages[1]:
        found.append(f"age {persona.age} does not fit {persona.occupation} ({job.ages[0]}-{job.ages[1]})")
    try:
        check_against_map(persona, town_map)
    except PersonaError as exc:
        found.append(str(exc).removeprefix(f"persona {persona.id}: "))
    return found


def text_problems(
    text: str, persona: Persona, household_size: int | None, town_map: TownMap, names: MapNames | None = None
) -> list[str]:
    """Contradictions between one text and the person's record and map."""
    found = []
    for match in _AGE.finditer(text):
        stated = int(next(g for g in match.groups() if g))
        if stated != persona.age and not _about_someone_else(text, match.start(), persona):
            found.append(f"says age {stated}, but {persona.name} is {persona.age}")
    for match in _DECADE.finditer(text):
        decade = DECADES[match.group(1).lower()]
        low = 13 if decade == 10 else decade
        if not low <= persona.age <= decade + 9:
            found.append(f"says '{match.group(0)}', but {persona.name} is {persona.age}")
    jobs = {j for j in occupations() if j not in {"retired"}}
    for match in _JOB.finditer(text.lower()):
        words = match.group(1)
        named = [j for j in jobs if re.search(rf"\b{re.escape(j)}\b", words)]
        said = max(named, key=len) if named else None
        retired_from = persona.occupation == "retired" and words.startswith("retired")
        # Only an occupation of the taxonomy can be contradicted: a free-text one ("watercolor painter") may name it.
        theirs = persona.occupation in occupations()
        if (
            said
            and theirs
            and said != persona.occupation
            and not retired_from
            and not _about_someone_else(text, match.start(), persona)
        ):
            found.append(f"calls them a {said}, but they are a {persona.occupation}")
    lowered = text.lower()
    if household_size is not None:
        if household_size > 1 and re.search(r"\blives? (?:all )?alone\b", lowered):
            found.append(f"says they live alone, but their household has {household_size} people")
        if household_size == 1 and re.search(
            r"\blives? with\b|\bshares? (?:a|the|their|his|her) (?:home|house|flat)", lowered
        ):
            found.append("says they live with someone, but they live alone")
    places = names or MapNames(town_map)
    for match in _PLACE.finditer(text):
        name = match.group(1).strip()
        preposition = text[max(0, match.start()) : match.start(1)].strip().lower()
        if preposition.startswith("from"):
            continue  # where someone came from is outside the town
        if not places.has(name):
            found.append(f"names '{name}', which is not a place on map {town_map.world}")
    return found


def _about_someone_else(text: str, at: int, persona: Persona) -> bool:
    """A figure in a clause about another person ('her son, 9 years old') is not the person's own."""
    clause = re.split(r"[.;]", text[:at])[-1].lower()
    others = ("son", "daughter", "child", "children", "mother", "father", "wife", "husband", "partner", "brother",
              "sister", "grandchild", "friend", "parent", "colleague", "neighbour")  # fmt: skip
    return any(re.search(rf"\b{w}\b", clause) for w in others) and persona.name.split()[0].lower() not in clause


def _words(name: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in {"the", "s", "of", "and"}]


class MapNames:
    """The names of a map's buildings and rooms (and the town), indexed once for the validator's place checks."""

    def __init__(self, town_map: TownMap) -> None:
        self.world = town_map.world
        self.exact = {s.lower() for s in town_map.sectors} | {a.name.lower() for a in town_map.arenas.values()}
        self.exact.add(town_map.world.lower())
        self.by_prefix: dict[str, list[list[str]]] = {}
        self.all_words = [_words(name) for name in sorted(self.exact)]
        for words in self.all_words:
            for prefix in {w[:3] for w in words}:
                self.by_prefix.setdefault(prefix, []).append(words)

    def has(self, name: str) -> bool:
        """A name matches a place when each of its words begins a word of the place's name (or the reverse).

        'Willow Market' is 'The Willows Market and Pharmacy': people shorten names, and a validator that refused
        that would cry wolf.
        """
        if name.lower() in self.exact:
            return True
        words = _words(name)
        long = [w for w in words if len(w) >= 3]
        candidates = self.by_prefix.get(long[0][:3], []) if long else self.all_words
        return any(all(any(t.startswith(w) or w.startswith(t) for t in theirs) for w in words) for theirs in candidates)
