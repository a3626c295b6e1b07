"""Placeholder for the `snapshot` subcommand (being written)."""


def register(subparsers) -> None:
    """Add no parser yet."""
