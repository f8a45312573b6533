"""Command-line options shared by the commands: the run configuration from flags, or from a save."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from town.core.errors import ConfigError

EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
EXIT_USER_ERROR = 2  # a one-line error about the user's input or folders

# Flags that override fields of RunConfig of the same name (a flag a command lacks is simply absent).
CONFIG_FLAGS = (
    "agents",
    "hours",
    "seed",
    "model",
    "api_base",
    "out",
    "map",
    "personas",
    "embedder",
    "embedder_api_base",
    "index",
    "cache",
    "cache_path",
    "fake_latency_s",
    "overwrite",
    "autosave_minutes",
    "save_dir",
)

# Flags about talking to the provider (every command that calls a model has them): RunConfig fields, and fields of
# the gateway settings (RunConfig.gateway) of the same name.
PROVIDER_FLAGS = ("preflight", "preflight_timeout_s")
GATEWAY_FLAGS = ("structured", "timeout_s", "concurrency", "outage_budget_s")


def provider_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The provider flags that were given, as RunConfig overrides."""
    overrides: dict[str, Any] = {k: getattr(args, k) for k in PROVIDER_FLAGS if getattr(args, k, None) is not None}
    gateway = {k: getattr(args, k) for k in GATEWAY_FLAGS if getattr(args, k, None) is not None}
    if getattr(args, "endpoint_concurrency", None) is not None:
        gateway["endpoint_concurrency"] = {"*": args.endpoint_concurrency}
    if gateway:
        overrides["gateway"] = gateway
    return overrides


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {k: getattr(args, k, None) for k in CONFIG_FLAGS if getattr(args, k, None) is not None}
    return overrides | provider_overrides(args)


def config_from_args(args: argparse.Namespace, command: str) -> Any:
    """The run configuration: --config (if any) with flags on top, and a fresh timestamped folder unless named."""
    from town.runtime.config import load_run_config, validate_run_config  # noqa: PLC0415

    if args.out is None and not (args.config and "out" in _config_keys(args.config)):
        args.out = Path("runs") / datetime.now().strftime(f"{command}-%Y%m%d-%H%M%S")
    overrides = _overrides(args)
    return load_run_config(args.config, overrides) if args.config else validate_run_config(overrides, "command line")


def resume_config(args: argparse.Namespace, command: str = "run") -> Any:
    """The saved configuration with the flags a resume may change; a fresh timestamped folder unless --out."""
    from town.persistence.saving import load_for_resume  # noqa: PLC0415

    if args.config is not None:
        raise ConfigError("--resume takes its configuration from the save; drop --config")
    if args.out is None:
        args.out = Path("runs") / datetime.now().strftime(f"{command}-resumed-%Y%m%d-%H%M%S")
    return load_for_resume(args.resume, _overrides(args))


def _config_keys(path: Path) -> set[str]:
    """Top-level keys of a config file (to know whether it names an output folder); errors surface when it is loaded."""
    from agents.settings_files import load_settings_file  # noqa: PLC0415

    try:
        raw = load_settings_file(path, "config", ConfigError)
    except ConfigError:
        return set()
    return set(raw) if isinstance(raw, dict) else set()


def window_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {text!r}: expected WIDTHxHEIGHT, like 1280x720") from None
    return width, height
