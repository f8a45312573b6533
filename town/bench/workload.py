"""What the engine benchmarks run: `generated_world` (a town and people sized for a count) and `realistic_fake`.

The fake is the instant schema fake deciding talk, importance, where planned steps go and when talks end at a real
model's measured rates (`town bench rates`), so a benchmark's town behaves like one a model runs.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from agents.embedding import HashingEmbedder
from agents.llm.fakes import RealisticChoices, SchemaFakeModel
from agents.persona import Persona
from agents.planning import usual_place_named
from town.core.places import TownMap, load_town_map
from town.experiments.population import generate_population
from town.experiments.quotas import QuotaSpec
from town.mapping.generate import generate_town


def generated_world(people: int, seed: int = 0) -> tuple[TownMap, list[Persona]]:
    """A town sized for `people` and its generated population (hashing embedder: no model needed)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "town.tmj"
        path.write_text(json.dumps(generate_town(people, seed=seed)), encoding="utf-8")
        town_map = load_town_map(path)
    personas, _ = generate_population(people, QuotaSpec(), town_map, HashingEmbedder(), seed=seed)
    return town_map, personas


def realistic_fake(seed: int = 0) -> RealisticChoices:
    """The instant fake, deciding talk, importance, places and the end of talks at a real model's measured rates."""
    return RealisticChoices(SchemaFakeModel(seed=seed), usual_place=usual_place_named)
