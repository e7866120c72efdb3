#!/usr/bin/env bash
# The command lines of card and batt: an output path (-o) that is also an input is refused
# before anything is written, directly or through a symbolic link, for every command that
# writes; --help and -h anywhere give the usage on stdout with status 0, --version the
# version, an unknown option status 2 with the usage on stderr; SIGTERM to card build stops
# the compiler and leaves no temporary directory and no output; SIGTERM to batt while it
# writes its results file leaves no temporary file but the checkpoint; a run interrupted,
# then resumed, writes the results file of an uninterrupted run.
#   cli.sh CARD BATT SOLVER_FILE SHIPPED_SOLVERS_DIR
set -u
card=$1
batt=$2
src=$3
shipped=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$src" "$dir/in.py"
ln -s in.py "$dir/link.py"
fail=0
for cmd in mutate emit build; do
  for out in "$dir/in.py" "$dir/link.py"; do
    if "$card" "$cmd" "$dir/in.py" -o "$out" 2>"$dir/err"; then
      echo "FAIL: card $cmd -o $(basename "$out") succeeded"; fail=1
    elif ! grep -q "is also an input" "$dir/err"; then
      echo "FAIL: card $cmd -o $(basename "$out"): unexpected message:"; cat "$dir/err"; fail=1
    fi
    if ! cmp -s "$src" "$dir/in.py"; then
      echo "FAIL: card $cmd -o $(basename "$out") changed the input"; fail=1
      cp "$src" "$dir/in.py"
    fi
  done
done
"$card" mutate "$dir/in.py" -o "$dir/out.py" 2>/dev/null || { echo "FAIL: card mutate to a new file"; fail=1; }
for line in "$card --help" "$card -h" "$card check --help" "$batt --help" "$batt -h" "$batt run --help" \
            "$batt run --threads 2 -h"; do
  $line >"$dir/out" 2>"$dir/err"
  rc=$?
  if [ $rc -ne 0 ] || ! grep -q '^usage:' "$dir/out" || ! grep -q '^exit status:' "$dir/out" || [ -s "$dir/err" ]; then
    echo "FAIL: $line: status $rc, usage and exit statuses not alone on stdout"; fail=1
  fi
done
for prog in "$card" "$batt"; do
  out=$("$prog" --version) && [[ "$out" =~ ^(card|batt)\ [0-9] ]] || { echo "FAIL: $prog --version: '$out'"; fail=1; }
  "$prog" run --no-such-option >/dev/null 2>"$dir/err"
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q "no-such-option" "$dir/err" || ! grep -q '^usage:' "$dir/err"; then
    echo "FAIL: $prog run --no-such-option: status $rc"; cat "$dir/err"; fail=1
  fi
done
# batt apply reads tasks as batt run does: the same messages
printf '{"train":[{"input":[[1,2],[3]],"output":[[1]]}],"test":[{"input":[[1]]}]}' >"$dir/ragged.json"
for task in "$dir/ragged.json" "$dir/missing.json"; do
  "$batt" apply rot90 "$task" >/dev/null 2>"$dir/apply_err"
  rc=$?
  "$batt" run --no-progress "$task" >/dev/null 2>"$dir/run_err"
  if [ $rc -ne 1 ] || ! grep -qxF "$(head -1 "$dir/apply_err")" "$dir/run_err" || grep -q -- '-1:-1' "$dir/apply_err"; then
    echo "FAIL: batt apply on $(basename "$task"): status $rc, message:"; cat "$dir/apply_err"; fail=1
  fi
done
out=$("$batt" apply rot90 "$(dirname "$src")/../tasks/good/6150a2bd.json" | head -1)
[ "$out" = 'train[0] {"grid":[[5,3,3],[0,7,3],[0,0,8]]}' ] || { echo "FAIL: batt apply output: $out"; fail=1; }

# card build makes a program that runs, whatever the build's configuration (sanitizers too)
if "$card" build "$src" -o "$dir/built" 2>"$dir/err" && "$dir/built" run --no-progress "$(dirname "$src")/../tasks/good" >/dev/null 2>&1; then
  :
else
  echo "FAIL: card build, or the program it built:"; tail -3 "$dir/err"; fail=1
