"""Population generation: exact marginal and joint quotas, households from the map, ties, validator, seeded output."""

import json
from collections import Counter

import numpy as np
import pytest

from agents.embedding import HashingEmbedder
from agents.persona import load_personas
from town.cli import main
from town.core.errors import ConfigError
from town.core.places import load_town_map
from town.experiments.households import dwellings_of
from town.experiments.occupations import occupations
from town.experiments.population import generate_population
from town.experiments.quotas import JointQuota, QuotaSpec, exact_counts
from town.experiments.taxonomy import taxonomy
from town.mapping.generate import generate_town

QUOTAS = QuotaSpec(
    attributes={
        "age": {"6-17": 0.1, "18-29": 0.3, "30-49": 0.3, "50-64": 0.15, "65-95": 0.15},
        "occupation": {"pupil": 0.1, "student": 0.15, "surgeon": 0.1, "teacher": 0.15, "barista": 0.2, "retired": 0.3},
    }
)


@pytest.fixture(scope="session")
def big_town(tmp_path_factory):
    path = tmp_path_factory.mktemp("town") / "town.tmj"
    path.write_text(json.dumps(generate_town(260, seed=5)), encoding="utf-8")
    return load_town_map(path)


def _households(people, town_map):
    """People grouped by the dwelling they live in (a house, or one flat of a block)."""
    homes = {}
    for p in people:
        dwelling = next(d for d in dwellings_of(town_map) if d.sector == p.home and p.home_arena in d.bedrooms)
        homes.setdefault(dwelling.label, []).append(p)
    return homes


def test_exact_counts_use_largest_remainder_and_accept_plain_counts():
    assert exact_counts({"a": 1, "b": 1, "c": 1}, 10, "x") == {"a": 4, "b": 3, "c": 3}
    assert exact_counts({"a": 7, "b": 3}, 10, "x") == {"a": 7, "b": 3}


@pytest.mark.parametrize("n", [7, 37, 100])
def test_marginal_quotas_are_met_exactly_and_every_persona_is_plausible(big_town, n):
    people, report = generate_population(n, QUOTAS, big_town, HashingEmbedder(), seed=n)
    assert len(people) == n and len({p.id for p in people}) == n and len({p.name for p in people}) == n
    assert report.quotas and all(row.achieved == row.target for row in report.quotas)
    assert report.cell_error == {"age": 0.0, "occupation": 0.0}
    assert sum(r.target for r in report.quotas if r.table == "age") == n
    for person in people:
        lo, hi = occupations()[person.occupation].ages
        assert lo <= person.age <= hi, person  # never a 9-year-old surgeon
    assert report.validator_failures == 0


JOINT = QuotaSpec(
    attributes={"gender": {"woman": 1, "man": 1}},
    joint=[
        JointQuota(
            over=["age", "occupation", "household"],
            cells=[
                {"age": "6-17", "occupation": "pupil", "household": "4", "count": 6},
                {"age": "30-49", "occupation": "teacher", "household": "4", "count": 4},
                {"age": "30-49", "occupation": "nurse", "household": "4", "count": 2},
                {"age": "18-29", "occupation": "barista", "household": "2", "count": 8},
                {"age": "18-29", "occupation": "student", "household": "3", "count": 9},
                {"age": "65-95", "occupation": "retired", "household": "1", "count": 7},
                {"age": "65-95", "occupation": "retired", "household": "2", "count": 4},
            ],
        )
    ],
)


def test_a_joint_quota_over_age_occupation_and_household_is_met_cell_for_cell(big_town):
    people, report = generate_population(40, JOINT, big_town, HashingEmbedder(), seed=3)
    cells = Counter()
    for p in people:
        band = next(b for b in ("6-17", "18-29", "30-49", "65-95") if int(b[:2].strip("-")) <= p.age <= int(b[-2:]))
        cells[(band, p.occupation, p.attributes["household"])] += 1
    asked = {(c["age"], c["occupation"], c["household"]): c["count"] for c in JOINT.joint[0].cells}
    assert dict(cells) == asked
    assert Counter(p.gender for p in people) == {"woman": 20, "man": 20}
    assert report.cell_error == {"gender": 0.0, "age × occupation × household": 0.0}
    # The household sizes the quota gave are the households the people live in.
    for home in _households(people, big_town).values():
        assert all(int(p.attributes["household"]) == len(home) for p in home)


