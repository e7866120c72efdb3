#!/usr/bin/env bash
# Specialised closures: the program card builds by default (closures of known structure
# through their own code, runtime/spec.h) and the one built with --no-spec (every closure
# through the generic call) write byte-identical results files, with the default limits
# and with step, size and memory limits small enough that many calls end in a LimitError at the
# same step; the specialised program's C does specialise lines and closures made inside
# closures, and --no-spec's does not.
#   spec.sh CARD SOLVER_FILE TASK_DIR
set -u
card=$1
src=$2
tasks=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
if ! "$card" emit "$src" -o "$dir/spec.c" || ! "$card" emit --no-spec "$src" -o "$dir/plain.c"; then
  echo "FAIL: card emit $src"; exit 1
fi
grep -q 'bt_exec_call_code' "$dir/spec.c" || { echo "FAIL: no line of $src gives its closures code"; fail=1; }
grep -q 'bt_sp_tag' "$dir/spec.c" || { echo "FAIL: no closure made inside a closure gets code"; fail=1; }
grep -q 'bt_exec_call_code\|bt_sp_' "$dir/plain.c" && { echo "FAIL: --no-spec still specialises"; fail=1; }
if ! "$card" build "$src" -o "$dir/spec" >/dev/null || ! "$card" build --no-spec "$src" -o "$dir/plain" >/dev/null; then
  echo "FAIL: card build $src"; exit 1
fi
for limits in "" "--max-steps 40" "--max-steps 400" "--max-steps 4000" "--max-elems 30" "--max-mib 1"; do
  # shellcheck disable=SC2086
  "$dir/spec" run --threads 1 --no-progress $limits --out "$dir/spec.json" "$tasks" >/dev/null 2>&1
  # shellcheck disable=SC2086
  "$dir/plain" run --threads 1 --no-progress $limits --out "$dir/plain.json" "$tasks" >/dev/null 2>&1
  if [ ! -s "$dir/spec.json" ] || ! cmp -s "$dir/spec.json" "$dir/plain.json"; then
    echo "FAIL: results differ with limits '$limits'"; fail=1
  fi
  grids=$(grep -o '"grid"' "$dir/spec.json" | wc -l)
  limited=$(grep -o 'LimitError' "$dir/spec.json" | wc -l)
  echo "limits '$limits': identical results files, $grids grids, $limited LimitErrors"
  if [ -n "$limits" ] && [ "$limited" -eq 0 ]; then
    echo "FAIL: limits '$limits' stopped no call: the comparison does not test the step counts"; fail=1
  fi
done
[ $fail -eq 0 ] && echo "spec: specialised and generic closure calls give the same results"
exit $fail
