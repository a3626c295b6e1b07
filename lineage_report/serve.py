"""Placeholder for the `serve` subcommand (being written)."""


def register(subparsers) -> None:
    """Add no parser yet."""
