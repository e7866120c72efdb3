#!/usr/bin/env python3
"""Checks that two results files (batt run --out) of the same program and tasks differ only
where the first hit a limit that the second did not:

  python3 tools/limit_diff.py BEFORE.json AFTER.json BEFORE_LARGER.json

BEFORE and AFTER: the runs before and after a change, with the same options. BEFORE_LARGER:
the run before the change with a larger limit (--max-mib, --max-steps, --max-elems). Every
result where BEFORE and AFTER differ must be a LimitError in BEFORE and equal, in AFTER, to
the result of BEFORE_LARGER. Prints the count; exit status 1 when a difference is not of
that kind (each listed).
"""
import json
import sys


def outcome(item, solver):
    r = item["results"][solver]
    if "out" in r:
        return ("out", json.dumps(item["outputs"][r["out"]], sort_keys=True), r.get("verdict"))
    return ("result", json.dumps(r, sort_keys=True))


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    a, b, c = (json.load(open(p)) for p in argv[1:])
    differ = unexplained = 0
    for ta, tb, tc in zip(a["tasks"], b["tasks"], c["tasks"]):
        for ia, ib, ic in zip(ta["items"], tb["items"], tc["items"]):
            for solver in ia["results"]:
                va, vb = outcome(ia, solver), outcome(ib, solver)
                if va == vb:
                    continue
                differ += 1
                if ia["results"][solver].get("error") == "LimitError" and vb == outcome(ic, solver):
                    continue
                unexplained += 1
                print(f"{ta['id']} {ia['kind']} {ia['index']} {solver}: {str(va)[:80]} -> {str(vb)[:80]}")
    print(f"{differ} results differ; {differ - unexplained} were LimitErrors that now give the result "
          f"of the larger limit; {unexplained} otherwise")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
