#!/usr/bin/env bash
# GPU tests and benchmarks: kernels against the twins, whole-program runs on the GPU, every
# kernel's throughput, the sweep on the CPU, one GPU worker, one without the pool and two
# workers, and a profiled run; everything goes to a report with the device, date, commit
# and commands.
#
# A GPU machine often has no compiler, meson or development libraries, so the work is in
# two steps:
#   scripts/gpu-bench.sh bundle [DIR]        here (nvcc, meson): builds with CUDA and puts
#                                            the binaries, the shared libraries they load
#                                            and a record of the commit in DIR
#                                            (default gpu-bundle/, ignored by git)
#   scripts/gpu-bench.sh run [DIR] [REPORT]  on the GPU machine, in a copy of this tree
#                                            with DIR beside it: runs the bundle, nothing
#                                            built; default REPORT
#                                            bench/results/<date>-<gpu>.md
#   scripts/gpu-bench.sh [REPORT]            both, on one machine that has everything
# Without a usable GPU `run` says why and exits 77.
set -euo pipefail
cd "$(dirname "$0")/.."

bundle() {
  local out=${1:-gpu-bundle} dir=build-gpu
  scripts/build.sh "$dir" -Dcuda=enabled
  rm -rf "$out"
  mkdir -p "$out/bin" "$out/lib"
  local bins=("$dir/tests/test_kernels" "$dir/tests/test_device" "$dir/bench/kernels" "$dir/runner/batt")
  cp "${bins[@]}" "$out/bin/"
  # the libraries they load that a bare machine may lack (the C library and the loader
  # are the machine's own; the CUDA runtime is linked in statically)
  ldd "${bins[@]}" | awk '/=> \// {print $3}' | sort -u | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | ld-linux*) ;;
      *) cp -L "$lib" "$out/lib/" ;;
    esac
  done
  git rev-parse --short HEAD >"$out/commit" 2>/dev/null || echo unknown >"$out/commit"
  git status --porcelain --untracked-files=no | grep -q . && echo "(with local changes)" >>"$out/commit"
  echo "gpu-bench: bundle in $out: $(ls "$out/bin" | tr '\n' ' ')+ $(ls "$out/lib" | wc -l) libraries"
}

run_bundle() {
  local dir=${1:-gpu-bundle} report=${2:-}
  local bin=$dir/bin
  [ -x "$bin/batt" ] || { echo "gpu-bench: no bundle in $dir (scripts/gpu-bench.sh bundle $dir)" >&2; exit 2; }
  export LD_LIBRARY_PATH="$PWD/$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local devices
  devices=$("$bin/batt" devices 2>&1 || true)
  if ! grep -q '^cuda:' <<<"$devices"; then
    echo "gpu-bench: no usable CUDA device: $devices" >&2
    exit 77
  fi
  local gpu slug
  gpu=$(grep -m1 '^cuda:0' <<<"$devices" | sed 's/^cuda:0: *//; s/,.*//')
  slug=$(tr 'A-Z ' 'a-z-' <<<"$gpu" | tr -cd 'a-z0-9-')
  report=${report:-bench/results/$(date -u +%Y-%m-%d)-${slug:-gpu}.md}
  local log status=0
  log=$(mktemp)
  run() { # one command, its output in the report
    echo "\$ $*" >>"$log"
    "$@" >>"$log" 2>&1 || { echo "(exit $?)" >>"$log"; status=1; }
    echo >>"$log"
  }
  local data=data/arc-agi-1
  run "$bin/test_kernels" "$data"
  run "$bin/test_device" cuda "$data"
  run "$bin/kernels" --slots 16384 --reps 20 --no-sweep
  run "$bin/kernels" --slots 1024 --reps 3
  run "$bin/batt" run --device cuda --no-progress --profile 12 "$data/training" "$data/evaluation"
  {
    echo "# GPU tests and benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Device: $gpu. Host: $(nproc) cores, $(uname -m)."
    echo "Commit: $(tr '\n' ' ' <"$dir/commit"). Command: scripts/gpu-bench.sh run $dir (bundle built by scripts/gpu-bench.sh bundle)"
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
  return $status
}

case "${1:-}" in
  bundle) bundle "${2:-}" ;;
  run) run_bundle "${2:-}" "${3:-}" ;;
  -h | --help) sed -n '2,19p' "$0" ;;
  *) bundle gpu-bundle && run_bundle gpu-bundle "${1:-}" ;;
esac
