#!/usr/bin/env bash
# Configures (once) and builds batt in build/ (or the directory given as $1, with any
# further arguments passed to meson setup). nvcc is used when /usr/local/cuda has it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
[ -x /usr/local/cuda/bin/nvcc ] && export PATH="/usr/local/cuda/bin:$PATH"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$dir/build.ninja" ] && ! meson setup "$dir" "$@" >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
if ! ninja -C "$dir" >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
echo "build: $dir ready"
