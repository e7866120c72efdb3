#!/usr/bin/env python3
"""Own tasks solved by a tokpidjin solver library through batt, against tokpidjin's own Python.

  python3 tools/tokpidjin_compare.py --solvers TOK/solvers_pre.py --tasks DATA/arc-agi-2/training
      [--card build-nocuda/gen/card] [--baseline tests/data/tokpidjin/own_task_baseline_canonical.txt]
      [--threads 2] [--batt-args "--max-steps 2000000"] [--results R.json]
  python3 tools/tokpidjin_compare.py --tokpidjin TOK --tasks DATA/arc-agi-2/training --python-too

Runs `CARD run --dialect tokpidjin SOLVERS -- --own --no-progress --threads N --out R.json TASKS`
(each solve_<id> only on its own task <id>) and scores every solver whose task file is under
TASKS: train pairs right / train pairs, test pairs right / test pairs, `solved` (every test
output right) and `solved, all pairs` (every train and test output right). The baseline is a
file of tools/tokpidjin_baseline.py's outcome lines (tests/data/tokpidjin/README.md):
  <task> <solved|unsolved|missing> <train right>/<train> <test right>/<test> <errors>
With --python-too it is recomputed here instead, by
  python3 tools/tokpidjin_baseline.py --tokpidjin TOK --tasks TASKS --canonical --jobs N --out TMP
(tokpidjin's dsl.py in canonical set order; --python-limit passes its --limit; the stored file
is compared with it on the tasks present).

Prints the counts of both sides and every task where they differ (pair counts or state), with
batt's and the baseline's pair counts and, for batt, the outputs computed from a defaulted call
(results "defaulted": the failed call's exception class) and the errors. Exit status 0 when the
comparison was made, 2 when it could not be (usage, card gave no results, a baseline missing).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def fail(msg):
    print('tokpidjin_compare: ' + msg, file=sys.stderr)
    sys.exit(2)


def solver_tasks(path):
    """The task ids of the solvers solve_<id> defined in the solver file, in file order."""
    with open(path) as f:
        return re.findall(r'^def solve_([0-9a-f]+)\(', f.read(), re.M)


class Outcome:
    """One task's outcome: pair counts, and for batt the defaulted outputs and errors."""

    def __init__(self, state, train, test, note='-'):
        self.state = state          # solved | unsolved | missing | absent
        self.train = train          # (right, total) or None
        self.test = test
        self.note = note            # the baseline's error column
        self.defaulted = collections.Counter()   # exception class -> outputs
        self.errors = collections.Counter()      # exception class -> items

    @property
    def all_pairs(self):
        return (self.state != 'missing' and self.train is not None and self.test is not None
                and self.test[1] > 0 and self.train[0] == self.train[1] and self.test[0] == self.test[1])

    def key(self):
        return (self.state, self.train, self.test)

    def pairs(self):
        if self.train is None:
            return '-/- -/-'
        return '%d/%d %d/%d' % (self.train + self.test)


def read_baseline(path):
    rows = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 5:
                fail('%s:%d: not an outcome line: %r' % (path, n, line.rstrip()))
            task, state, tr, te, note = parts

            def ratio(s):
                return None if s == '-' else tuple(int(x) for x in s.split('/'))
            rows[task] = Outcome(state, ratio(tr), ratio(te), note)
    return rows


def batt_outcomes(results, tasks, folder):
    """Outcome of solve_<id> on task <id> for each id in tasks, from a results file of --own."""
    program = set(results['solvers'])
    by_id = {t['id']: t for t in results['tasks']}
    out = {}
    for tid in tasks:
        solver = 'solve_' + tid
        task = by_id.get(tid)
        if task is None:
            if os.path.exists(os.path.join(folder, tid + '.json')):
                out[tid] = Outcome('absent', None, None, 'no result (task file rejected?)')
            else:
                out[tid] = Outcome('missing', None, None)
            continue
        if solver not in program:
            out[tid] = Outcome('absent', None, None, 'not in the program')
            continue
        right = {'train': 0, 'test': 0}
        total = {'train': 0, 'test': 0}
        o = Outcome('unsolved', None, None)
        for item in task['items']:
            r = item['results'].get(solver)
            if r is None or r.get('verdict') == 'unknown':
                continue
            kind = item['kind']
            total[kind] += 1
            if 'error' in r:
                o.errors[r['error']] += 1
                continue
            right[kind] += r.get('verdict') == 'match'
            if 'defaulted' in r:
                o.defaulted[r['defaulted']] += 1
        o.train = (right['train'], total['train'])
        o.test = (right['test'], total['test'])
        if total['test'] and right['test'] == total['test']:
            o.state = 'solved'
        out[tid] = o
    return out


