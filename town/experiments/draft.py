"""`Draft`: one generated person while the population is being made, before it becomes a `Persona`.

It holds what each step decided — the quota cell, age, occupation, Big Five and the taxonomy's options (facts),
name, household and home, workplace, ties — so the text, the validator and the report read one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.persona import BigFive
from town.experiments.taxonomy import Facts, Option


@dataclass
class Draft:
    index: int
    facts: Facts
    big_five: BigFive
    options: dict[str, list[Option]] = field(default_factory=dict)  # attribute -> the options it was given
    first: str = ""
    last: str = ""
    home: str = ""  # sector
    bedroom: str = ""  # arena
    workplace: str | None = None  # "Sector: arena"
    relations: dict[str, str] = field(default_factory=dict)  # other's name -> how this person knows them
    relation_ids: dict[str, str] = field(default_factory=dict)  # other's name -> their persona id
    household: list[str] = field(default_factory=list)  # the names of the others at home

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def age(self) -> int:
        return self.facts.age

    @property
    def occupation(self) -> str:
        return self.facts.occupation

    def one(self, attribute: str) -> str:
        """The value of a single-valued attribute ('' when no option applied)."""
        chosen = self.facts.chosen.get(attribute, [])
        return chosen[0] if chosen else ""

    def attributes(self) -> dict[str, str]:
        """What the persona file records of the sampling, for quotas and analysis (multi-valued joined by '; ')."""
        out = {"household": self.facts.household}
        out.update({k: "; ".join(v) for k, v in self.facts.chosen.items() if v})
        return out
