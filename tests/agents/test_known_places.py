"""The places an agent may choose stay a neighbourhood's worth as the town grows, and a small town's are all of them."""

import json

from agents.embedding import HashingEmbedder
from agents.persona import load_personas
from agents.persona_facts import KNOWN_PUBLIC_SECTORS, known_places
from town.core.places import load_town_map
from town.experiments.population import generate_population
from town.experiments.quotas import QuotaSpec
from town.mapping.generate import generate_town
from town.runtime.config import DEFAULT_MAP, DEFAULT_PERSONAS


def test_in_willowbrook_everyone_knows_every_public_place():
    town_map = load_town_map(DEFAULT_MAP)
    public = {a.label for s in town_map.sectors.values() if s.public for a in town_map.arenas_of(s.name)}
    for persona in load_personas(DEFAULT_PERSONAS):
        assert public <= set(known_places(persona, town_map))


def test_in_a_big_town_an_agent_knows_the_public_places_nearest_home_and_work(tmp_path):
    path = tmp_path / "town.tmj"
    path.write_text(json.dumps(generate_town(3000, seed=0)), encoding="utf-8")
    town_map = load_town_map(path)
    public = [s.name for s in town_map.sectors.values() if s.public and s.arenas]
    assert len(public) > KNOWN_PUBLIC_SECTORS  # the case this is about
    personas, _ = generate_population(40, QuotaSpec(), town_map, HashingEmbedder(), seed=0)
    for persona in personas:
        places = known_places(persona, town_map)
        sectors = {arena.sector for arena in places.values()}
        routine = {label.split(": ")[0] for label in [i.place for i in persona.routine] + persona.known_places}
        known_public = sectors & set(public)
        assert len(known_public - routine) <= 2 * KNOWN_PUBLIC_SECTORS
        hx, hy = town_map._centre_of(persona.home)
        by_distance = sorted(
            public, key=lambda s: abs(town_map._centre_of(s)[0] - hx) + abs(town_map._centre_of(s)[1] - hy)
        )
        assert by_distance[0] in known_public  # the nearest public place to home is known
        assert set(by_distance[-3:]) - routine - known_public  # and the far side of town is not all known
