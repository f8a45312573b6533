"""Survey measures on logs written through the trajectory writer, each with an answer known by construction."""

from __future__ import annotations

import pytest

from agents.events import SurveyAnswered, Whispered
from tests.evaluation.test_messy_logs import AGENTS, CAFE, PARK, PARTY, Log
from town.core.errors import ConfigError
from town.evaluation.social import attendance, diffusion
from town.evaluation.surveys import (
    auc,
    cohen_kappa,
    human_comparison,
    read_human_survey,
    retests,
    spearman,
    spreads,
    stated_vs_acted,
    survey_measures,
)


def _answer(log: Log, tick: int, agent: str, question: str, answer, kind="likert", **declared) -> None:
    log.emit(tick, SurveyAnswered(agent=agent, survey="s", question=question, kind=kind, answer=answer, **declared))


GUESTS = ["Bo", "Cy", "Di", "Ed"]  # Ann hosts the party (its origin): she is there by definition, and left out


def _party_evening(tmp_path, stated: dict[str, int], came: set[str]):
    """16:00 start; at 16:30 each agent says how likely it is to come (1-5); those in `came` are at the cafe at 17:30."""
    log = Log(tmp_path, agents=["Ann", *GUESTS])
    log.spawn()
    _answer(log, log.at(30), "Ann", "will-attend", 5, predicts="attends", fact="party")
    for agent, answer in stated.items():
        _answer(log, log.at(30), agent, "will-attend", answer, predicts="attends", fact="party")
    from town.core.events import Moves

    log.emit(log.at(90), Moves(positions={a: CAFE if a in came else PARK for a in ["Ann", *GUESTS]}))
    events = log.end(log.at(200))
    spread = diffusion(events, PARTY, ["Ann", *GUESTS], log.clock)
    return events, spread, attendance(events, PARTY, spread, log.clock, town_map=_town_map())


def _town_map():
    from town.core.places import load_town_map
    from town.runtime.config import DEFAULT_MAP

    return load_town_map(DEFAULT_MAP)


def _answers(events):
    return [e for e in events if isinstance(e, SurveyAnswered)]


def test_stated_intent_that_predicts_attendance_perfectly_has_auc_one(tmp_path):
    events, spread, came = _party_evening(tmp_path, {"Bo": 5, "Cy": 4, "Di": 2, "Ed": 1}, came={"Ann", "Bo", "Cy"})
    [result] = stated_vs_acted(_answers(events), [spread], [came])
    assert result.agents == GUESTS and result.acted == [True, True, False, False]
    assert result.auc == 1.0 and result.spearman == pytest.approx(0.894, abs=1e-3)
    assert result.shuffled_auc == pytest.approx(0.5, abs=0.08)  # the null: the same answers, shuffled among agents


def test_intent_that_says_the_opposite_has_auc_zero_and_intent_unrelated_to_coming_half(tmp_path):
    events, spread, came = _party_evening(tmp_path, {"Bo": 1, "Cy": 2, "Di": 4, "Ed": 5}, came={"Bo", "Cy"})
    assert stated_vs_acted(_answers(events), [spread], [came])[0].auc == 0.0
    events, spread, came = _party_evening(tmp_path / "b", {"Bo": 5, "Cy": 1, "Di": 5, "Ed": 1}, came={"Bo", "Cy"})
    assert stated_vs_acted(_answers(events), [spread], [came])[0].auc == 0.5


def test_shuffled_answers_average_an_auc_of_one_half_on_a_large_town():
    import numpy as np

    rng = np.random.default_rng(1)
    acted = [bool(x) for x in rng.integers(0, 2, 400)]
    stated = [float(5 if a else 1) for a in acted]
    assert auc(stated, acted) == 1.0
    shuffled = list(rng.permutation(stated))
    assert auc(shuffled, acted) == pytest.approx(0.5, abs=0.06)


