"""Population generation: quotas met exactly, no implausible or unplaceable persona, duplicates counted, seeded."""

import numpy as np
import pytest

from agents.embedding import HashingEmbedder
from agents.persona import load_personas
from town.cli import main
from town.core.errors import ConfigError
from town.experiments.population import QuotaSpec, exact_counts, generate_population, occupations

QUOTAS = QuotaSpec(
    attributes={
        "age": {"6-17": 0.1, "18-29": 0.3, "30-49": 0.3, "50-64": 0.15, "65-95": 0.15},
        "occupation": {"pupil": 0.1, "student": 0.15, "surgeon": 0.1, "teacher": 0.15, "barista": 0.2, "retired": 0.3},
    }
)


def test_exact_counts_use_largest_remainder_and_accept_plain_counts():
    assert exact_counts({"a": 1, "b": 1, "c": 1}, 10, "x") == {"a": 4, "b": 3, "c": 3}
    assert exact_counts({"a": 7, "b": 3}, 10, "x") == {"a": 7, "b": 3}


@pytest.mark.parametrize("n", [7, 37, 100])
def test_quotas_are_met_exactly_and_every_persona_is_plausible(town_map, n):
    people, report = generate_population(n, QUOTAS, town_map, HashingEmbedder(), seed=n)
    assert len(people) == n and len({p.id for p in people}) == n
    for row in report.quotas:
        assert row.achieved == row.target, row
    assert sum(r.target for r in report.quotas if r.attribute == "age") == n
    for person in people:
        lo, hi = occupations()[person.occupation].ages
        assert lo <= person.age <= hi, person  # never a 9-year-old surgeon


def test_the_same_seed_gives_the_same_people(town_map):
    a, _ = generate_population(30, QUOTAS, town_map, HashingEmbedder(), seed=4)
    b, _ = generate_population(30, QUOTAS, town_map, HashingEmbedder(), seed=4)
    c, _ = generate_population(30, QUOTAS, town_map, HashingEmbedder(), seed=5)
    assert a == b and a != c


def test_contradictory_quotas_are_refused_with_the_reason(town_map):
    kids_only = QuotaSpec(attributes={"age": {"6-12": 1.0}, "occupation": {"surgeon": 0.5, "pupil": 0.5}})
    with pytest.raises(ConfigError, match="surgeon"):
        generate_population(10, kids_only, town_map, HashingEmbedder())


class ByOccupation:
    """An embedder that sees only the occupation: everyone in the same job reads as the same person."""

    name = "by-occupation"
    dim = len(occupations())

    def embed(self, texts):
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            job = next(k for k, j in enumerate(occupations()) if f", {j}." in text)
            rows[i, job] = 1.0
        return rows


def test_near_duplicates_are_counted_and_what_cannot_be_fixed_is_reported(town_map):
    _, report = generate_population(20, QUOTAS, town_map, ByOccupation(), seed=1)
    assert report.duplicates_found == 20 - 6  # all but the first of each occupation
    assert report.duplicates_left == report.duplicates_found  # a redraw keeps the job, so these stay alike
    assert report.duplicate_rate_before == pytest.approx(14 / 20)


def test_town_population_writes_loadable_persona_files(tmp_path, capsys):
    quota = tmp_path / "quota.yaml"
    quota.write_text(
        "attributes:\n  occupation: {barista: 2, teacher: 2, retired: 1}\n  age: {'20-40': 4, '60-80': 1}\n"
    )
    out = tmp_path / "people"
    assert main(["population", "--n", "5", "--quota", str(quota), "--out", str(out), "--embedder", "hashing"]) == 0
    people = load_personas(out)  # the report beside them is not mistaken for a persona
    assert len(people) == 5 and sorted(p.occupation for p in people).count("barista") == 2
    assert "near-duplicates" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("attributes:\n  occupation: {astronaut: 1}\n")
    assert main(["population", "--n", "1", "--quota", str(bad), "--out", str(out)]) == 2
    assert "astronaut" in capsys.readouterr().err


def test_optional_backstories_are_written_by_a_model_and_stay_valid(tmp_path, capsys):
    quota = tmp_path / "quota.yaml"
    quota.write_text("attributes:\n  occupation: {barista: 1, retired: 1}\n  age: {'20-90': 2}\n")
    out = tmp_path / "people"
    args = ["population", "--n", "2", "--quota", str(quota), "--out", str(out), "--embedder", "hashing"]
    assert main([*args, "--backstories", "fake"]) == 0
    assert "backstories: 2 written by fake" in capsys.readouterr().out
    people = load_personas(out)
    assert all(len(p.life_context) > len("Lives at X (y).") + 10 for p in people)


def test_every_population_reports_its_diversity(town_map):
    people, report = generate_population(20, QUOTAS, town_map, HashingEmbedder(), seed=2)
    d = report.diversity
    by_name = {a.attribute: a for a in d.attributes}
    occupation = by_name["occupation"]
    assert occupation.asked == len(QUOTAS.attributes["occupation"]) and occupation.coverage == 1.0
    assert occupation.values == len({p.occupation for p in people}) and occupation.entropy_bits > 1.0
    assert by_name["workplace"].asked is None and by_name["workplace"].coverage is None  # not constrained
    assert 0 < d.mean_pairwise_cosine < 1 and 0 < d.uniqueness <= 1
    assert d.mean_summary_words == pytest.approx(sum(len(p.summary().split()) for p in people) / 20, abs=0.05)


def test_diversity_figures_on_people_known_by_construction():
    from agents.persona import load_persona
    from town.experiments.diversity import diversity
    from town.runtime.config import DEFAULT_PERSONAS

    mei = load_persona(DEFAULT_PERSONAS / "01-mei-lin.yaml")
    twins = [mei, mei.model_copy(update={"id": "mei-2", "name": "Mei Two"})]
    d = diversity(twins, {"occupation": {mei.occupation: 1, "teacher": 1}}, HashingEmbedder())
    occupation = next(a for a in d.attributes if a.attribute == "occupation")
    assert occupation.values == 1 and occupation.coverage == 0.5 and occupation.entropy_bits == 0.0
    assert d.uniqueness == 0.0  # the same occupation, age, home and traits: nobody is unique
    assert d.mean_pairwise_cosine > 0.9  # the summaries differ by the name only
