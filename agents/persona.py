"""`Persona`: who an agent is, loaded from YAML or JSON, plus `load_personas` and `check_against_map`.

Fields follow Park et al.'s seed descriptions and SPeCtrum's social identity / personal identity / life context split.
Unknown fields are rejected so a typo never silently drops information; every problem is one `PersonaError` line naming
the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.settings_files import load_model_file
from town.core.errors import PersonaError
from town.core.places import TownMap

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> time:
    match = _TIME.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a 24-hour time like 07:30")
    return time(int(match.group(1)), int(match.group(2)))


def minute_of_day(value: str) -> int:
    """Minutes since midnight of a 24-hour time like 07:30."""
    t = parse_hhmm(value)
    return t.hour * 60 + t.minute


class BigFive(BaseModel):
    model_config = ConfigDict(extra="forbid")
    openness: float = Field(ge=0, le=1)
    conscientiousness: float = Field(ge=0, le=1)
    extraversion: float = Field(ge=0, le=1)
    agreeableness: float = Field(ge=0, le=1)
    neuroticism: float = Field(ge=0, le=1)


class RoutineItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time: str
    activity: str = Field(min_length=1)
    place: str = Field(min_length=1, description="'Sector: arena' as the map names them")

    @field_validator("time")
    @classmethod
    def _valid_time(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class Relationship(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: str
    relation: str


NAME_MAX = 80
TEXT_MAX = 4000  # one persona paragraph; prompts carry it on every call


# SPeCtrum's three parts of a persona, in the order the identity paragraph gives them.
PERSONA_PARTS = ("social_identity", "personal_identity", "life_context")

# The stated demographic attributes (all optional but age): what a persona-swap experiment may exchange.
DEMOGRAPHICS = ("age", "gender", "ethnicity", "religion", "nationality")


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    age: int = Field(ge=1, le=120)
    occupation: str
    traits: list[str] = Field(min_length=1)
    big_five: BigFive
    social_identity: str = Field(max_length=TEXT_MAX)
    personal_identity: str = Field(max_length=TEXT_MAX)
    life_context: str = Field(max_length=TEXT_MAX)
    lifestyle: str = Field(max_length=TEXT_MAX)
    home: str
    home_arena: str | None = None
    workplace: str | None = None
    wake_time: str = "07:00"
    bed_time: str = "23:00"
    routine: list[RoutineItem] = Field(min_length=1)
    relationships: list[Relationship] = Field(default_factory=list)
    current_goals: list[str] = Field(default_factory=list)
    known_places: list[str] = Field(
        default_factory=list, description="'Sector: arena' places it knows beyond home, work and public places"
    )
    # Stated demographics, optional: shown in every prompt when given, and what a persona-swap experiment exchanges
    # between two agents (with age) to see what they alone change.
    gender: str | None = Field(default=None, max_length=60)
    ethnicity: str | None = Field(default=None, max_length=60)
    religion: str | None = Field(default=None, max_length=60)
    nationality: str | None = Field(default=None, max_length=60)
    # A generated population records what it sampled for each person (education, household size, interests, ...)
    # so an experiment can be analysed by attribute; prompts never show it (the texts above carry what they need).
    attributes: dict[str, str] | None = None

    @field_validator("wake_time", "bed_time")
    @classmethod
    def _valid_clock(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @field_validator("name")
    @classmethod
    def _visible_name(cls, value: str) -> str:
        """Names are keys everywhere (prompts, logs, saves): spaces around are dropped, a blank one is refused."""
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("a name needs at least one visible character")
        if len(cleaned) > NAME_MAX or any(not ch.isprintable() for ch in cleaned):
            raise ValueError(f"a name is at most {NAME_MAX} printable characters")
        return cleaned

    def summary(self, omit: Collection[str] = ()) -> str:
        """The identity paragraph every prompt starts from; short because small models lose long context.

        `omit` leaves out any of SPeCtrum's parts (`PERSONA_PARTS`) for an ablation; nothing else changes.
        """
        goals = f" Today's goal: {' '.join(self.current_goals)}" if self.current_goals else ""
        stated = [f"{field} {value}" for field in DEMOGRAPHICS[1:] if (value := getattr(self, field))]
        demographics = f" ({'; '.join(stated)})" if stated else ""
        parts = [getattr(self, part) for part in PERSONA_PARTS if part not in omit]
        return (
            f"{self.name}, {self.age}{demographics}, {self.occupation}. Traits: {', '.join(self.traits)}. "
            + " ".join([*parts, self.lifestyle])
            + goals
        )


def load_persona(path: str | Path) -> Persona:
    return load_model_file(path, Persona, "persona", PersonaError)


def load_personas(folder: str | Path) -> list[Persona]:
    """All persona files of a folder in file-name order (the order `--agents N` takes them in)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PersonaError(f"personas {folder}: not a folder of .yaml/.json persona files")
    # Files whose names start with "_" are notes beside the personas (a generated population's report).
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in {".yaml", ".yml", ".json"} and not p.name.startswith("_")
    )
    if not files:
        raise PersonaError(f"personas {folder}: no .yaml or .json files found")
    personas = [load_persona(p) for p in files]
    check_unique(personas, [f"persona {p}" for p in files])
    return personas


def check_unique(personas: list[Persona], where: list[str]) -> None:
    """Ids and names are unique: both are keys (files, logs, conversations), so a repeat is refused up front."""
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for persona, place in zip(personas, where, strict=True):
        if persona.id in ids:
            raise PersonaError(f"{place}: id '{persona.id}' is already used by {ids[persona.id]}")
        if persona.name.casefold() in names:
            raise PersonaError(f"{place}: name '{persona.name}' is already used by {names[persona.name.casefold()]}")
        ids[persona.id] = place
        names[persona.name.casefold()] = place


def check_against_map(persona: Persona, town_map: TownMap) -> None:
    """Fail early, with the field to fix, when a persona names places the map does not have."""
    where = f"persona {persona.id}"
    if persona.home not in town_map.sectors:
        raise PersonaError(f"{where}: field 'home': '{persona.home}' is not a sector of map {town_map.world}")
    if persona.home_arena and town_map.arena_by_label(f"{persona.home}: {persona.home_arena}") is None:
        raise PersonaError(f"{where}: field 'home_arena': '{persona.home_arena}' is not an arena of '{persona.home}'")
    if persona.workplace and persona.workplace not in town_map.sectors:
        raise PersonaError(f"{where}: field 'workplace': '{persona.workplace}' is not a sector of map {town_map.world}")
    for index, place in enumerate(persona.known_places):
        if town_map.arena_by_label(place) is None:
            raise PersonaError(f"{where}: field 'known_places.{index}': '{place}' is not a 'Sector: arena' on the map")
    for index, item in enumerate(persona.routine):
        if town_map.arena_by_label(item.place) is None:
            raise PersonaError(
                f"{where}: field 'routine.{index}.place': '{item.place}' is not a 'Sector: arena' on the map"
            )
