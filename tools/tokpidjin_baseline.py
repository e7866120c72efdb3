#!/usr/bin/env python3
"""Own-task baseline of a tokpidjin solver library under tokpidjin's own Python.

Every solve_<id> of the solver file is run on the task <id>.json of the ARC data folder
(ARC-AGI-2 training for tokpidjin's solvers_pre.py), the way tokpidjin's tools call them:
S is the tuple of the task's train pairs (input grid, output grid), grids as tuples of tuples,
I a train or test input, C None. A task counts as solved when every test output is produced.

  python3 tools/tokpidjin_baseline.py --tokpidjin DIR --tasks DATA/arc-agi-2/training \
      [--solvers FILE] [--out outcomes.tsv] [--limit 10] [--jobs 2] [--canonical]

DIR is a tokpidjin checkout (its dsl.py, constants.py, arc_types.py, safe_dsl.py are imported
from there; --solvers defaults to DIR/solvers_pre.py). The output lists one task a line:
  <task> <solved|unsolved|missing> <train right>/<train total> <test right>/<test total> <note>
"""
import argparse
import json
import os
import re
import signal
import sys
from multiprocessing import Pool

_G = {}


class _Timeout(BaseException):
    """Not an Exception: tokpidjin's safe wrappers catch those and would turn the timeout
    into a default the solver goes on with."""


def _alarm(signum, frame):
    raise _Timeout()


def _setup(tok, solvers, canonical=False):
    os.environ.setdefault('EXPECT_GPU', '0')
    sys.path.insert(0, tok)
    if canonical:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import record_tokpidjin
        record_tokpidjin.load_dsl(tok, 'dsl', emulate=True, safe=True)
    import importlib.util
    spec = importlib.util.spec_from_file_location('tok_solvers', solvers)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    _G['mod'] = mod
    signal.signal(signal.SIGALRM, _alarm)


def _grid(g):
    return tuple(tuple(r) for r in g)


def _run_task(args):
    task_id, path, limit = args
    fn = getattr(_G['mod'], 'solve_' + task_id)
    with open(path) as f:
        task = json.load(f)
    train = [(_grid(p['input']), _grid(p['output'])) for p in task['train']]
    test = [(_grid(p['input']), _grid(p['output'])) for p in task['test'] if 'output' in p]
    S = tuple(train)
    notes = []

    def score(pairs):
        n = 0
        for I, O in pairs:
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                r = fn(S, I, None)
                n += (r == O)
            except _Timeout:
                notes.append('timeout')
            except Exception as e:  # noqa: BLE001 - the solver's error is an outcome
                notes.append('error:' + type(e).__name__)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        return n

    tr = score(train)
    te = score(test)
    state = 'solved' if test and te == len(test) else 'unsolved'
    return (task_id, state, '%d/%d' % (tr, len(train)), '%d/%d' % (te, len(test)),
            ','.join(sorted(set(notes))) or '-')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tokpidjin', required=True)
    ap.add_argument('--tasks', required=True)
    ap.add_argument('--solvers')
    ap.add_argument('--out')
    ap.add_argument('--limit', type=float, default=10.0)
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--canonical', action='store_true',
                    help="iterate every set of dsl.py in canonical order (the AST rewrite of "
                         "tools/record_tokpidjin.py) instead of CPython's hash order")
    a = ap.parse_args()
    tok = os.path.abspath(a.tokpidjin)
    solvers = os.path.abspath(a.solvers or os.path.join(tok, 'solvers_pre.py'))
    with open(solvers) as f:
        ids = re.findall(r'^def solve_([0-9a-f]+)\(', f.read(), re.M)
    work, rows = [], []
    for t in ids:
        p = os.path.join(a.tasks, t + '.json')
        if os.path.exists(p):
            work.append((t, p, a.limit))
        else:
            rows.append((t, 'missing', '-', '-', '-'))
    with Pool(a.jobs, initializer=_setup, initargs=(tok, solvers, a.canonical)) as pool:
        rows += pool.map(_run_task, work, chunksize=1)
    rows.sort()
    text = ''.join(' '.join(r) + '\n' for r in rows)
    if a.out:
        with open(a.out, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    present = sum(r[1] != 'missing' for r in rows)
    solved = sum(r[1] == 'solved' for r in rows)
    print('solvers %d, tasks present %d, solved %d' % (len(rows), present, solved),
          file=sys.stderr)


if __name__ == '__main__':
    main()
