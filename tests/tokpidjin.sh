#!/usr/bin/env bash
# The tokpidjin dialect end to end, and card's choice of dialect on bad input.
#   tokpidjin.sh CARD DATA_DIR          (DATA_DIR: tests/data/tokpidjin)
# * solvers_own.py (22 solvers written for this project in the shape of tokpidjin's
#   solvers_pre.py) checks clean under --dialect tokpidjin, and run by card over their 22
#   ARC-AGI-2 training tasks each solves its own task, as tokpidjin's Python does
#   (solvers_own.expected.txt); the same with the file declaring `# dialect: tokpidjin`, and
#   through a manifest with `dialect: tokpidjin`;
# * the generated batt.py front end runs under its implied dialect;
# * an output computed from a failed call is marked "defaulted" in the results;
# * errors, each with its position: a tokpidjin name under arc-dsl, an unknown name under
#   tokpidjin, a file declaring two dialects, two files of different dialects, --dialect
#   against a file's declaration, an unknown dialect.
set -u
card=$1
data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
own="$data/solvers_own.py"

# solved tasks of a results file: the task ids whose solved_by names solve_<task>
solved() {
  grep -o '"id": "[0-9a-f]*", "solved_by": \[[^]]*\]' "$1" |
    sed -n 's/"id": "\([0-9a-f]*\)", "solved_by": \[.*"solve_\1".*/\1/p' | sort
}
want=$(awk '$2 == "solved" {print $1}' "$data/solvers_own.expected.txt" | sort)
[ "$(echo "$want" | wc -l)" -eq 22 ] || { echo "FAIL: the expectation lists $(echo "$want" | wc -l) solved tasks"; fail=1; }

"$card" check --dialect tokpidjin "$own" 2>"$dir/err" || { echo "FAIL: card check --dialect tokpidjin"; cat "$dir/err"; fail=1; }
[ -s "$dir/err" ] && { echo "FAIL: card check --dialect tokpidjin printed:"; cat "$dir/err"; fail=1; }

run_own() { # what, card arguments...
  local what=$1
  shift
  if ! "$card" run "$@" -- --no-progress --threads 2 --out "$dir/r.json" "$data/tasks" >"$dir/out" 2>"$dir/err"; then
    echo "FAIL: $what: card run failed"; cat "$dir/err"; fail=1; return
  fi
  got=$(solved "$dir/r.json")
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: solved tasks differ from tokpidjin's"; diff <(echo "$want") <(echo "$got"); fail=1
  else
    echo "ok: $what: $(echo "$got" | wc -l) of 22 own tasks solved, as tokpidjin's Python"
  fi
}
run_own "--dialect tokpidjin" --dialect tokpidjin "$own"
{ echo "# dialect: tokpidjin"; cat "$own"; } >"$dir/declared.py"
run_own "# dialect: tokpidjin" "$dir/declared.py"
cp "$own" "$dir/lib.py"
printf 'sources: [lib.py]\noutput: out.c\ndialect: tokpidjin\n' >"$dir/m.yaml"
run_own "manifest dialect: tokpidjin" --manifest "$dir/m.yaml"

# the generated batt front end implies the dialect
"$card" run "$data/batt_example.py" -- --no-progress --out "$dir/b.json" "$data/tasks" >/dev/null 2>"$dir/err" ||
  { echo "FAIL: card run batt_example.py"; cat "$dir/err"; fail=1; }

# a failed call returns its typed default, and the results say "defaulted" for the outputs
# computed from it (the call's exception), not for the others
printf '%s\n' '# dialect: tokpidjin' 'def solve_a(S, I, C):' '    O = divide(ONE, ZERO)' '    return O' \
  'def solve_b(S, I, C):' '    x1 = divide(ONE, ZERO)' '    O = size(x1)' '    return O' \
  'def solve_c(S, I, C):' '    O = mir_rot_t(I, A0)' '    return O' >"$dir/dflt.py"
if "$card" run "$dir/dflt.py" -- --no-progress --out "$dir/d.json" "$data/tasks/3c9b0459.json" >/dev/null 2>"$dir/err"; then
  a=$(grep -o '"solve_a": {[^}]*}' "$dir/d.json" | head -1)
  b=$(grep -o '"solve_b": {[^}]*}' "$dir/d.json" | head -1)
  c=$(grep -o '"solve_c": {[^}]*}' "$dir/d.json" | head -1)
  if [[ "$a" == *'"defaulted": "ZeroDivisionError"'* && "$b" == *'"defaulted": "ZeroDivisionError"'* &&
        "$c" != *defaulted* && -n "$c" ]]; then
    echo "ok: defaulted outputs: $a / $b / $c"
  else
    echo "FAIL: defaulted outputs: '$a' '$b' '$c'"; fail=1
  fi
else
  echo "FAIL: card run dflt.py"; cat "$dir/err"; fail=1
fi

expect_error() { # what, pattern, card arguments...
  local what=$1 pattern=$2
  shift 2
  if "$card" check "$@" >/dev/null 2>"$dir/err"; then
    echo "FAIL: $what: accepted"; fail=1
  elif ! grep -qE "$pattern" "$dir/err"; then
    echo "FAIL: $what: unexpected message:"; cat "$dir/err"; fail=1
  else
    echo "ok: $what: $(grep -E "$pattern" "$dir/err" | head -1)"
  fi
}
expect_error "a tokpidjin name under arc-dsl" "solvers_own.py:[0-9]+:[0-9]+: error: unknown primitive 'f_ofcolor'" "$own"
printf 'def solve_x(S, I, C):\n    x1 = f_ofcolor(I, ONE)\n    O = no_such_thing(x1)\n    return O\n' >"$dir/unknown.py"
expect_error "an unknown name under tokpidjin" "unknown.py:3:9: error: unknown primitive 'no_such_thing'" \
  --dialect tokpidjin "$dir/unknown.py"
{ echo "# dialect: tokpidjin"; cat "$own"; echo "# dialect: arc-dsl"; } >"$dir/mixed.py"
expect_error "a file declaring two dialects" "mixed.py:[0-9]+:12: error: this file mixes dialects: 'arc-dsl' here, 'tokpidjin' at line 1" \
  "$dir/mixed.py"
printf '# dialect: arc-dsl\ndef solve_y(I):\n    O = hmirror(I)\n    return O\n' >"$dir/arc.py"
expect_error "two files of different dialects" "arc.py:1:12: error: this file is in the dialect 'arc-dsl', but .*declared.py:1 is in 'tokpidjin'" \
  "$dir/declared.py" "$dir/arc.py"
expect_error "--dialect against a declaration" "declared.py:1:12: error: this file is in the dialect 'tokpidjin', but --dialect says 'arc-dsl'" \
  --dialect arc-dsl "$dir/declared.py"
expect_error "an unknown dialect" "unknown dialect 'klingon'" --dialect klingon "$own"
exit $fail
