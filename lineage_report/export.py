"""Placeholder for the `export` subcommand (being written)."""


def register(subparsers) -> None:
    """Add no parser yet."""
