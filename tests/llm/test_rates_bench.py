"""`town bench rates` and the counting fake's choices: the shares printed are the model's own answers."""

import asyncio
import json

from agents.llm.fakes import RealisticChoices, SchemaFakeModel, ScriptedModel
from agents.llm.protocol import ChatMessage, SamplingParams
from agents.schemas import ReactionChoice, importance_schema
from town.bench.rates import evenly, item_count, measure


def _scoring_prompt(items: int) -> list[ChatMessage]:
    listed = "\n".join(f"{i}. Ada is reading item {i}." for i in range(1, items + 1))
    return [ChatMessage(role="user", content=f"Rate how important each memory is.\n{listed}\nReply with JSON only")]


def test_the_talk_share_and_score_distribution_are_the_models_answers():
    sightings = [[ChatMessage(role="user", content=f"Should Ada talk to person {i}?")] for i in range(4)]
    prompts = {"react": sightings, "importance": [_scoring_prompt(3), _scoring_prompt(2)]}
    model = ScriptedModel(
        [{"talk": "yes"}, {"talk": "no"}, {"talk": "no"}, {"talk": "no"}, {"scores": [1, 1, 5]}, {"scores": [10, 1]}]
    )
    figures = measure(model, prompts, sightings=4, scorings=2)
    assert figures["talk_share"] == 0.25 and figures["sighting_prompts"] == 4
    assert figures["scored_observations"] == 5 and figures["importance_mean"] == 3.6
    assert figures["importance_shares_1_to_10"] == [0.6, 0, 0, 0, 0.2, 0, 0, 0, 0, 0.2]
    assert figures["fallbacks"] == 0


def test_a_refused_answer_is_a_fallback_not_a_choice():
    prompts = {"react": [[ChatMessage(role="user", content="Should Ada talk to Bo?")]], "importance": []}
    figures = measure(ScriptedModel(["maybe", "perhaps"]), prompts, sightings=1, scorings=0)
    assert figures["fallbacks"] == 1 and figures["sighting_prompts"] == 0 and figures["talk_share"] is None
    # A scoring prompt's schema has exactly its number of items: two scores for three memories are refused.
    prompts = {"react": [], "importance": [_scoring_prompt(3)]}
    figures = measure(ScriptedModel([{"scores": [1, 2]}, {"scores": [1, 2]}]), prompts, sightings=0, scorings=1)
    assert figures["fallbacks"] == 1 and figures["scored_observations"] == 0


def test_samples_spread_over_the_whole_day_and_items_are_counted():
    assert evenly(list(range(100)), 4) == [0, 25, 50, 75]
    assert evenly([1, 2], 5) == [1, 2]
    assert item_count(_scoring_prompt(7)) == 7


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
        [ChatMessage(role="user", content="x")], schema=ReactionChoice, purpose="utterance", params=SamplingParams()
    ))  # fmt: skip
    wrapped = asyncio.run(rare.complete(
        [ChatMessage(role="user", content="x")], schema=ReactionChoice, purpose="utterance", params=SamplingParams()
    ))  # fmt: skip
    assert plain.text == wrapped.text
