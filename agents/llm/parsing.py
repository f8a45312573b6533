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
_MAX_STARTS = 20  # tries at later "{" when an earlier one does not decode; bounds the work on long junk


class OutputError(ValueError):
    """The model's reply is not valid for the schema; the message says why in words a model can act on."""


def parse_structured(text: str, schema: type[T]) -> T:
    """The first JSON object in `text` that decodes (prose, fences and broken fragments before it are skipped)."""
    start = text.find("{")
    if start < 0:
        raise OutputError("the reply contains no JSON object")
    first_problem = None
    for _ in range(_MAX_STARTS):
        try:
            data, _ = _DECODER.raw_decode(text[start:])
            break
        except json.JSONDecodeError as exc:
            first_problem = first_problem or f"{exc.msg} at position {exc.pos}"
        except RecursionError:  # absurdly deep nesting: not an answer
            first_problem = first_problem or "nested too deeply"
        start = text.find("{", start + 1)
        if start < 0:
            break
    else:
        start = -1
    if start < 0:
        raise OutputError(f"the JSON is malformed ({first_problem})")
    if not isinstance(data, dict):
        raise OutputError("the reply is not a JSON object")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'object'}: {err['msg']}" for err in exc.errors()[:3]
        )
        raise OutputError(f"the JSON does not fit the schema ({problems})") from None
    except RecursionError:
        raise OutputError("the JSON is nested too deeply") from None
