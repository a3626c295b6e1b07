"""Run the command line as `python -m lineage_report`."""

import sys

from .cli import main

sys.exit(main())
