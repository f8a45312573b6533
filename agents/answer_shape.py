"""How a prompt shows the answer it wants: `answer_shape` and the `Written` text type.

Small models copy whatever plausible answer a prompt shows them, word for word. So no prompt shows one: the shape of
the reply is drawn from its pydantic schema with a placeholder in every value -- `"<what the text is>"` for text,
`<1 to 10>` for a bounded number, `<true or false>`, `"<talk, react or continue>"` for a choice -- and every text field
the model writes is `Written`, which refuses a placeholder (`<...>`) as an answer. A copied shape is therefore never a
valid answer: it is invalid JSON (the bare `<...>` of numbers and booleans) or fails validation (the quoted text).
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel

from agents.llm.protocol import schema_json

PLACEHOLDER = re.compile(r"<[^<>\n]{1,120}>")
_LONG_CHOICE = 6  # more options than this are named by the prompt's own list, not repeated in the shape


def _refuse_placeholder(text: str) -> str:
    if PLACEHOLDER.search(text):
        raise ValueError("write the actual answer; <...> in the prompt marks where it goes")
    return text


Written = Annotated[str, AfterValidator(_refuse_placeholder)]


_SHAPES: weakref.WeakKeyDictionary[type[BaseModel], str] = weakref.WeakKeyDictionary()


def answer_shape(schema: type[BaseModel]) -> str:
    """The reply's JSON shape with a placeholder for every value (a field's description, else its type or range).

    Every prompt renders one, so it is drawn once per schema class and kept as long as the class lives (a big town
    has a decomposition schema per agent, more than a bounded cache holds), from the JSON schema the gateway uses.
    """
    shape = _SHAPES.get(schema)
    if shape is None:
        spec = schema_json(schema)
        shape = _SHAPES[schema] = _shape(spec, spec.get("$defs", {}), None)
    return shape


def _shape(spec: dict[str, Any], defs: dict[str, Any], note: str | None) -> str:
    if "$ref" in spec:
        return _shape(defs[spec["$ref"].rsplit("/", 1)[-1]], defs, note)
    if "anyOf" in spec:  # an optional value: the shape of the value it may hold
        options = [option for option in spec["anyOf"] if option.get("type") != "null"]
        return _shape(options[0], defs, note)
    kind = spec.get("type")
    note = spec.get("description") or note
    if kind == "object":
        parts = [f"{json.dumps(key)}: {_shape(value, defs, None)}" for key, value in spec["properties"].items()]
        return "{" + ", ".join(parts) + "}"
    if kind == "array":  # the list's description names its items
        return f"[{_shape(spec.get('items', {}), defs, note)}, ...]"
    if "enum" in spec or "const" in spec:
        options = [str(value) for value in spec.get("enum", [spec.get("const")])]
        named = note or (_either(options) if len(options) <= _LONG_CHOICE else "one of the listed choices")
        return json.dumps(f"<{named}>")
    if kind in ("integer", "number"):
        low, high = spec.get("minimum"), spec.get("maximum")
        bounded = f"{low} to {high}" if low is not None and high is not None else "a number"
        return f"<{note or bounded}>"
    if kind == "boolean":
        return f"<{note or 'true or false'}>"
    return json.dumps(f"<{note or 'text'}>", ensure_ascii=False)


def _either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"