@pytest.mark.parametrize(
    ("quota", "reason"),
    [
        (
            QuotaSpec(attributes={"age": {"6-12": 1.0}, "occupation": {"surgeon": 0.5, "pupil": 0.5}}),
            "surgeon is 29-70",
        ),
        (QuotaSpec(attributes={"household": {"3": 10}}), "cannot make whole households"),
        (
            QuotaSpec(
                attributes={"occupation": {"barista": 10}},
                joint=[
                    JointQuota(
                        over=["occupation", "household"],
                        cells=[
                            {"occupation": "barista", "household": "2", "count": 4},
                            {"occupation": "teacher", "household": "2", "count": 6},
                        ],
                    )
                ],
            ),
            r"disagree on occupation barista \(10 vs 4 people\)",
        ),
        (
            QuotaSpec(
                joint=[
                    JointQuota(
                        over=["age", "occupation"],
                        cells=[
                            {"age": "6-17", "occupation": "surgeon", "count": 2},
                            {"age": "30-49", "occupation": "nurse", "count": 8},
                        ],
                    )
                ]
            ),
            "nobody can be both",
        ),
        (QuotaSpec(attributes={"household": {"2": 10}, "age": {"6-17": 7, "30-40": 3}}), "each have an adult"),
        (QuotaSpec(attributes={"household": {"1": 4, "2": 6}, "age": {"6-17": 8, "30-40": 2}}), "under 18 lives alone"),
    ],
)
def test_infeasible_quotas_are_refused_with_the_reason(big_town, quota, reason):
    with pytest.raises(ConfigError, match=reason):
        generate_population(10, quota, big_town, HashingEmbedder())


def test_unknown_quota_values_are_refused_when_the_file_is_read(tmp_path, capsys):
    for bad, word in [
        ("attributes:\n  occupation: {astronaut: 1}\n", "astronaut"),
        ("attributes:\n  education: {a PhD in magic: 1}\n", "not in the taxonomy"),
        ("attributes:\n  interests: {chess: 1}\n", "unknown quota attribute"),  # several per person: not a quota
        ("joint:\n  - over: [age, occupation]\n    cells: [{age: 20-30, count: 1}]\n", "exactly those"),
    ]:
        path = tmp_path / "bad.yaml"
        path.write_text(bad)
        out = tmp_path / "people"
        assert main(["population", "--n", "1", "--quota", str(path), "--out", str(out), "--embedder", "hashing"]) == 2
        assert word in capsys.readouterr().err
        assert not out.exists()  # refused before anything is written


