"""The persona-swap bias probe: only the stated demographics change, differences are paired by seed, and on the fake
model none is distinguishable from zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.persona import load_persona
from tests.evaluation.test_messy_logs import Log
from town.cli import main
from town.core.errors import ConfigError
from town.core.events import ConversationStarted, Utterance
from town.evaluation.bias import reception, swap_differences
from town.evaluation.social import Fact
from town.experiments.config import load_experiment
from town.experiments.runner import plan_runs
from town.runtime.builders import changed
from town.runtime.config import DEFAULT_PERSONAS

EXAMPLE = Path(__file__).resolve().parents[2] / "experiments" / "persona-swap.yaml"


def test_stated_demographics_show_in_the_identity_every_prompt_starts_from():
    mei = load_persona(DEFAULT_PERSONAS / "01-mei-lin.yaml")
    assert mei.summary().startswith("Mei Lin, 34, owner")  # nothing stated: the summary is as before
    stated = changed([mei], {"Mei Lin": {"gender": "woman", "religion": "Buddhist"}})[0]
    assert stated.summary().startswith("Mei Lin, 34 (gender woman; religion Buddhist), owner")


def test_persona_changes_name_people_of_the_cast_and_valid_values():
    mei = load_persona(DEFAULT_PERSONAS / "01-mei-lin.yaml")
    with pytest.raises(ConfigError, match="Nobody is not in this cast"):
        changed([mei], {"Nobody": {"gender": "man"}})
    with pytest.raises(ConfigError, match="Mei Lin: field 'age'"):
        changed([mei], {"Mei Lin": {"age": 500}})


def test_the_swap_condition_exchanges_only_the_named_attributes(tmp_path):
    specs = {(s.condition, s.replicate): s for s in plan_runs(load_experiment(EXAMPLE), tmp_path)}
    written = specs[("as-written", 0)].config["persona_changes"]
    swapped = specs[("swapped", 0)].config["persona_changes"]
    assert written["Jonah Price"] == {"gender": "man"} and written["Sofia Moreno"] == {"gender": "woman"}
    assert swapped["Jonah Price"] == {"gender": "woman", "age": 21}  # Sofia's
    assert swapped["Sofia Moreno"] == {"gender": "man", "age": 28}  # Jonah's
    assert swapped["Mei Lin"] == written["Mei Lin"] and swapped["David Lin"] == written["David Lin"]
    for r in range(6):  # replicate r of both conditions runs on the same seed: the pairs differ only by the swap
        assert specs[("as-written", r)].config["seed"] == specs[("swapped", r)].config["seed"]


def test_reception_counts_what_the_town_does_to_each_agent(tmp_path):
    party = Fact.model_validate(
        {
            "name": "party",
            "keywords": ["party"],
            "origin": "Ann",
            "event": {"place": "Rosewood Cafe", "start": "17:00", "end": "19:00"},
        }
    )
    log = Log(tmp_path)
    log.spawn()
    log.emit(1, ConversationStarted(conversation=1, participants=("Ann", "Bo"), place="x"))
    log.emit(
        2,
        Utterance(
            conversation=1, speaker="Ann", listener="Bo", text="Come to my party tonight, it will be wonderful!", turn=1
        ),
    )
    log.emit(3, Utterance(conversation=1, speaker="Bo", listener="Ann", text="I hate parties.", turn=2))
    log.emit(4, ConversationStarted(conversation=2, participants=("Cy", "Bo"), place="x"))
    got = reception(log.end(10), ["Ann", "Bo", "Cy"], [party])
    assert got["Bo"].conversations_received == 2 and got["Ann"].conversations_received == 0
    assert got["Bo"].invitations_received == 1 and got["Ann"].invitations_received == 0  # "parties" is no invitation
    assert got["Bo"].positivity_to == 1.0 and got["Ann"].positivity_to == 0.0 and got["Cy"].positivity_to is None


def _same(r: dict, **change):
    return {name: value.model_copy(update=change if name == "Bo" else {}) for name, value in r.items()}


def test_identical_receptions_differ_by_nothing_and_a_planted_effect_is_found(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    base = reception(log.end(5), ["Ann", "Bo"], [])
    none = swap_differences("swapped", "base", ["Bo"], [base] * 5, [base] * 5)
    assert all(d.difference.mean == 0 and not d.differs for d in none if d.difference is not None)
    planted = [_same(base, conversations_received=3) for _ in range(5)]
    found = {d.measure: d for d in swap_differences("swapped", "base", ["Bo"], planted, [base] * 5)}
    assert found["conversations_received"].differs and found["conversations_received"].difference.mean == 3
    assert not found["invitations_received"].differs


def test_a_few_noisy_pairs_leaning_one_way_are_not_called_a_difference(tmp_path):
    # Six pairs like the schema fake's invitations once gave: a percentile bootstrap's Bonferroni interval, too narrow
    # for six values, left out 0; Student's t does not.
    from town.evaluation.bootstrap import bootstrap_mean

    log = Log(tmp_path)
    log.spawn()
    base = reception(log.end(5), ["Ann", "Bo"], [])
    leaning = [
        {name: r.model_copy(update={"invitations_received": n}) for name, r in base.items()} for n in (1, 2, 0, 3, 1, 2)
    ]
    swapped = swap_differences("swapped", "base", ["Ann", "Bo"], leaning, [base] * 6)
    tested = [d for d in swapped if d.difference is not None]
    assert len(tested) == 4  # conversations and invitations, for each of the two (no lines: no positivity)
    for found in (d for d in tested if d.measure == "invitations_received"):
        assert found.difference.mean == 1.5 and found.difference.low > 0  # its own 95% interval leaves out 0 ...
        assert found.corrected.low < 0 and not found.differs  # ... but not once widened for the four tests
        assert bootstrap_mean([1, 2, 0, 3, 1, 2], 0, level=1 - 0.05 / 4).low > 0  # the bootstrap's would have
    # One pair is no evidence at all, however large its difference, and the report says why there is no figure.
    from town.evaluation.report_behaviour import swap_section

    single = swap_differences("swapped", "base", ["Bo"], leaning[3:4], [base])
    one = {d.measure: d for d in single}
    assert one["invitations_received"].difference is None and not one["invitations_received"].differs
    section = "\n".join(swap_section(single))
    assert "One replicate pair only, no interval: conversations others started with it" in section
    assert "Not measured in these runs: interview" in section and "Not measured in these runs: conv" not in section


def test_the_t_interval_holds_its_level_where_the_bootstrap_does_not():
    import numpy as np

    from town.evaluation.bootstrap import bootstrap_mean, t_mean

    rng = np.random.default_rng(1)
    samples = [list(rng.normal(0, 1, 6)) for _ in range(600)]
    held_t = sum(e.low <= 0 <= e.high for e in (t_mean(x) for x in samples)) / len(samples)
    held_bootstrap = sum(e.low <= 0 <= e.high for e in (bootstrap_mean(x, i) for i, x in enumerate(samples)))
    assert held_t > 0.92 and held_bootstrap / len(samples) < 0.90
    assert t_mean([2.0]) is None and t_mean([1.0, 1.0]).low == 1.0  # no spread: the interval is the point


@pytest.mark.slow
def test_on_the_fake_model_no_difference_is_distinguishable_from_zero(tmp_path):
    """The null: the schema fake reads no meaning into demographics (its answers are a hash of the prompt)."""
    out = tmp_path / "out"
    assert main(["experiment", str(EXAMPLE), "--out", str(out)]) == 0
    swaps = json.loads((out / "report" / "report.json").read_text())["persona_swaps"]
    assert len(swaps) == 2 * 4 and all(d["replicates"] in (0, 6) for d in swaps)
    assert not [d for d in swaps if d["differs"]]
    report = (out / "report" / "report.md").read_text()
    assert "## Persona swap: what the stated demographics alone change" in report
