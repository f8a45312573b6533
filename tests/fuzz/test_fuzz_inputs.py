"""Fuzzing every loader and parser that reads user or model input: random and mutated inputs may be accepted or
refused, but a refusal is always the project's documented one-line error — never another exception."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.llm.parsing import OutputError, parse_structured
from agents.persona import load_persona
from agents.schemas import DayPlan, FocalQuestions, Insights, ReactionChoice, importance_schema, steps_schema
from town.core.errors import ConfigError, MapError, PersonaError, TownError
from town.core.places import load_town_map
from town.experiments.config import load_experiment
from town.experiments.population import load_quotas
from town.runtime.config import DEFAULT_MAP, DEFAULT_PERSONAS, load_run_config

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def mutated(draw, original: str) -> str:
    """The original text with a few random cuts, insertions and replacements (or something else entirely)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=300))
    text = original
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, min(40, len(text) - at)))
        insert = draw(
            st.one_of(
                st.text(max_size=12),
                st.sampled_from(["{", "}", "[", "]", ":", ",", '"', "\n", "- ", "null", "-1", "1e309", "'"]),
            )
        )
        text = text[:at] + insert + text[at + cut :]
    return text


def _only(errors: tuple[type[Exception], ...], load, *args):
    try:
        load(*args)
    except errors as exc:
        assert "\n" not in str(exc), "user errors are one line"
    except Exception as exc:  # anything else is a crash a user would see as a traceback
        pytest.fail(f"{type(exc).__name__}: {exc}")


MAP_TEXT = DEFAULT_MAP.read_text(encoding="utf-8")
PERSONA_TEXT = (DEFAULT_PERSONAS / "02-jonah-price.yaml").read_text(encoding="utf-8")
EXPERIMENT_TEXT = (ROOT / "experiments" / "party-diffusion.yaml").read_text(encoding="utf-8")
QUOTA_TEXT = (ROOT / "experiments" / "quota-willowbrook.yaml").read_text(encoding="utf-8")
RUN_CONFIG_TEXT = (
    "agents: 4\nhours: 2\nseed: 3\nmodel: fake\nengine: {vision_radius: 4}\ncognition: {ablate: [memory]}\n"
)


@FUZZ
@given(text=mutated(MAP_TEXT[:4000] + MAP_TEXT[-2000:]) | mutated(MAP_TEXT))
def test_map_loader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("map") / "town.tmj"
    path.write_text(text, encoding="utf-8")
    _only((MapError,), load_town_map, path)


TMX_TEXT = (ROOT / "tests" / "fixtures" / "willowbrook-exported-by-tiled-1.8.2.tmx").read_text(encoding="utf-8")
TSX_TEXT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<tileset version="1.10" name="town" tilewidth="32" tileheight="32" '
    'tilecount="7" columns="7"><image source="town.png" width="224" height="32" trans="ff00ff"/>'
    '<tile id="3"><properties><property name="collides" type="bool" value="true"/></properties></tile></tileset>\n'
)
TSJ_TEXT = (
    '{"type": "tileset", "name": "town", "image": "town.png", "imagewidth": 224, "imageheight": 32, "tilewidth": 32,'
    ' "tileheight": 32, "tilecount": 7, "columns": 7, "tiles": [{"id": 3, "properties": [{"name": "collides",'
    ' "type": "bool", "value": true}]}]}'
)
TX_TEXT = '<?xml version="1.0"?>\n<template><object name="bench" width="32" height="32"><point/></object></template>\n'


@FUZZ
@given(text=mutated(TMX_TEXT[:3000] + TMX_TEXT[-3000:]) | mutated(TMX_TEXT))
def test_tmx_map_loader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("tmx") / "town.tmx"
    path.write_text(text, encoding="utf-8")
    _only((MapError,), load_town_map, path)


