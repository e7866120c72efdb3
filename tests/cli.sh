#!/usr/bin/env bash
# The command lines of card and batt: an output path (-o) that is also an input is refused
# before anything is written, directly or through a symbolic link, for every command that
# writes; --help and -h anywhere give the usage on stdout with status 0, --version the
# version, an unknown option status 2 with the usage on stderr.
#   cli.sh CARD BATT SOLVER_FILE
set -u
card=$1
batt=$2
src=$3
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
[ $fail -eq 0 ] && echo "cli: -o onto an input refused (mutate, emit, build; directly and through a link); --help, -h, --version, unknown options"
exit $fail
