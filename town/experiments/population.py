"""Generating a population of personas for a map: `generate_population`, `PopulationReport`, `write_population`.

The steps, each reading what the ones before decided (progressive sampling):
1. Quotas (town/experiments/quotas.py): every person gets a cell of the quota attributes — age band, household
   size, and whatever else the quota names — meeting every marginal and joint quota exactly.
2. Occupation (when the quota does not fix it) conditioned on the age band; the age within band and occupation;
   Big Five from age norms; then the taxonomy's attributes in order (town/experiments/taxonomy.py).
3. Households from the household sizes and ages, housed in the map's dwellings (town/experiments/households.py);
   family names shared at home, children brought up in the head's religion; workplaces from the map's places.
4. Ties from households, workplaces and a small-world network (town/experiments/ties.py).
5. SPeCtrum's social identity, personal identity and life context written from all of it
   (town/experiments/persona_text.py), checked by the symbolic validator (town/experiments/validator.py).
6. Near-duplicates (summaries above `DUPLICATE_COSINE` under the embedder) redrawn in their free attributes.
Seeded and reproducible: the same quota file, map and seed write the same files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, Field

from agents.embedding import Embedder
from agents.persona import BigFive, Persona, check_against_map
from agents.settings_files import load_model_file
from town.core.errors import ConfigError
from town.core.places import TownMap
from town.experiments.diversity import Diversity, diversity
from town.experiments.draft import Draft
from town.experiments.households import Household, dwellings_of, form_households, house
from town.experiments.occupations import TownPlaces, occupations, places_named
from town.experiments.quota_solver import Cell, cell_error, cell_value, solve_quotas
from town.experiments.quotas import QuotaSpec, Table, quota_tables
from town.experiments.residents import children_share_faith, name_households, persona, relations
from town.experiments.taxonomy import Facts, taxonomy
from town.experiments.ties import Person, seed_ties
from town.experiments.validator import MapNames, problems

REPORT_NAME = "_population.json"  # files starting with "_" are not personas to the loader
DUPLICATE_COSINE = 0.9  # summaries this alike read as the same person to an agent (and to an evaluator)
MAX_REDRAWS = 8
# Big Five on a 0-1 scale: population mean 0.5, spread 0.15, with the small age trends of cross-sectional studies
# (Soto et al. 2011: conscientiousness and agreeableness rise through adulthood, neuroticism, extraversion and
# openness ease off) as change per year from age 40.
BIG_FIVE_PER_YEAR = {"openness": -0.001, "conscientiousness": 0.003, "extraversion": -0.001,
                     "agreeableness": 0.002, "neuroticism": -0.002}  # fmt: skip
BIG_FIVE_SPREAD = 0.15


class QuotaRow(BaseModel):
    table: str
    cell: str
    target: int
    achieved: int


class HouseholdSizes(BaseModel):
    configured: dict[str, float]  # share of households by size, as asked (or the census default)
    achieved: dict[str, float]  # share of the generated households by size
    households: int
    dwellings: int


class PopulationReport(BaseModel):
    n: int
    seed: int
    map: str
    quotas: list[QuotaRow]
    cell_error: dict[str, float] = Field(description="per quota table: share of people off target (0: exact)")
    households: HouseholdSizes
    ties: dict[str, int]  # pairs by kind (household, colleague, neighbour, friend)
    starting_density: float  # ties / possible pairs
    validator_failures: int  # generated personas the symbolic validator found a problem in (should be 0)
    validator_failure_rate: float  # of the model's first backstory proposals when --backstories, else of the above
    backstories: dict[str, int] | None = None
    duplicates_found: int
    duplicates_left: int
    duplicate_rate_before: float
    duplicate_rate_after: float
    files: list[str]
    diversity: Diversity | None = None


def load_quotas(path: str | Path) -> QuotaSpec:
    return load_model_file(path, QuotaSpec, "quota", ConfigError)


def _big_five(age: int, rng: np.random.Generator) -> BigFive:
    values = {
        trait: round(float(np.clip(rng.normal(0.5 + slope * (age - 40), BIG_FIVE_SPREAD), 0.02, 0.98)), 2)
        for trait, slope in BIG_FIVE_PER_YEAR.items()
    }
    return BigFive(**values)


def _occupation(cell: Cell, jobs: dict[str, float], rng: np.random.Generator) -> str:
    """Occupation given the cell's ages: weight times the share of the occupation's ages the cell covers."""
    if "occupation" in cell.values:
        return cell.values["occupation"]
    lo, hi = cell.ages
    weights = {}
    for job, weight in jobs.items():
        a, b = occupations()[job].ages
        overlap = min(hi, b) - max(lo, a) + 1
        if overlap > 0:
            weights[job] = weight * overlap / (b - a + 1)
    if not weights:
        raise ConfigError(f"population: no occupation the map can staff fits ages {lo}-{hi}")
    names = sorted(weights)
    p = np.array([weights[j] for j in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _age(cell: Cell, job: str, rng: np.random.Generator) -> int:
    a, b = occupations()[job].ages
    lo, hi = max(cell.ages[0], a), min(cell.ages[1], b)
    return int(rng.integers(lo, hi + 1))


def _sample_attributes(draft: Draft, cell: Cell, rng: np.random.Generator) -> None:
    """The taxonomy's attributes in order; a value the quota fixed is kept, the rest drawn given what came before."""
    for name in taxonomy().attributes:
        if name in cell.values:
            option = taxonomy().option(name, cell.values[name])
            assert option is not None
            draft.facts.chosen[name] = [option.value]
            draft.options[name] = [option]
        else:
            draft.options[name] = taxonomy().sample(name, draft.facts, rng)