def test_have_you_heard_answers_are_compared_with_knowledge_verified_by_provenance(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    log.emit(log.at(5), Whispered(agent="Bo", thought="There is a party tonight"))  # Bo learns at 16:05
    for agent, said in (("Ann", "yes"), ("Bo", "yes"), ("Cy", "yes"), ("Di", "no")):
        _answer(log, log.at(10), agent, "heard", said, kind="choice", predicts="knows", fact="party")
    events = log.end(log.at(20))
    spread = diffusion(events, PARTY, AGENTS, log.clock)
    [result] = stated_vs_acted(_answers(events), [spread], [])
    # Ann (the origin) and Bo knew; Cy says yes without having heard it; Di says no and did not know.
    assert result.acted == [True, True, False, False] and result.stated == [1.0, 1.0, 1.0, 0.0]
    assert result.kappa == pytest.approx(0.5)  # 3 of 4 agree; chance agreement 0.5
    assert result.auc == pytest.approx(0.75)


def test_identical_repeated_answers_agree_fully_and_kappa_is_undefined_without_variation(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    for agent, first, again in (("Ann", 4, 4), ("Bo", 2, 2), ("Cy", 5, 5), ("Di", 1, 1)):
        _answer(log, log.at(10), agent, "mood", first)
        _answer(log, log.at(50), agent, "mood-again", again, retest_of="mood")
    for agent in AGENTS:
        _answer(log, log.at(10), agent, "same", 3)
        _answer(log, log.at(50), agent, "same-again", 3, retest_of="same")
    events = log.end(log.at(60))
    by_item = {r.question: r for r in retests(_answers(events))}
    assert by_item["mood-again"].exact == 1.0 and by_item["mood-again"].within_one == 1.0
    assert by_item["mood-again"].kappa == 1.0 and by_item["mood-again"].pairs == 4
    assert by_item["same-again"].exact == 1.0 and by_item["same-again"].kappa is None
    spread = {s.question: s for s in spreads(_answers(events))}
    assert spread["same"].homogeneous and spread["same"].entropy_bits == 0.0
    assert not spread["mood"].homogeneous and spread["mood"].entropy_bits == 2.0  # four answers, all different


def test_a_retest_off_by_one_counts_within_one_but_not_exact(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    for agent, first, again in (("Ann", 4, 5), ("Bo", 2, 2), ("Cy", 5, 3), ("Di", 1, 2)):
        _answer(log, log.at(10), agent, "mood", first)
        _answer(log, log.at(50), agent, "mood-again", again, retest_of="mood")
    events = log.end(log.at(60))
    [result] = retests(_answers(events))
    assert result.exact == 0.25 and result.within_one == 0.75


def test_fallback_answers_are_left_out(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    _answer(log, log.at(10), "Ann", "mood", 4)
    log.emit(
        log.at(10), SurveyAnswered(agent="Bo", survey="s", question="mood", kind="likert", answer=None, fallback=True)
    )
    events = log.end(log.at(20))
    measures = survey_measures(_answers(events), [], [])
    assert measures.answers == 2 and measures.fallbacks == 1 and measures.spreads[0].answers == 1


def test_kappa_and_spearman_on_known_tables():
    assert cohen_kappa(list("aabb"), list("aabb")) == 1.0
    assert cohen_kappa(list("aabb"), list("bbaa")) == -1.0
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None


def test_human_answers_give_a_wasserstein_distance_per_item(tmp_path):
    log = Log(tmp_path)
    log.spawn()
    for agent, answer in zip(AGENTS, (1, 2, 3, 4), strict=True):
        _answer(log, log.at(10), agent, "mood", answer)
    events = log.end(log.at(20))
    csv = tmp_path / "people.csv"
    csv.write_text("question,answer\nmood,2\nmood,3\nmood,4\nmood,5\n")
    [item] = human_comparison(_answers(events), read_human_survey(csv))
    assert item.simulated == 4 and item.human == 4 and item.wasserstein == pytest.approx(1.0)  # everyone one higher
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer\nmood,often\n")
    with pytest.raises(ConfigError, match="line 2: 'often' is not a number or yes/no"):
        read_human_survey(bad)
