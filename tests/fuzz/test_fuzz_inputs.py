"""Fuzzing every loader and parser that reads user or model input: random and mutated inputs may be accepted or
refused, but a refusal is always the project's documented one-line error — never another exception."""

import json
import re
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


# Hostile inputs: what a careless export, a wrong encoding or a malicious file looks like to a loader.
ALIAS_BOMB = "b0: &b0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]\n" for i in range(1, 10)
)


@st.composite
def hostile(draw, original: str) -> bytes:
    """`original` with one hostile change: deep nesting, bytes that are not UTF-8, NaN/Infinity, a huge number,
    a YAML alias bomb, or a number replaced by another kind of value."""
    kind = draw(st.sampled_from(["deep", "bytes", "nonfinite", "huge", "bomb", "cut"]))
    at = draw(st.integers(0, len(original)))
    if kind == "deep":
        depth = draw(st.sampled_from([60, 200, 1_000, 30_000, 100_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a": ', "}"), ("<g>", "</g>"), ("- [", "]")]))
        text = original[:at] + opener * depth + closer * draw(st.sampled_from([0, depth])) + original[at:]
        return text.encode()
    if kind == "bytes":
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x80abc", b"\xed\xa0\x80", b"\x00"]))
        blob = original.encode()
        return blob[:at] + junk + blob[at:]
    if kind == "bomb":
        return (ALIAS_BOMB + original).encode() if draw(st.booleans()) else (original + "\n" + ALIAS_BOMB).encode()
    numbers = [m for m in re.finditer(r"(?<![\w.])\d+(\.\d+)?(?![\w.])", original)]
    if not numbers:
        return original[:at].encode()
    found = draw(st.sampled_from(numbers))
    replacement = {
        "nonfinite": draw(st.sampled_from(["NaN", "Infinity", "-Infinity", ".nan", ".inf", "-.inf", "1e999"])),
        "huge": draw(st.sampled_from(["9" * 400, "1e308", "-" + "9" * 30, "18446744073709551616"])),
        "cut": draw(st.sampled_from(["[]", "{}", "null", '"x"', "true", ""])),
    }[kind]
    return (original[: found.start()] + replacement + original[found.end() :]).encode()


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


HOSTILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LOADERS = {
    "map": (MAP_TEXT, "town.tmj", (MapError,), load_town_map),
    "tmx": (TMX_TEXT, "town.tmx", (MapError,), load_town_map),
    "persona": (PERSONA_TEXT, "p.yaml", (PersonaError,), load_persona),
    "experiment": (EXPERIMENT_TEXT, "e.yaml", (ConfigError,), load_experiment),
    "quota": (QUOTA_TEXT, "q.yaml", (ConfigError,), load_quotas),
    "config": (RUN_CONFIG_TEXT, "c.yaml", (ConfigError,), load_run_config),
}


@pytest.mark.parametrize("which", sorted(LOADERS))
@HOSTILE
@given(data=st.data())
def test_hostile_files_are_refused_in_one_line(tmp_path_factory, which, data):
    original, name, errors, load = LOADERS[which]
    path = tmp_path_factory.mktemp(which) / name
    path.write_bytes(data.draw(hostile(original)))
    _only(errors, load, path)


@pytest.fixture(scope="module")
def good_save(tmp_path_factory):
    import asyncio

    from tests.conftest import fake_config
    from town.persistence.runner import run_headless

    root = tmp_path_factory.mktemp("fuzzsave")
    config = fake_config(root, hours=0.5, autosave_minutes=10, cache="record")
    asyncio.run(run_headless(config))
    return config.save_path


@pytest.mark.parametrize("name", ["manifest.json", "world.json", "runtime.json", "minds.jsonl", "memory.jsonl"])
@HOSTILE
@given(data=st.data())
def test_hostile_save_files_are_a_save_error(tmp_path_factory, good_save, name, data):
    import shutil

    from town.core.errors import SaveError
    from town.persistence.saves import load_save

    copy = tmp_path_factory.mktemp("save") / "s"
    shutil.copytree(good_save, copy)
    (path,) = [copy / name] if (copy / name).exists() else copy.glob(f"state-*/{name}")  # the current state's file
    path.write_bytes(data.draw(hostile(path.read_text(encoding="utf-8"))))
    _only((SaveError,), load_save, copy)


@HOSTILE
@given(data=st.data())
def test_hostile_logs_and_caches_are_one_line(tmp_path_factory, good_save, data):
    from agents.llm.cache import RecordReplayModel
    from agents.llm.fakes import SchemaFakeModel
    from town.persistence.run_source import read_events

    folder = tmp_path_factory.mktemp("logs")
    log, cache = folder / "trajectory.jsonl", folder / "llm_cache.jsonl"
    log.write_bytes(data.draw(hostile((good_save / "trajectory.jsonl").read_text(encoding="utf-8")[:20_000])))
    cache.write_bytes(data.draw(hostile((good_save / "llm_cache.jsonl").read_text(encoding="utf-8")[:20_000])))
    _only((TownError,), read_events, log)
    _only((ConfigError,), RecordReplayModel, SchemaFakeModel(), cache, "replay")


@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_links_anywhere_in_a_save_are_refused(tmp_path_factory, good_save, data):
    """A file of the save replaced by a link (to a copy of itself, outside the save) is refused, never followed."""
    import shutil

    from town.core.errors import SaveError
    from town.persistence.saves import load_save

    root = tmp_path_factory.mktemp("links")
    copy = root / "s"
    shutil.copytree(good_save, copy)
    files = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file())
    name = data.draw(st.sampled_from(files))
    outside = root / "outside"
    shutil.copyfile(copy / name, outside)
    (copy / name).unlink()
    (copy / name).symlink_to(outside)
    with pytest.raises(SaveError, match="is a link"):
        load_save(copy)


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
    "ReactionChoice": '{"talk": "yes"}',
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
