"""No prompt shows an answer a model could copy: every example value in every prompt is refused as an answer.

Small models return a prompt's example word for word ("I think it was sunny.", the example line with the current
action filled in). Each prompt now shows only the answer's shape, drawn from its schema with placeholders; these tests
take every quoted value the prompt shows and put it into every text field of an otherwise valid answer, and the
schema must refuse each one.
"""

import asyncio
import json
import re
from importlib.resources import files

import pytest
from pydantic import ValidationError

from agents.llm.fakes import SchemaFakeModel
from agents.llm.parsing import OutputError, parse_structured
from agents.llm.protocol import ChatMessage, SamplingParams
from agents.llm.structured import StructuredLLM
from agents.schemas import UtteranceReply
from tests.agents.test_prompts_golden import CASES, SCHEMAS, prompt

QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
SHAPE_LINE = "Reply with JSON only, shaped like "


def shape_of(name):
    lines = [line for m in prompt(name) for line in m.content.splitlines() if line.startswith(SHAPE_LINE)]
    assert len(lines) == 1, f"{name}: the prompt should end with exactly one shape line"
    return lines[0].removeprefix(SHAPE_LINE)


def shown_values(shape):
    """Every quoted value in the shape (keys, the quoted strings followed by a colon, are names, not answers)."""
    return [json.loads(f'"{m.group(1)}"') for m in QUOTED.finditer(shape) if not shape[m.end() :].startswith(":")]


def valid_answer(schema, seed):
    reply = asyncio.run(
        SchemaFakeModel(seed=seed).complete([], schema=schema, purpose="no-copy", params=SamplingParams())
    )
    return json.loads(reply.text)


def text_leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from text_leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from text_leaves(item, (*path, i))
    elif isinstance(value, str):
        yield path


def put(value, path, new):
    if not path:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = put(value[path[0]], path[1:], new)
    return copy


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_shape_a_prompt_shows_is_not_itself_a_valid_answer(name):
    with pytest.raises(OutputError):
        parse_structured(shape_of(name), SCHEMAS[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_value_a_prompt_shows_is_accepted_in_any_text_field_of_an_answer(name):
    schema = SCHEMAS[name]
    values = shown_values(shape_of(name))
    answer = valid_answer(schema, seed=len(name))
    schema.model_validate(answer)  # the answer we vary is valid as it stands
    paths = list(text_leaves(answer))
    if not values:  # a shape of bare placeholders only (numbers): not even JSON when copied
        with pytest.raises(json.JSONDecodeError):
            json.loads(shape_of(name))
        return
    assert paths, f"{name}: expected text fields to vary"
    for path in paths:
        for shown in values:
            with pytest.raises(ValidationError):
                schema.model_validate(put(answer, path, shown))


def test_no_template_holds_a_literal_answer():
    """The only JSON a prompt shows is the shape drawn from its schema: no template writes an example of its own."""
    for template in files("agents.prompts").iterdir():
        if template.name.endswith(".txt"):
            text = template.read_text(encoding="utf-8")
            assert "{" not in text and "example" not in text.lower(), template.name
            assert text.count("$shape") == 1, template.name


def test_a_model_that_copies_the_shape_gets_a_repair_then_a_fallback_never_the_placeholder_as_a_line():
    name = "utterance"
    copied = shape_of(name).replace("<true or false>", "false")  # the copy a model could make that is valid JSON

    class Copier:
        name = "copier"
        prompts: list[list[ChatMessage]] = []

        async def complete(self, messages, *, schema, purpose, params):
            from agents.llm.protocol import LLMReply

            self.prompts.append(messages)
            return LLMReply(text=copied, prompt_tokens=1, completion_tokens=1)

    model = Copier()
    llm = StructuredLLM(model)
    log = []
    answer = asyncio.run(
        llm.ask(
            prompt(name),
            UtteranceReply,
            purpose=name,
            agent="Mei Lin",
            fallback=lambda: UtteranceReply(utterance="…", end_conversation=True),
            log=log,
        )
    )
    assert answer.fallback and answer.value.utterance == "…"
    assert [r.outcome for r in log] == ["invalid", "invalid"] and llm.usage.fallbacks == 1
    repair = model.prompts[1][-1].content
    assert "write the actual answer" in repair  # the model is told why, in words it can act on
