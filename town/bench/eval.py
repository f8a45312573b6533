"""`town bench eval`: how long `town eval` takes on a 25-agent fake-model day (hashing embedder), as a user runs it.

The day is simulated first (not timed); then the command runs in a fresh interpreter, imports and the human reference
included, exactly as typed at a prompt.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def bench_eval(agents: int = 25, hours: float = 24.0) -> dict[str, Any]:
    from town.bench.figures import bench_config  # noqa: PLC0415
    from town.persistence.runner import run_headless  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="town-bench-") as tmp:
        run = Path(tmp) / "day"
        result = asyncio.run(run_headless(bench_config(agents, hours, out=run, autosave_minutes=0)))
        command = [sys.executable, "-m", "town.cli", "eval", str(run), "--embedder", "hashing", "--out", f"{tmp}/rep"]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"town eval failed: {done.stderr.strip().splitlines()[-1:]}")
    return {
        "benchmark": "eval",
        "agents": agents,
        "game_hours": hours,
        "utterances": result.totals.get("utterances", 0),
        "eval_s": round(wall, 2),
        "target_s": 15,
    }
