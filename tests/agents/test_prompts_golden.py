"""Golden tests: the exact text each prompt sends. Regenerate with UPDATE_GOLDEN=1 after a deliberate change."""

import os

import pytest

from agents.dialogue import UtteranceFields
from agents.importance import ImportanceFields
from agents.planning import DayPlanFields, DecomposeFields
from agents.prompts import render
from agents.reaction import ReactFields
from agents.reflection import InsightFields, QuestionFields
from agents.schemas import (
    DayPlan,
    FocalQuestions,
    Insights,
    ReactionChoice,
    UtteranceReply,
    importance_schema,
    steps_schema,
)
from agents.survey import SurveyFields, SurveyQuestion, answer_schema
from agents.visitor import VisitorFields, VisitorReply
from tests.helpers import golden_path
from town.evaluation.judge import JudgeFields, JudgeRating
from town.evaluation.judge_check import SpeakerFields, speaker_schema
from town.evaluation.naturalness import NLIAnswer, NLIFields
from town.evaluation.persona_tasks import RUBRICS, Grade, GradeFields, TaskFields, questions_schema
from town.experiments.backstories import Backstory, BackstoryFields, RevisionFields

IDENTITY = "Mei Lin, 34, owner of Rosewood Cafe. Traits: warm, organised."
BACKSTORY = BackstoryFields(
    name="Ada Baker",
    age=41,
    occupation="teacher",
    traits="organised, warm, calm",
    social_identity="Ada is a teacher at Oak Hill College. Ada was born in Willowbrook and never left.",
    personal_identity="Cares most about fairness and learning. Happiest with chess and writing poetry.",
    life_context="Lives at Maple House with Leo Baker (son).",
    places="Maple House; Oak Hill College; Rosewood Cafe; Willow Market",
)
CASES = {
    "day_plan": DayPlanFields(
        name="Mei Lin",
        identity=IDENTITY,
        now="Thursday February 13, 06:30",
        wake_time="06:30",
        bed_time="22:30",
        routine="- 07:30 open the cafe (Rosewood Cafe: cafe)",
    ),
    "decompose": DecomposeFields(
        name="Mei Lin",
        identity=IDENTITY,
        now="Thursday February 13, 08:00",
        window_start="08:00",
        window_end="09:00",
        activity="bake pastries",
        context="Just now: Mei Lin just finished talking with Jonah Price.",
        memories="1. Jonah Price is making coffee",
        places="Rosewood Cafe: cafe; Rosewood Cafe: cafe kitchen",
        usual_place="At this hour Mei Lin is usually at Rosewood Cafe: cafe kitchen.",
        total_minutes=60,
    ),
    "importance": ImportanceFields(
        name="Mei Lin", identity=IDENTITY, items="1. Jonah Price is idle\n2. Sofia is crying"
    ),
    "react": ReactFields(
        name="Mei Lin",
        identity=IDENTITY,
        now="Thursday February 13, 09:10",
        current_action="serving coffee",
        percept="Sofia Moreno is studying",
        memories="1. Sofia studies here most mornings",
        other="Sofia Moreno",
    ),
    "utterance": UtteranceFields(
        name="Mei Lin",
        identity=IDENTITY,
        now="Thursday February 13, 09:11",
        partner="Sofia Moreno",
        relation="regular customer",
        place="Rosewood Cafe: cafe",
        memories="1. Sofia has exams soon",
        transcript="(nobody has spoken yet; you start)",
    ),
    "visitor_reply": VisitorFields(
        name="Mei Lin",
        identity=IDENTITY,
        now="Thursday February 13, 10:00",
        current_action="serving coffee",
        place="Rosewood Cafe: cafe",
        memories="1. Mei planned a party",
        transcript="Visitor: Anything on tonight?",
    ),
    "interview": VisitorFields(
        name="Mei Lin",
        identity=IDENTITY,
        now="Thursday February 13, 10:00",
        current_action="serving coffee",
        place="Rosewood Cafe: cafe",
        memories="1. Mei planned a party",
        transcript="Interviewer: Who is Kane Martinez?",
    ),
    "persona_task": TaskFields(identity=IDENTITY, rubric=RUBRICS[0].tests, count=2),
    "persona_task_score": GradeFields(
        identity=IDENTITY,
        rubric=f"{RUBRICS[3].name}: {RUBRICS[3].tests}",
        low=RUBRICS[3].low,
        high=RUBRICS[3].high,
        question="A customer calls your bread stale in front of everyone. What do you say?",
        answer="I'd apologise, offer a fresh loaf, and ask what they'd like to try next.",
    ),
    "judge_speaker": SpeakerFields(
        people="- Mei Lin: Mei Lin, 34, owner of Rosewood Cafe.\n- Jonah Price: Jonah Price, 28, barista.",
        line="I baked the rye this morning, come try it before the party.",
    ),
    "judge_answer": JudgeFields(
        identity=IDENTITY,
        category="memory",
        question="Who is Kane Martinez?",
        answer="I do not know anyone by that name.",
    ),
    "nli": NLIFields(premise="I have never baked bread in my life.", hypothesis="My sourdough won a prize last year."),
    "survey": SurveyFields(
        name="Mei Lin",
        identity=IDENTITY,
        now="Thursday February 13, 12:00",
        memories="1. Priya Shah is running for town council",
        question="Will you vote for Priya Shah?",
        answer_format="exactly one of: yes, no, undecided",
    ),
    "backstory": BACKSTORY,
    "backstory_revise": RevisionFields(
        **BACKSTORY.model_dump(),
        previous="Ada, a 52-year-old nurse, lives alone at Birch Cottage.",
        problems="- says age 52, but Ada Baker is 41\n- names 'Birch Cottage', which is not a place on map Willowbrook",
    ),
    "reflect_questions": QuestionFields(name="Mei Lin", identity=IDENTITY, memories="1. Mei planned a party", count=3),
    "reflect_insights": InsightFields(
        name="Mei Lin",
        identity=IDENTITY,
        statements="1. Mei planned a party\n2. Jonah will play guitar",
        questions="What is Mei looking forward to?",
    ),
}

