"""The `town` subcommands, one module each; `town.cli` parses the command line and dispatches here."""
