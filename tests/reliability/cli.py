"""The `town` command in a subprocess, as a user meets it, and a fingerprint of every file under a folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import town_argv

FAST = ["--model", "fake", "--embedder", "hashing", "--index", "numpy", "--quiet"]


@dataclass
class Done:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.err.strip().splitlines()

    def one_error_line(self) -> str:
        """The single `error: ...` line the command must print (and nothing else on stderr)."""
        assert self.code == 2, (self.code, self.err)
        assert len(self.lines) == 1 and self.lines[0].startswith("error: "), self.err
        assert "Traceback" not in self.err
        return self.lines[0]


def town(args: list[str], cwd: Path, *, timeout: float = 120, env: dict[str, str] | None = None, **kw) -> Done:
    done = subprocess.run(
        [sys.executable, "-m", "town.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kw,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def start_town(args: list[str], cwd: Path, **kw) -> subprocess.Popen:
    """`town ARGS` started and left running (a test may signal it: Ctrl-C reaches it as at a terminal)."""
    return subprocess.Popen(
        town_argv(args),
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def wait_for(condition: Callable[[], bool], what: str, limit: float = 60) -> None:
    """Poll until `condition` holds (a state the other process reaches, not a guess at how long it takes)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def fingerprint(root: Path) -> dict[str, str]:
    """Every file under `root` (relative path -> sha256): equal fingerprints mean nothing was written or removed."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def log_is_whole(log: Path) -> list[dict]:
    """Every line parses and event ids run 1, 2, 3 ... without a gap or a repeat."""
    found = events(log)
    assert [e["id"] for e in found] == list(range(1, len(found) + 1))
    return found
