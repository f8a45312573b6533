"""`town bench rates` and the counting fake's choices: the shares printed are the model's own answers."""

import asyncio
import json

from agents.dialogue import NOBODY_SPOKE
from agents.llm.fakes import RealisticChoices, SchemaFakeModel, ScriptedModel
from agents.llm.protocol import ChatMessage, SamplingParams
from agents.planning import usual_place_line, usual_place_named
from agents.schemas import ReactionChoice, UtteranceReply, importance_schema, steps_schema
from town.bench.rates import KeptPrompt, evenly, measure

PLACES = ("Home: kitchen", "Home: bedroom", "Cafe: counter", "Park: lawn")


def _sighting(i: int) -> KeptPrompt:
    return KeptPrompt([ChatMessage(role="user", content=f"Should Ada talk to person {i}?")], ReactionChoice)


def _scoring_prompt(items: int) -> KeptPrompt:
    listed = "\n".join(f"{i}. Ada is reading item {i}." for i in range(1, items + 1))
    text = f"Rate how important each memory is.\n{listed}\nReply with JSON only"
    return KeptPrompt([ChatMessage(role="user", content=text)], importance_schema(items))


def _planning(usual: str | None) -> KeptPrompt:
    named = usual_place_line("Ada", usual) if usual else ""
    text = f"From 09:00 to 10:00 Ada plans to: work.\nPlaces Ada can go: {'; '.join(PLACES)}\n{named}\nSplit this."
    return KeptPrompt([ChatMessage(role="user", content=text)], steps_schema(PLACES))


def _line(said: str | None) -> KeptPrompt:
    transcript = f"Bo: {said}" if said else NOBODY_SPOKE
    text = f"The conversation so far:\n{transcript}\nWrite what Ada says next."
    return KeptPrompt([ChatMessage(role="user", content=text)], UtteranceReply)


def _steps(*places: str) -> dict:
    return {"steps": [{"minutes": 10, "action": "working", "place": p, "object": ""} for p in places]}


def test_the_shares_printed_are_the_models_answers():
    prompts = {
        "react": [_sighting(i) for i in range(4)],
        "importance": [_scoring_prompt(3), _scoring_prompt(2)],
        "decompose": [_planning("Cafe: counter"), _planning(None), _planning("Home: kitchen")],
        "utterance": [_line("Hello."), _line(None), _line("Nice day."), _line("Bye then.")],
    }
    model = ScriptedModel(
        [{"talk": "yes"}, {"talk": "no"}, {"talk": "no"}, {"talk": "no"}, {"scores": [1, 1, 5]}, {"scores": [10, 1]},
         _steps("Cafe: counter", "Park: lawn", "Cafe: counter"), _steps("Park: lawn", "Home: bedroom"),
         {"utterance": "Hi Bo.", "end_conversation": False}, {"utterance": "It is.", "end_conversation": False},
         {"utterance": "Bye.", "end_conversation": True}]
    )  # fmt: skip
    figures = measure(model, prompts, sightings=4, scorings=2, plannings=5, replies=9)
    assert figures["talk_share"] == 0.25 and figures["sighting_prompts"] == 4
    assert figures["scored_observations"] == 5 and figures["importance_mean"] == 3.6
    assert figures["importance_shares_1_to_10"] == [0.6, 0, 0, 0, 0.2, 0, 0, 0, 0, 0.2]
    # Only prompts that name a usual place are asked: 2 of 5 steps were at the place each prompt named, one more in
    # the same building (Home: bedroom for Home: kitchen).
    assert figures["planned_steps"] == 5 and figures["usual_place_share"] == 0.4
    assert figures["usual_building_share"] == 0.6
    # Only lines after the first can end a conversation: the opening prompt is not asked.
    assert figures["replies"] == 3 and figures["end_share"] == 0.333
    assert figures["fallbacks"] == 0


def test_a_refused_answer_is_a_fallback_not_a_choice():
    prompts = {"react": [_sighting(0)], "importance": []}
    figures = measure(ScriptedModel(["maybe", "perhaps"]), prompts, sightings=1, scorings=0)
    assert figures["fallbacks"] == 1 and figures["sighting_prompts"] == 0 and figures["talk_share"] is None
    # A scoring prompt's schema has exactly its number of items: two scores for three memories are refused.
    prompts = {"react": [], "importance": [_scoring_prompt(3)]}
    figures = measure(ScriptedModel([{"scores": [1, 2]}, {"scores": [1, 2]}]), prompts, sightings=0, scorings=1)
    assert figures["fallbacks"] == 1 and figures["scored_observations"] == 0
    # A place that is not on the prompt's list is refused, not counted as somewhere else.
    prompts = {"react": [], "importance": [], "decompose": [_planning("Home: kitchen")]}
    figures = measure(ScriptedModel([_steps("Moon base"), _steps("Moon base")]), prompts, 0, 0, plannings=1)
    assert figures["fallbacks"] == 1 and figures["planned_steps"] == 0 and figures["usual_place_share"] is None


def test_samples_spread_over_the_whole_day_and_the_usual_place_is_read_back():
    assert evenly(list(range(100)), 4) == [0, 25, 50, 75]
    assert evenly([1, 2], 5) == [1, 2]
    assert evenly([1, 2], 0) == []  # a purpose left out of the sample
    for place in PLACES + ("St. Mary's Church: nave",):
        assert usual_place_named(_planning(place).messages[-1].content) == place
    assert usual_place_named(_planning(None).messages[-1].content) is None


