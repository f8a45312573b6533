"""`load_settings_file`: the YAML or JSON files people write by hand (personas, configs, experiments, quotas).

Every such file goes through `town.core.input_files` first (size before reading, UTF-8, nesting, expanded size,
finite numbers), so a 700-byte alias bomb or a 100,000-deep list is one line naming the file, like a typo is.
YAML is read with the pure-Python safe loader: no tags that build objects, and nesting that outruns the parser's
stack is reported, not raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from town.core.errors import TownError
from town.core.input_files import SETTINGS, Limits, check_tree, parse_json, read_text


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
