"""`town map generate`: a town sized for N people that loads, is walkable everywhere, houses them and is seeded."""

import json

import pytest

from town.cli import main
from town.core.places import load_town_map
from town.experiments.households import dwellings_of
from town.experiments.occupations import places_named
from town.mapping.check import check_map
from town.mapping.generate import RESIDENTS_PER_DWELLING, TILESET_IMAGE, generate_town, plan_town
from town.runtime.config import ASSETS


@pytest.mark.parametrize("people", [1, 60, 400])
def test_a_generated_town_loads_with_every_place_reachable_and_homes_for_everyone(tmp_path, people, capsys):
    out = tmp_path / "town.tmj"
    assert main(["map", "generate", "--people", str(people), "--out", str(out), "--seed", "3"]) == 0
    report = check_map(out)
    assert report.errors == [] and not [w for w in report.warnings if "reached" in w], report.warnings
    town = load_town_map(out)
    assert len(dwellings_of(town)) >= people / RESIDENTS_PER_DWELLING  # a dwelling per two residents at least
    for words in (["cafe"], ["market"], ["park"], ["classroom"], ["hospital", "clinic"], ["library"]):
        assert places_named(town, words), words  # the third places and workplaces a population needs
    assert str(people) in capsys.readouterr().out
    # Its tileset is a copy of the town's own, so the app draws and dresses it as it does Willowbrook.
    assert (tmp_path / TILESET_IMAGE).read_bytes() == (ASSETS / "tiles" / "town.png").read_bytes()


def test_public_places_grow_with_the_town():
    small, big = plan_town(100), plan_town(3000)
    assert big.count(public=True) > 3 * small.count(public=True)
    assert big.count(public=False) / 3000 == pytest.approx(small.count(public=False) / 100, rel=0.2)


def test_the_same_seed_draws_the_same_town_and_another_seed_another():
    assert json.dumps(generate_town(80, seed=1)) == json.dumps(generate_town(80, seed=1))
    assert json.dumps(generate_town(80, seed=1)) != json.dumps(generate_town(80, seed=2))


def test_generate_never_replaces_a_file_unasked(tmp_path, capsys):
    out = tmp_path / "mine.tmj"
    out.write_text("my own map")
    assert main(["map", "generate", "--people", "10", "--out", str(out)]) == 2
    assert out.read_text() == "my own map" and "--overwrite" in capsys.readouterr().err
    assert main(["map", "generate", "--people", "10", "--out", str(tmp_path / "x.png")]) == 2
    assert not (tmp_path / "town-tiles.png").exists()