def test_a_map_too_small_for_the_population_is_refused_with_what_it_can_house(town_map, tmp_path, capsys):
    quota = tmp_path / "q.yaml"
    quota.write_text("attributes:\n  age: {'20-60': 1}\n")
    out = tmp_path / "people"
    args = ["population", "--n", "60", "--quota", str(quota), "--out", str(out), "--embedder", "hashing"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "7 dwellings" in err and "town map generate --people 60" in err and not out.exists()


def test_households_follow_the_configured_size_distribution(big_town):
    people, report = generate_population(200, QuotaSpec(attributes={}), big_town, HashingEmbedder(), seed=1)
    configured, achieved = report.households.configured, report.households.achieved
    assert configured == pytest.approx({k: v / 100 for k, v in taxonomy().households.sizes.items()}, abs=1e-4)
    assert sum(abs(achieved.get(k, 0) - v) for k, v in configured.items()) / 2 < 0.05  # total variation
    assert report.households.households <= report.households.dwellings <= len(dwellings_of(big_town))
    homes = _households(people, big_town)
    assert Counter(len(h) for h in homes.values()) == {
        int(k): round(v * report.households.households) for k, v in achieved.items()
    }
    for home in homes.values():
        assert any(p.age >= 18 for p in home), [p.name for p in home]  # never a child alone
    custom = QuotaSpec(households={"1": 1, "3": 1})
    people, report = generate_population(60, custom, big_town, HashingEmbedder(), seed=2)
    assert set(report.households.achieved) == {"1", "3"}
    assert report.households.achieved["1"] == pytest.approx(0.5, abs=0.07)


def test_ties_come_from_households_workplaces_and_a_small_world_and_the_density_is_reported(big_town):
    people, report = generate_population(80, QUOTAS, big_town, HashingEmbedder(), seed=4)
    ids = {p.id for p in people}
    pairs = set()
    for p in people:
        for r in p.relationships:
            assert r.person in ids  # every tie names someone in the population
            pairs.add(frozenset((p.id, r.person)))
    assert set(report.ties) <= {"household", "colleague", "neighbour", "friend"} and report.ties["household"] > 0
    assert report.ties["colleague"] > 0 and report.ties.get("neighbour", 0) + report.ties.get("friend", 0) > 0
    assert report.starting_density == pytest.approx(sum(report.ties.values()) / (80 * 79 / 2), abs=1e-4)
    assert len(pairs) <= sum(report.ties.values())  # a persona file keeps at most MAX_RELATIONS of its ties
    pupil = next(p for p in people if p.occupation == "pupil" and p.age < 18)
    family = [r.relation for r in pupil.relationships]
    assert any(word in family for word in ("mother", "father", "parent", "sister", "brother", "sibling"))


def test_the_same_seed_writes_the_same_files_and_another_seed_other_people(tmp_path):
    path = tmp_path / "town.tmj"
    path.write_text(json.dumps(generate_town(60, seed=1)))
    quota = tmp_path / "q.yaml"
    quota.write_text("attributes:\n  occupation: {barista: 5, teacher: 5, retired: 10, pupil: 5, nurse: 5}\n")

    def files(out, seed):
        args = ["population", "--n", "30", "--quota", str(quota), "--out", str(out), "--map", str(path)]
        assert main([*args, "--embedder", "hashing", "--seed", str(seed)]) == 0
        return {f.name: f.read_bytes() for f in sorted(out.iterdir())}

    a, b, c = files(tmp_path / "a", 4), files(tmp_path / "b", 4), files(tmp_path / "c", 5)
    assert {k: v for k, v in a.items() if k != "_population.json"} == {
        k: v for k, v in b.items() if k != "_population.json"
    }
    report_a = json.loads(a["_population.json"])
    report_b = json.loads(b["_population.json"])
    assert {k: v for k, v in report_a.items() if k != "files"} == {k: v for k, v in report_b.items() if k != "files"}
    assert set(a) != set(c)


def test_writing_again_replaces_only_the_persona_files_it_wrote(tmp_path):
    path = tmp_path / "town.tmj"
    path.write_text(json.dumps(generate_town(40, seed=1)))
    quota = tmp_path / "q.yaml"
    quota.write_text("attributes: {}\n")
    out = tmp_path / "people"
    base = ["population", "--quota", str(quota), "--out", str(out), "--map", str(path), "--embedder", "hashing"]
    assert main([*base, "--n", "20"]) == 0
    (out / "notes.txt").write_text("mine")
    assert main([*base, "--n", "8", "--seed", "1"]) == 0
    assert len(load_personas(out)) == 8  # the twelve the first run wrote and this one did not are gone
    assert (out / "notes.txt").read_text() == "mine"


def test_spc_parts_are_filled_for_everyone_and_read_from_the_sampled_attributes(big_town):
    people, _ = generate_population(60, QUOTAS, big_town, HashingEmbedder(), seed=6)
    for p in people:
        assert p.social_identity and p.personal_identity and p.life_context
        interests = p.attributes["interests"].split("; ")
        assert all(i in p.personal_identity for i in interests)
        assert p.home in p.life_context
        assert len(p.relationships) >= 1
    alone = [p for p in people if p.attributes["household"] == "1"]
    assert alone and all(
        "alone" in p.life_context
        or "to him" in p.life_context
        or "to her" in p.life_context
        or "to them" in p.life_context
        for p in alone
    )


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


def test_near_duplicates_are_counted_and_what_cannot_be_fixed_is_reported(big_town):
    _, report = generate_population(20, QUOTAS, big_town, ByOccupation(), seed=1)
    assert report.duplicates_found == 20 - 6  # all but the first of each occupation
    assert report.duplicates_left == report.duplicates_found  # a redraw keeps the job, so these stay alike
    assert report.duplicate_rate_before == pytest.approx(14 / 20)


def test_town_population_writes_loadable_persona_files(tmp_path, capsys, big_town):
    quota = tmp_path / "quota.yaml"
    quota.write_text(
        "attributes:\n  occupation: {barista: 2, teacher: 2, retired: 1}\n  age: {'20-40': 4, '60-80': 1}\n"
    )
    out = tmp_path / "people"
    assert main(["population", "--n", "5", "--quota", str(quota), "--out", str(out), "--embedder", "hashing"]) == 0
    people = load_personas(out)  # the report beside them is not mistaken for a persona
    assert len(people) == 5 and sorted(p.occupation for p in people).count("barista") == 2
    printed = capsys.readouterr().out
    assert "near-duplicates" in printed and "starting tie density" in printed and "quota cell error" in printed


def test_every_population_reports_its_diversity(big_town):
    people, report = generate_population(20, QUOTAS, big_town, HashingEmbedder(), seed=2)
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


def test_a_fifty_person_generated_town_runs_a_game_day_on_the_fake_model(tmp_path, capsys):
    town = tmp_path / "town.tmj"
    assert main(["map", "generate", "--people", "50", "--out", str(town), "--seed", "2"]) == 0
    quota = tmp_path / "q.yaml"
    quota.write_text("attributes:\n  age: {'6-17': 8, '18-34': 14, '35-64': 18, '65-90': 10}\n")
    people = tmp_path / "people"
    args = ["population", "--n", "50", "--quota", str(quota), "--out", str(people), "--map", str(town)]
    assert main([*args, "--embedder", "hashing", "--seed", "2"]) == 0
    run = tmp_path / "run"
    argv = ["run", "--agents", "50", "--hours", "24", "--model", "fake", "--map", str(town), "--personas", str(people)]
    argv += ["--embedder", "hashing", "--index", "numpy", "--cache", "off", "--autosave", "0", "--out", str(run)]
    assert main([*argv, "--quiet"]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["agents"] == 50 and summary["game_hours"] == 24 and summary["totals"]["fallbacks"] == 0
    events = [json.loads(line) for line in (run / "trajectory.jsonl").read_text().splitlines()]
    speakers = {e["speaker"] for e in events if e["type"] == "utterance"}
    spawned = {e["agent"]: tuple(e["tile"]) for e in events if e["type"] == "spawn"}
    moved = {
        a for e in events if e["type"] == "moves" for a, tile in e["positions"].items() if tuple(tile) != spawned[a]
    }
    assert len(spawned) == 50 and len(moved) >= 45 and len(speakers) >= 20  # nearly all went out, many talked
    assert events[-1]["type"] == "run_end"


@pytest.mark.parametrize("example", ["quota-town.yaml", "quota-willowbrook.yaml"])
@pytest.mark.parametrize("n", [50, 77])
def test_the_example_quota_files_are_met_exactly_on_a_generated_town(big_town, example, n):
    from pathlib import Path

    from town.experiments.population import load_quotas

    quotas = load_quotas(Path(__file__).resolve().parents[2] / "experiments" / example)
    people, report = generate_population(n, quotas, big_town, HashingEmbedder(), seed=0)
    assert len(people) == n and all(v == 0.0 for v in report.cell_error.values()) and report.cell_error
    assert report.validator_failures == 0


def test_household_proportions_become_whole_households_or_a_refusal():
    from town.experiments.quotas import household_counts, quota_tables

    tables = quota_tables(QuotaSpec(attributes={"household": {"2": 0.5, "4": 0.5}}), 50)
    sizes = next(t for t in tables if t.over == ["household"]).targets
    assert sum(sizes.values()) == 50 and all(c % int(k) == 0 for (k,), c in sizes.items())
    with pytest.raises(ConfigError, match="51 people cannot be split into whole households of 2 and 4"):
        household_counts({"2": 1, "4": 1}, 51, only_these=True)


def test_a_child_goes_to_a_head_old_enough_to_be_their_parent():
    from town.experiments.households import form_households

    ages = {0: 40, 1: 20, 2: 8, 3: 19}
    homes = form_households(dict.fromkeys(ages, 2), ages, np.random.default_rng(0))
    with_child = next(h for h in homes if 2 in h.members)
    assert with_child.head == 0 and with_child.roles[2] == "child"
    other = next(h for h in homes if 2 not in h.members)
    assert other.roles[other.members[1]] == "partner"  # 20 and 19: a couple, not parent and child


def test_people_work_near_home_and_every_workplace_takes_an_equal_share(tmp_path):
    from town.experiments.occupations import TownPlaces, homes_of

    path = tmp_path / "town.tmj"
    path.write_text(json.dumps(generate_town(1200, seed=5)), encoding="utf-8")
    town_map = load_town_map(path)
    job = "barista"
    places = TownPlaces(town_map, {job})
    assert len(places.workplaces[job]) >= 3  # a town with a choice of cafes to work in
    homes = sorted({label.split(": ")[0] for label in homes_of(town_map)})
    people = [(job, homes[i % len(homes)]) for i in range(60)]
    chosen = places.assign_workplaces(people)
    counts = Counter(chosen)
    assert set(counts) == set(places.workplaces[job]) and max(counts.values()) - min(counts.values()) <= 1

    def commute(home, label):
        there, here = places._center(label), places._sector_center(home)
        return abs(there[0] - here[0]) + abs(there[1] - here[1])

    dealt = [places.workplaces[job][i % len(places.workplaces[job])] for i in range(len(people))]
    near = sum(commute(home, w) for (_, home), w in zip(people, chosen, strict=True))
    round_robin = sum(commute(home, w) for (_, home), w in zip(people, dealt, strict=True))
    assert near < 0.8 * round_robin
