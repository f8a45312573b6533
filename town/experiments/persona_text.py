"""The words of a generated person: SPeCtrum's three parts, the lifestyle, traits and today's goal.

- Social identity (S): who the person is to others — occupation and where, where they come from, schooling
  (gender and faith are the persona's own fields, which every prompt shows beside the name).
- Personal identity (P): what they care about, what they do for fun, a habit — from their values, interests,
  habit and Big Five.
- Life context (C): the life they are in now — who they live with and where, a colleague or friend, and what has
  just happened (the life event), which also gives today's goal.
Each part has a few phrasings, picked by the seeded RNG, so a town of people does not read as one sentence with the
nouns swapped. Pure functions of a `Draft`, the town's name and the RNG.
"""

from __future__ import annotations

import re

import numpy as np

from agents.persona import BigFive
from town.experiments.draft import Draft


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _phrase(d: Draft, attribute: str, town: str) -> str:
    """The option's words for this person, 'their' made 'her' or 'his' where the gender says which."""
    chosen = d.options.get(attribute, [])
    return _own(d, chosen[0].phrase(town) if chosen else "")


def _own(d: Draft, words: str) -> str:
    own = {"woman": "her", "man": "his"}.get(d.one("gender"))
    return re.sub(r"\btheir\b", own, words) if own else words


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def social_identity(d: Draft, town: str, rng: np.random.Generator) -> str:
    gender = {"woman": "woman", "man": "man"}.get(d.one("gender"), "person")
    job = d.occupation
    where = d.workplace.split(": ")[0] if d.workplace else ""
    if job == "pupil":
        role = f"a schoolchild{f' at {where}' if where else ''}"
    elif job == "retired":
        role = f"a retired {gender}"
    else:
        role = f"a {job}{f' at {where}' if where else ''}"
    origin, schooling = _phrase(d, "origin", town), _phrase(d, "education", town)
    sentences = [_pick(rng, [f"{d.first} is {role}.", f"By trade, {role}.", f"Known around {town} as {role}."])]
    if origin:
        sentences.append(f"{_pick(rng, [d.first, 'They'])} {origin}" + (f" and {schooling}." if schooling else "."))
    elif schooling:
        sentences.append(f"{d.first} {schooling}.")
    return " ".join(sentences)


def personal_identity(d: Draft, town: str, rng: np.random.Generator) -> str:
    values = [o.phrase(town) for o in d.options.get("values", [])]
    interests = [o.phrase(town) for o in d.options.get("interests", [])]
    habit = _phrase(d, "habit", town)
    parts = []
    if values:
        parts.append(_pick(rng, [f"Cares most about {_and(values)}.", f"Puts {_and(values)} first."]))
    if interests:
        parts.append(
            _pick(
                rng,
                [
                    f"Spends spare hours on {_and(interests)}.",
                    f"Happiest with {_and(interests)}.",
                    f"Free time goes on {_and(interests)}.",
                ],
            )
        )
    if habit:
        parts.append(f"{_pick(rng, ['Famously', 'Notoriously', f'Everyone knows {d.first}'])} {habit}.")
    return " ".join(parts)


def life_context(d: Draft, town: str, rng: np.random.Generator) -> str:
    home = d.home if not d.bedroom or d.bedroom == "main bedroom" else f"{d.home} ({d.bedroom})"
    self_word = {"woman": "herself", "man": "himself"}.get(d.one("gender"), "themself")
    if d.household:
        others = [f"{name} ({d.relations.get(name, 'family')})" for name in d.household[:4]]
        living = _pick(rng, [f"Lives at {home} with {_and(others)}.", f"Shares {home} with {_and(others)}."])
    else:
        living = _pick(rng, [f"Lives alone at {home}.", f"Has {home} to {self_word}."])
    outside = [(n, r) for n, r in d.relations.items() if n not in d.household]
    tie = ""
    if outside:
        name, relation = outside[int(rng.integers(len(outside)))]
        tie = _pick(rng, [f"Sees a lot of {name} ({relation}).", f"Often runs into {name} ({relation})."])
    event = _phrase(d, "life_event", town)
    happening = f"{d.first} {event}." if event else ""
    return " ".join(s for s in (living, tie, happening) if s)


def goal(d: Draft) -> str | None:
    event = d.options.get("life_event", [])
    return _own(d, event[0].goal) if event and event[0].goal else None


def lifestyle(b: BigFive) -> tuple[str, str, str]:
    """(lifestyle sentence, wake time, bed time): conscientious people keep earlier, steadier hours."""
    if b.conscientiousness >= 0.6:
        return "An early riser who likes a plan.", "06:30", "22:30"
    if b.conscientiousness >= 0.4:
        return "Keeps ordinary hours and a loose routine.", "07:15", "23:00"
    return "A late riser who takes the day as it comes.", "08:00", "23:45"


def traits(b: BigFive) -> list[str]:
    """The three Big Five poles furthest from the middle, as words."""
    poles = [
        (b.openness, "curious", "conventional"),
        (b.conscientiousness, "organised", "easygoing"),
        (b.extraversion, "outgoing", "reserved"),
        (b.agreeableness, "warm", "blunt"),
        (b.neuroticism, "anxious", "calm"),
    ]
    ranked = sorted(poles, key=lambda p: -abs(p[0] - 0.5))
    return [high if value >= 0.5 else low for value, high, low in ranked[:3]]
