"""Meeting quota tables exactly: `Cell`, `cell_ages`, `check_tables`, `solve_quotas`, `cell_error`, `cell_value`.

Every person is a cell of the product of the constrained attributes; a cell exists only where its values can go
together (an occupation's ages, the taxonomy's rules on age and occupation, an adult for whoever lives alone). An
integer programme (scipy's HiGHS) then finds counts per cell that meet every table exactly, with whole households
of each size and an adult in every household, nearest (in L1) to what iterative proportional fitting spreads over
the cells; a seeded random cost breaks ties. Before it runs, simpler checks name the first contradiction they find
(tables that disagree on a shared attribute, a joint cell that cannot exist, a value asked for more often than the
people who could hold it), so a refusal says why.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel

from town.core.errors import ConfigError
from town.experiments.occupations import occupations
from town.experiments.quotas import ADULT, Table, band
from town.experiments.taxonomy import CORE, taxonomy

MAX_CELLS = 200_000  # the integer programme's size; more joint detail than this is refused, not waited on


class Cell(BaseModel):
    """One combination of values of the constrained attributes, with the ages a person in it can have."""

    values: dict[str, str]
    ages: tuple[int, int]

    def surely_adult(self) -> bool:
        return self.ages[0] >= ADULT


def cell_ages(values: Mapping[str, str]) -> tuple[int, int] | None:
    """The ages a person with these values can have, or None when the values cannot go together."""
    lo, hi = 0, 120
    if "age" in values:
        lo, hi = band(values["age"])
    if "occupation" in values:
        a, b = occupations()[values["occupation"]].ages
        lo, hi = max(lo, a), min(hi, b)
    for attribute, value in values.items():
        if attribute in CORE:
            continue
        option = taxonomy().option(attribute, value)
        assert option is not None  # checked when the quota was read
        if (
            "occupation" in option.when
            and "occupation" in values
            and values["occupation"] not in option.when["occupation"]
        ):
            return None
        if "household" in option.when and "household" in values and values["household"] not in option.when["household"]:
            return None
        a, b = option.age_range()
        lo, hi = max(lo, a), min(hi, b)
    if values.get("household") == "1":
        lo = max(lo, ADULT)  # nobody under 18 lives alone
    return (lo, hi) if lo <= hi else None


def _describe(values: Mapping[str, str]) -> str:
    return " × ".join(f"{a} {v}" for a, v in values.items())


def check_tables(tables: Sequence[Table]) -> None:
    """The contradictions simple enough to name: the integer programme would only say 'infeasible'."""
    bands = {frozenset(k[t.over.index("age")] for k in t.targets) for t in tables if "age" in t.over}
    if len(bands) > 1:
        raise ConfigError("quotas: every table that names age must use the same age bands")
    for a, b in itertools.combinations(tables, 2):
        shared = [x for x in a.over if x in b.over]
        if not shared:
            continue
        pa, pb = _project(a, shared), _project(b, shared)
        for key in sorted(set(pa) | set(pb)):
            if pa.get(key, 0) != pb.get(key, 0):
                raise ConfigError(
                    f"quotas: {a.name()} and {b.name()} disagree on {' × '.join(shared)} {' × '.join(key)} "
                    f"({pa.get(key, 0)} vs {pb.get(key, 0)} people)"
                )
    for table in (t for t in tables if "household" in t.over):
        for (size,), people in _project(table, ["household"]).items():
            if people % int(size):
                raise ConfigError(
                    f"quotas: {people} people in households of {size} ({table.name()}) cannot make whole households"
                )
    for table in tables:
        for key, count in table.targets.items():
            values = dict(zip(table.over, key, strict=True))
            if count and cell_ages(values) is None:
                raise ConfigError(
                    f"quotas: {count} asked for {_describe(values)}, but nobody can be both{_why(values)}"
                )
    for a, b in itertools.permutations(tables, 2):
        if set(a.over) & set(b.over):
            continue
        for key, count in a.targets.items():
            values = dict(zip(a.over, key, strict=True))
            fits = {k: cell_ages({**values, **dict(zip(b.over, k, strict=True))}) is not None for k in b.targets}
            room = sum(c for k, c in b.targets.items() if fits[k])
            if count > room:
                barred = [dict(zip(b.over, k, strict=True)) for k, c in b.targets.items() if c and not fits[k]]
                why = "; ".join(f"{_describe(v)}{_why(v) or _why(values)}" for v in barred[:3])
                raise ConfigError(
                    f"quotas: {count} asked for {_describe(values)}, but only {room} of the {b.name()} quota can be "
                    f"that{_why(values)} (not: {why}); the quotas contradict each other"
                )


def _why(values: Mapping[str, str]) -> str:
    if values.get("household") == "1":
        return " (nobody under 18 lives alone)"
    if "occupation" in values:
        lo, hi = occupations()[values["occupation"]].ages
        return f" (a {values['occupation']} is {lo}-{hi})"
    return ""


def _project(table: Table, over: Sequence[str]) -> dict[tuple[str, ...], int]:
    out: Counter[tuple[str, ...]] = Counter()
    for key, count in table.targets.items():
        values = dict(zip(table.over, key, strict=True))
        out[tuple(values[a] for a in over)] += count
    return dict(out)


def solve_quotas(tables: Sequence[Table], n: int, rng: np.random.Generator) -> list[Cell]:
    """One cell per person (in a seeded order) meeting every table exactly; ConfigError saying why when none can.

    The counts are the integer table nearest (in L1) to the one iterative proportional fitting gives: IPF spreads
    people over the plausible cells as evenly as the quotas allow (students over the young bands, not all in one),
    and the integer programme keeps the quotas exact and the households whole.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: PLC0415

    cells = _cells(tables)
    expected = _fitted(cells, tables)
    tables = [t for t in tables if t.hard]
    check_tables(tables)
    sizes = sorted({c.values["household"] for c in cells}, key=int)
    k = len(cells)
    n_vars = 2 * k + len(sizes)  # counts per cell, their distance from the fitted table, households per size
    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []

    def add(row: np.ndarray, lo: float, hi: float) -> None:
        rows.append(row)
        lower.append(lo)
        upper.append(hi)

    for table in tables:  # every table cell exactly met
        for key, count in table.targets.items():
            want = dict(zip(table.over, key, strict=True))
            row = np.zeros(n_vars)
            row[[i for i, c in enumerate(cells) if all(c.values[a] == v for a, v in want.items())]] = 1
            add(row, count, count)
    for j, size in enumerate(sizes):  # whole households of each size, each with an adult
        members = [i for i, c in enumerate(cells) if c.values["household"] == size]
        row = np.zeros(n_vars)
        row[members] = 1
        row[2 * k + j] = -int(size)
        add(row, 0, 0)
        adults = np.zeros(n_vars)
        adults[[i for i in members if cells[i].surely_adult()]] = 1
        adults[2 * k + j] = -1
        add(adults, 0, np.inf)
    for i in range(k):  # distance >= |count - fitted|
        row = np.zeros(n_vars)
        row[i], row[k + i] = 1, -1
        add(row, -np.inf, expected[i])
        row = np.zeros(n_vars)
        row[i], row[k + i] = 1, 1
        add(row, expected[i], np.inf)
    cost = np.concatenate([rng.uniform(0, 1e-3, k), np.ones(k), np.zeros(len(sizes))])  # ties broken by the seed
    integrality = np.concatenate([np.ones(k), np.zeros(k), np.ones(len(sizes))])
    result = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=integrality,
        bounds=Bounds(0, n),
        options={"time_limit": 60},
    )
    if result.x is None:
        raise ConfigError(
            f"quotas: no population of {n} meets {', '.join(t.name() for t in tables if t.given) or 'the defaults'} "
            f"at once with whole households that each have an adult (checked over {k} cells by integer programming); "
            "loosen one of them"
        )
    counts = np.rint(result.x[:k]).astype(int)
    people = [cells[i] for i in range(k) for _ in range(counts[i])]
    return [people[i] for i in rng.permutation(len(people))]


