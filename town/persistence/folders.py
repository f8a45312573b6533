"""Folders town writes into: who owns them (stamps), who is writing them now (OS locks), and that they stay apart.

The program only ever deletes or replaces what it wrote itself. Every folder it fills carries a marker of its own:
a run folder its stamp `town-run.json`, a save its `manifest.json`, a population its `_population.json`, an
experiment its `experiment.json`, a report its `report.json`. A folder that exists, holds anything, and lacks the
marker is refused with one line before anything is written, so pointing `--out` or `--save-dir` at a folder of one's
own files can never lose them.

While a process writes a folder it holds an exclusive `fcntl.flock` on a lock file: for a run folder the stamp itself,
for a save the sibling `.NAME.lock` (a save directory is replaced by rename whenever a save is written whole, so a
lock inside it would be replaced with it). The kernel drops the lock when the process ends, however it ends, so a
crash never leaves a stale lock; a second process asking for the same folder gets one line and touches nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from town.core.errors import ConfigError
from town.persistence.manifest import LEFTOVER_NAMES

RUN_STAMP = "town-run.json"
RUN_FORMAT = "town-run"
SAVE_MANIFEST = "manifest.json"
SAVE_FORMAT = "town-save"


class FolderLock:
    """An exclusive flock held on one open lock file until `release` (or until the process ends)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def write_stamp(self, payload: dict[str, object]) -> None:
        """Replace the lock file's content in place (never by rename: the lock lives on this inode)."""
        assert self._fd is not None
        blob = (json.dumps(payload, indent=2) + "\n").encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, blob, 0)
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def take_lock(lock_file: Path, what: str) -> FolderLock:
    """Lock `lock_file` (created if missing) or raise `ConfigError` saying another town process holds it."""
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise ConfigError(f"{what}: cannot create its lock file {lock_file} ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise ConfigError(
            f"{what}: in use by another town process{holder}; wait for it or choose another folder"
        ) from None
    return FolderLock(lock_file, fd)


def _holder(fd: int) -> str:
    try:
        stamp = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f" (pid {int(stamp['pid'])})"
    except (ValueError, KeyError, TypeError):
        return ""


# -- run folders -------------------------------------------------------------------------------------------------------
def check_run_folder(out: Path, *, overwrite: bool, flag: str = "--out") -> None:
    """Refuse (read-only) a run folder town may not write: others' files, or an earlier run without --overwrite."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"{flag} {out}: is a file, not a folder")
    if not is_run_folder(out):
        if any(out.iterdir()):
            raise ConfigError(
                f"{flag} {out}: holds files town did not write (no {RUN_STAMP}); choose a new or empty folder"
            )
        return
    if (out / "trajectory.jsonl").exists() and not overwrite:
        raise ConfigError(f"{flag} {out}: already holds a run; choose another folder or pass --overwrite")


def is_run_folder(path: Path) -> bool:
    """A folder with town's run stamp, or a run written before stamps (its log opens with run_start)."""
    if (path / RUN_STAMP).is_file():
        return True
    log = path / "trajectory.jsonl"
    if not log.is_file() or log.is_symlink():
        return False
    try:
        with log.open("rb") as handle:
            first = json.loads(handle.readline(1 << 16) or b"{}")
    except (OSError, ValueError):
        return False
    return isinstance(first, dict) and first.get("type") == "run_start"


def claim_run_folder(out: Path, *, overwrite: bool, command: str, flag: str = "--out") -> FolderLock:
    """Create (if needed), lock and stamp the run folder; checked again under the lock: no two processes share one."""
    check_run_folder(out, overwrite=overwrite, flag=flag)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{flag} {out}: cannot create the run folder ({exc.strerror})") from None
    lock = take_lock(out / RUN_STAMP, f"{flag} {out}")
    with _released_on_failure(lock, f"{flag} {out}: cannot write its stamp"):
        # The other process may have finished a run here between our first look and the lock.
        if (out / "trajectory.jsonl").exists() and not overwrite:
            raise ConfigError(f"{flag} {out}: already holds a run; choose another folder or pass --overwrite")
        if not os.access(out, os.W_OK):
            raise ConfigError(f"{flag} {out}: is not writable")
        lock.write_stamp({"format": RUN_FORMAT, "command": command, "pid": os.getpid(), "started": _now()})
    return lock