fi

# SIGTERM while the compiler runs
mkdir -p "$dir/tmp" # a TMPDIR of its own: other card builds on the machine are not this one
TMPDIR="$dir/tmp" "$card" build "$shipped"/*.py -o "$dir/prog" 2>/dev/null &
pid=$!
build_dir=""
for _ in $(seq 1 400); do
  for d in "$dir"/tmp/card-build-*; do
    [ -d "$d" ] && pgrep -f "$d/batt.c" >/dev/null && build_dir=$d && break 2
  done
  sleep 0.01
done
if [ -z "$build_dir" ]; then
  echo "FAIL: card build's compiler never seen running"; fail=1
else
  kill -TERM $pid
  wait $pid
  rc=$?
  sleep 0.3
  [ $rc -eq 143 ] || { echo "FAIL: card build on SIGTERM: status $rc"; fail=1; }
  [ -e "$build_dir" ] && { echo "FAIL: card build left $build_dir"; fail=1; }
  pgrep -f "$build_dir" >/dev/null && { echo "FAIL: the compiler still runs"; fail=1; }
  [ -e "$dir/prog" ] && { echo "FAIL: card build wrote its output"; fail=1; }
fi
wait

# SIGTERM while batt writes its results file: the temporary file goes, no results file
caught=""
for attempt in 1 2 3 4 5; do
  rm -f "$dir"/res.json*
  "$batt" run --threads 2 --no-progress --out "$dir/res.json" >/dev/null 2>&1 &
  pid=$!
  while kill -0 $pid 2>/dev/null; do
    # the results file is written as the run goes: its temporary file is there from the
    # start, the checkpoint once the run has begun
    if ls "$dir"/res.json.tmp.* >/dev/null 2>&1 && [ -s "$dir/res.json.partial" ]; then
      kill -TERM $pid
      caught=yes
      break
    fi
    sleep 0.002
  done
  wait $pid
  rc=$?
  [ -n "$caught" ] && break
done
if [ -z "$caught" ]; then
  echo "note: batt wrote its results before a signal could reach it, 5 times: not checked"
else
  [ $rc -eq 143 ] || { echo "FAIL: batt run on SIGTERM while writing: status $rc"; fail=1; }
  ls "$dir"/res.json.tmp.* >/dev/null 2>&1 && { echo "FAIL: batt left $(ls "$dir"/res.json.tmp.*)"; fail=1; }
  [ -e "$dir/res.json" ] && { echo "FAIL: batt wrote res.json"; fail=1; }
  [ -e "$dir/res.json.partial" ] || { echo "FAIL: no checkpoint res.json.partial"; fail=1; }
fi

# an interrupted run, resumed, writes what an uninterrupted one writes
"$batt" run --threads 2 --no-progress --out "$dir/whole.json" >/dev/null 2>&1
rm -f "$dir"/res.json*
"$batt" run --threads 1 --no-progress --out "$dir/res.json" >/dev/null 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null && [ "$(wc -l <"$dir/res.json.partial" 2>/dev/null || echo 0)" -lt 50 ]; do sleep 0.002; done
kill -TERM $pid 2>/dev/null
wait $pid
lines=$(wc -l <"$dir/res.json.partial" 2>/dev/null || echo 0)
"$batt" run --threads 2 --no-progress --resume --out "$dir/res.json" >/dev/null 2>"$dir/err" || { echo "FAIL: --resume"; fail=1; }
cmp -s "$dir/whole.json" "$dir/res.json" || { echo "FAIL: the resumed run's results differ from an uninterrupted run's"; fail=1; }
[ -e "$dir/res.json.partial" ] && { echo "FAIL: the checkpoint stayed after the results were written"; fail=1; }
echo "resume: interrupted with $((lines - 1)) tasks in the checkpoint; $(grep -o '[0-9]* tasks resumed' "$dir/err" || echo 'no task resumed'); results identical"
[ $fail -eq 0 ] && echo "cli: batt apply reads tasks as batt run does; card build runs; -o onto an input refused (mutate, emit, build; directly and through a link); --help, -h, --version, unknown options; SIGTERM to card build and to batt writing its results; --resume"
exit $fail