def run_batt(a, solvers, results_path):
    cmd = [a.card, 'run', '--dialect', 'tokpidjin', solvers, '--', '--own', '--no-progress',
           '--threads', str(a.threads), '--out', results_path] + a.batt_args.split() + [a.tasks]
    print('$ ' + ' '.join(cmd))
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    reported = None
    for line in p.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ['time'] and len(parts) > 1:
            reported = ' '.join(parts[1:])
    warnings = sum(': warning: ' in line for line in p.stderr.splitlines())
    errors = [line for line in p.stderr.splitlines() if ': error: ' in line or line.startswith('card:')]
    if p.returncode != 0 or not os.path.exists(results_path):
        print('card run exited with status %d' % p.returncode)
        for line in (errors or p.stderr.splitlines())[-20:]:
            print('  ' + line)
    if not os.path.exists(results_path):
        fail('card run wrote no results file')
    return wall, reported, warnings, p.returncode


def run_python(a, tok, tmp):
    path = os.path.join(tmp, 'baseline.txt')
    cmd = [sys.executable, os.path.join(HERE, 'tokpidjin_baseline.py'), '--tokpidjin', tok,
           '--tasks', a.tasks, '--solvers', a.solvers, '--canonical', '--jobs', str(a.threads),
           '--out', path] + (['--limit', str(a.python_limit)] if a.python_limit else [])
    print('$ ' + ' '.join(cmd))
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0 or not os.path.exists(path):
        fail('tokpidjin_baseline.py failed (%d):\n%s' % (p.returncode, p.stderr[-3000:]))
    return path, wall


def counter_text(c):
    return ', '.join('%s %d' % kv for kv in sorted(c.items())) or '-'


