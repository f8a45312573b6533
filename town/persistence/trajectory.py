"""`TrajectoryWriter` (the JSONL event log) and `TelemetryWriter` (wall-clock facts kept beside it).

trajectory.jsonl holds one event per line exactly as emitted (schema in docs/trajectory.md, version in the first
`run_start` line). Nothing wall-clock-dependent goes in it — latencies, cache hits and costs go to telemetry.jsonl — so
two runs with the same seed and the same model answers produce byte-identical trajectories. Lines are flushed every
tick: a crash loses at most the tick in progress.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from town.core.errors import TownError
from town.core.events import Event, event_class


class JsonlFile:
    """An append-only JSON-lines file that is complete up to its last successful `flush`.

    When the disk refuses a write (full, over a size limit, gone read-only), `recover` cuts the file back to the end
    of the last flushed line, so a reader never meets half a line, and reopens it for what may still fit.
    """

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = self.path.open("a" if append else "w", encoding="utf-8")
        self.good_bytes = self._file.tell()
        self.lines = 0

    def write_line(self, text: str) -> None:
        self._file.write(text + "\n")
        self.lines += 1

    def flush(self) -> None:
        self._file.flush()
        self.good_bytes = self._file.tell()

    def recover(self) -> None:
        """After a failed write: drop the unflushed tail (never half a line on disk) and reopen for appending."""
        try:
            self._file.close()
        except OSError:
            pass  # the buffered tail could not be written either; it is cut below
        try:
            os.truncate(self.path, self.good_bytes)
        finally:
            self._file = self.path.open("a", encoding="utf-8")

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
            self.good_bytes = self.path.stat().st_size


class TrajectoryWriter(JsonlFile):
    """Writes events as JSON lines (an event-bus observer); `append` continues an existing log (a resumed run)."""

    def __call__(self, event: Event) -> None:
        self.write_line(event.model_dump_json())


class TelemetryWriter(JsonlFile):
    """Writes one JSON object per model call (latency, cache, cost)."""

    def write(self, record: dict[str, Any]) -> None:
        self.write_line(json.dumps(record, ensure_ascii=False))


def typed_events(raw: Iterable[dict[str, Any]]) -> list[Event]:
    """Logged events as their models (core and agents events alike); a line that fits none is a `TownError`."""
    import agents.events  # noqa: F401, PLC0415 - registers the agents' event types with `event_class`

    classes: dict[str, type[Event]] = {}
    out = []
    for number, event in enumerate(raw, start=1):
        kind = event.get("type")
        try:
            cls = classes.get(kind) or classes.setdefault(kind, event_class(kind))  # type: ignore[arg-type]
            out.append(cls.model_validate(event))
        except (ValueError, TypeError) as exc:
            raise TownError(
                f"event {number} ({kind!r}) does not fit the trajectory schema: {str(exc).splitlines()[0]}"
            ) from None
    return out


def read_trajectory(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
