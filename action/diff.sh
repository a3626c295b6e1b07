#!/usr/bin/env bash
# On pull requests: compare the built site's lineage with the base (DIFF_AGAINST, else the
# published BASE_URL's lineage.json), write the report and the job summary. The conditions
# of FAIL_ON are only recorded here: the job fails after the comment is posted.
set -euo pipefail
[ "${EVENT_NAME:-}" = "pull_request" ] || [ "${EVENT_NAME:-}" = "pull_request_target" ] || exit 0
work=$(mktemp -d)
base="${DIFF_AGAINST:-}"
if [ -z "$base" ] && [ -n "${BASE_URL:-}" ]; then
  base="${BASE_URL%/}/lineage.json"
fi
report="$work/lineage-diff.md"
case "$base" in
  "")
    echo "No base to compare with: set diff-against or base-url." > "$report" ;;
  http://*|https://*)
    # Nothing published yet (the first pull request): compare with an empty lineage.
    curl -fsSL --max-time 60 -o "$work/base.json" "$base" \
      || echo '{"nodes": [], "edges": []}' > "$work/base.json"
    base="$work/base.json" ;;
esac
if [ -n "$base" ]; then
  args=(diff "$base" "$SITE" --format markdown --report-url "${RUN_URL:-}")
  [ -n "${FAIL_ON:-}" ] && args+=(--fail-on "$FAIL_ON")
  status=0
  lineage-report "${args[@]}" > "$report" 2> "$work/diff.err" || status=$?
  cat "$work/diff.err" >&2
  if [ "$status" -ne 0 ]; then
    if [ -s "$report" ]; then  # the comparison ran: a --fail-on condition holds
      echo "failed=$(tr '\n' ' ' < "$work/diff.err" | head -c 500)" >> "$GITHUB_OUTPUT"
    else
      exit "$status"  # the comparison itself could not run
    fi
  fi
fi
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$report" >> "$GITHUB_STEP_SUMMARY"
echo "report=$report" >> "$GITHUB_OUTPUT"
