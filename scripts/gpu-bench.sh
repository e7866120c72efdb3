#!/usr/bin/env bash
# On a machine with a CUDA GPU: builds with CUDA, runs the GPU tests (kernels against the
# twins, whole-program runs on the GPU) and the benchmark (every kernel, then the sweep on
# the CPU, one GPU worker, one without the pool, two workers), and writes everything with
# the device, date and commands to a report.
#   scripts/gpu-bench.sh [REPORT]   default REPORT: bench/results/<date>-<gpu>.md
# Without a usable GPU it says why and exits 77.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
scripts/build.sh "$dir" -Dcuda=enabled
devices=$("$dir/runner/batt" devices 2>&1 || true)
if ! grep -q '^cuda:' <<<"$devices"; then
  echo "gpu-bench: no usable CUDA device: $devices" >&2
  exit 77
fi
gpu=$(grep -m1 '^cuda:0' <<<"$devices" | sed 's/^cuda:0: *//; s/,.*//')
slug=$(tr 'A-Z ' 'a-z-' <<<"$gpu" | tr -cd 'a-z0-9-')
report=${1:-bench/results/$(date -u +%Y-%m-%d)-${slug:-gpu}.md}
log=$(mktemp)
status=0
run() { # one command, its output in the report
  echo "\$ $*" >>"$log"
  "$@" >>"$log" 2>&1 || { echo "(exit $?)" >>"$log"; status=1; }
  echo >>"$log"
}
run meson test -C "$dir" kernels device_cuda --print-errorlogs --verbose
run "$dir/bench/kernels" --slots 16384 --reps 20 --no-sweep
run "$dir/bench/kernels" --slots 1024 --reps 3
run "$dir/runner/batt" run --device cuda --no-progress --profile 12
{
  echo "# GPU tests and benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Device: $gpu. Host: $(nproc) cores, $(uname -m)."
  echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown). Command: scripts/gpu-bench.sh"
  echo
  echo '```'
  echo "$devices"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  echo
  cat "$log"
  echo '```'
} >"$report"
rm -f "$log"
echo "gpu-bench: wrote $report$([ $status = 0 ] || echo ' (a command failed: see it there)')"
exit $status
