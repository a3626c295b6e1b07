#!/usr/bin/env bash
# Write the audit snapshot when SNAPSHOT names a zip; its digest becomes the step's output.
set -euo pipefail
[ -n "${SNAPSHOT:-}" ] || exit 0
log=$(mktemp)
lineage-report snapshot "$SOURCE" -o "$SNAPSHOT" | tee "$log"
digest=$(sed -n 's/^snapshot digest: \(sha256:[0-9a-f]*\).*/\1/p' "$log" | head -n 1)
echo "digest=$digest" >> "$GITHUB_OUTPUT"