def _cells(tables: Sequence[Table]) -> list[Cell]:
    dims = [a for a in [*CORE, *taxonomy().attributes] if any(a in t.over for t in tables)]
    domains = [sorted({k[t.over.index(a)] for t in tables if a in t.over for k in t.targets}) for a in dims]
    size = math.prod(len(d) for d in domains)
    if size > MAX_CELLS:
        raise ConfigError(f"quotas: {size:,} joint cells over {', '.join(dims)} is too many; coarsen the quotas")
    cells = []
    for combo in itertools.product(*domains):
        values = dict(zip(dims, combo, strict=True))
        ages = cell_ages(values)
        if ages is not None:
            cells.append(Cell(values=values, ages=ages))
    return cells


def _fitted(cells: Sequence[Cell], tables: Sequence[Table], rounds: int = 100) -> np.ndarray:
    """Iterative proportional fitting: cell weights scaled table by table until every hard table's sums match.

    The seed is the age fit of `_cell_cost` times the shares of the soft tables (the default age structure).
    """
    weights = np.array([math.exp(-_cell_cost(c)) for c in cells])
    for soft in (t for t in tables if not t.hard):
        total = sum(soft.targets.values()) or 1
        share = {key: count / total for key, count in soft.targets.items()}
        weights *= np.array([share.get(tuple(c.values[a] for a in soft.over), 0.0) for c in cells]) + 1e-3
    tables = [t for t in tables if t.hard]
    members = [
        [
            (np.array([all(c.values[a] == v for a, v in zip(t.over, key, strict=True)) for c in cells]), count)
            for key, count in t.targets.items()
        ]
        for t in tables
    ]
    for _ in range(rounds):
        for table in members:
            for mask, count in table:
                total = weights[mask].sum()
                if total > 0:
                    weights[mask] *= count / total
    return weights


def _cell_cost(cell: Cell) -> float:
    """Minus the log of the share of an occupation's age range the cell keeps: the seed IPF starts from.

    A band covering little of an occupation's ages is an odd fit, so students lean to the young bands and
    professors to the older ones, as far as the quotas leave room.
    """
    if "occupation" not in cell.values:
        return 0.0
    lo, hi = occupations()[cell.values["occupation"]].ages
    kept = (cell.ages[1] - cell.ages[0] + 1) / (hi - lo + 1)
    return -math.log(max(kept, 1e-6))


def cell_error(tables: Sequence[Table], people: Sequence[Mapping[str, str]]) -> dict[str, float]:
    """Per given table: the share of people off target, sum |achieved - target| / (2n) (0 when met exactly)."""
    out = {}
    n = max(1, len(people))
    for table in tables:
        if not table.given:
            continue
        achieved = Counter(tuple(cell_value(p, a, table) for a in table.over) for p in people)
        keys = set(achieved) | set(table.targets)
        out[table.name()] = round(sum(abs(achieved.get(k, 0) - table.targets.get(k, 0)) for k in keys) / (2 * n), 4)
    return out


def cell_value(person: Mapping[str, str], attribute: str, table: Table) -> str:
    """A person's value as the table names it: an age falls in one of the table's bands."""
    if attribute != "age":
        return person.get(attribute, "")
    age = int(person["age"])
    for key in table.targets:
        value = key[table.over.index("age")]
        lo, hi = band(value)
        if lo <= age <= hi:
            return value
    return str(age)
