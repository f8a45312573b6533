"""`town map check` lists everything a map lacks at once; `town map init` adds the empty town layers to a copy;
`town population --map` staffs a population from that map's own places."""

import json
import subprocess
import sys

import yaml

from agents.persona import check_against_map, load_personas
from tests import mapkit as mk
from town.core.places import load_town_map


def town(*args):
    return subprocess.run(
        [sys.executable, "-m", "town.cli", *map(str, args)], capture_output=True, text=True, check=False
    )


def test_check_lists_every_missing_piece_in_one_run(tmp_path):
    doc = mk.town_doc()
    doc["layers"] = [
        mk.tile_layer("ground", [1] * (mk.W * mk.H), 1),
        mk.tile_layer("Collisions", mk.grid(mk.WALL_TILES), 2),
    ]
    path = mk.write_json(doc, tmp_path / "bare.tmj")
    done = town("map", "check", path)
    assert done.returncode == 2
    out = done.stdout
    for needed in (
        "no collision",
        "did you mean collision",
        "collision_layer = Collisions",
        "'sectors' is missing",
        "'arenas' is missing",
        "'spawns' is missing",
    ):
        assert needed in out, needed
    assert "errors (4)" in out and "cannot run" in out


def test_check_reports_unreachable_places_and_objects_outside_arenas(tmp_path):
    doc = mk.town_doc()
    doc["layers"][1]["data"] = mk.grid(mk.WALL_TILES | {(2, 4)}, 2)  # the house's door bricked up
    objects = next(layer for layer in doc["layers"] if layer["name"] == "objects")
    objects["objects"].append(mk.rect("lamp", 5, 6, 1, 1, 40))  # on the street, in no arena
    done = town("map", "check", mk.write_json(doc, tmp_path / "m.tmj"))
    assert done.returncode == 2
    assert "object 'lamp' (object id 40) at tile (5, 6) is not inside any arena" in done.stdout
    objects["objects"].pop()
    spawns = next(layer for layer in doc["layers"] if layer["name"] == "spawns")
    spawns["objects"] = [o for o in spawns["objects"] if o["name"] != "alice"]  # nobody starts inside the house
    done = town("map", "check", mk.write_json(doc, tmp_path / "n.tmj"))
    assert done.returncode == 0, done.stdout
    assert "arena 'Testville:Green House:kitchen' cannot be reached from any spawn" in done.stdout


def test_check_on_a_good_map_says_it_is_ready(tmp_path):
    done = town("map", "check", mk.write_tmx(mk.town_doc(), tmp_path / "ok.tmx"))
    assert done.returncode == 0 and "ready" in done.stdout
    assert "2 sectors (1 public), 2 arenas, 3 objects (4 pieces), 3 spawns" in done.stdout


def test_init_adds_the_empty_layers_to_a_copy_and_leaves_the_original_alone(tmp_path):
    doc = mk.town_doc()
    doc["layers"] = doc["layers"][:1]  # art only
    (tmp_path / "art").mkdir()
    doc["tilesets"] = [mk.tileset(image="../art/tiles.png")]
    source = mk.write_tmx(doc, tmp_path / "maps" / "mine.tmx")
    before = source.read_bytes()
    out = tmp_path / "work" / "mine-town.tmj"
    done = town("map", "init", source, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "collision, sectors, arenas, objects, spawns" in done.stdout
    assert source.read_bytes() == before
    written = json.loads(out.read_text())
    assert written["tilesets"][0]["image"] == "../art/tiles.png"  # still the same file, seen from the new folder
    check = town("map", "check", out)
    assert check.returncode == 2
    assert "layer 'sectors' holds no sector" in check.stdout and "no collision" not in check.stdout
    again = town("map", "init", source, "--out", out)
    assert again.returncode == 2 and "--overwrite" in again.stderr
    same = town("map", "init", out, "--out", out, "--overwrite")
    assert same.returncode == 2 and "never changes the original" in same.stderr


def test_population_for_another_map_lives_and_works_in_its_places(tmp_path):
    path = mk.write_json(mk.town_doc(), tmp_path / "town.tmj")
    quota = tmp_path / "quota.yaml"
    # The map has one house with one bed: room for one household of three.
    quota.write_text(
        yaml.safe_dump(
            {"attributes": {"occupation": {"barista": 2, "retired": 1}, "age": {"20-90": 3}, "household": {"3": 3}}}
        )
    )
    done = town(
        "population", "--n", 3, "--quota", quota, "--map", path, "--out", tmp_path / "people", "--embedder", "hashing"
    )
    assert done.returncode == 0, done.stderr
    town_map = load_town_map(path)
    people = load_personas(tmp_path / "people")
    for person in people:
        check_against_map(person, town_map)
        assert person.home == "Green House"
        assert "Willowbrook" not in person.model_dump_json()
    baristas = [p for p in people if p.occupation == "barista"]
    assert {p.workplace for p in baristas} == {"Corner Cafe"}  # the map calls it a cafe
    quota.write_text(yaml.safe_dump({"attributes": {"occupation": {"librarian": 4}}}))
    refused = town(
        "population", "--n", 4, "--quota", quota, "--map", path, "--out", tmp_path / "none", "--embedder", "hashing"
    )
    assert refused.returncode == 2 and "no public place for it" in refused.stderr
    assert not (tmp_path / "none").exists()