def _staffed_jobs(town_map: TownMap) -> dict[str, float]:
    """Default occupation weights for the occupations this map can give a day to."""
    out = {}
    for job, weight in taxonomy().defaults["occupation"].items():
        occupation = occupations()[job]
        if not occupation.works_at or occupation.away is not None or places_named(town_map, occupation.works_at):
            out[job] = weight
    return out


def generate_population(
    n: int, quotas: QuotaSpec, town_map: TownMap, embedder: Embedder, seed: int = 0
) -> tuple[list[Persona], PopulationReport]:
    if n < 1:
        raise ConfigError("population: --n must be at least 1")
    rng = np.random.default_rng(seed)
    named_jobs = {k for k in quotas.attributes.get("occupation", {})}
    named_jobs |= {str(c["occupation"]) for j in quotas.joint if "occupation" in j.over for c in j.cells}
    places = TownPlaces(town_map, named_jobs)  # the map's places first: a quota it cannot staff is refused here
    dwellings = dwellings_of(town_map)
    tables = quota_tables(quotas, n)
    cells = solve_quotas(tables, n, rng)
    jobs = _staffed_jobs(town_map)
    drafts = []
    for i, cell in enumerate(cells):
        job = _occupation(cell, jobs, rng)
        age = _age(cell, job, rng)
        big_five = _big_five(age, rng)
        draft = Draft(index=i, facts=Facts(age=age, occupation=job, household=cell.values["household"],
                                           big_five=big_five), big_five=big_five)  # fmt: skip
        _sample_attributes(draft, cell, rng)
        drafts.append(draft)
    households = form_households({d.index: int(d.facts.household) for d in drafts}, {d.index: d.age for d in drafts},
                                 rng)  # fmt: skip
    house(households, dwellings, town_map.world, rng)
    children_share_faith(drafts, households, {name for c in cells for name in c.values})
    households.sort(key=lambda h: (h.dwelling.sector, h.dwelling.bedrooms) if h.dwelling else ("", ()))
    for home in households:
        for member in home.members:
            assert home.dwelling is not None
            drafts[member].home, drafts[member].bedroom = home.dwelling.sector, home.bedroom[member]
    name_households(drafts, households, rng)
    places = TownPlaces(town_map, {d.occupation for d in drafts})  # workplaces for the sampled occupations too
    for draft, workplace in zip(
        drafts, places.assign_workplaces([(d.occupation, d.home) for d in drafts]), strict=True
    ):
        draft.workplace = workplace
    ties = seed_ties(
        [Person(d.index, d.one("gender"), d.workplace.split(": ")[0] if d.workplace else None,
                d.facts.chosen.get("interests", []), d.occupation) for d in drafts],
        households,
        seed,
    )  # fmt: skip
    relations(drafts, households, ties)
    order = [m for h in households for m in h.members]  # personas listed home by home
    people = [persona(drafts[i], town_map, places, rng) for i in order]
    drafts = [drafts[i] for i in order]
    found, people = _deduplicate(people, drafts, [cells[i] for i in order], embedder, town_map, places, rng)
    left = _duplicates(people, embedder)
    flagged = 0
    names = MapNames(town_map)
    for person, draft in zip(people, drafts, strict=True):
        check_against_map(person, town_map)  # never emit a persona the town cannot place
        flagged += bool(problems(person, int(draft.facts.household), town_map, names))
    records = [{**(p.attributes or {}), "age": str(p.age), "occupation": p.occupation} for p in people]
    report = PopulationReport(
        n=n,
        seed=seed,
        map=town_map.world,
        quotas=_quota_rows(tables, records),
        cell_error=cell_error(tables, records),
        households=_household_sizes(quotas, households, len(dwellings)),
        ties=dict(sorted(ties.kinds.items())),
        starting_density=ties.density(n),
        validator_failures=flagged,
        validator_failure_rate=round(flagged / n, 4),
        duplicates_found=found,
        duplicates_left=len(left),
        duplicate_rate_before=round(found / n, 4),
        duplicate_rate_after=round(len(left) / n, 4),
        files=[],
        diversity=diversity(people, quotas.attributes, embedder),
    )
    return people, report


