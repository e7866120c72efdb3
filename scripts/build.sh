#!/usr/bin/env bash
# Configures (once) and builds batt in build/ (or the directory given as $1, with any
# further arguments passed to meson setup). nvcc is used when /usr/local/cuda has it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
[ -x /usr/local/cuda/bin/nvcc ] && export PATH="/usr/local/cuda/bin:$PATH"
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
echo "build: $dir ready"
