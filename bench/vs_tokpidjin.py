#!/usr/bin/env python3
"""vs_tokpidjin: tokpidjin's solver library in batt against tokpidjin's own Python DSL, in one run.

    bench/vs_tokpidjin.py --tokpidjin TOK --data DATA/arc-agi-2/training
                          [--solvers TOK/solvers_pre.py] [--batt PROGRAM [--batt PROGRAM2 ...]]
                          [--card build-nocuda/gen/card] [--mode sweep|own|both] [--pairs 30]
                          [--seed 1] [--cap 1.0] [--batt-args "--max-steps 2000000"]

TOK is a checkout of pierreb4/tokpidjin: its dsl.py, constants.py, arc_types.py and safe_dsl.py
are imported as shipped (numpy, no CuPy) and every solver `solve_<id>(S, I, C)` of --solvers is
called as tokpidjin calls it: S the tuple of the task's train pairs (input grid, output grid),
I a grid, C None. PROGRAM is the library compiled by
`card build --dialect tokpidjin solvers_pre.py -o PROGRAM`; without --batt this script builds
it with --card into a temporary folder first (C compilation, 20-45 s on two cores). Several
programs (the library built before and after a change) are each timed against the same Python
run. Python runs in this process, batt on one thread (--threads 1).

sweep: every solver on the inputs of --pairs demonstration pairs sampled with --seed from the
  task files under --data. batt's S is the train pairs of the task file it runs, and batt runs
  every pair of a file (and needs at least one test input), so each sampled pair's task is
  written whole with its sampled pairs as the test inputs: train = the task's train pairs
  (S as in Python), test = the sampled pairs. Python makes exactly the calls batt does: every
  solver on every train and test input of those files.
own:   every solver on the pairs (demonstrations and tests) of its own task, for the solvers
  whose task is under --data (batt: `batt run --own`).

Each Python call is stopped after --cap seconds and counted as the cap. Prints the Python
time, batt's time (its whole process, and the run as batt reports it), and their ratios.
"""
import argparse
import glob
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Cap(BaseException):
    """The --cap alarm; not an Exception, so tokpidjin's safe wrappers do not swallow it."""


def on_alarm(signum, frame):
    raise Cap()


def fail(msg):
    sys.exit('vs_tokpidjin: ' + msg)


def load_tasks(data):
    tasks = {}
    for path in sorted(glob.glob(os.path.join(data, '*.json'))):
        with open(path) as f:
            tasks[os.path.basename(path)[:-5]] = json.load(f)
    if not tasks:
        fail('no task files in %s' % data)
    return tasks


def as_grid(rows):
    return tuple(tuple(r) for r in rows)


def load_solvers(tok, path):
    """The solve_<id> functions of the solver file, importing dsl.py & co. from the checkout."""
    os.environ.setdefault('EXPECT_GPU', '0')  # dsl.py warns about a missing CuPy otherwise
    sys.path.insert(0, tok)
    spec = importlib.util.spec_from_file_location('tokpidjin_solvers', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dsl = sys.modules.get('dsl')
    if dsl is None or os.path.dirname(os.path.abspath(dsl.__file__)) != tok:
        fail('the solver file did not import dsl.py from %s' % tok)
    return sorted((k, v) for k, v in vars(module).items() if k.startswith('solve_') and callable(v))


def task_items(task):
    """S and the (input, expected output) items batt runs for a task file: train, then test."""
    S = tuple((as_grid(p['input']), as_grid(p['output'])) for p in task['train'])
    items = [(as_grid(p['input']), as_grid(p['output']) if 'output' in p else None)
             for p in task['train'] + task['test']]
    return S, items


def python_time(calls, cap):
    """Seconds the calls take in Python, each at most cap; how many hit the cap, raised, were right."""
    signal.signal(signal.SIGALRM, on_alarm)
    total, capped, raised, right = 0.0, 0, 0, 0
    for fn, S, I, O in calls:
        start = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, cap)
        try:
            right += fn(S, I, None) == O
        except Cap:
            capped += 1
        except Exception:  # noqa: BLE001 - a solver that raises is an outcome, timed like the others
            raised += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        total += min(time.perf_counter() - start, cap)
    return total, capped, raised, right


