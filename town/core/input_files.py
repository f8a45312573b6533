"""The one boundary every file a user brings passes before it is parsed: `read_text`, `parse_json`, `check_tree`.

Maps, personas, configs, experiments, quotas, saves and caches are read here first, so each gets the same guarantees
and a bad one is one line naming the file, never a traceback or a runaway allocation:

- size: a file over its kind's byte limit is refused before it is read (`Limits`);
- text: bytes that are not UTF-8 are refused with the offset of the first bad byte;
- structure: nesting deeper than `max_depth`, more than `max_nodes` values once YAML aliases are expanded (an
  alias bomb of a few hundred bytes would otherwise stand for billions), NaN and infinities anywhere.

The error class is the caller's (`MapError`, `PersonaError`, `ConfigError`, `SaveError`), so messages keep saying
which kind of input was wrong.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from town.core.errors import TownError

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """How big and how deep one kind of file may be."""

    max_bytes: int
    max_depth: int = 64
    max_nodes: int = 1_000_000


# A settings file (config, persona, experiment, quota) is a page of text; a map holds every tile of every layer.
SETTINGS = Limits(max_bytes=4 * MiB, max_depth=48, max_nodes=200_000)
MAP = Limits(max_bytes=256 * MiB, max_depth=64, max_nodes=60_000_000)
SAVE_FILE = Limits(max_bytes=2048 * MiB, max_depth=64, max_nodes=200_000_000)


def read_text(path: Path, what: str, error: type[TownError], limits: Limits) -> str:
    """The file as text, or `error` with one line: missing, unreadable, too big, or not UTF-8."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error(f"{what} {path}: file not found") from None
    except OSError as exc:
        raise error(f"{what} {path}: cannot read ({exc.strerror})") from None
    if size > limits.max_bytes:
        raise error(f"{what} {path}: {size / MiB:.1f} MiB is over the {limits.max_bytes // MiB} MiB a {what} may be")
    try:
        blob = path.read_bytes()
    except IsADirectoryError:
        raise error(f"{what} {path}: is a folder, not a file") from None
    except OSError as exc:
        raise error(f"{what} {path}: cannot read ({exc.strerror})") from None
    return decode_utf8(blob, f"{what} {path}", error)


def decode_utf8(blob: bytes, where: str, error: type[TownError]) -> str:
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"{where}: not UTF-8 text (byte {exc.start} is 0x{blob[exc.start]:02x}); save it as UTF-8"
        ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str, where: str, error: type[TownError], limits: Limits) -> Any:
    """JSON as Python values, refusing NaN/Infinity, runaway nesting and oversized documents with one line."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:
        raise error(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise error(f"{where}: nested deeper than {limits.max_depth} levels") from None
    check_tree(value, where, error, limits)
    return value


def check_tree(value: Any, where: str, error: type[TownError], limits: Limits) -> None:
    """Depth, expanded size and finiteness of a parsed document; shared (aliased) parts count once per use.

    Iterative, so a deep document cannot exhaust the stack here; the expanded size is computed with one visit per
    distinct container (sizes of shared parts are remembered), so a billion-node alias bomb costs microseconds.
    """
    sizes: dict[int, int] = {}
    # (node, depth, path, children-done): a container is pushed twice, once to expand and once to sum its children.
    stack: list[tuple[Any, int, str, bool]] = [(value, 1, "", False)]
    while stack:
        node, depth, path, done = stack.pop()
        if isinstance(node, float):
            if not math.isfinite(node):
                raise error(f"{where}: {_at(path)}{node} is not a finite number")
            continue
        if not isinstance(node, (dict, list)):
            continue
        key = id(node)
        if done:
            children = node.values() if isinstance(node, dict) else node
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            sizes[key] = total
            if total > limits.max_nodes:
                raise error(f"{where}: holds over {limits.max_nodes:,} values (YAML aliases count every time used)")
            continue
        if key in sizes:
            continue
        if depth > limits.max_depth:
            raise error(f"{where}: {_at(path)}nested deeper than {limits.max_depth} levels")
        if isinstance(node, list) and _SCALARS.issuperset(map(type, node)):
            sizes[key] = 1 + len(node)  # a map layer's tile data: counted at C speed, nothing inside to walk
            continue
        stack.append((node, depth, path, True))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for name, child in items:
            if isinstance(child, (dict, list)):
                if id(child) not in sizes:
                    stack.append((child, depth + 1, f"{path}.{name}" if path else str(name), False))
            elif isinstance(child, float):
                stack.append((child, depth + 1, f"{path}.{name}" if path else str(name), False))
    if isinstance(value, (dict, list)) and sizes.get(id(value), 0) > limits.max_nodes:
        raise error(f"{where}: holds over {limits.max_nodes:,} values")


_SCALARS = frozenset({int, str, bool, type(None)})


def _at(path: str) -> str:
    return f"field '{path}': " if path else ""


def read_jsonl(path: Path, where: str, error: type[TownError], limit: int | None = None) -> list[Any]:
    """Every whole line of a JSON-lines file town wrote (a log, a cache); a torn last line (a crash) is left out.

    With `limit`, only the file's first `limit` bytes (the part of a save's log its manifest vouches for).

    A bad line anywhere before the last means the file was edited or damaged: one line naming it. Lines are decoded
    one by one, so a non-UTF-8 byte is reported with its line number instead of escaping as a traceback.
    """
    try:
        with path.open("rb") as handle:
            blob = handle.read(-1 if limit is None else limit)
    except OSError as exc:
        raise error(f"{where}: cannot read ({exc.strerror})") from None
    lines = blob.split(b"\n")
    out = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            out.append(json.loads(raw.decode("utf-8"), parse_constant=_no_constant))
        except (ValueError, RecursionError):
            if any(rest.strip() for rest in lines[number:]):
                raise error(f"{where}: line {number} is corrupt (not a whole JSON line: edited or damaged)") from None
    return out
