#!/usr/bin/env bash
# The emulator under ThreadSanitizer (one OS thread per CUDA thread, real barriers): its own
# checks and the project's kernels on a few grids give no report, and the planted race (a
# thread reads its neighbour's shared memory without a barrier, emu_test_kernels.cuh) is
# reported.
#   tsan_check.sh TEST_EMU_TSAN
set -u
bin=$1
if [ "$bin" = --no-tsan ]; then
  echo "skipped: clang++ has no ThreadSanitizer runtime (scripts/setup.sh installs libclang-rt-14-dev)"
  exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 ${TSAN_OPTIONS:-}"
fail=0
for mode in semantics kernels; do
  "$bin" $mode >"$out" 2>&1
  rc=$?
  reports=$(grep -c 'WARNING: ThreadSanitizer' "$out")
  grep -E '^test_emu' "$out"
  if [ $rc -ne 0 ] || [ "$reports" -ne 0 ]; then
    echo "FAIL: test_emu $mode under ThreadSanitizer: exit $rc, $reports reports"
    cat "$out"
    fail=1
  else
    echo "tsan: test_emu $mode: 0 reports"
  fi
done
"$bin" race >"$out" 2>&1
rc=$?
races=$(grep -c 'WARNING: ThreadSanitizer: data race' "$out")
if [ "$races" -ge 1 ] && [ $rc -eq 66 ] && grep -q 'neighbour_kernel' "$out"; then
  echo "tsan: the planted race: $races data race reports in neighbour_kernel, exit $rc (as it must)"
  grep -m 4 -E 'WARNING: ThreadSanitizer|neighbour_kernel' "$out"
else
  echo "FAIL: the planted race was not reported (exit $rc, $races reports)"
  cat "$out"
  fail=1
fi
exit $fail
