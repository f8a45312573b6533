"""User-facing errors.

`TownError` is the one exception type the CLI turns into a one-line message and exit code 2: it must say what went
wrong, where (file, field, tick) and what to do. Everything else that escapes is a bug and keeps its traceback.
"""


class TownError(Exception):
    """A mistake in user input (map, persona, config, save, model choice) reported as one line."""

    def __init__(self, message: str) -> None:
        # Newlines would break the one-line contract of the CLI.
        super().__init__(" ".join(message.split()))


class MapError(TownError):
    """The map file is missing, malformed or lacks a required layer."""


class PersonaError(TownError):
    """A persona file is missing, malformed or has an invalid field."""


class ConfigError(TownError):
    """A run configuration value or file is invalid."""


class NoPathError(Exception):
    """No walkable path joins two tiles; the engine turns this into an event, never a crash."""


class SaveError(TownError):
    """A save directory is missing, damaged, of an unknown version or does not fit this town."""


class ImportSourceError(TownError):
    """Material to import (a Generative Agents checkout, a map to extend) is missing or not in the expected form."""
