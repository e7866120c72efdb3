#!/usr/bin/env bash
# Regenerates the shipped program (solvers/batt.c, solvers/batt_program.h) from the
# manifest solvers/batt.yaml with the card of build/ (built first).
#   scripts/regen.sh           regenerate in place
#   scripts/regen.sh --check   fail if the checked-in files differ from what card emits
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build >/dev/null
if [ "${1:-}" = "--check" ]; then
  # emitted beside, never over the checked-in files: an interrupted check changes nothing
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  build/gen/card emit --manifest solvers/batt.yaml -o "$tmp/batt.c" --header "$tmp/batt_program.h"
  status=0
  for f in batt.c batt_program.h; do
    if ! cmp -s "solvers/$f" "$tmp/$f"; then
      echo "regen: solvers/$f is stale: it differs from what card emits from solvers/batt.yaml" >&2
      diff -u "solvers/$f" "$tmp/$f" | head -20 >&2 || true
      status=1
    fi
  done
  [ $status -eq 0 ] && echo "regen: solvers/batt.c is up to date"
  exit $status
fi
build/gen/card emit --manifest solvers/batt.yaml
echo "regen: wrote solvers/batt.c and solvers/batt_program.h"
