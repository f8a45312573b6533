"""The folders one run writes, checked before anything starts and held for the whole run: `RunFolders`.

`check_run_folders` is read-only and runs before the model is even built, so a refused run writes nothing.
`open_run_folders` then locks and stamps the run folder, locks the save directory, and (when resuming) copies the
saved log in to continue from. `RunFolders.release` drops both locks when the run has closed its files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from town.core.errors import ConfigError
from town.persistence.folders import (
    FolderLock,
    check_apart,
    check_run_folder,
    check_save_dir,
    claim_run_folder,
    lock_save_dir,
)
from town.persistence.saves import LoadedSave
from town.runtime.config import RunConfig


@dataclass
class RunFolders:
    """The run folder's lock (its stamp) and, when the run autosaves, the save directory's lock."""

    out: FolderLock
    save: FolderLock | None

    def release(self) -> None:
        if self.save is not None:
            self.save.release()
        self.out.release()


def check_run_folders(config: RunConfig, resume: LoadedSave | None = None) -> None:
    """Refuse, before anything is written, folders this run may not use or that would overwrite each other."""
    saves = config.autosave_ticks > 0
    check_apart({"--out": config.out, "--save-dir": config.save_path if saves else None})
    if resume is not None:
        check_apart({"--out": config.out, "--resume": resume.path})
    if (
        saves
        and config.cache_path is not None
        and config.cache_path.resolve().is_relative_to(config.save_path.resolve())
    ):
        raise ConfigError(
            f"--cache-path {config.cache_path}: is inside --save-dir {config.save_path}, which each autosave replaces"
        )
    check_run_folder(config.out, overwrite=config.overwrite)
    if saves and not (resume is not None and resume.path.resolve() == config.save_path.resolve()):
        check_save_dir(config.save_path)


def open_run_folders(config: RunConfig, *, command: str, resume: LoadedSave | None = None) -> RunFolders:
    """Check, lock and stamp the run's folders; with `resume`, the run folder gets the saved log to continue from."""
    check_run_folders(config, resume)
    new_folder = not config.out.exists()
    out_lock = claim_run_folder(config.out, overwrite=config.overwrite, command=command)
    try:
        save_lock = lock_save_dir(config.save_path) if config.autosave_ticks > 0 else None
    except ConfigError:
        out_lock.release()
        if new_folder:  # refused after all: take back the folder and stamp this call made, nothing else
            out_lock.path.unlink(missing_ok=True)
            _remove_empty(config.out)
        raise
    folders = RunFolders(out=out_lock, save=save_lock)
    if resume is not None:
        try:
            _copy_saved_log(config, resume)
        except OSError as exc:
            folders.release()
            raise ConfigError(f"--out {config.out}: cannot copy the saved log in ({exc.strerror})") from None
    return folders


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # something else is in it now: it stays


def _copy_saved_log(config: RunConfig, loaded: LoadedSave) -> None:
    trajectory = config.out / "trajectory.jsonl"
    if loaded.trajectory is not None:
        loaded.copy_log(loaded.trajectory, trajectory)
    else:
        trajectory.write_bytes(b"")
    cache_target = config.cache_path or config.out / "llm_cache.jsonl"
    if config.cache != "off" and loaded.cache is not None and not cache_target.exists():
        loaded.copy_log(loaded.cache, cache_target)
