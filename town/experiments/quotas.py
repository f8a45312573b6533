"""Quota files and their exact targets: `QuotaSpec`, `JointQuota`, `exact_counts`, `household_counts`, `quota_tables`.

A quota file has marginals (`attributes`: attribute -> value -> count or proportion) and joint tables (`joint`: a
list of `over: [attributes]` with `cells`, each naming one value per attribute and a count or proportion; cells not
listed are asked for zero times). Proportions become exact counts for n by largest remainder (tables naming
household sizes: in whole households). Age values are bands "lo-hi"; `household` is the size of the household a
person lives in ("1".."6"); the other attributes are the taxonomy's (town/experiments/taxonomy.py). What a quota
does not name takes the taxonomy's default ages (as a prior) and the household size distribution (`households:` in
the quota file, or the taxonomy's census shares). Meeting the tables is town/experiments/quota_solver.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from town.core.errors import ConfigError
from town.experiments.occupations import occupations
from town.experiments.taxonomy import taxonomy

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
        if not re.fullmatch(r"\d{1,3}-\d{1,3}", value) or band(value)[0] > band(value)[1]:
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


def band(value: str) -> tuple[int, int]:
    lo, hi = value.split("-")
    return int(lo), int(hi)
