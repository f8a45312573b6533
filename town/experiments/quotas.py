"""Quotas over any attributes, met exactly: `QuotaSpec`, `solve_quotas`, `cell_error`.

A quota file has marginals (`attributes`: attribute -> value -> count or proportion) and joint tables (`joint`: a
list of `over: [attributes]` with `cells`, each naming one value per attribute and a count or proportion; cells not
listed are asked for zero times). Proportions become exact counts for n by largest remainder. Age values are bands
"lo-hi"; `household` is the size of the household a person lives in ("1".."6"); the other attributes are the
taxonomy's (town/experiments/taxonomy.py). What a quota does not name takes the taxonomy's defaults (age,
occupation) or the household size distribution (`households:` in the quota file, or the taxonomy's census shares).

Every person is a cell of the product of the constrained attributes; a cell exists only where its values can go
together (an occupation's ages, the taxonomy's rules on age and occupation, an adult for whoever lives alone). An
integer programme (scipy's HiGHS) then finds counts per cell that meet every table exactly, with whole households
of each size and an adult in every household; a seeded random cost picks among the solutions. Before it runs,
simpler checks name the first contradiction they find (tables that disagree on a shared attribute, a joint cell
that cannot exist, a value asked for more often than the people who could hold it), so a refusal says why.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from town.core.errors import ConfigError
from town.experiments.occupations import occupations
from town.experiments.taxonomy import CORE, taxonomy

MAX_CELLS = 200_000  # the integer programme's size; more joint detail than this is refused, not waited on
ADULT = 18


class JointQuota(BaseModel):
    model_config = ConfigDict(extra="forbid")

    over: list[str] = Field(min_length=2)
    cells: list[dict[str, str | float]] = Field(min_length=1)

    @model_validator(mode="after")
    def _cells_name_every_attribute(self) -> JointQuota:
        if len(set(self.over)) != len(self.over):
            raise ValueError(f"joint quota over {self.over}: an attribute is named twice")
        for cell in self.cells:
            if set(cell) != {*self.over, "count"}:
                raise ValueError(f"joint quota over {', '.join(self.over)}: each cell names exactly those and a count")
            if not isinstance(cell["count"], int | float) or cell["count"] < 0:
                raise ValueError(f"joint quota over {', '.join(self.over)}: a count is a number of 0 or more")
        return self

    def weights(self) -> dict[tuple[str, ...], float]:
        out: dict[tuple[str, ...], float] = {}
        for cell in self.cells:
            key = tuple(str(cell[a]) for a in self.over)
            if key in out:
                raise ConfigError(f"joint quota over {', '.join(self.over)}: cell {' × '.join(key)} is listed twice")
            out[key] = float(cell["count"])
        return out


class QuotaSpec(BaseModel):
    """Marginal and joint quotas, and optionally the household size distribution (shares of households by size)."""

    model_config = ConfigDict(extra="forbid")

    attributes: dict[str, dict[str, float]] = Field(default_factory=dict)
    joint: list[JointQuota] = Field(default_factory=list)
    households: dict[str, float] | None = None

    @model_validator(mode="after")
    def _known(self) -> QuotaSpec:
        allowed = taxonomy().quotable()
        named = [*self.attributes, *(a for j in self.joint for a in j.over)]
        unknown = sorted(set(named) - set(allowed))
        if unknown:
            raise ValueError(f"unknown quota attribute(s) {', '.join(unknown)}; use {', '.join(allowed)}")
        for attribute, values in self._values():
            for value in values:
                check_value(attribute, value)
        for size in self.households or {}:
            check_value("household", size)
        return self

    def _values(self) -> list[tuple[str, list[str]]]:
        out = [(a, list(v)) for a, v in self.attributes.items()]
        for j in self.joint:
            out += [(a, [str(c[a]) for c in j.cells]) for a in j.over]
        return out


def check_value(attribute: str, value: str) -> None:
    if attribute == "age":
        if not re.fullmatch(r"\d{1,3}-\d{1,3}", value) or _band(value)[0] > _band(value)[1]:
            raise ValueError(f"age band {value!r}: write it as lo-hi, like 30-44")
    elif attribute == "occupation":
        if value not in occupations():
            raise ValueError(f"occupation {value!r} is not known; choose from {', '.join(occupations())}")
    elif attribute == "household":
        if not value.isdigit() or not 1 <= int(value) <= 12:
            raise ValueError(f"household {value!r}: a household size is a whole number from 1 to 12")
    elif taxonomy().option(attribute, value) is None:
        known = ", ".join(o.value for o in taxonomy().attributes[attribute].options)
        raise ValueError(f"{attribute} {value!r} is not in the taxonomy; choose from {known}")


def exact_counts(weights: Mapping[str, float] | Mapping[tuple[str, ...], float], n: int, what: str) -> dict:
    """Counts that sum to n: given counts must already; proportions are rounded by largest remainder."""
    values = list(weights.values())
    if all(float(v).is_integer() for v in values) and sum(values) == n:
        return {k: int(v) for k, v in weights.items()}
    total = sum(values)
    if total <= 0:
        raise ConfigError(f"quota {what}: the weights must be positive")
    raw = {k: v / total * n for k, v in weights.items()}
    counts = {k: math.floor(x) for k, x in raw.items()}
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), str(k)))[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def household_counts(shares: Mapping[str, float], n: int, only_these: bool = False) -> dict[str, int]:
    """People per household size for n people, from shares of households: whole households, n people in all.

    Households are rounded by largest remainder for the expected number of households; the people left over (or
    missing) are then evened out by the move — a household added, dropped or resized — that keeps the shares
    closest to those asked while closing the gap. With `only_these`, no size outside `shares` is used, and n that
    no mix of those sizes makes is refused.
    """
    wanted = {int(k): v for k, v in shares.items() if v > 0}
    if not wanted:
        raise ConfigError("quota households: at least one size needs a positive share")
    total = sum(wanted.values())
    wanted = {k: v / total for k, v in wanted.items()}
    allowed = sorted(wanted) if only_these else list(range(1, max(wanted) + 1))
    mean_size = sum(k * v for k, v in wanted.items())
    households: dict[int, int] = {
        k: int(c) for k, c in exact_counts(wanted, max(1, round(n / mean_size)), "households").items()
    }

    def error(counts: dict[int, int]) -> float:
        count = sum(counts.values()) or 1
        return sum(abs(counts.get(k, 0) / count - wanted.get(k, 0.0)) for k in set(counts) | set(wanted))

    while (gap := n - sum(k * c for k, c in households.items())) != 0:
        moves = []
        for size in allowed:
            count = households.get(size, 0)
            options = [{**households, size: count + 1}]  # one more household of this size
            if count:
                options.append({**households, size: count - 1})
                options += [{**households, size: count - 1, other: households.get(other, 0) + 1} for other in allowed
                            if other != size]  # fmt: skip
            for moved in options:
                left = n - sum(k * c for k, c in moved.items())
                if abs(left) < abs(gap):
                    moves.append((error(moved), abs(left), sorted(moved.items()), moved))
        if not moves:
            sizes = " and ".join(str(k) for k in allowed)
            raise ConfigError(f"quotas: {n} people cannot be split into whole households of {sizes}")
        households = min(moves, key=lambda m: m[:3])[3]
    return {str(k): k * c for k, c in sorted(households.items()) if c}


def _household_table(over: list[str], weights: Mapping[tuple[str, ...], float], n: int) -> dict:
    """Exact counts for a table naming household sizes: every size's people make whole households.

    Plain counts must already; proportions are first split among the sizes (whole households, `household_counts`),
    then each size's people among its cells by largest remainder.
    """
    at = over.index("household")
    values = list(weights.values())
    if all(float(v).is_integer() for v in values) and sum(values) == n:
        return {k: int(v) for k, v in weights.items()}
    people: dict[str, float] = {}
    for key, weight in weights.items():
        people[key[at]] = people.get(key[at], 0.0) + weight
    per_size = household_counts({k: v / int(k) for k, v in people.items()}, n, only_these=True)
    counts: dict[tuple[str, ...], int] = {}
    for size, total in per_size.items():
        cells = {key: w for key, w in weights.items() if key[at] == size}
        counts.update(exact_counts(cells, total, " × ".join(over)))
    return {k: counts.get(k, 0) for k in weights}


def _exact(over: list[str], weights: Mapping[tuple[str, ...], float], n: int) -> dict:
    if "household" in over:
        return _household_table(over, weights, n)
    return exact_counts(weights, n, " × ".join(over))


class Table(BaseModel):
    """One quota table with exact targets: a marginal (one attribute) or a joint one."""

    over: list[str]
    targets: dict[tuple[str, ...], int]
    given: bool  # named by the quota file (a default table is not reported as a quota)
    hard: bool = True  # met exactly; a soft table (the default ages) only weighs the cells, as a prior

    def name(self) -> str:
        return " × ".join(self.over)


def quota_tables(quotas: QuotaSpec, n: int) -> list[Table]:
    """Exact tables for n people: the quota's own, then the household sizes and the default ages it leaves out.

    The default ages are a prior (a soft table), not a quota: with pupils asked for, the town gets the children
    it needs. An occupation the quota does not name is not a table at all: it is sampled afterwards, given age.
    """
    tables = [
        Table(over=[a], targets=_exact([a], {(k,): v for k, v in w.items()}, n), given=True)
        for a, w in quotas.attributes.items()
    ]
    tables += [Table(over=j.over, targets=_exact(j.over, j.weights(), n), given=True) for j in quotas.joint]
    covered = {a for t in tables for a in t.over}
    if "age" not in covered:
        ages = exact_counts(taxonomy().defaults["age"], n, "age")
        tables.append(Table(over=["age"], targets={(k,): c for k, c in ages.items()}, given=False, hard=False))
    if "household" not in covered:
        sizes = household_counts(quotas.households or taxonomy().households.sizes, n)
        tables.append(Table(over=["household"], targets={(k,): c for k, c in sizes.items()}, given=False))
    return tables


def _band(value: str) -> tuple[int, int]:
    lo, hi = value.split("-")
    return int(lo), int(hi)


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
        lo, hi = _band(values["age"])
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
        band = key[table.over.index("age")]
        lo, hi = _band(band)
        if lo <= age <= hi:
            return band
    return str(age)
