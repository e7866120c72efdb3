#!/usr/bin/env bash
# Formats the C, header and CUDA sources with clang-format (.clang-format), or checks them.
#   scripts/format.sh          rewrite the files in place
#   scripts/format.sh --check  list the files clang-format would change; fail if any
# The generated program (solvers/batt.c, solvers/batt_program.h) is card's output, not
# formatted here.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format not found (scripts/setup.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cu' '*.cuh' '*.cc' | grep -v -e '^solvers/batt\.c$' -e '^solvers/batt_program\.h$')
if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "format: ${#bad[@]} file(s) differ from clang-format's layout (scripts/format.sh fixes them):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files as clang-format lays them out"
  exit 0
fi
clang-format -i "${files[@]}"
echo "format: ${#files[@]} files formatted"