def compare(ids, batt, base, base_name):
    present = [t for t in ids if batt[t].state != 'missing']
    print()
    print('solvers %d, tasks present %d (no task file: %d)' % (len(ids), len(present), len(ids) - len(present)))
    absent = [t for t in present if t not in base or base[t].state == 'missing']
    if absent:
        print('tasks present here but not run in the baseline: %d (%s)' % (len(absent), ' '.join(absent)))
    print('%-34s %8s %10s' % ('', 'batt', 'baseline'))
    rows = [('solved (every test pair)', lambda o: o.state == 'solved'),
            ('solved (every train and test pair)', lambda o: o.all_pairs)]
    for name, pred in rows:
        nb = sum(pred(batt[t]) for t in present)
        nr = sum(t in base and pred(base[t]) for t in present)
        print('%-34s %8d %10d' % (name, nb, nr))
    for kind, idx in (('train', 0), ('test', 1)):
        def sums(outcomes):
            pairs = [o.train if idx == 0 else o.test for o in outcomes]
            pairs = [p for p in pairs if p is not None]
            return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        rb = sums(batt[t] for t in present)
        rr = sums(base[t] for t in present if t in base)
        print('%-34s %8s %10s' % ('%s pairs right' % kind, '%d/%d' % rb, '%d/%d' % rr))
    defaulted, errors = collections.Counter(), collections.Counter()
    for t in present:
        defaulted.update(batt[t].defaulted)
        errors.update(batt[t].errors)
    print('batt outputs from a defaulted call: %d (%s)' % (sum(defaulted.values()), counter_text(defaulted)))
    print('batt errors: %d (%s)' % (sum(errors.values()), counter_text(errors)))

    both = [t for t in present if t in base and batt[t].state == 'solved' and base[t].state == 'solved']
    differ = sorted(t for t in present if t not in base or batt[t].key() != base[t].key())
    batt_only = [t for t in differ if batt[t].state == 'solved' and (t not in base or base[t].state != 'solved')]
    base_only = [t for t in differ if t in base and base[t].state == 'solved' and batt[t].state != 'solved']
    print('solved by both %d, by batt only %d, by the baseline only %d' % (len(both), len(batt_only), len(base_only)))
    print()
    print('tasks where batt and %s differ: %d' % (base_name, len(differ)))
    if differ:
        print('%-9s %-8s %-11s   %-8s %-11s %-9s  %s' % ('task', 'batt', 'train test', 'baseline',
                                                       'train test', 'errors', 'batt notes'))
    for t in differ:
        b = batt[t]
        r = base.get(t, Outcome('absent', None, None))
        notes = []
        if b.defaulted:
            n = sum(b.defaulted.values())
            notes.append('defaulted %d/%d (%s)' % (n, b.train[1] + b.test[1], counter_text(b.defaulted)))
        if b.errors:
            notes.append('error %d/%d (%s)' % (sum(b.errors.values()), b.train[1] + b.test[1],
                                             counter_text(b.errors)))
        if b.state == 'absent':
            notes.append(b.note)
        print('%-9s %-8s %-11s   %-8s %-11s %-9s  %s' % (t, b.state, b.pairs(), r.state, r.pairs(), r.note,
                                                       '; '.join(notes) or '-'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='\n'.join(__doc__.splitlines()[1:]))
    ap.add_argument('--card', default=os.path.join(ROOT, 'build-nocuda', 'gen', 'card'),
                    help='the card program (default: %(default)s)')
    ap.add_argument('--tokpidjin', metavar='DIR',
                    help='a checkout of pierreb4/tokpidjin: its solvers_pre.py is the default --solvers, '
                         'and --python-too imports its dsl.py')
    ap.add_argument('--solvers', metavar='PATH', help="the solver library (tokpidjin's solvers_pre.py)")
    ap.add_argument('--tasks', required=True, metavar='DIR', help='the ARC-AGI-2 training task folder')
    ap.add_argument('--baseline', metavar='FILE',
                    default=os.path.join(ROOT, 'tests', 'data', 'tokpidjin', 'own_task_baseline_canonical.txt'),
                    help='outcome lines of tools/tokpidjin_baseline.py (default: %(default)s)')
    ap.add_argument('--threads', type=int, default=2, metavar='N',
                    help='batt worker threads, and processes for --python-too (default: %(default)s)')
    ap.add_argument('--batt-args', default='', metavar='ARGS',
                    help="more arguments for batt run, e.g. '--max-steps 2000000'")
    ap.add_argument('--results', metavar='FILE', help="keep batt's results file here (default: a temporary file)")
    ap.add_argument('--python-too', action='store_true',
                    help="recompute the baseline with tokpidjin's Python here (tools/tokpidjin_baseline.py "
                         "--canonical; needs --tokpidjin and numpy) and compare against it")
    ap.add_argument('--python-limit', type=float, metavar='SECONDS',
                    help="--python-too: tokpidjin_baseline.py's --limit per call (default: its own). A call "
                         "past it is cut inside a safe-wrapped primitive, which may return its default and "
                         "change the outcome, so give slow solvers room")
    a = ap.parse_args()

    if not a.solvers:
        if not a.tokpidjin:
            ap.error('give --solvers or --tokpidjin')
        a.solvers = os.path.join(a.tokpidjin, 'solvers_pre.py')
    if a.python_too and not a.tokpidjin:
        ap.error('--python-too needs --tokpidjin')
    a.solvers = os.path.abspath(a.solvers)
    if not os.path.isfile(a.solvers):
        fail('no solver file %s' % a.solvers)
    if not os.path.isdir(a.tasks):
        fail('no task folder %s' % a.tasks)
    if not os.access(a.card, os.X_OK):
        fail('no card program %s (build it: ninja -C build-nocuda)' % a.card)
    if not a.python_too and not os.path.isfile(a.baseline):
        fail('no baseline file %s' % a.baseline)

    ids = solver_tasks(a.solvers)
    with tempfile.TemporaryDirectory() as tmp:
        results_path = os.path.abspath(a.results or os.path.join(tmp, 'results.json'))
        wall, reported, warnings, rc = run_batt(a, a.solvers, results_path)
        print('batt (card run): %.2f s process, %s as batt reports it; %d card warnings; exit status %d'
              % (wall, reported or '?', warnings, rc))
        with open(results_path) as f:
            results = json.load(f)
        batt = batt_outcomes(results, ids, a.tasks)

        stored = read_baseline(a.baseline) if os.path.isfile(a.baseline) else None
        base_name = 'the baseline %s' % os.path.relpath(a.baseline)
        base = stored
        if a.python_too:
            path, py_wall = run_python(a, os.path.abspath(a.tokpidjin), tmp)
            base = read_baseline(path)
            base_name = "tokpidjin's Python (recomputed)"
            print("tokpidjin's Python (tokpidjin_baseline.py --canonical, %d processes): %.2f s" % (a.threads, py_wall))
            print('batt (card run, %d threads): %.2f s process; Python / batt %.1f x'
                  % (a.threads, wall, py_wall / wall if wall else float('inf')))
            if stored is not None:
                present = [t for t in ids if batt[t].state != 'missing']
                changed = sorted(t for t in present
                                 if t not in stored or t not in base or stored[t].key() != base[t].key())
                print('recomputed baseline against %s on the tasks present: %d tasks differ'
                      % (os.path.relpath(a.baseline), len(changed)))
                absent = Outcome('absent', None, None)
                for t in changed:
                    s, r = stored.get(t, absent), base.get(t, absent)
                    print('  %s  stored %s %s %s, recomputed %s %s %s' % (t, s.state, s.pairs(), s.note,
                                                                         r.state, r.pairs(), r.note))
        compare(ids, batt, base, base_name)
    return 0


if __name__ == '__main__':
    sys.exit(main())