def test_the_counting_fake_talks_and_scores_at_the_rates_it_is_given():
    def ask(model, purpose, schema, i):
        message = [ChatMessage(role="user", content=f"{purpose} {i}")]
        reply = asyncio.run(model.complete(message, schema=schema, purpose=purpose, params=SamplingParams()))
        return json.loads(reply.text)

    rare = RealisticChoices(SchemaFakeModel(seed=0), talk_share=0.1)
    talks = [ask(rare, "react", ReactionChoice, i)["talk"] for i in range(400)]
    assert 20 <= talks.count("yes") <= 60  # 10% of 400, well inside the binomial spread
    mundane = RealisticChoices(SchemaFakeModel(seed=0), importance=(1, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert {s for i in range(20) for s in ask(mundane, "importance", importance_schema(5), i)["scores"]} == {1}
    # Other purposes pass through untouched.
    plain = asyncio.run(SchemaFakeModel(seed=0).complete(
        [ChatMessage(role="user", content="x")], schema=ReactionChoice, purpose="reflect_questions", params=SamplingParams()
    ))  # fmt: skip
    wrapped = asyncio.run(rare.complete(
        [ChatMessage(role="user", content="x")], schema=ReactionChoice, purpose="reflect_questions", params=SamplingParams()
    ))  # fmt: skip
    assert plain.text == wrapped.text


def test_the_counting_fake_places_steps_and_ends_talks_at_the_shares_it_is_given():
    def places(model, i):
        prompt = _planning("Home: kitchen")
        message = [ChatMessage(role="user", content=prompt.messages[0].content + f" ({i})")]
        reply = asyncio.run(model.complete(message, schema=prompt.schema, purpose="decompose", params=SamplingParams()))
        return [step["place"] for step in json.loads(reply.text)["steps"]]

    def shares(usual, building, asks=200):
        model = RealisticChoices(SchemaFakeModel(seed=0), usual_place=usual_place_named, usual_place_share=usual,
                                 usual_building_share=building)  # fmt: skip
        chosen = [p for i in range(asks) for p in places(model, i)]
        return chosen.count("Home: kitchen") / len(chosen), chosen.count("Home: bedroom") / len(chosen), set(chosen)

    assert shares(1.0, 1.0, asks=30) == (1.0, 0.0, {"Home: kitchen"})
    assert shares(0.0, 1.0, asks=30) == (0.0, 1.0, {"Home: bedroom"})  # the building's other room
    assert shares(0.0, 0.0, asks=30)[2] == {"Cafe: counter", "Park: lawn"}  # never the usual building
    usual, other_room, _ = shares(0.5, 0.7)
    assert 0.43 <= usual <= 0.57 and 0.14 <= other_room <= 0.26  # well inside the binomial spread of ~700 steps
    # Without a usual place named, the fake's own uniform choice stands.
    bare = [ChatMessage(role="user", content="Split this.")]
    plain = asyncio.run(SchemaFakeModel(seed=0).complete(bare, schema=_planning(None).schema, purpose="decompose",
                                                         params=SamplingParams()))  # fmt: skip
    wrapped = asyncio.run(RealisticChoices(SchemaFakeModel(seed=0), usual_place=usual_place_named).complete(
        bare, schema=_planning(None).schema, purpose="decompose", params=SamplingParams()
    ))  # fmt: skip
    assert plain.text == wrapped.text

    talkative = RealisticChoices(SchemaFakeModel(seed=0), end_share=0.1)
    ends = [
        json.loads(asyncio.run(talkative.complete(
            [ChatMessage(role="user", content=f"line {i}")], schema=UtteranceReply, purpose="utterance",
            params=SamplingParams(),
        )).text)["end_conversation"]
        for i in range(400)
    ]  # fmt: skip
    assert 20 <= sum(ends) <= 60


def _listed(messages) -> list[str]:
    return [line.split(". ", 1)[1] for line in messages[-1].content.splitlines() if line[:1].isdigit()]


def test_scores_that_rise_down_the_list_are_told_from_scores_that_follow_what_was_seen():
    from tests.helpers import ByPurpose
    from town.bench.rates import scoring_by_batch_size

    by_place = ByPurpose({"importance": lambda m: {"scores": [min(10, 1 + i) for i in range(len(_listed(m)))]}})
    figures = scoring_by_batch_size(by_place, sizes=(10, 20), items=40)
    assert figures["observations"] == 40
    assert all(figures["by_batch_size"][size]["place_vs_score_spearman"] > 0.9 for size in ("10", "20"))
    assert by_place.calls["importance"] == 4 + 2  # the same 40 observations in batches of 10, then of 20
    # Scored by what was seen (a longer observation scores higher), the place in the batch says little.
    by_text = ByPurpose({"importance": lambda m: {"scores": [1 + len(text) % 10 for text in _listed(m)]}})
    rho = scoring_by_batch_size(by_text, sizes=(20,), items=40)["by_batch_size"]["20"]["place_vs_score_spearman"]
    assert rho is not None and abs(rho) < 0.5
    # All 1s: the share says so, and there is no correlation to speak of.
    ones = ByPurpose({"importance": lambda m: {"scores": [1] * len(_listed(m))}})
    flat = scoring_by_batch_size(ones, sizes=(40,), items=40)["by_batch_size"]["40"]
    assert flat["share_of_1"] == 1.0 and flat["place_vs_score_spearman"] is None and flat["mean"] == 1.0
    # A refused answer is a fallback, not a score.
    refused = scoring_by_batch_size(ByPurpose({"importance": "no"}), sizes=(20,), items=40)["by_batch_size"]["20"]
    assert refused == {"mean": None, "share_of_1": None, "place_vs_score_spearman": None, "fallbacks": 2}
