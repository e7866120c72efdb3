#!/usr/bin/env bash
# card's command line: an output path (-o) that is also an input is refused before anything
# is written, directly or through a symbolic link, for every command that writes.
#   card_cli.sh CARD SOLVER_FILE
set -u
card=$1
src=$2
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
[ $fail -eq 0 ] && echo "card_cli: -o onto an input refused for mutate, emit and build, directly and through a link"
exit $fail