def _map_with_external_files(folder, tileset_name: str) -> str:
    doc = json.loads(MAP_TEXT)
    doc["tilesets"] = [{"firstgid": 1, "source": f"tile sets/{tileset_name}"}]
    objects = next(layer for layer in doc["layers"] if layer["name"] == "objects")
    objects["objects"].append({"id": 999, "template": "templates/bench.tx", "x": 100, "y": 100})
    return json.dumps(doc)


@FUZZ
@given(
    which=st.sampled_from(["town.tsx", "town.tsj", "bench.tx"]),
    text=st.one_of(mutated(TSX_TEXT), mutated(TSJ_TEXT), mutated(TX_TEXT)),
)
def test_external_tilesets_and_templates(tmp_path_factory, which, text):
    """A damaged .tsx/.tsj tileset or .tx template beside a good map is accepted or refused in one line."""
    folder = tmp_path_factory.mktemp("ext")
    (folder / "tile sets").mkdir()
    (folder / "templates").mkdir()
    tileset_name = which if which != "bench.tx" else "town.tsx"
    (folder / "tile sets" / "town.tsx").write_text(TSX_TEXT, encoding="utf-8")
    (folder / "tile sets" / "town.tsj").write_text(TSJ_TEXT, encoding="utf-8")
    (folder / "templates" / "bench.tx").write_text(TX_TEXT, encoding="utf-8")
    target = folder / ("templates" if which == "bench.tx" else "tile sets") / which
    target.write_text(text, encoding="utf-8")
    path = folder / "town.tmj"
    path.write_text(_map_with_external_files(folder, tileset_name), encoding="utf-8")
    _only((MapError,), load_town_map, path)


@FUZZ
@given(text=mutated(PERSONA_TEXT))
def test_persona_loader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("persona") / "someone.yaml"
    path.write_text(text, encoding="utf-8")
    _only((PersonaError,), load_persona, path)


@FUZZ
@given(text=mutated(EXPERIMENT_TEXT))
def test_experiment_loader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("exp") / "exp.yaml"
    path.write_text(text, encoding="utf-8")
    _only((ConfigError,), load_experiment, path)


@FUZZ
@given(text=mutated(QUOTA_TEXT))
def test_quota_loader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("quota") / "quota.yaml"
    path.write_text(text, encoding="utf-8")
    _only((ConfigError,), load_quotas, path)


@FUZZ
@given(text=mutated(RUN_CONFIG_TEXT))
def test_run_config_loader(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "run.yaml"
    path.write_text(text, encoding="utf-8")
    _only((ConfigError,), load_run_config, path)


SCHEMAS = [
    DayPlan,
    FocalQuestions,
    Insights,
    ReactionChoice,
    importance_schema(3),
    steps_schema(("Rosewood Cafe: cafe",)),
]
GOOD = {
    "DayPlan": '{"broad_strokes": ["open the cafe"], "schedule": [{"hour": 7, "activity": "open the cafe"}]}',
    "FocalQuestions": '{"questions": ["What matters?"]}',
    "Insights": '{"insights": [{"text": "She likes music", "evidence": [1], "importance": 5}]}',
    "ReactionChoice": '{"decision": "talk", "reason": "a friend"}',
}


@settings(max_examples=300, deadline=None)
@given(schema=st.sampled_from(SCHEMAS), text=st.one_of(st.text(max_size=400), *(mutated(t) for t in GOOD.values())))
def test_every_llm_output_parser(schema, text):
    _only((OutputError,), parse_structured, text, schema)


@settings(max_examples=50, deadline=None)
@given(depth=st.integers(100, 5000))
def test_absurdly_nested_json_is_an_output_error(depth):
    with pytest.raises(OutputError):
        parse_structured("[" * depth + "{" * depth, DayPlan)


def test_the_fuzz_catches_what_it_should():
    """The harness itself: a loader raising something undocumented is reported as a failure."""

    def broken(_):
        raise KeyError("boom")

    with pytest.raises(pytest.fail.Exception):
        _only((TownError,), broken, None)
