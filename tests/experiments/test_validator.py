"""The symbolic validator catches planted contradictions; the propose → validate → revise loop counts what it did."""

import asyncio
import json

import pytest

from agents.config import CognitionConfig
from agents.llm.fakes import ScriptedModel
from agents.llm.structured import GatewayConfig, StructuredLLM
from agents.persona import load_persona
from town.experiments.backstories import write_backstories
from town.experiments.validator import problems, text_problems
from town.runtime.config import DEFAULT_PERSONAS


@pytest.fixture
def mei():
    """Mei Lin with an occupation of the taxonomy (a free-text one cannot be contradicted by naming another)."""
    return load_persona(DEFAULT_PERSONAS / "01-mei-lin.yaml").model_copy(update={"occupation": "barista"})


def test_the_hand_written_cast_has_no_problems(town_map, personas):
    for person in personas:
        assert problems(person, None, town_map) == [], person.name


def test_a_nine_year_old_surgeon_is_caught(town_map, mei):
    child = mei.model_copy(update={"age": 9, "occupation": "surgeon"})
    assert problems(child, None, town_map) == ["age 9 does not fit surgeon (29-70)"]


def test_a_home_or_workplace_not_on_the_map_is_caught(town_map, mei):
    found = problems(mei.model_copy(update={"home": "Birch Cottage"}), None, town_map)
    assert any("home" in p and "Birch Cottage" in p for p in found)
    found = problems(mei.model_copy(update={"workplace": "Elm Street Cafe"}), None, town_map)
    assert any("workplace" in p and "Elm Street Cafe" in p for p in found)


@pytest.mark.parametrize(
    ("text", "size", "problem"),
    [
        ("Mei, a 52-year-old baker, loves mornings.", None, "says age 52"),
        ("At 34 she is in her fifties in spirit.", None, "in her fifties"),
        ("She works as a nurse on weekends.", None, "calls them a nurse"),
        ("She lives alone above the shop.", 3, "live alone, but their household has 3"),
        ("She lives with her sister.", 1, "live with someone, but they live alone"),
        ("Every morning she walks to Birch Cottage to see her aunt.", None, "'Birch Cottage'"),
        ("She moved into Elm Street Apartments last spring.", None, "'Elm Street Apartments'"),
    ],
)
def test_text_contradicting_the_record_or_the_map_is_caught(town_map, mei, text, size, problem):
    found = text_problems(text, mei, size, town_map)
    assert len(found) == 1 and problem in found[0], found


@pytest.mark.parametrize(
    "text",
    [
        "Mei, 34, grew up in Taipei and came here from Lisbon.",  # places elsewhere are not the town's
        "Her son is 9 years old and loves the Willowbrook Park fountain.",  # someone else's age
        "She took over Rosewood Cafe; her husband David works at Willow Market.",
        "She lives with David at Lin Family Home.",
        "She is a retired teacher's daughter and a barista at Rosewood Cafe.",
    ],
)
def test_consistent_text_passes(town_map, mei, text):
    assert text_problems(text, mei, 2, town_map) == []


def _llm(replies):
    model = ScriptedModel(replies)
    return model, StructuredLLM(model, GatewayConfig(max_retries=0, backoff_seconds=0), seed=0)


def test_a_contradicting_backstory_is_sent_back_with_its_problems_and_the_revision_kept(town_map, mei):
    model, llm = _llm(
        [
            {"backstory": "Mei, a 52-year-old, lives at Birch Cottage. She came to Willowbrook from Taipei."},
            {"backstory": "Mei came to Willowbrook from Taipei as a child. Rosewood Cafe is her second home."},
        ]
    )
    people, counts = asyncio.run(write_backstories([mei], [2], llm, town_map, revisions=2))
    assert counts.model_dump() == {
        "proposed": 1,
        "passed_first": 0,
        "passed_after_revision": 1,
        "dropped": 0,
        "failed_calls": 0,
        "problems_found": 2,
    }
    assert counts.failure_rate == 1.0
    revise = model.requests[1][1][-1].content
    assert (
        "says age 52" in revise
        and "Birch Cottage" in revise
        and [p for p, _ in model.requests]
        == [
            "backstory",
            "backstory_revise",
        ]
    )
    assert people[0].life_context.endswith("Rosewood Cafe is her second home.")


def test_a_backstory_that_stays_wrong_is_dropped_and_counted(town_map, mei):
    wrong = {"backstory": "Mei is a surgeon who works as a surgeon at the city hospital every day."}
    _, llm = _llm([wrong, wrong, wrong])
    people, counts = asyncio.run(write_backstories([mei], [2], llm, town_map, revisions=2))
    assert counts.dropped == 1 and counts.passed_first == counts.passed_after_revision == 0
    assert people[0] == mei  # the person keeps the text that was generated


def test_the_cli_writes_backstories_with_the_fake_and_reports_the_loop(tmp_path, capsys):
    from town.cli import main
    from town.mapping.generate import generate_town

    path = tmp_path / "town.tmj"
    path.write_text(json.dumps(generate_town(10, seed=0)))
    quota = tmp_path / "quota.yaml"
    quota.write_text("attributes:\n  occupation: {barista: 1, retired: 1}\n")
    out = tmp_path / "people"
    args = ["population", "--n", "2", "--quota", str(quota), "--out", str(out), "--map", str(path)]
    assert main([*args, "--embedder", "hashing", "--backstories", "fake"]) == 0
    printed = capsys.readouterr().out
    assert "backstories by fake:" in printed and "validator failure rate" in printed
    report = json.loads((out / "_population.json").read_text())
    assert report["backstories"]["proposed"] == 2


def test_the_persona_ablations_are_cognition_settings(town_map, personas):
    from agents.llm.fakes import SchemaFakeModel
    from tests.helpers import make_sim

    sim = make_sim(town_map, personas[:2], SchemaFakeModel(), cognition=CognitionConfig(ablate={"life_context"}))
    mind = sim.minds[0]
    assert personas[0].life_context not in mind.identity and personas[0].social_identity in mind.identity
    with pytest.raises(ValueError, match="life_story"):
        CognitionConfig(ablate={"life_story"})