def _quota_rows(tables: list[Table], records: list[dict[str, str]]) -> list[QuotaRow]:
    rows = []
    for table in (t for t in tables if t.given):
        for key, target in table.targets.items():
            achieved = sum(tuple(cell_value(r, a, table) for a in table.over) == key for r in records)
            rows.append(QuotaRow(table=table.name(), cell=" × ".join(key), target=target, achieved=achieved))
    return rows


def _household_sizes(quotas: QuotaSpec, households: list[Household], dwellings: int) -> HouseholdSizes:
    shares = quotas.households or taxonomy().households.sizes
    total = sum(shares.values())
    sizes = [len(h.members) for h in households]
    achieved = {str(k): round(sizes.count(k) / len(sizes), 4) for k in sorted(set(sizes))}
    return HouseholdSizes(
        configured={k: round(v / total, 4) for k, v in shares.items()},
        achieved=achieved,
        households=len(households),
        dwellings=dwellings,
    )


def _duplicates(people: list[Persona], embedder: Embedder) -> list[int]:
    vectors = embedder.embed([p.summary() for p in people])
    sims = vectors @ vectors.T
    return [i for i in range(len(people)) if i and float(np.max(sims[i, :i])) > DUPLICATE_COSINE]


def _deduplicate(
    people: list[Persona],
    drafts: list[Draft],
    cells: list[Cell],
    embedder: Embedder,
    town_map: TownMap,
    places: TownPlaces,
    rng: np.random.Generator,
) -> tuple[int, list[Persona]]:
    """Redraw the free attributes and words of whoever reads too much like someone earlier; how many were found.

    The quota cell, age, occupation, household, name and ties stay: only what no quota or tie fixed is redrawn.
    """
    found = _duplicates(people, embedder)
    for i in found:
        for _ in range(MAX_REDRAWS):
            draft = drafts[i]
            draft.facts.chosen = {}
            _sample_attributes(draft, cells[i], rng)
            people[i] = persona(draft, town_map, places, rng)
            vectors = embedder.embed([p.summary() for p in people[: i + 1]])
            if float(np.max(vectors[:i] @ vectors[i])) <= DUPLICATE_COSINE:
                break
    return len(found), people


def write_population(people: list[Persona], report: PopulationReport, out: Path) -> PopulationReport:
    """Persona files and the report; persona files an earlier run wrote here and this one does not are removed."""
    out.mkdir(parents=True, exist_ok=True)
    earlier = _earlier_files(out)
    files = []
    for index, person in enumerate(people, start=1):
        path = out / f"{index:03d}-{person.id}.yaml"
        data = yaml.safe_dump(person.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True)
        _write_whole(path, data)
        files.append(str(path))
    for stale in earlier - {Path(f).name for f in files}:
        (out / stale).unlink(missing_ok=True)
    report = report.model_copy(update={"files": files})
    _write_whole(out / REPORT_NAME, report.model_dump_json(indent=2) + "\n")
    return report


def _earlier_files(out: Path) -> set[str]:
    """Names of the persona files the report already in `out` says this program wrote (nothing else is touched)."""
    try:
        listed = json.loads((out / REPORT_NAME).read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    names = {Path(str(f)).name for f in listed if isinstance(f, str)}
    return {n for n in names if re.fullmatch(r"\d{3,}-[a-z0-9-]+\.yaml", n) and (out / n).is_file()}


def _write_whole(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(path)