def batt_time(program, args):
    start = time.perf_counter()
    p = subprocess.run([program, 'run', '--threads', '1', '--no-progress'] + args,
                       capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        fail('%s failed (%d):\n%s' % (program, p.returncode, p.stderr[-3000:]))
    run = evals = None
    for line in p.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ['time']:
            run = float(parts[1])
        if parts[:1] == ['evaluations']:
            evals = int(parts[1])
    return wall, run, evals


def build(card, solvers, out):
    cmd = [card, 'build', '--dialect', 'tokpidjin', solvers, '-o', out]
    print('$ ' + ' '.join(cmd), flush=True)
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail('card build failed (%d):\n%s' % (p.returncode, (p.stdout + p.stderr)[-3000:]))
    print('built in %.1f s' % (time.perf_counter() - start))


def write_task(folder, tid, task):
    with open(os.path.join(folder, tid + '.json'), 'w') as f:
        json.dump(task, f)


def sweep_setup(a, solvers, tasks, tmp):
    pairs = [(tid, k) for tid in sorted(tasks) for k in range(len(tasks[tid]['train']))]
    if a.pairs < 1 or a.pairs > len(pairs):
        fail('--pairs must be 1..%d' % len(pairs))
    picked = {}
    for tid, k in random.Random(a.seed).sample(pairs, a.pairs):
        picked.setdefault(tid, []).append(k)
    folder = os.path.join(tmp, 'sweep')
    os.mkdir(folder)
    files = []
    for tid in sorted(picked):
        train = tasks[tid]['train']
        task = {'train': train, 'test': [train[k] for k in sorted(picked[tid])]}
        write_task(folder, tid, task)
        files.append(task_items(task))
    calls = [(fn, S, I, O) for _, fn in solvers for S, items in files for I, O in items]
    what = ('sweep: %d solvers x %d sampled pairs (seed %d) from %d tasks of %s, each task file whole '
            '(%d inputs)' % (len(solvers), a.pairs, a.seed, len(picked), a.data, sum(len(i) for _, i in files)))
    return what, calls, [folder]


def own_setup(a, solvers, tasks, tmp):
    own = [(name, fn) for name, fn in solvers if name[len('solve_'):] in tasks]
    folder = os.path.join(tmp, 'own')
    os.mkdir(folder)
    calls = []
    for name, fn in own:
        tid = name[len('solve_'):]
        write_task(folder, tid, tasks[tid])
        S, items = task_items(tasks[tid])
        calls += [(fn, S, I, O) for I, O in items]
    what = 'own: %d solvers on their own tasks\' pairs (%s)' % (len(own), a.data)
    return what, calls, ['--own', folder]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog='\n'.join(__doc__.splitlines()[1:]))
    ap.add_argument('--tokpidjin', required=True, metavar='DIR',
                    help='a checkout of pierreb4/tokpidjin (dsl.py, constants.py, arc_types.py, safe_dsl.py)')
    ap.add_argument('--solvers', metavar='FILE', help='the solver file (default: DIR/solvers_pre.py)')
    ap.add_argument('--data', required=True, metavar='DIR', help='ARC task files (ARC-AGI-2 training)')
    ap.add_argument('--batt', action='append', metavar='PROGRAM',
                    help='a program `card build --dialect tokpidjin` built from the solver file (repeatable; '
                         'default: build one with --card)')
    ap.add_argument('--card', default=os.path.join(ROOT, 'build-nocuda', 'gen', 'card'),
                    help='card, to build the program when no --batt is given (default: %(default)s)')
    ap.add_argument('--mode', choices=['sweep', 'own', 'both'], default='both', help='default: %(default)s')
    ap.add_argument('--pairs', type=int, default=30, help='sweep: demonstration pairs sampled (default: %(default)s)')
    ap.add_argument('--seed', type=int, default=1, help='sweep: the sample\'s seed (default: %(default)s)')
    ap.add_argument('--cap', type=float, default=1.0,
                    help='seconds a Python call may take, counted as the cap when stopped (default: %(default)s)')
    ap.add_argument('--batt-args', default='',
                    help="more arguments for every batt run, e.g. '--max-steps 2000000'")
    a = ap.parse_args()

    tok = os.path.abspath(a.tokpidjin)
    solvers_path = os.path.abspath(a.solvers or os.path.join(tok, 'solvers_pre.py'))
    if not os.path.isfile(solvers_path):
        fail('no solver file %s' % solvers_path)
    solvers = load_solvers(tok, solvers_path)
    tasks = load_tasks(a.data)

    with tempfile.TemporaryDirectory() as tmp:
        programs = a.batt
        if not programs:
            programs = [os.path.join(tmp, 'tokpidjin_batt')]
            build(a.card, solvers_path, programs[0])
        modes = ['sweep', 'own'] if a.mode == 'both' else [a.mode]
        for mode in modes:
            setup = sweep_setup if mode == 'sweep' else own_setup
            what, calls, batt_args = setup(a, solvers, tasks, tmp)
            print()
            print(what)
            print('%-24s %12d' % ('python calls', len(calls)))
            py, capped, raised, right = python_time(calls, a.cap)
            print('%-24s %12.3f s   (%d calls capped at %g s, %d raised, %d right)'
                  % ('python', py, capped, a.cap, raised, right), flush=True)
            for program in programs:
                wall, run, evals = batt_time(program, a.batt_args.split() + batt_args)
                print('batt %s' % program)
                print('%-24s %12d%s' % ('  evaluations', evals,
                                        '' if evals == len(calls) else '   (not the Python calls!)'))
                print('%-24s %12.3f s   ratio %8.1f x' % ('  time (process)', wall, py / wall))
                print('%-24s %12.3f s   ratio %8.1f x' % ('  time (run)', run, py / run if run else float('inf')))


if __name__ == '__main__':
    main()
