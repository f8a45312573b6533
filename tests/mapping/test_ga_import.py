"""`town map import-ga` on a window of the real Smallville in GA's own format (tests/fixtures/ga-mini), run as a user
runs it: the command in a subprocess, then the converted map and personas in a headless run."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agents.persona import check_against_map, load_personas
from town.core.places import load_town_map
from town.mapping.ga_checkout import read_base, read_world
from town.mapping.ga_fidelity import measure_fidelity
from town.mapping.ga_import import import_ga

GA = Path(__file__).resolve().parents[1] / "fixtures" / "ga-mini"


def town(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "town.cli", *map(str, args)], capture_output=True, text=True, check=False, cwd=cwd
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("ga") / "ville"
    done = town("map", "import-ga", GA, "--base", "base_mini", "--out", out)
    assert done.returncode == 0, done.stderr
    return out, done


def test_the_import_writes_a_map_personas_and_notes_with_perfect_fidelity(imported):
    out, done = imported
    assert {p.name for p in out.iterdir()} >= {"the_ville.tmj", "IMPORT.md", "places.png", "personas"}
    assert re.search(r"walkable tiles in GA's arena: (\d+)/\1 \(100.00%\)", done.stderr)
    assert (
        re.search(r"object pieces usable: (\d+)/\1\b", done.stderr)
        and "persona spawns on GA's tiles: 3/3" in done.stderr
    )
    notes = (out / "IMPORT.md").read_text()
    assert "## Derived or defaulted" in notes and "occupation: derived" in notes and "Apache-2.0" in notes
    assert [p.name for p in out.rglob("*.png")] == ["places.png"]  # only the places swatches we drew; no GA art


def test_the_converted_map_keeps_every_tile_in_gas_place(imported):
    out, _ = imported
    world = read_world(GA)
    base = read_base(GA, "base_mini")
    converted = load_town_map(out / "the_ville.tmj")
    ids = {"Isabella Rodriguez": "isabella-rodriguez", "Arthur Burton": "arthur-burton", "Ryan Park": "ryan-park"}
    fidelity = measure_fidelity(converted, world, base, ids)
    assert fidelity.arena_agree == fidelity.walkable_tiles == int(world.walkable().sum())
    assert fidelity.object_addresses_kept == fidelity.object_addresses > 50
    assert fidelity.object_pieces_usable == fidelity.object_pieces
    # Addresses are GA's, verbatim (world:sector:arena:object), with GA's apostrophes and capitals.
    assert "the Ville:Hobbs Cafe:cafe:behind the cafe counter" in converted.objects
    assert converted.spawns["isabella-rodriguez"] == (72 - 50, 14 - 10)


def test_personas_carry_gas_fields_and_derive_the_rest(imported):
    out, _ = imported
    town_map = load_town_map(out / "the_ville.tmj")
    people = {p.name: p for p in load_personas(out / "personas")}
    assert list(people) == ["Isabella Rodriguez", "Arthur Burton", "Ryan Park"]  # GA's own order
    isabella = people["Isabella Rodriguez"]
    for person in people.values():
        check_against_map(person, town_map)
    assert isabella.traits == ["friendly", "outgoing", "hospitable"]
    assert "Valentine's Day party" in isabella.life_context  # `currently`, verbatim
    assert isabella.home == "Isabella Rodriguez's apartment" and isabella.home_arena == "main room"
    assert isabella.workplace == "Hobbs Cafe" and isabella.occupation == "cafe owner of Hobbs Cafe"
    assert (isabella.wake_time, isabella.bed_time) == ("06:00", "23:00")
    assert [(r.time, r.place) for r in isabella.routine][1] == ("08:00", "Hobbs Cafe: cafe")
    assert isabella.big_five.extraversion > 0.5 and isabella.big_five.agreeableness > 0.5
    arthur = people["Arthur Burton"]
    assert ("17:00", "The Rose and Crown Pub: pub") in [(r.time, r.place) for r in arthur.routine]
    assert people["Ryan Park"].workplace is None  # GA names no workplace for him


def test_the_imported_town_runs_headless(imported, tmp_path):
    out, _ = imported
    done = town(
        "run",
        "--map",
        out / "the_ville.tmj",
        "--personas",
        out / "personas",
        "--agents",
        "3",
        "--hours",
        "1",
        "--model",
        "fake",
        "--embedder",
        "hashing",
        "--index",
        "numpy",
        "--out",
        tmp_path / "run",
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    spawns = {e["agent"]: tuple(e["tile"]) for e in events if e["type"] == "spawn"}
    assert spawns["Isabella Rodriguez"] == (22, 4)
    assert any(e["type"] == "moves" for e in events)
    assert not [e for e in events if e["type"] == "path_blocked"]


def test_a_folder_with_the_users_files_is_never_touched(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.txt").write_text("mine")
    done = town("map", "import-ga", GA, "--base", "base_mini", "--out", out, "--overwrite")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "did not write" in done.stderr
    assert [p.name for p in out.iterdir()] == ["thesis.txt"]


def test_overwrite_replaces_only_what_the_earlier_import_wrote(tmp_path):
    out = tmp_path / "ville"
    import_ga(GA, out, base_name="base_mini")
    (out / "notes-of-mine.md").write_text("keep")
    again = town("map", "import-ga", GA, "--base", "base_mini", "--out", out)
    assert again.returncode == 2 and "--overwrite" in again.stderr
    stale = out / "personas" / "99-somebody.yaml"  # listed by the earlier import, gone from this one
    manifest = json.loads((out / ".town-import.json").read_text())
    manifest["files"].append("personas/99-somebody.yaml")
    (out / ".town-import.json").write_text(json.dumps(manifest))
    stale.write_text("old")
    import_ga(GA, out, base_name="base_mini", overwrite=True)
    assert (out / "notes-of-mine.md").read_text() == "keep"
    assert not stale.exists()
    assert len(list((out / "personas").glob("*.yaml"))) == 3


def test_the_art_is_referenced_in_the_users_checkout_never_copied(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(GA, checkout)
    assets = checkout / "environment/frontend_server/static_dirs/assets/the_ville/visuals/map_assets/v1"
    assets.mkdir(parents=True)
    import pygame  # a stand-in image where GA's art would be

    pygame.image.save(pygame.Surface((2432, 3488)), str(assets / "Room_Builder_32x32.png"))
    result = import_ga(checkout, tmp_path / "out", base_name="base_mini")
    assert result.converted.images_found == 1
    doc = json.loads(result.map_path.read_text())
    image = next(t["image"] for t in doc["tilesets"] if t["name"] == "Room_Builder_32x32")
    assert (
        not Path(image).is_absolute()
        and (result.out / image).resolve() == (assets / "Room_Builder_32x32.png").resolve()
    )
    assert not list((tmp_path / "out").rglob("Room_Builder_32x32.png"))


def _set_living_area(root, where):
    path = root / "environment/frontend_server/storage/base_mini/personas/Ryan Park/bootstrap_memory/scratch.json"
    scratch = json.loads(path.read_text())
    scratch["living_area"] = where
    path.write_text(json.dumps(scratch))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda root: (
                root / "environment/frontend_server/static_dirs/assets/the_ville/matrix/maze/arena_maze.csv"
            ).unlink(),
            "missing environment",
        ),
        (
            lambda root: (
                root / "environment/frontend_server/static_dirs/assets/the_ville/matrix/maze/sector_maze.csv"
            ).write_text("1, 2, 3"),
            "has 3 cells, expected 50x22",
        ),
        (lambda root: shutil.rmtree(root / "environment/frontend_server/storage/base_mini"), "no starting simulation"),
        (
            lambda root: (
                root / "environment/frontend_server/storage/base_mini/personas/Ryan Park/bootstrap_memory/scratch.json"
            ).write_text("{"),
            "not valid JSON",
        ),
        (lambda root: _set_living_area(root, "the Ville:Nowhere Lane:kitchen"), "is not a sector of this map"),
    ],
)
def test_a_damaged_checkout_is_one_line_and_writes_nothing(tmp_path, damage, message):
    checkout = tmp_path / "checkout"
    shutil.copytree(GA, checkout)
    damage(checkout)
    done = town("map", "import-ga", checkout, "--base", "base_mini", "--out", tmp_path / "out")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stderr.startswith("error:") and done.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["checkout"]  # no staging folder left behind


def test_a_path_that_is_no_checkout_says_what_to_pass(tmp_path):
    done = town("map", "import-ga", tmp_path, "--out", tmp_path / "out")
    assert done.returncode == 2 and "generative_agents repository" in done.stderr


def test_the_matrices_are_read_as_gas_backend_reads_them():
    world = read_world(GA)
    assert (world.width, world.height, world.world) == (50, 22, "the Ville")
    sectors = world.names("sector")
    assert sectors[14 - 10, 72 - 50] == "Isabella Rodriguez's apartment"
    assert "Ryan Park's apartment" in set(np.unique(sectors).tolist())  # trailing space in GA's CSV stripped


def test_the_converted_map_opens_in_tiled_and_comes_back_as_the_same_town(imported):
    # The fixture is this importer's map of ga-mini opened and re-saved as TMX by Tiled 1.8.2 itself
    # (`tiled --export-map`; only its image paths were then rewritten to art/NAME.png so no machine path is kept).
    out, _ = imported
    ours = load_town_map(out / "the_ville.tmj")
    tiled = load_town_map(GA.parent / "ga-mini-imported-then-exported-by-tiled-1.8.2.tmx")
    assert (tiled.walkable == ours.walkable).all() and tiled.spawns == ours.spawns
    assert {a: x.tiles for a, x in tiled.arenas.items()} == {a: x.tiles for a, x in ours.arenas.items()}
    assert {a: o.access_tiles for a, o in tiled.objects.items()} == {a: o.access_tiles for a, o in ours.objects.items()}
    assert {n: s.public for n, s in tiled.sectors.items()} == {n: s.public for n, s in ours.sectors.items()}
