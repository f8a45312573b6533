"""How a server is asked for JSON that fits a schema: the structured-output modes, strongest first.

- `json_schema`: OpenAI's `response_format={"type": "json_schema", ...}` — OpenAI, vLLM, SGLang, LM Studio, and Ollama
  (litellm turns it into Ollama's `format`); the embedded model's handler also reads it.
- `json_object`: `{"type": "json_object", "schema": ...}` — llama.cpp's server refuses json_schema (HTTP 500) but
  constrains its grammar to this schema; servers that ignore the schema still return a JSON object.
- `none`: no response_format at all; the prompt asks for JSON and the parser extracts the first object (last resort).

`auto` asks litellm what the model supports and, at pre-flight, tries the modes in order on the real server, keeping
the first one it accepts and answers with valid JSON.
"""

from __future__ import annotations

from typing import Any, Literal

StructuredMode = Literal["json_schema", "json_object", "none"]
StructuredSetting = Literal["auto", "json_schema", "json_object", "none"]
MODES: tuple[StructuredMode, ...] = ("json_schema", "json_object", "none")

# The schema a pre-flight probe asks for: tiny, so a slow server answers quickly.
PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}


def response_format(mode: StructuredMode, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The request's response_format for `mode` (None: send none)."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
    if mode == "json_object":
        return {"type": "json_object", "schema": schema}
    return None
