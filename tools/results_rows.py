#!/usr/bin/env python3
"""Writes a batt results file (batt run --out) as outcome rows, one JSON line per
(solver, task, split, i):

  {"solver": "solve_x", "task": "<task id>", "split": "train"|"test", "i": N,
   "r": "ok:<sha1 of the canonical text>" | "error:<ExceptionName>", "grid": bool, "hit": bool}

The canonical text of a value: ints in decimal, true/false, null, tuples [a,b], sets {a,b}
(batt writes them in canonical order already), a function by its Python name: a primitive's
name, '<lambda>' for a closure (arc-dsl's constructors return lambdas). No whitespace.
Rows in this form compare with those of a reference run of the Python DSL in canonical set
order (docs/testing.md).

  python3 tools/results_rows.py RESULTS.json > rows.jsonl
"""
import hashlib
import json
import sys


def text(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        if 'grid' in v:
            return '[' + ','.join('[' + ','.join(str(c) for c in row) + ']' for row in v['grid']) + ']'
        if 'tuple' in v:
            return '[' + ','.join(text(e) for e in v['tuple']) + ']'
        if 'set' in v:
            return '{' + ','.join(text(e) for e in v['set']) + '}'
        if 'none' in v:
            return 'null'
        if 'fn' in v:
            return '<lambda>' if v.get('args') else v['fn']
    raise ValueError('not a value: %r' % (v,))


def is_grid(v):
    return isinstance(v, dict) and 'grid' in v and all(0 <= c <= 9 for row in v['grid'] for c in row)


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    with open(sys.argv[1]) as f:
        res = json.load(f)
    if res.get('format') != 'batt-results-1':
        print('%s: not a batt results file' % sys.argv[1], file=sys.stderr)
        return 1
    out = sys.stdout
    for task in res['tasks']:
        for item in task['items']:
            outputs = [None] * len(item['outputs'])
            for solver, r in item['results'].items():
                if 'error' in r:
                    row = dict(r='error:' + r['error'], grid=False, hit=False)
                else:
                    k = r['out']
                    if outputs[k] is None:
                        v = item['outputs'][k]
                        outputs[k] = 'ok:' + hashlib.sha1(text(v).encode()).hexdigest(), is_grid(v)
                    h, g = outputs[k]
                    row = dict(r=h, grid=g, hit=r.get('verdict') == 'match')
                row = dict(solver=solver, task=task['id'], split=item['kind'], i=item['index'], **row)
                out.write(json.dumps(row, separators=(',', ':')) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
