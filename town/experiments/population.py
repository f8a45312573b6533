"""Generating a population of personas: `QuotaSpec`, `generate_population`, `PopulationReport`.

- Quotas: each attribute (age band, occupation) gets exact counts for the sample size — given as counts, or as
  proportions rounded by largest remainder — so the targets are met exactly, never approximately.
- Plausibility: every occupation has an age range (a 9-year-old is not a surgeon; a pupil is not 40). Age bands and
  occupations are paired by a maximum bipartite matching over a seeded order, so every pair is plausible; if no
  pairing exists the quotas contradict each other and the error says which.
- Homes and workplaces come from the map the population is for: homes are the bedrooms of private sectors, and each
  occupation (data/occupations.yaml) works at the public places whose names match its words (a barista at whatever
  the map calls a cafe); a quota for an occupation the map has no place for is refused with the reason. Routines
  from the occupation and the map's own lunch and walking places, Big Five seeded, traits and identity text from them.
- Semantic de-duplication: persona summaries are embedded; a persona too close to an earlier one is regenerated (its
  quota attributes kept) — the duplicate rate before and after is reported.
Seeded and reproducible: the same quota file and seed write the same files.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, Field, model_validator

from agents.embedding import Embedder
from agents.llm.structured import StructuredLLM
from agents.persona import BigFive, Persona, RoutineItem, check_against_map
from agents.prompts import render
from agents.settings_files import load_model_file
from town.core.errors import ConfigError
from town.core.places import TownMap
from town.experiments.diversity import Diversity, diversity
from town.experiments.occupations import TownPlaces, occupations

FIRST = (
    "Ada Ben Cara Dev Ela Finn Gus Hana Ivo Jade Kofi Lena Milo Nia Omar Pia Quin Rosa Sami Tara Uma Vik Wren "
    "Xia Yara Zane Alba Boris Cleo Dara Emil Faye Gil Hugo Iris Joss Kira Luca Maya Nell Otto Priya Remy Sol Theo"
).split()
LAST = (
    "Abbott Baker Castillo Dunn Ellis Ferreira Grant Haddad Ito Jensen Kowalski Lindqvist Mensah Nakamura Okoro "
    "Petrov Quinn Rossi Santos Tanaka Ueda Varga Walsh Xu Yilmaz Zhou Adler Brennan Costa Duarte"
).split()
INTERESTS = (
    "birdwatching",
    "baking bread",
    "chess",
    "old films",
    "running by the river",
    "poetry",
    "woodwork",
    "jazz records",
    "local history",
    "board games",
    "knitting",
    "astronomy",
    "fishing",
    "photography",
    "choir singing",
    "cycling",
)
REPORT_NAME = "_population.json"  # files starting with "_" are not personas to the loader
DUPLICATE_COSINE = 0.9  # summaries this alike read as the same person to an agent (and to an evaluator)
MAX_REDRAWS = 8


class QuotaSpec(BaseModel):
    """Attribute -> value -> count (int) or proportion (float); age values are bands "lo-hi"."""

    attributes: dict[str, dict[str, float]]

    @model_validator(mode="after")
    def _known(self) -> QuotaSpec:
        unknown = set(self.attributes) - {"age", "occupation"}
        if unknown:
            raise ValueError(f"unknown quota attribute(s) {', '.join(sorted(unknown))}; use age and occupation")
        for job in self.attributes.get("occupation", {}):
            if job not in occupations():
                raise ValueError(f"occupation {job!r} is not known; choose from {', '.join(occupations())}")
        for band in self.attributes.get("age", {}):
            if not re.fullmatch(r"\d{1,3}-\d{1,3}", band) or int(band.split("-")[0]) > int(band.split("-")[1]):
                raise ValueError(f"age band {band!r}: write it as lo-hi, like 30-44")
        return self


class QuotaRow(BaseModel):
    attribute: str
    value: str
    target: int
    achieved: int


class PopulationReport(BaseModel):
    n: int
    seed: int
    quotas: list[QuotaRow]
    implausible_draws: int = Field(description="random age/occupation pairings that broke the rules (re-matched)")
    duplicates_found: int
    duplicates_left: int
    duplicate_rate_before: float
    duplicate_rate_after: float
    files: list[str]
    diversity: Diversity | None = None  # how varied the people are (town/experiments/diversity.py)


def load_quotas(path: str | Path) -> QuotaSpec:
    return load_model_file(path, QuotaSpec, "quota", ConfigError)


def exact_counts(weights: dict[str, float], n: int, what: str) -> dict[str, int]:
    """Counts that sum to n: given counts must already; proportions are rounded by largest remainder."""
    values = list(weights.values())
    if all(float(v).is_integer() for v in values) and sum(values) == n:
        return {k: int(v) for k, v in weights.items()}
    total = sum(values)
    if total <= 0:
        raise ConfigError(f"quota {what}: the weights must be positive")
    raw = {k: v / total * n for k, v in weights.items()}
    counts = {k: int(np.floor(x)) for k, x in raw.items()}
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), k))[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def _plausible(occupation: str, band: str) -> bool:
    lo, hi = (int(x) for x in band.split("-"))
    min_age, max_age = occupations()[occupation].ages
    return lo <= max_age and hi >= min_age


def _pair(jobs: list[str], bands: list[str], rng: np.random.Generator) -> tuple[list[str], int]:
    """Age bands re-assigned so each person's band fits their occupation; ConfigError when no assignment exists.

    It is a bipartite matching of people to the band slots their occupation allows (maximum matching over a seeded
    order); the returned count is how many random pairings broke the rules (each of them would have been an
    implausible persona).
    """
    import networkx as nx  # noqa: PLC0415

    graph = nx.Graph()
    people = [("person", i) for i in rng.permutation(len(jobs)).tolist()]
    slots = [("slot", j) for j in rng.permutation(len(bands)).tolist()]
    graph.add_nodes_from(people, bipartite=0)
    graph.add_nodes_from(slots, bipartite=1)
    graph.add_edges_from((p, q) for p in people for q in slots if _plausible(jobs[p[1]], bands[q[1]]))
    matching = nx.bipartite.hopcroft_karp_matching(graph, top_nodes=people)
    unmatched = [p[1] for p in people if p not in matching]
    if unmatched:
        job = jobs[unmatched[0]]
        lo, hi = occupations()[job].ages
        raise ConfigError(
            f"quotas: not enough people aged {lo}-{hi} for every {job} (and the other occupations that need them); "
            "the age and occupation quotas contradict each other"
        )
    paired = [bands[matching[("person", i)][1]] for i in range(len(jobs))]
    return paired, sum(not _plausible(job, band) for job, band in zip(jobs, bands, strict=True))


def _traits(b: BigFive) -> list[str]:
    poles = [
        (b.openness, "curious", "conventional"),
        (b.conscientiousness, "organised", "easygoing"),
        (b.extraversion, "outgoing", "reserved"),
        (b.agreeableness, "warm", "blunt"),
        (b.neuroticism, "anxious", "calm"),
    ]
    ranked = sorted(poles, key=lambda p: -abs(p[0] - 0.5))
    return [high if value >= 0.5 else low for value, high, low in ranked[:3]]


def _routine(job: str, home: str, wake: str, places: TownPlaces, workplace: str | None) -> list[RoutineItem]:
    occupation = occupations()[job]
    work = occupation.work if workplace or occupation.away is None else occupation.away
    day_place = workplace or home
    lunch = places.lunch or home
    walk = places.walk or home
    return [
        RoutineItem(time=wake, activity="wake up and get ready", place=home),
        RoutineItem(time="09:00", activity=work, place=day_place),
        RoutineItem(time="12:30", activity="lunch out" if places.lunch else "lunch at home", place=lunch),
        RoutineItem(time="13:30", activity=work, place=day_place),
        RoutineItem(time="17:30", activity="an evening walk" if places.walk else "time at home", place=walk),
        RoutineItem(time="19:00", activity="cook dinner and relax", place=home),
    ]


def _persona(
    job: str, age: int, home: str, places: TownPlaces, index: int, rng: np.random.Generator, used: set[str]
) -> Persona:
    while True:
        name = f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"
        if name not in used:
            used.add(name)
            break
    b = BigFive(**{k: round(float(rng.uniform(0.05, 0.95)), 2) for k in BigFive.model_fields})
    early = b.conscientiousness >= 0.5
    wake, bed = ("06:30", "22:30") if early else ("07:45", "23:45")
    interests = [INTERESTS[int(i)] for i in rng.choice(len(INTERESTS), size=2, replace=False)]
    sector, arena = home.split(": ", 1)
    workplace = places.workplace(job, index)
    return Persona(
        id=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
        name=name,
        age=age,
        occupation=job,
        traits=_traits(b),
        big_five=b,
        social_identity=f"A {age}-year-old {job} in {places.map.world}.",
        personal_identity=f"Loves {interests[0]} and {interests[1]}.",
        life_context=f"Lives at {sector} ({arena}).",
        lifestyle="An early riser who likes a plan." if early else "A late riser who takes the day as it comes.",
        home=sector,
        home_arena=arena,
        workplace=workplace.split(": ")[0] if workplace else None,
        wake_time=wake,
        bed_time=bed,
        routine=_routine(job, home, wake, places, workplace),
    )


def generate_population(
    n: int, quotas: QuotaSpec, town_map: TownMap, embedder: Embedder, seed: int = 0
) -> tuple[list[Persona], PopulationReport]:
    if n < 1:
        raise ConfigError("population: --n must be at least 1")
    rng = np.random.default_rng(seed)
    jobs_quota = exact_counts(quotas.attributes.get("occupation", {"shopkeeper": 1.0}), n, "occupation")
    ages_quota = exact_counts(quotas.attributes.get("age", {"18-80": 1.0}), n, "age")
    jobs = [job for job, count in jobs_quota.items() for _ in range(count)]
    bands = [band for band, count in ages_quota.items() for _ in range(count)]
    rng.shuffle(jobs)
    rng.shuffle(bands)
    places = TownPlaces(town_map, set(jobs))  # the map's places first: a quota it cannot staff is refused here
    bands, swaps = _pair(jobs, bands, rng)
    homes = places.homes
    used: set[str] = set()
    people: list[Persona] = []
    for i, (job, band) in enumerate(zip(jobs, bands, strict=True)):
        lo, hi = (int(x) for x in band.split("-"))
        min_age, max_age = occupations()[job].ages
        age = int(rng.integers(max(lo, min_age), min(hi, max_age) + 1))
        people.append(_persona(job, age, homes[i % len(homes)], places, i, rng, used))
    found, people = _deduplicate(people, embedder, rng, used, places)
    left = _duplicates(people, embedder)
    for person in people:
        check_against_map(person, town_map)  # never emit a persona the town cannot place
    report = PopulationReport(
        n=n,
        seed=seed,
        quotas=[
            QuotaRow(attribute="occupation", value=j, target=c, achieved=sum(p.occupation == j for p in people))
            for j, c in jobs_quota.items()
        ]
        + [
            QuotaRow(
                attribute="age",
                value=band,
                target=c,
                achieved=sum(int(band.split("-")[0]) <= p.age <= int(band.split("-")[1]) for p in people),
            )
            for band, c in ages_quota.items()
        ],
        implausible_draws=swaps,
        duplicates_found=found,
        duplicates_left=len(left),
        duplicate_rate_before=round(found / n, 4),
        duplicate_rate_after=round(len(left) / n, 4),
        files=[],
        diversity=diversity(people, quotas.attributes, embedder),
    )
    return people, report


def _duplicates(people: list[Persona], embedder: Embedder) -> list[int]:
    vectors = embedder.embed([p.summary() for p in people])
    sims = vectors @ vectors.T
    return [i for i in range(len(people)) if i and float(np.max(sims[i, :i])) > DUPLICATE_COSINE]


def _deduplicate(
    people: list[Persona], embedder: Embedder, rng: np.random.Generator, used: set[str], places: TownPlaces
) -> tuple[int, list[Persona]]:
    """Redraw (same occupation and age) whoever reads too much like someone earlier; returns how many were found."""
    found = _duplicates(people, embedder)
    for i in found:
        original = people[i]
        for _ in range(MAX_REDRAWS):
            used.discard(people[i].name)
            home = f"{original.home}: {original.home_arena}"
            people[i] = _persona(original.occupation, original.age, home, places, i, rng, used)
            vectors = embedder.embed([p.summary() for p in people[: i + 1]])
            if float(np.max(vectors[:i] @ vectors[i])) <= DUPLICATE_COSINE:
                break
    return len(found), people


def write_population(people: list[Persona], report: PopulationReport, out: Path) -> PopulationReport:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for index, person in enumerate(people, start=1):
        path = out / f"{index:03d}-{person.id}.yaml"
        path.write_text(yaml.safe_dump(person.model_dump(mode="json", exclude_none=True), sort_keys=False), "utf-8")
        files.append(str(path))
    report = report.model_copy(update={"files": files})
    (out / REPORT_NAME).write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return report


class BackstoryFields(BaseModel):
    name: str
    age: int
    occupation: str
    traits: str
    personal_identity: str
    life_context: str


class Backstory(BaseModel):
    backstory: str = Field(min_length=10, max_length=500)


async def write_backstories(people: list[Persona], llm: StructuredLLM) -> tuple[list[Persona], int]:
    """Optional: one model call per persona for a two-sentence backstory, added to its life context.

    A failed call leaves the persona as generated (counted); the persona is validated again either way.
    """
    out, failed = [], 0
    for person in people:
        fields = BackstoryFields(
            name=person.name,
            age=person.age,
            occupation=person.occupation,
            traits=", ".join(person.traits),
            personal_identity=person.personal_identity,
            life_context=person.life_context,
        )
        answer = await llm.ask(
            render("backstory", fields),
            Backstory,
            purpose="backstory",
            agent=person.name,
            fallback=lambda: Backstory.model_construct(backstory=""),
            log=[],
        )
        if answer.fallback or not answer.value.backstory.strip():
            failed += 1
            out.append(person)
            continue
        context = f"{person.life_context} {answer.value.backstory.strip()}"
        out.append(Persona.model_validate({**person.model_dump(), "life_context": context}))
    return out, failed
