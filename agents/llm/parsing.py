"""Parsing model text into pydantic objects: `parse_structured`, `OutputError`.

Small models wrap JSON in prose or code fences; the first JSON object in the text is taken. Whatever fails is an
`OutputError` whose message goes back to the model in the one repair retry.
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)
_DECODER = json.JSONDecoder()


class OutputError(ValueError):
    """The model's reply is not valid for the schema; the message says why in words a model can act on."""


def parse_structured(text: str, schema: type[T]) -> T:
    start = text.find("{")
    if start < 0:
        raise OutputError("the reply contains no JSON object")
    try:
        data, _ = _DECODER.raw_decode(text[start:])
    except json.JSONDecodeError as exc:
        raise OutputError(f"the JSON is malformed ({exc.msg} at position {exc.pos})") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'object'}: {err['msg']}" for err in exc.errors()[:3]
        )
        raise OutputError(f"the JSON does not fit the schema ({problems})") from None
