#!/usr/bin/env bash
# Regenerates every generated file (supergraph, codegen output) and fails if any differs from what is
# checked in: generated files are never edited by hand, and never left stale.
set -euo pipefail
cd "$(dirname "$0")/.."
generated=(schema/supergraph.graphql subgraphs/*/__generated__ operations/manifest.json)
npm run --silent generate >/dev/null
if ! git diff --quiet --exit-code -- "${generated[@]}" || [ -n "$(git ls-files --others --exclude-standard -- "${generated[@]}")" ]; then
  echo "Generated files are stale; run 'npm run generate' and commit the result:" >&2
  git status --short -- "${generated[@]}" >&2
  exit 1
fi
echo "Generated files are up to date."
