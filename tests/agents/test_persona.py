import json

import pytest

from agents.persona import check_against_map, load_persona, load_personas
from town.core.errors import PersonaError
from town.runtime.config import DEFAULT_PERSONAS


def test_default_cast_is_valid_and_fits_the_map(personas, town_map):
    assert len(personas) >= 8
    assert any("party" in " ".join(p.current_goals) for p in personas)
    ids = {p.id for p in personas}
    for persona in personas:
        check_against_map(persona, town_map)
        assert persona.home in town_map.sectors and persona.workplace in town_map.sectors
        assert {r.person for r in persona.relationships} <= ids


def _write(tmp_path, data, name="p.yaml"):
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else __import__("yaml").safe_dump(data))
    return path


@pytest.fixture
def mei():
    import yaml

    return yaml.safe_load((DEFAULT_PERSONAS / "01-mei-lin.yaml").read_text())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("home"), "field 'home' is required"),
        (lambda d: d.update(age="old"), "field 'age'"),
        (lambda d: d.update(hobbby="chess"), "field 'hobbby' is not a known field"),
        (lambda d: d.update(wake_time="7am"), "field 'wake_time'"),
        (lambda d: d["big_five"].update(openness=3), "field 'big_five.openness'"),
        (lambda d: d["routine"][0].pop("place"), "field 'routine.0.place' is required"),
    ],
)
def test_bad_persona_fields_name_file_and_field(tmp_path, mei, mutate, message):
    mutate(mei)
    path = _write(tmp_path, mei)
    with pytest.raises(PersonaError) as err:
        load_persona(path)
    assert str(err.value).startswith(f"persona {path}:")
    assert message in str(err.value)


def test_unparseable_and_empty_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    with pytest.raises(PersonaError, match="not valid YAML"):
        load_persona(bad)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    with pytest.raises(PersonaError, match="not valid JSON"):
        load_persona(bad_json)
    with pytest.raises(PersonaError, match="no .yaml or .json files"):
        load_personas(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else tmp_path)


def test_json_personas_and_duplicate_ids(tmp_path, mei):
    _write(tmp_path, mei, "a.json")
    _write(tmp_path, mei, "b.yaml")
    with pytest.raises(PersonaError, match="id 'mei-lin' is already used"):
        load_personas(tmp_path)


def test_places_not_on_the_map_are_caught(mei, town_map, tmp_path):
    mei["workplace"] = "Moon Base"
    persona = load_persona(_write(tmp_path, mei))
    with pytest.raises(PersonaError, match="field 'workplace': 'Moon Base' is not a sector"):
        check_against_map(persona, town_map)
