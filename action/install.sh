#!/usr/bin/env bash
# Install lineage-report: PACKAGE if given (a version spec or a path), else the action's own checkout.
set -euo pipefail
python -m pip install --quiet "${PACKAGE:-$ACTION_PATH}"
lineage-report --version
