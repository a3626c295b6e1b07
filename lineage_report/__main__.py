"""Run the command line as `python -m lineage_report`."""

from .cli import run

run()
