#!/usr/bin/env bash
# Build the site; STRICT=true fails the step on any problem (after the site is written).
set -euo pipefail
args=(build "$SOURCE" -o "$OUTPUT")
[ -n "${BASE_URL:-}" ] && args+=(--base-url "$BASE_URL")
[ "${STRICT:-false}" = "true" ] && args+=(--strict)
# The commit time as the report time: the same commit gives a byte-identical site.
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git -C "$SOURCE" rev-parse >/dev/null 2>&1; then
  SOURCE_DATE_EPOCH=$(git -C "$SOURCE" log -1 --format=%ct) && export SOURCE_DATE_EPOCH
fi
status=0
lineage-report "${args[@]}" || status=$?
echo "site=$OUTPUT" >> "$GITHUB_OUTPUT"
exit "$status"
