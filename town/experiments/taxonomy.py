"""The attribute taxonomy a generated person is sampled from: `Taxonomy`, `taxonomy`, `Facts`.

The taxonomy is data (data/taxonomy.yaml): attributes in sampling order, each a list of options with weights,
`when` rules that decide whether an option applies to a person at all and `favour` rules that triple its weight.
Rules read what is already known of the person (`Facts`: age, occupation, household size, Big Five, and the
attributes sampled before), so sampling is progressive: later attributes are conditioned on earlier ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.persona import BigFive

TAXONOMY_FILE = "data/taxonomy.yaml"
FAVOUR_FACTOR = 3.0
BIG_FIVE = tuple(BigFive.model_fields)
CORE = ("age", "occupation", "household")  # decided before the taxonomy, by the quotas


@dataclass
class Facts:
    """What is known of one person so far; what the rules of later attributes read."""

    age: int
    occupation: str
    household: str  # the size of the household the person lives in, as a string ("1".."6")
    big_five: BigFive | None = None
    chosen: dict[str, list[str]] = field(default_factory=dict)

    def values_of(self, attribute: str) -> list[str]:
        if attribute == "occupation":
            return [self.occupation]
        if attribute == "household":
            return [self.household]
        return self.chosen.get(attribute, [])


Rule = dict[str, list[str] | tuple[int, int] | str]


def rule_holds(key: str, allowed: list[str] | tuple[int, int] | str, facts: Facts) -> bool:
    if key == "age":
        lo, hi = allowed  # type: ignore[misc]
        return int(lo) <= facts.age <= int(hi)
    if key in BIG_FIVE:
        if facts.big_five is None:
            return False
        high = getattr(facts.big_five, key) >= 0.5
        return high if allowed == "high" else not high
    return any(v in allowed for v in facts.values_of(key))


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1)
    text: str | None = None  # the words in the person's text, when they differ from the value
    weight: float = Field(default=1.0, gt=0)
    when: dict[str, list[str] | tuple[int, int]] = Field(default_factory=dict)
    favour: dict[str, list[str] | tuple[int, int] | str] = Field(default_factory=dict)
    goal: str | None = None

    def applies(self, facts: Facts) -> bool:
        return all(rule_holds(k, v, facts) for k, v in self.when.items())

    def weight_for(self, facts: Facts) -> float:
        return self.weight * FAVOUR_FACTOR ** sum(rule_holds(k, v, facts) for k, v in self.favour.items())

    def phrase(self, town: str) -> str:
        return (self.text or self.value).replace("{town}", town)

    def age_range(self) -> tuple[int, int]:
        lo, hi = self.when.get("age", (0, 200))
        return int(lo), int(hi)


class Attribute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pick: int = Field(default=1, ge=1, le=5)
    options: list[Option] = Field(min_length=1)


class HouseholdRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sizes: dict[str, float]
    flat_words: list[str]
    people_per_bed: int = Field(ge=1)
    extra: int = Field(ge=0)

    @model_validator(mode="after")
    def _sizes(self) -> HouseholdRules:
        for size, share in self.sizes.items():
            if not size.isdigit() or not 1 <= int(size) <= 12 or share < 0:
                raise ValueError(f"household size {size!r}: sizes are whole numbers 1-12 with a share of 0 or more")
        return self


class Taxonomy(BaseModel):
    """Attributes in sampling order, the household rules and the default quotas."""

    model_config = ConfigDict(extra="forbid")

    households: HouseholdRules
    defaults: dict[str, dict[str, float]]
    attributes: dict[str, Attribute]

    @model_validator(mode="after")
    def _rules_look_back(self) -> Taxonomy:
        """A rule may only read what is known when its attribute is sampled: the core and earlier attributes."""
        known = {*CORE, *BIG_FIVE}
        for name, attribute in self.attributes.items():
            for option in attribute.options:
                for key in {*option.when, *option.favour}:
                    if key not in known:
                        raise ValueError(
                            f"attribute {name}, option {option.value!r}: rule on {key!r} before it is known"
                        )
            known.add(name)
        return self

    def sample(self, name: str, facts: Facts, rng: np.random.Generator) -> list[Option]:
        """`pick` distinct options of one attribute for this person (fewer when fewer apply), recorded in `facts`."""
        attribute = self.attributes[name]
        options = [o for o in attribute.options if o.applies(facts)]
        chosen: list[Option] = []
        if options:
            weights = np.array([o.weight_for(facts) for o in options])
            count = min(attribute.pick, len(options))
            picks = rng.choice(len(options), size=count, replace=False, p=weights / weights.sum())
            chosen = [options[int(i)] for i in picks]
        facts.chosen[name] = [o.value for o in chosen]
        return chosen

    def option(self, name: str, value: str) -> Option | None:
        return next((o for o in self.attributes[name].options if o.value == value), None)

    def quotable(self) -> list[str]:
        return [*CORE, *(name for name, a in self.attributes.items() if a.pick == 1)]


@cache
def taxonomy() -> Taxonomy:
    text = resources.files("town.experiments").joinpath(TAXONOMY_FILE).read_text(encoding="utf-8")
    return Taxonomy.model_validate(yaml.safe_load(text))