@contextmanager
def _released_on_failure(lock: FolderLock, cannot_write: str) -> Iterator[None]:
    """Checks and writes made under a fresh lock: any refusal lets the lock go (an OSError becomes one line)."""
    try:
        yield
    except OSError as exc:
        lock.release()
        raise ConfigError(f"{cannot_write} ({exc.strerror})") from None
    except ConfigError:
        lock.release()
        raise


# -- save directories --------------------------------------------------------------------------------------------------
def check_save_dir(dest: Path, *, flag: str = "--save-dir") -> None:
    """Refuse (read-only) a save directory whose replacement would delete something town did not write."""
    if not dest.exists():
        return
    if not dest.is_dir() or dest.is_symlink():
        raise ConfigError(f"{flag} {dest}: is not a folder town can save into (a file or a link)")
    foreign = foreign_in_save(dest)
    if foreign is not None:
        raise ConfigError(f"{flag} {dest}: {foreign}; give a new or empty folder (a save replaces its folder whole)")


def foreign_in_save(dest: Path) -> str | None:
    """Why replacing `dest` would lose someone's files (None when it is empty or holds only a town save)."""
    entries = sorted(p.name for p in dest.iterdir())
    if not entries:
        return None
    manifest = _save_manifest(dest)
    if manifest is None:
        return f"holds files town did not write (no town save {SAVE_MANIFEST})"
    listed = {SAVE_MANIFEST, *manifest}
    # What an interrupted save leaves inside its folder (a manifest being written, a state folder never named) is
    # town's own and goes with the next save.
    extra = sorted(rel for rel in _files_under(dest) if rel not in listed and not LEFTOVER_NAMES.fullmatch(rel))
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        return f"holds files the save does not list ({shown})"
    return None


def _save_manifest(dest: Path) -> set[str] | None:
    """The file names a town save's manifest lists, or None when `dest` holds no town save manifest."""
    path = dest / SAVE_MANIFEST
    if not path.is_file() or path.is_symlink():
        return None
    try:
        raw = json.loads(path.read_bytes()[: 1 << 24])
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(raw, dict) or raw.get("format") != SAVE_FORMAT or not isinstance(raw.get("files"), dict):
        return None
    return {str(name) for name in raw["files"]}


def _files_under(root: Path) -> list[str]:
    out = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder).relative_to(root)
        out += [(here / name).as_posix() for name in files]
        out += [(here / name).as_posix() + "/" for name in dirs if (Path(folder) / name).is_symlink()]
    return out


def lock_save_dir(dest: Path, *, flag: str = "--save-dir") -> FolderLock:
    """Hold the save directory for this process (the lock file sits beside it: the directory itself is replaced)."""
    parent = dest.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{flag} {dest}: cannot create {parent} ({exc.strerror})") from None
    lock = take_lock(save_lock_path(dest), f"{flag} {dest}")
    with _released_on_failure(lock, f"{flag} {dest}: cannot write its lock file"):
        lock.write_stamp({"format": "town-save-lock", "pid": os.getpid(), "started": _now()})
        check_save_dir(dest, flag=flag)
    return lock


def save_lock_path(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.lock"


# -- keeping folders apart ---------------------------------------------------------------------------------------------
def check_apart(named: dict[str, Path | None]) -> None:
    """Folders a run writes must differ and not nest (an autosave replaces its whole folder, and whatever is inside)."""
    items = [(flag, path.resolve()) for flag, path in named.items() if path is not None]
    for i, (flag_a, a) in enumerate(items):
        for flag_b, b in items[i + 1 :]:
            if a == b:
                raise ConfigError(f"{flag_a} and {flag_b} are the same folder ({a}); give each its own")
            if a.is_relative_to(b) or b.is_relative_to(a):
                (inner, inside), (outer, around) = (
                    ((flag_a, a), (flag_b, b)) if a.is_relative_to(b) else ((flag_b, b), (flag_a, a))
                )
                raise ConfigError(f"{inner} {inside} is inside {outer} {around}; give folders that do not nest")


def check_owned_output(out: Path, marker: str, flag: str) -> None:
    """An output folder (population, report, experiment) is new, empty, or carries `marker` from an earlier write."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"{flag} {out}: is a file, not a folder")
    if (out / marker).is_file() or not any(out.iterdir()):
        return
    raise ConfigError(f"{flag} {out}: holds files town did not write (no {marker}); choose a new or empty folder")


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
