#!/usr/bin/env bash
# Post the diff report as one comment on the pull request, or update the one posted before
# (found by its hidden marker), so a PR never collects a comment per push.
set -euo pipefail
[ "${COMMENT:-true}" = "true" ] && [ -n "${REPORT:-}" ] && [ -n "${PR_NUMBER:-}" ] || exit 0
marker="<!-- lineage-report-diff -->"
body=$(mktemp)
{ echo "$marker"; cat "$REPORT"; } > "$body"
existing=$(gh api "repos/$REPOSITORY/issues/$PR_NUMBER/comments" --paginate \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/$REPOSITORY/issues/comments/$existing" -F "body=@$body" > /dev/null
  echo "updated comment $existing"
else
  gh api --method POST "repos/$REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$body" > /dev/null
  echo "posted a comment on #$PR_NUMBER"
fi