# The answer each prompt asks for, built as its caller builds it.
SCHEMAS = {
    "day_plan": DayPlan,
    "decompose": steps_schema(("Rosewood Cafe: cafe", "Rosewood Cafe: cafe kitchen")),
    "importance": importance_schema(2),
    "react": ReactionChoice,
    "utterance": UtteranceReply,
    "visitor_reply": VisitorReply,
    "interview": VisitorReply,
    "persona_task": questions_schema(2),
    "persona_task_score": Grade,
    "judge_speaker": speaker_schema(["Mei Lin", "Jonah Price"]),
    "judge_answer": JudgeRating,
    "nli": NLIAnswer,
    "survey": answer_schema(
        SurveyQuestion(
            id="vote", text="Will you vote for Priya Shah?", kind="choice", options=["yes", "no", "undecided"]
        )
    ),
    "backstory": Backstory,
    "backstory_revise": Backstory,
    "reflect_questions": FocalQuestions,
    "reflect_insights": Insights,
}


def prompt(name, fields=None):
    return render(name, fields or CASES[name], SCHEMAS[name])


def as_text(messages):
    return "".join(f"--- {m.role} ---\n{m.content}\n" for m in messages)


def assert_golden(name, text):
    path = golden_path(name)
    if os.environ.get("UPDATE_GOLDEN") == "1" and (not path.exists() or path.read_text(encoding="utf-8") != text):
        path.write_text(text, encoding="utf-8")
        # A rewritten golden file proves nothing about itself: the run that wrote it does not pass. Review the diff,
        # then run again without UPDATE_GOLDEN.
        pytest.fail(f"{path.name} rewritten; review `git diff {path}` and run the tests again")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_prompt_text_is_exactly_the_golden_file(name):
    assert_golden(name, as_text(prompt(name)))


def test_every_template_has_a_golden_case():
    from importlib.resources import files

    templates = {p.name.removesuffix(".txt") for p in files("agents.prompts").iterdir() if p.name.endswith(".txt")}
    assert templates == set(CASES) == set(SCHEMAS)


# SPeCtrum ablations: the identity every prompt starts from, with each part left out in turn.
IDENTITY_CASES = ["full", "social_identity", "personal_identity", "life_context"]


def _identity(ablate: str) -> str:
    from agents.persona import load_persona
    from town.runtime.config import DEFAULT_PERSONAS

    mei = load_persona(DEFAULT_PERSONAS / "01-mei-lin.yaml")
    return mei.summary(omit=() if ablate == "full" else {ablate})


@pytest.mark.parametrize("ablate", IDENTITY_CASES)
def test_the_identity_under_each_persona_ablation_is_exactly_the_golden_file(ablate):
    name = f"identity_{'full' if ablate == 'full' else 'without_' + ablate}"
    assert_golden(
        name, as_text(prompt("day_plan", CASES["day_plan"].model_copy(update={"identity": _identity(ablate)})))
    )


@pytest.mark.parametrize("ablate", IDENTITY_CASES[1:])
def test_a_persona_ablation_removes_its_part_and_changes_nothing_else(ablate):
    from agents.persona import PERSONA_PARTS, load_persona
    from town.runtime.config import DEFAULT_PERSONAS

    mei = load_persona(DEFAULT_PERSONAS / "01-mei-lin.yaml")
    full, without = _identity("full"), _identity(ablate)
    part = getattr(mei, ablate)
    assert part in full and part not in without
    assert without == full.replace(f"{part} ", "", 1)  # exactly that sentence gone, the rest byte for byte
    for other in set(PERSONA_PARTS) - {ablate}:
        assert getattr(mei, other) in without
