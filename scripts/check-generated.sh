#!/usr/bin/env bash
# Regenerates every generated file (supergraph, codegen output) and fails if any differs from what is
# checked in: generated files are never edited by hand, and never left stale. Also checks that the two copies
# of the ERP WSDLs are the same.
set -euo pipefail
cd "$(dirname "$0")/.."
generated=(schema/supergraph.graphql subgraphs/*/__generated__ operations/manifest.json)
npm run --silent generate >/dev/null
if ! git diff --quiet --exit-code -- "${generated[@]}" || [ -n "$(git ls-files --others --exclude-standard -- "${generated[@]}")" ]; then
  echo "Generated files are stale; run 'npm run generate' and commit the result:" >&2
  git status --short -- "${generated[@]}" >&2
  exit 1
fi
# The ERP subgraph keeps its own copy of the WSDLs (it never reads emulator files): the two must say the same.
if ! diff -r subgraphs/erp/wsdl emulators/erp-soap/wsdl >/dev/null; then
  echo "The ERP WSDL copies differ; subgraphs/erp/wsdl and emulators/erp-soap/wsdl must be identical:" >&2
  diff -rq subgraphs/erp/wsdl emulators/erp-soap/wsdl >&2 || true
  exit 1
fi
echo "Generated files are up to date; the ERP WSDL copies match."
