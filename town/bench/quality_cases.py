"""The questions of `town bench quality`: thirty-six agent prompts whose sensible answer a program can check.

Each case is a real agent prompt (the template, fields and schema the agents use) and a check on the answer:
facts to recall from the memories shown (an interview reply or a survey choice), the place for an activity chosen from
the place list, the importance of one life-changing memory beside two mundane ones, a party invitation to accept
or decline given what the person has planned, and whether to talk to someone just seen (the person they came to meet)
or carry on (in the middle of an exam). The cases were written for the benchmark and are fixed; the checks
accept any wording that carries the fact (a keyword), never a judge's opinion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agents.importance import ImportanceFields
from agents.planning import DecomposeFields
from agents.reaction import ReactFields
from agents.schemas import ReactionChoice, importance_schema, steps_schema
from agents.survey import SurveyFields, SurveyQuestion, answer_schema
from agents.visitor import VisitorFields, VisitorReply

NOW = "Thursday February 13, 16:00"


@dataclass(frozen=True)
class QualityCase:
    """One prompt and the check that says whether its (validated) answer is sensible."""

    id: str
    kind: str  # recall, place, importance, invitation, talk
    template: str
    fields: BaseModel
    schema: type[BaseModel]
    sensible: Callable[[Any], bool]


PEOPLE = {
    "Ada Baker": "Ada Baker, 41, teacher at Oak Hill College. Traits: organised, warm, calm. Lives at Maple House.",
    "Kofi Mensah": "Kofi Mensah, 29, mechanic. Traits: curious, friendly, restless. Lives at Maple House.",
    "Lena Novak": "Lena Novak, 35, librarian. Traits: quiet, precise, kind. Lives at Maple House.",
    "Omar Haddad": "Omar Haddad, 52, baker. Traits: cheerful, talkative, generous. Lives at Maple House.",
    "Priya Shah": "Priya Shah, 38, lawyer. Traits: ambitious, direct, fair. Lives at Maple House.",
    "Theo Ito": "Theo Ito, 24, student at Oak Hill College. Traits: shy, funny, curious. Lives at Maple House.",
    "Mei Lin": "Mei Lin, 34, owner of Rosewood Cafe. Traits: warm, organised, lively. Lives at Maple House.",
}
PLACES = (
    "Maple House: kitchen",
    "Maple House: bedroom",
    "Rosewood Cafe: cafe",
    "Rosewood Cafe: cafe kitchen",
    "Oak Hill College: classroom",
    "Oak Hill College: library",
    "Willow Park: garden",
    "Willow Market: shop",
)


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _mentions(*keywords: str) -> Callable[[Any], bool]:
    return lambda value: any(k in value.reply.lower() for k in keywords)


def _is(expected: str) -> Callable[[Any], bool]:
    return lambda value: value.answer == expected


def _mostly_at(*places: str) -> Callable[[Any], bool]:
    """At least half the planned minutes at one of `places` (a plan may walk there first, not do it elsewhere)."""

    def check(value: Any) -> bool:
        total = sum(step.minutes for step in value.steps)
        there = sum(step.minutes for step in value.steps if step.place in places)
        return total > 0 and 2 * there >= total

    return check


def _ranks_first(index: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        scores = list(value.scores)
        return all(scores[index] > score for i, score in enumerate(scores) if i != index)

    return check


def _interview(case: str, name: str, memories: list[str], question: str, *keywords: str) -> QualityCase:
    fields = VisitorFields(
        name=name,
        identity=PEOPLE[name],
        now=NOW,
        current_action="resting at home",
        place="Maple House: kitchen",
        memories=_numbered(memories),
        transcript=f"Interviewer: {question}",
    )
    return QualityCase(case, "recall", "interview", fields, VisitorReply, _mentions(*keywords))


def _choice(case: str, kind: str, name: str, memories: list[str], question: str, options: list[str], expected: str):
    asked = SurveyQuestion(id=case, text=question, kind="choice", options=options)
    fields = SurveyFields(
        name=name,
        identity=PEOPLE[name],
        now=NOW,
        memories=_numbered(memories),
        question=question,
        answer_format=f"exactly one of: {', '.join(options)}",
    )
    return QualityCase(case, kind, "survey", fields, answer_schema(asked), _is(expected))


def _place(case: str, name: str, activity: str, routine: str, *places: str) -> QualityCase:
    """Steps for `activity`; sensible when mostly at one of `places` (the first is the routine's place)."""
    fields = DecomposeFields(
        name=name,
        identity=PEOPLE[name],
        now=NOW,
        window_start="16:00",
        window_end="16:30",
        activity=activity,
        context="",
        memories=_numbered([routine]),
        places="; ".join(PLACES),
        usual_place=f"At this hour {name} is usually at {places[0]}.",
        total_minutes=30,
    )
    return QualityCase(case, "place", "decompose", fields, steps_schema(PLACES), _mostly_at(*places))


def _importance(case: str, name: str, memories: list[str], life_changing: int) -> QualityCase:
    fields = ImportanceFields(name=name, identity=PEOPLE[name], items=_numbered(memories))
    schema = importance_schema(len(memories))
    return QualityCase(case, "importance", "importance", fields, schema, _ranks_first(life_changing))


def _invitation(case: str, name: str, plan: str, invitation: str, expected: str) -> QualityCase:
    question = f"{invitation} Does {name.split(maxsplit=1)[0]} accept or decline?"
    return _choice(case, "invitation", name, [plan], question, ["accept", "decline"], expected)


def _talk(case: str, name: str, doing: str, seen: str, percept: str, memories: list[str], expected: str) -> QualityCase:
    fields = ReactFields(
        name=name,
        identity=PEOPLE[name],
        now=NOW,
        current_action=doing,
        percept=percept,
        memories=_numbered(memories),
        other=seen,
    )
    return QualityCase(case, "talk", "react", fields, ReactionChoice, lambda value: value.decision == expected)


CASES: tuple[QualityCase, ...] = (
    _interview("recall-council", "Ada Baker",
               ["Priya Shah told Ada that she is running for town council.", "Ada baked rye bread this morning.",
                "The market closes at six."], "Who is running for town council?", "priya"),
    _interview("recall-library-hours", "Theo Ito",
               ["Theo reads comics in the evening.", "The college library opens at 9 on Saturdays.",
                "Theo's bicycle has a flat tyre."], "When does the college library open on Saturdays?", "9", "nine"),
    _interview("recall-dog", "Kofi Mensah",
               ["Leo Baker's dog is called Biscuit.", "Kofi repaired a tractor on Monday."],
               "What is Leo Baker's dog called?", "biscuit"),
    _interview("recall-party-place", "Omar Haddad",
               ["Mei Lin is hosting the harvest party at Rosewood Cafe on Friday evening.",
                "Omar sold out of croissants today."], "Where is the harvest party on Friday?", "rosewood", "cafe"),
    _interview("recall-repair", "Lena Novak",
               ["Kofi Mensah fixed the bakery's oven yesterday.", "Lena shelved forty new books."],
               "What did Kofi Mensah fix yesterday?", "oven"),
    _interview("recall-chess", "Mei Lin",
               ["Lena Novak won the town chess tournament last Sunday.", "Mei bought new teacups."],
               "Who won the town chess tournament?", "lena"),
    _choice("choice-council", "recall", "Mei Lin",
            ["Priya Shah is running for town council.", "Omar Haddad bakes bread every morning.",
             "Theo Ito studies chemistry."], "Who is running for town council?",
            ["Omar Haddad", "Priya Shah", "Theo Ito"], "Priya Shah"),
    _choice("choice-market-day", "recall", "Ada Baker",
            ["The farmers' market is held every Wednesday on the high street.", "Ada teaches on Mondays."],
            "On which day is the farmers' market held?", ["Monday", "Wednesday", "Saturday"], "Wednesday"),
    _place("place-pastries", "Mei Lin", "bake pastries for the cafe",
           "Mei bakes in the cafe kitchen every afternoon.", "Rosewood Cafe: cafe kitchen", "Rosewood Cafe: cafe"),
    _place("place-class", "Ada Baker", "teach the chemistry class",
           "Ada teaches chemistry in the college classroom.", "Oak Hill College: classroom"),
    _place("place-sleep", "Theo Ito", "sleep", "Theo sleeps in his bedroom at Maple House.", "Maple House: bedroom"),
    _place("place-vegetables", "Omar Haddad", "buy vegetables for dinner",
           "Omar buys his vegetables at Willow Market.", "Willow Market: shop"),
    _place("place-flowers", "Lena Novak", "water the flowers in the park",
           "Lena looks after the flower beds in Willow Park.", "Willow Park: garden"),
    _place("place-breakfast", "Kofi Mensah", "cook breakfast at home",
           "Kofi cooks breakfast in the kitchen at Maple House.", "Maple House: kitchen"),
    _place("place-study", "Theo Ito", "study for the exam in the library",
           "Theo studies in the college library before exams.", "Oak Hill College: library"),
    _place("place-coffee", "Mei Lin", "serve coffee to customers",
           "Mei serves customers in the cafe at Rosewood Cafe.", "Rosewood Cafe: cafe", "Rosewood Cafe: cafe kitchen"),
    _importance("importance-university", "Ada Baker",
                ["Ada brushed her teeth.", "Ada's son Leo was accepted to university.", "Ada saw a cloud."], 1),
    _importance("importance-bereavement", "Kofi Mensah",
                ["Kofi's father died last night.", "Kofi ate toast.", "Kofi tied his shoes."], 0),
    _importance("importance-engaged", "Lena Novak",
                ["Lena made her bed.", "Lena watered a plant.", "Lena got engaged to Omar."], 2),
    _importance("importance-fire", "Omar Haddad",
                ["Omar's bakery burned down.", "Omar read a newspaper.", "Omar drank a glass of water."], 0),
    _importance("importance-election", "Priya Shah",
                ["Priya washed the dishes.", "Priya won the town council election.", "Priya walked to the shop."], 1),
    _importance("importance-illness", "Theo Ito",
                ["Theo checked the time.", "Theo yawned.", "Theo was diagnosed with a serious illness."], 2),
    _importance("importance-birth", "Mei Lin",
                ["Mei closed the window.", "Mei's first child was born.", "Mei swept the floor."], 1),
    _invitation("invite-grading", "Ada Baker",
                "Ada must finish grading forty exams by tomorrow morning and plans to work at home all evening.",
                "Mei Lin invites Ada to a party at Rosewood Cafe at 19:00 tonight.", "decline"),
    _invitation("invite-free", "Kofi Mensah",
                "Kofi has nothing planned this evening and has been hoping to meet more people in town.",
                "Mei Lin invites Kofi to a party at Rosewood Cafe at 19:00 tonight.", "accept"),
    _invitation("invite-train", "Lena Novak",
                "Lena is travelling to her sister's tonight; her train leaves at 18:00 and she returns next week.",
                "Mei Lin invites Lena to a party at Rosewood Cafe at 19:00 tonight.", "decline"),
    _invitation("invite-fan", "Omar Haddad",
                "Omar loves Mei's parties, is free tonight, and told her he would come to the next one.",
                "Mei Lin invites Omar to a party at Rosewood Cafe at 19:00 tonight.", "accept"),
    _invitation("invite-fever", "Priya Shah",
                "Priya is in bed with a fever and her doctor told her to rest at home for three days.",
                "Mei Lin invites Priya to a party at Rosewood Cafe at 19:00 tonight.", "decline"),
    _invitation("invite-music", "Theo Ito",
                "Theo finished his exams today, is free tonight, and loves live music.",
                "Omar Haddad invites Theo to a concert with live music in Willow Park at 19:00 tonight.", "accept"),
    _invitation("invite-babysitting", "Mei Lin",
                "Mei promised to look after her neighbour's children at their house tonight from 18:00 to 22:00.",
                "Priya Shah invites Mei to dinner at Willow Market at 19:00 tonight.", "decline"),
    _talk("talk-meeting", "Mei Lin", "waiting in the cafe for Priya", "Priya Shah",
          "Priya Shah walks into the cafe and looks around for Mei",
          ["Mei asked Priya to meet her at the cafe at four to plan the harvest party."], "talk"),
    _talk("talk-ask-out", "Kofi Mensah", "walking through Willow Park", "Lena Novak",
          "Lena Novak is sitting alone on a bench in the park",
          ["Kofi has been meaning to ask Lena Novak to the concert on Saturday.",
           "Kofi sees Lena at the library most weeks."], "talk"),
    _talk("talk-job", "Omar Haddad", "closing up the bakery", "Theo Ito",
          "Theo Ito is standing at the bakery counter",
          ["Theo asked Omar yesterday whether the bakery needs a weekend helper.",
           "Omar decided this morning to offer Theo the weekend job."], "talk"),
    _talk("carry-on-exam", "Theo Ito", "writing his final chemistry exam", "Ada Baker",
          "Ada Baker is walking between the desks, supervising the exam",
          ["Talking during the exam means failing it.", "Ada Baker teaches Theo chemistry."], "continue"),
    _talk("carry-on-court", "Priya Shah", "presenting her closing argument to the judge", "Omar Haddad",
          "Omar Haddad is sitting in the public gallery of the courtroom",
          ["Priya has ten minutes left for her closing argument.", "Omar buys bread for Priya's office."], "continue"),
    _talk("carry-on-story-hour", "Lena Novak", "reading a story aloud to twenty children", "Kofi Mensah",
          "Kofi Mensah is browsing the shelves at the back of the library",
          ["Lena never stops story hour halfway; the children would be upset.", "Kofi borrows car manuals."],
          "continue"),
)  # fmt: skip
