"""Personas from a Generative Agents base.

`PersonaDeriver.derive` turns one `scratch.json` (plus its spatial memory) into a
`Persona`, and records which fields were carried over verbatim and which were derived, and how (`Derivation`).

GA's scratch has name, age, innate (traits), learned, currently, lifestyle, living_area and daily_plan_req; it has no
occupation, Big Five, workplace, wake/bed times or routine. Those are derived by documented rules:
- occupation: the noun phrase after "<name> is a/an" in `learned`;
- Big Five: 0.5 on every factor, moved by each `innate` adjective's loadings (data/trait_big_five.yaml);
- wake and bed time: "goes to bed around X, awakes up around Y" in `lifestyle` (GA's own wording, typos allowed);
- workplace: the first non-home sector named in `learned`, else one named in `daily_plan_req` next to a work word;
- routine: the times and places of `daily_plan_req` (work from its first to its last time, other places named),
  the dinner time of `lifestyle`, the rest at home;
- relationships: other people of the base named in this persona's texts, with the kin word before the name;
- known places: the arenas of GA's spatial memory that exist on the map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from agents.persona import BigFive, Persona, Relationship, RoutineItem
from town.core.errors import ImportSourceError
from town.core.places import TownMap
from town.mapping.ga_text import (
    EAT_WORDS,
    activity_from,
    char_of_word,
    closes_at,
    hhmm,
    mentions,
    parse_clock,
    sentence_around,
    split_sentences,
    times_in,
)

STEP = 0.15  # how far one adjective moves a factor: three marker adjectives of one pole reach ~0.95
FACTORS = {"O": "openness", "C": "conscientiousness", "E": "extraversion", "A": "agreeableness", "N": "neuroticism"}
KIN = (
    "wife husband son daughter mother father mom dad brother sister grandmother grandfather grandson granddaughter "
    "partner girlfriend boyfriend fiance fiancee roommate housemate flatmate neighbor neighbour friend colleague "
    "classmate boss "
    "student teacher professor landlord tenant cousin aunt uncle niece nephew"
).split()
WORK_WORDS = re.compile(r"\b(open|opens|teach|teaches|work|works|class|classes|counter|shift|lecture|lectures)\b", re.I)


@dataclass
class Derivation:
    """How each persona field was filled: 'verbatim', or 'derived: <how>', or 'default: <why>'."""

    persona: str
    fields: dict[str, str] = field(default_factory=dict)
    unknown_traits: list[str] = field(default_factory=list)


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text or "person"


def load_trait_lexicon() -> dict[str, dict[str, float]]:
    text = resources.files("town.mapping").joinpath("data/trait_big_five.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {str(k).lower(): {str(f): float(v) for f, v in loadings.items()} for k, loadings in raw.items()}


def big_five(traits: list[str], lexicon: dict[str, dict[str, float]]) -> tuple[BigFive, list[str]]:
    scores = dict.fromkeys(FACTORS, 0.5)
    unknown = []
    for trait in traits:
        loadings = lexicon.get(trait.strip().lower())
        if loadings is None:
            unknown.append(trait)
            continue
        for factor, loading in loadings.items():
            scores[factor] += STEP * loading
    values = {FACTORS[f]: round(min(0.95, max(0.05, v)), 2) for f, v in scores.items()}
    return BigFive(**values), unknown


class PersonaDeriver:
    """Derives personas for one map and one base; holds the lexicon and the map's place names."""

    def __init__(self, town_map: TownMap, people: dict[str, str]) -> None:
        self.map = town_map
        self.people = people  # GA name -> persona id
        self.lexicon = load_trait_lexicon()
        self.public = [s.name for s in town_map.sectors.values() if s.public]

    def derive(self, scratch: dict[str, Any], spatial: dict[str, Any]) -> tuple[Persona, Derivation]:
        name = str(scratch["name"]).strip()
        how = Derivation(persona=name)
        f = how.fields
        text = {
            k: str(scratch.get(k) or "").strip()
            for k in ("innate", "learned", "currently", "lifestyle", "daily_plan_req")
        }

        traits = [t.strip() for t in text["innate"].split(",") if t.strip()] or ["ordinary"]
        f["traits"] = "verbatim: innate, split at commas" if text["innate"] else "default: innate is empty"
        five, how.unknown_traits = big_five(traits, self.lexicon)
        f["big_five"] = f"derived: 0.5 moved {STEP} per innate adjective's loading (data/trait_big_five.yaml)"

        home, home_arena = self._living_area(name, str(scratch.get("living_area") or ""))
        f["home"] = "verbatim: living_area's sector"
        f["home_arena"] = "verbatim: living_area's arena" if home_arena else "default: the home's bedroom"

        occupation = self._occupation(name, text["learned"])
        f["occupation"] = "derived: the phrase after 'is a' in learned" if occupation else "default: learned names none"
        workplace = self._workplace(text, home)
        f["workplace"] = (
            "derived: the first non-home sector named in learned or next to a work word in daily_plan_req"
            if workplace
            else "default: none named (works at home or not at all)"
        )
        wake, bed = self._sleep(text["lifestyle"])
        f["wake_time"] = "derived: 'awakes up around' in lifestyle" if wake is not None else "default: 07:00"
        f["bed_time"] = "derived: 'goes to bed around' in lifestyle" if bed is not None else "default: 23:00"
        wake = 7 * 60 if wake is None else wake
        bed = 23 * 60 if bed is None else bed
        routine = self._routine(text, home, home_arena, workplace, occupation, wake, bed)
        f["routine"] = (
            "derived: times and places of daily_plan_req, dinner time of lifestyle, the rest at home"
            if text["daily_plan_req"]
            else "derived: a day at home from the wake, dinner and bed times of lifestyle (no daily_plan_req)"
        )

        sentences = split_sentences(text["learned"])
        social = sentences[0] if sentences else f"{name} lives in {self.map.world}."
        personal = " ".join(sentences[1:]) or f"{name} is {', '.join(traits)}."
        f["social_identity"] = "verbatim: the first sentence of learned"
        f["personal_identity"] = "verbatim: the rest of learned" if len(sentences) > 1 else "derived: from innate"
        f["life_context"] = "verbatim: currently"
        lifestyle = " ".join(p for p in (text["lifestyle"], text["daily_plan_req"]) if p)
        f["lifestyle"] = "verbatim: lifestyle followed by daily_plan_req"
        relationships = self._relationships(name, " ".join(text[k] for k in ("learned", "currently", "daily_plan_req")))
        f["relationships"] = "derived: other people of the base named in learned/currently/daily_plan_req"
        known = self._known_places(spatial)
        f["known_places"] = "verbatim: the arenas of spatial_memory.json that are on the map"

        persona = Persona(
            id=self.people[name],
            name=name,
            age=int(scratch.get("age") or 30),
            occupation=occupation or "resident",
            traits=traits,
            big_five=five,
            social_identity=social,
            personal_identity=personal,
            life_context=text["currently"] or f"{name} is living an ordinary day in {self.map.world}.",
            lifestyle=lifestyle or f"{name} keeps regular hours.",
            home=home,
            home_arena=home_arena,
            workplace=workplace,
            wake_time=hhmm(wake),
            bed_time=hhmm(bed),
            routine=routine,
            relationships=relationships,
            known_places=known,
        )
        f["age"] = "verbatim: age" if scratch.get("age") else "default: 30"
        f["name"] = "verbatim: name"
        return persona, how

    # -- fields ---------------------------------------------------------------------------------------------------
    def _living_area(self, name: str, living_area: str) -> tuple[str, str | None]:
        parts = [p.strip() for p in living_area.split(":")]
        if len(parts) < 2 or parts[1] not in self.map.sectors:
            raise ImportSourceError(
                f"GA persona {name}: living_area {living_area!r} is not a sector of this map; fix scratch.json "
                "or import the map that base was made for"
            )
        arena = parts[2] if len(parts) >= 3 and f"{parts[1]}: {parts[2]}" in self._labels() else None
        return parts[1], arena

    def _labels(self) -> set[str]:
        return {a.label for a in self.map.arenas.values()}

    def _occupation(self, name: str, learned: str) -> str | None:
        first = name.split(maxsplit=1)[0]
        subject = rf"^(?:{re.escape(name)}|{re.escape(first)}|she|he|they)\s+(?:is|are)\s+(?:an?|the)\s+"
        pattern = subject + r"(.+?)(?:\s+who\b|\s+that\b|[,.;]|$)"
        match = re.search(pattern, learned.strip(), re.I)
        return match.group(1).strip() if match else None

    def _workplace(self, text: dict[str, str], home: str) -> str | None:
        candidates = [s for s in self.map.sectors if s != home]
        learned = mentions(split_sentences(text["learned"])[0] if text["learned"] else "", candidates)
        if learned:
            return learned[0][1]
        plan = text["daily_plan_req"]
        for clause in re.split(r"[,.;]", plan):
            if WORK_WORDS.search(clause):
                named = mentions(clause, candidates)
                if named:
                    return named[0][1]
        return None

    def _sleep(self, lifestyle: str) -> tuple[int | None, int | None]:
        bed = re.search(r"bed around ([^,.;]+)", lifestyle, re.I)
        wake = re.search(r"(?:awakes?|wakes?)(?: up)? around ([^,.;]+)", lifestyle, re.I)
        return (parse_clock(wake.group(1)) if wake else None, parse_clock(bed.group(1)) if bed else None)

    def _arena_for(self, sector: str, text: str) -> str:
        """The arena of a sector that a text names ('the library at Oak Hill College'), else its biggest one."""
        arenas = self.map.arenas_of(sector)
        named = mentions(text, [a.name for a in arenas])
        if named:
            return f"{sector}: {named[0][1]}"
        return max(arenas, key=lambda a: (len(a.objects), len(a.tiles), a.name)).label

    def _routine(
        self,
        text: dict[str, str],
        home: str,
        home_arena: str | None,
        workplace: str | None,
        occupation: str | None,
        wake: int,
        bed: int,
    ) -> list[RoutineItem]:
        """Routine items from daily_plan_req, sentence by sentence (see the module docstring for the rules)."""
        home_label = f"{home}: {home_arena}" if home_arena else self._arena_for(home, "")
        plan = text["daily_plan_req"]
        awake_end = bed if bed > wake else bed + 1440
        items: dict[int, tuple[str, str]] = {wake: ("wake up and get ready", home_label)}
        dinner = re.search(r"dinner around ([^,.;]+)", text["lifestyle"], re.I)
        dinner_at = parse_clock(dinner.group(1)) if dinner else None
        sentences = split_sentences(plan)
        work_span: tuple[int, int] | None = None
        start_times: set[int] = set()
        if workplace:
            place = self._arena_for(workplace, plan + " " + text["learned"])
            start, end = 9 * 60, None
            if occupation and "student" in occupation.lower():
                activity = "attend classes and study"
            else:
                activity = f"work as {occupation}" if occupation else f"work at {workplace}"
            for index, sentence in enumerate(sentences):
                if not mentions(sentence, [workplace]):
                    continue
                times = times_in(sentence)
                if times:
                    start = times[0][1]
                    start_times.add(start)
                    closing = [m for p, m in times if m > start and closes_at(sentence, p)]
                    later = [m for _, m in times if m > start]
                    end = closing[0] if closing else (later[-1] if later else None)
                    # "... around 9am to open the counter. He stands behind the counter until 5pm": a later sentence
                    # that only closes the day, naming no other place, ends the work.
                    for following in sentences[index + 1 :] if end is None else []:
                        if mentions(following, [s for s in self.map.sectors if s != workplace]):
                            break
                        ends = [m for p, m in times_in(following) if m > start and closes_at(following, p)]
                        if ends:
                            end = ends[0]
                            break
                activity = activity_from(re.split(r"[,;]", sentence)[0], self.people) or activity
                break
            start = max(start, wake + 30)
            end = end if end is not None else min(start + 9 * 60, awake_end - 60)
            work_span = (start, end)
            items[start] = (activity, place)
            items.setdefault(end, ("finish work and head home", home_label))
        elif not plan:
            items[max(wake + 60, 9 * 60)] = (f"{occupation or 'daily'} work at home", home_label)
        free_slots = [10 * 60, 14 * 60, 16 * 60, 19 * 60]
        others = [s for s in self.map.sectors if s not in (home, workplace)]
        for sentence in sentences:
            for clause in re.split(r"[,;]| and then ", sentence):
                for position, sector in mentions(clause, others):
                    after = [m for p, m in times_in(clause) if p >= char_of_word(clause, position)]
                    before = [m for _, m in times_in(sentence[: sentence.find(clause)]) if m not in start_times]
                    if after:
                        at = after[0]
                    elif before:
                        at = before[-1]
                    elif EAT_WORDS.search(clause) and dinner_at is not None:
                        at = 12 * 60 + 30 if re.search(r"\blunch\b", clause, re.I) else dinner_at
                    elif work_span:
                        at = work_span[1]
                    else:
                        at = next((m for m in free_slots if m > wake and m not in items), wake + 120)
                    if wake < at < awake_end:
                        items[at] = (activity_from(clause, self.people), self._arena_for(sector, clause))
        if dinner_at is not None and not (work_span and work_span[0] <= dinner_at < work_span[1]):
            items.setdefault(dinner_at, ("eat dinner", home_label))
        if awake_end - 60 > max(items) and awake_end - 60 < 1440:
            items[awake_end - 60] = ("wind down for the night", home_label)
        ordered = sorted((m, a, p) for m, (a, p) in items.items() if wake <= m < awake_end and m < 1440)
        return [RoutineItem(time=hhmm(m), activity=(a or "spend time here")[:80], place=p) for m, a, p in ordered]

    def _relationships(self, name: str, text: str) -> list[Relationship]:
        out = []
        for other, other_id in self.people.items():
            if other == name:
                continue
            at = text.find(other)
            if at < 0:
                continue
            before = re.findall(r"[A-Za-z]+", text[max(0, at - 40) : at].lower())[-3:]
            kin = next((w for w in reversed(before) if w in KIN), None)
            relation = kin or "knows them (" + sentence_around(text, at)[:100] + ")"
            out.append(Relationship(person=other_id, relation=relation))
        return out

    def _known_places(self, spatial: dict[str, Any]) -> list[str]:
        labels = self._labels()
        known = []
        for sectors in spatial.values() if isinstance(spatial, dict) else []:
            for sector, arenas in sectors.items() if isinstance(sectors, dict) else []:
                for arena in arenas if isinstance(arenas, dict) else []:
                    label = f"{sector}: {arena}"
                    if label in labels and label not in known:
                        known.append(label)
        return known
