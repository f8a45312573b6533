"""`town bench quality`: the checks and the copy detector decide as a reader would, and the figures count them."""

import json

from agents.llm.fakes import ScriptedModel
from agents.schemas import ReactionChoice
from town.bench.quality import copied, instructions_of, score
from town.bench.quality_cases import CASES

BY_ID = {case.id: case for case in CASES}
PICKED = tuple(
    BY_ID[i] for i in ("recall-council", "importance-university", "invite-grading", "place-class", "carry-on-exam")
)
RIGHT = [
    {"reply": "Priya Shah is running, she told me herself."},
    {"scores": [1, 9, 2]},
    {"answer": "decline"},
    {"steps": [{"minutes": 15, "action": "teach the first half", "place": "Oak Hill College: classroom", "object": ""},
               {"minutes": 15, "action": "set homework", "place": "Oak Hill College: classroom", "object": ""}]},
    {"talk": "no"},
]  # fmt: skip
WRONG = [
    {"reply": "I think Omar is running."},
    {"scores": [5, 5, 5]},
    {"answer": "accept"},
    {"steps": [{"minutes": 15, "action": "teach", "place": "Willow Park: garden", "object": ""},
               {"minutes": 10, "action": "teach", "place": "Willow Park: garden", "object": ""},
               {"minutes": 5, "action": "walk over", "place": "Oak Hill College: classroom", "object": ""}]},
    {"talk": "yes"},
]  # fmt: skip


def test_thirty_six_cases_of_five_kinds_with_unique_ids():
    assert len(CASES) == 36 and len(BY_ID) == 36
    assert {case.kind for case in CASES} == {"recall", "place", "importance", "invitation", "talk"}
    # Talk-or-carry-on is not answered by always choosing one option.
    talk = [case for case in CASES if case.kind == "talk"]
    for always in ("yes", "no"):
        right = sum(case.sensible(ReactionChoice(talk=always)) for case in talk)
        assert right <= len(talk) // 2, always


def test_right_answers_are_sensible_and_not_copied():
    figures = score(ScriptedModel(RIGHT), PICKED)
    assert figures["sensible_share"] == 1.0 and figures["copied_share"] == 0.0
    assert figures["schema_failure_share"] == 0.0 and figures["fallbacks"] == 0 and figures["calls"] == 5


def test_wrong_answers_are_not_sensible():
    figures = score(ScriptedModel(WRONG), PICKED)
    assert figures["sensible_share"] == 0.0 and figures["not_sensible"] == [case.id for case in PICKED]


def test_a_model_that_returns_the_shape_is_counted_as_copying_and_failing_the_schema():
    def copy_the_shape(messages, purpose):
        first = next(m for m in messages if m.role == "user")  # the repair turn too: copy the original shape
        return first.content.rsplit("shaped like ", 1)[1]

    figures = score(ScriptedModel([copy_the_shape] * 10), PICKED)
    assert figures["copied_share"] == 1.0 and figures["schema_failure_share"] == 1.0
    assert figures["sensible_share"] == 0.0 and figures["fallbacks"] == 5 and figures["calls"] == 10


def test_copy_detector_tells_copied_wording_from_an_answer_that_uses_the_memories():
    case = BY_ID["recall-council"]
    wording = instructions_of(case)
    assert "Priya" not in wording  # the case's own facts are not the prompt's wording
    assert copied(json.dumps({"reply": "<the reply, one to three sentences>"}), wording)
    assert copied(json.dumps({"reply": "Answer from what Ada Baker knows and remembers, honestly."}), wording)
    assert not copied(json.dumps({"reply": "Priya Shah told me she is running for town council."}), wording)
    assert not copied(json.dumps({"reply": "I do not know."}), wording)  # short: a common answer, not a copy


def test_the_command_scores_the_model_it_is_given_and_refuses_a_model_for_a_benchmark_of_fakes():
    import subprocess
    import sys

    command = [sys.executable, "-m", "town.cli", "bench", "quality", "--model", "fake", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    (figures,) = json.loads(done.stdout)
    assert figures["benchmark"] == "quality" and figures["model"] == "fake" and figures["cases"] == 36
    assert figures["calls"] >= 36 and figures["copied_share"] == 0.0 and len(figures["first_replies"]) == 36
    refused = subprocess.run(
        [sys.executable, "-m", "town.cli", "bench", "engine", "--model", "fake"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "quality" in refused.stderr
