"""The optional model-written backstory: propose → validate → revise (`write_backstories`, `BackstoryCounts`).

For each person the model proposes two sentences from the sampled facts; the symbolic validator
(town/experiments/validator.py) checks them against the person's age, job, household and the map's places; a
backstory with problems goes back to the model with the problems listed, up to `revisions` times; what still
fails is dropped (the person keeps the generated text). Every outcome is counted, so the report can say how often
the model contradicted the facts.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from agents.answer_shape import Written
from agents.llm.structured import StructuredLLM
from agents.persona import Persona
from agents.prompts import render
from town.core.places import TownMap
from town.experiments.validator import MapNames, text_problems

PLACES_SHOWN = 12


class BackstoryFields(BaseModel):
    name: str
    age: int
    occupation: str
    traits: str
    social_identity: str
    personal_identity: str
    life_context: str
    places: str


class RevisionFields(BackstoryFields):
    previous: str
    problems: str


class Backstory(BaseModel):
    backstory: Written = Field(min_length=10, max_length=500, description="two sentences of backstory")


class BackstoryCounts(BaseModel):
    proposed: int = 0
    passed_first: int = 0
    passed_after_revision: int = 0
    dropped: int = 0  # still contradicting the facts after the revisions
    failed_calls: int = 0  # the model gave no usable answer (the gateway's fallback)
    problems_found: int = 0  # validator findings over all proposals and revisions

    @property
    def failure_rate(self) -> float:
        """Share of first proposals the validator rejected."""
        answered = self.proposed - self.failed_calls
        return round((answered - self.passed_first) / answered, 4) if answered else 0.0


def _places(persona: Persona, town_map: TownMap) -> str:
    """The person's own places first, then the town's public ones, so the model has real names to use."""
    own = [persona.home, *([persona.workplace] if persona.workplace else [])]
    public = sorted(s for s, sector in town_map.sectors.items() if sector.public and s not in own)
    return "; ".join([*own, *public][:PLACES_SHOWN])


async def write_backstories(
    people: Sequence[Persona], sizes: Sequence[int | None], llm: StructuredLLM, town_map: TownMap, revisions: int = 2
) -> tuple[list[Persona], BackstoryCounts]:
    counts = BackstoryCounts()
    names = MapNames(town_map)
    out = []
    for person, size in zip(people, sizes, strict=True):
        fields = BackstoryFields(
            name=person.name,
            age=person.age,
            occupation=person.occupation,
            traits=", ".join(person.traits),
            social_identity=person.social_identity,
            personal_identity=person.personal_identity,
            life_context=person.life_context,
            places=_places(person, town_map),
        )
        counts.proposed += 1
        messages = render("backstory", fields, Backstory)
        accepted = None
        for attempt in range(revisions + 1):
            answer = await llm.ask(
                messages,
                Backstory,
                purpose="backstory" if attempt == 0 else "backstory_revise",
                agent=person.name,
                fallback=lambda: Backstory.model_construct(backstory=""),
                log=[],
            )
            text = answer.value.backstory.strip()
            if answer.fallback or not text:
                counts.failed_calls += attempt == 0
                break
            found = text_problems(text, person, size, town_map, names)
            counts.problems_found += len(found)
            if not found:
                accepted = text
                if attempt == 0:
                    counts.passed_first += 1
                else:
                    counts.passed_after_revision += 1
                break
            messages = render(
                "backstory_revise",
                RevisionFields(**fields.model_dump(), previous=text, problems="\n".join(f"- {p}" for p in found)),
                Backstory,
            )
        else:
            counts.dropped += 1
        if accepted is None:
            out.append(person)
            continue
        out.append(person.model_copy(update={"life_context": f"{person.life_context} {accepted}"}))
    return out, counts
