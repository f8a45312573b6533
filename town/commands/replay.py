"""`town replay` (window or text) and `town fork`."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from town.commands.options import EXIT_INTERRUPTED, window_size
from town.commands.play import LiveTown
from town.core.errors import ConfigError
from town.persistence.folders import check_save_dir, lock_save_dir


def replay_command(args: argparse.Namespace) -> int:
    from town.persistence.replay import open_replay  # noqa: PLC0415

    replay = open_replay(args.path)
    start = tick_at(replay, args.start, "--from") or 0
    if args.text:
        end = tick_at(replay, args.end, "--to")
        if args.agent is not None and args.agent not in replay.agents:
            raise ConfigError(f"--agent {args.agent!r}: not in this run ({', '.join(replay.agents)})")
        for line in replay.text_lines(agent=args.agent, start=start, end=end):
            print(line)
        return 0
    size = window_size(args.size)
    from town.persistence.replay_session import ReplaySession  # noqa: PLC0415
    from town.ui.app import App, check_display  # noqa: PLC0415 - the only import of pygame, only for this command

    check_display("town replay")
    forks: list[LiveTown] = []

    def fork_here(tick: int) -> Any:
        live = fork_to_live(args.path, tick, replay)
        forks.append(live)
        return live.session

    session = ReplaySession(replay, fork=fork_here)
    session.seek(start)
    try:
        App(session, size=size, replay=True).run()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        for live in forks:
            live.close()
    for live in forks:
        live.report()
    return 0


def tick_at(replay: Any, hhmm: str | None, flag: str) -> int | None:
    """The first tick at or after the log's start whose game time is HH:MM."""
    if hhmm is None:
        return None
    try:
        when = datetime.strptime(hhmm, "%H:%M")
    except ValueError:
        raise ConfigError(f"{flag} {hhmm!r}: expected a game time HH:MM, like 14:30") from None
    from datetime import timedelta  # noqa: PLC0415

    start = replay.clock.start
    moment = start.replace(hour=when.hour, minute=when.minute, second=0)
    if moment < start:
        moment += timedelta(days=1)
    return int(replay.clock.tick_of(moment))


def _fork_save_path(source: Path, replay: Any, tick: int) -> Path:
    name = source.resolve().name
    return Path("saves") / f"{name}-fork-{replay.clock.time_at(tick):%H%M}"


def _run_fork(source: Path, tick: int, dest: Path) -> Any:
    import tempfile  # noqa: PLC0415

    from town.persistence.fork import fork_run  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="town-fork-") as work:
        return asyncio.run(fork_run(source, tick, dest, work=Path(work)))


def fork_to_live(source: Path, tick: int, replay: Any) -> LiveTown:
    """Fork here and continue live: the fork's save, resumed in a new run folder (from the replay window)."""
    from town.persistence.saving import load_for_resume  # noqa: PLC0415

    dest = _fork_save_path(source, replay, tick)
    check_save_dir(dest, flag="fork")
    lock = lock_save_dir(dest, flag="fork")
    try:
        _run_fork(source, tick, dest)
    finally:
        lock.release()
    out = Path("runs") / datetime.now().strftime(f"{dest.name}-%Y%m%d-%H%M%S")
    config, loaded = load_for_resume(dest, {"out": out, "save_dir": dest})
    return LiveTown(config, resume=loaded)


def fork_command(args: argparse.Namespace) -> int:
    from town.persistence.replay import open_replay  # noqa: PLC0415

    replay = open_replay(args.path)
    tick = args.tick if args.tick is not None else tick_at(replay, args.at, "--at")
    assert tick is not None
    dest = args.save or _fork_save_path(args.path, replay, tick)
    check_save_dir(dest, flag="--save")  # before re-simulating: a folder of someone's files is refused up front
    lock = lock_save_dir(dest, flag="--save")
    try:
        result = _run_fork(args.path, tick, dest)
    finally:
        lock.release()
    when = replay.clock.time_at(tick)
    print(
        f"forked {args.path} at {when:%a %H:%M} (tick {tick}) into {result.save}: re-simulated "
        f"{result.resimulated_ticks} ticks from {result.started_from}, {result.cache_misses} answers not in the cache"
    )
    if result.matches_log:
        print("the re-simulation matches the recorded log exactly")
    else:
        print(
            f"note: the re-simulation differs from the recorded log from line {result.first_difference} "
            "(a run played live, or answers missing from the cache); the fork continues from the re-simulated state"
        )
    print(f"continue it with: town run --resume {result.save}   or   town play --resume {result.save}")
    return 0
