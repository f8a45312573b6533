"""Prompt templates (one .txt file per purpose) and `render`, which fills them from typed fields.

A template holds a system part and a user part separated by a line `### user`; placeholders are `$name`
(string.Template), so a missing field is an error, never a silent blank. `$shape` is the answer's JSON shape drawn
from its schema with a placeholder in every value (agents/answer_shape.py): no prompt shows an answer a small model
could copy. Each template has a golden test of the exact text sent.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from string import Template

from pydantic import BaseModel

from agents.answer_shape import answer_shape
from agents.llm.protocol import ChatMessage

_SPLIT = "### user\n"


@cache
def _template(name: str) -> tuple[Template, Template]:
    text = (files(__package__) / f"{name}.txt").read_text(encoding="utf-8")
    system, user = text.split(_SPLIT, 1)
    return Template(system.strip()), Template(user.strip())


def render(name: str, fields: BaseModel, answer: type[BaseModel]) -> list[ChatMessage]:
    """The template's messages, filled from `fields`, ending with the shape of `answer`."""
    values = {key: str(value) for key, value in fields.model_dump().items()}
    values["shape"] = answer_shape(answer)
    system, user = _template(name)
    return [
        ChatMessage(role="system", content=system.substitute(values)),
        ChatMessage(role="user", content=user.substitute(values)),
    ]
