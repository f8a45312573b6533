"""Reading the YAML or JSON files people write by hand (personas, configs, experiments, quotas, facts).

`load_model_file` reads one into a validated model, `load_settings_file` into plain data, and
`describe_validation_error` is the one line that names the field to fix.

Every such file goes through `town.core.input_files` first (size before reading, UTF-8, nesting, expanded size,
finite numbers), so a 700-byte alias bomb or a 100,000-deep list is one line naming the file, like a typo is.
YAML is read with the pure-Python safe loader: no tags that build objects, and nesting that outruns the parser's
stack is reported, not raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from town.core.errors import TownError
from town.core.input_files import SETTINGS, Limits, check_tree, parse_json, read_text

M = TypeVar("M", bound=BaseModel)


def load_model_file(path: str | Path, model: type[M], what: str, error: type[TownError]) -> M:
    """A settings file as a validated `model`; every problem is one `error` line naming `what` and the file."""
    path = Path(path)
    raw = load_settings_file(path, what, error)
    if not isinstance(raw, dict):
        raise error(f"{what} {path}: expected a mapping of fields at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{what} {path}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """The first pydantic error as "field 'a.b': message" — one line, the field a user must fix."""
    err = exc.errors()[0]
    field = ".".join(str(part) for part in err["loc"]) or "(top level)"
    if err["type"] == "missing":
        return f"field '{field}' is required"
    if err["type"] == "extra_forbidden":
        return f"field '{field}' is not a known field (check the spelling)"
    return f"field '{field}': {err['msg']}"


def load_settings_file(path: str | Path, what: str, error: type[TownError], limits: Limits = SETTINGS) -> Any:
    """The parsed file (any top-level shape; callers check theirs), or `error` with one line."""
    path = Path(path)
    text = read_text(path, what, error, limits)
    return parse_settings_text(text, f"{what} {path}", error, json_text=path.suffix.lower() == ".json", limits=limits)


def parse_settings_text(
    text: str, where: str, error: type[TownError], *, json_text: bool = False, limits: Limits = SETTINGS
) -> Any:
    if json_text:
        return parse_json(text, where, error, limits)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise error(f"{where}: nested deeper than {limits.max_depth} levels") from None
    check_tree(raw, where, error, limits)
    return raw
