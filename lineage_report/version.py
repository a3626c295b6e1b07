"""The tool's version: one place, below every module that prints or hashes it."""

__version__ = "0.1.0"
