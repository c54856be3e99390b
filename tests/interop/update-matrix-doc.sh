#!/usr/bin/env bash
# Copies the interop matrix of the last test run (artifacts/interop-matrix.md, written by the interop tests; or the file
# given) into docs/interop.md, between its "matrix:begin" and "matrix:end" markers. Refuses a matrix with a failed or
# missing cell: the page keeps the latest complete run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
matrix=${1:-$root/artifacts/interop-matrix.md}
page=$root/docs/interop.md

[ -f "$matrix" ] || { echo "update-matrix-doc.sh: no $matrix; run: dotnet test tests/RealtimeClient.InteropTests -c Release" >&2; exit 1; }
grep -qE '^matrix: [0-9]+ pass, 0 fail, [0-9]+ n/a, 0 not run$' "$matrix" \
  || { echo "update-matrix-doc.sh: $matrix has failed or missing cells: $(grep -E '^matrix: ' "$matrix" || echo 'no totals line')" >&2; exit 1; }
grep -q '<!-- matrix:begin -->' "$page" && grep -q '<!-- matrix:end -->' "$page" \
  || { echo "update-matrix-doc.sh: $page lacks the matrix markers" >&2; exit 1; }

awk -v matrix="$matrix" '
  /<!-- matrix:begin -->/ { print; while ((getline line < matrix) > 0) print line; skipping = 1; next }
  /<!-- matrix:end -->/ { skipping = 0 }
  !skipping { print }
' "$page" > "$page.tmp"
mv "$page.tmp" "$page"
echo "update-matrix-doc.sh: $page now holds $(grep -E '^matrix: ' "$matrix")"
