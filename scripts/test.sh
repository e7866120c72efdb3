#!/usr/bin/env bash
# Builds and runs the test suite, then prints one line "N passed, N failed, N skipped".
#   scripts/test.sh              the default build in build/
#   scripts/test.sh --asan       in build-asan/ with AddressSanitizer and UBSan
#   scripts/test.sh --valgrind   in build/, every test under valgrind (leaks are errors)
#   scripts/test.sh --nocuda     in build-nocuda/, configured with -Dcuda=disabled
#   scripts/test.sh --emu        in build/, only the CUDA tests on the CUDA emulator (suite
#                                emu, clang++: tests/emu, docs/cuda.md); the others leave them out
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-default}
case "$mode" in
  default) dir=build; setup_args=(); test_args=(--no-suite emu) ;;
  --asan) dir=build-asan; setup_args=(-Db_sanitize=address,undefined -Db_lundef=false -Demu=disabled)
    test_args=(--no-suite emu)
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    export ASAN_OPTIONS=detect_leaks=1:protect_shadow_gap=0 ;;
  --nocuda) dir=build-nocuda; setup_args=(-Dcuda=disabled -Demu=disabled); test_args=(--no-suite emu) ;;
  --valgrind) dir=build; setup_args=(); test_args=(--setup=valgrind --timeout-multiplier=20)
    export BATT_SOUNDNESS_TASKS=40 BATT_DEVICE_TASKS=10 ;;
  --emu) dir=build; setup_args=(); test_args=(--suite emu)
    if ! command -v clang++ >/dev/null; then
      echo "emu: skipped: clang++ not found (scripts/setup.sh installs clang)"
      exit 0
    fi ;;
  *) echo "usage: scripts/test.sh [--asan|--valgrind|--nocuda|--emu]" >&2; exit 2 ;;
esac
scripts/build.sh "$dir" "${setup_args[@]}"
status=0
meson test -C "$dir" --print-errorlogs --verbose "${test_args[@]}" || status=$?
log=testlog.json
[ "$mode" = --valgrind ] && log=testlog-valgrind.json
python3 scripts/test_summary.py "$dir/meson-logs/$log"
exit $status
