#!/usr/bin/env python3
"""vs_python: a solver library in batt against the Python DSL it was written for, in one run.

    bench/vs_python.py --dsl ARC_DSL_DIR --solvers solvers.py --batt PROGRAM [--batt PROGRAM2 ...]
                       [--pairs 30] [--seed 1 | --seeds 1,2,3] [--mode sweep|own]
                       [--data data/arc-agi-1/training] [--cap 1.0] [--batt-runs 1]
                       [--batt-args "--max-steps 2000000"]

ARC_DSL_DIR holds the reference dsl.py, constants.py and arc_types.py (michaelhodel/arc-dsl);
PROGRAM is the library compiled by `card build solvers.py -o PROGRAM`. Several programs (the
same library built before and after a change) are each timed against the same Python run.

sweep: every solver on the input of each of --pairs demonstration pairs sampled with --seed
  from the task files under --data (Python in this process; batt on one thread over one task
  file holding the sampled pairs).
own:   every solver on the pairs (demonstrations and tests) of its own task, for the solvers
  whose task is under --data (batt: `batt run --own`).

Each Python call is stopped after --cap seconds and counted as the cap. Prints the Python
time, batt's time (its whole process, and the run as batt reports it), and their ratios.
With --batt-runs N each program runs N times after the Python run and its median times are
the ones printed. With --seeds, each seed's sample is timed in turn (Python once, then the
programs), and a summary gives each program's ratios per seed, the least, and the ratio of
the totals.
"""
import statistics
import argparse
import glob
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time


class Cap(Exception):
    pass


ARMED = [False]  # the alarm stops a call only while the call runs


def on_alarm(signum, frame):
    if ARMED[0]:
        ARMED[0] = False
        raise Cap()


def load_tasks(data):
    tasks = {}
    for path in sorted(glob.glob(os.path.join(data, "*.json"))):
        with open(path) as f:
            tasks[os.path.basename(path)[:-5]] = json.load(f)
    if not tasks:
        sys.exit(f"vs_python: no task files in {data}")
    return tasks


def as_grid(rows):
    return tuple(tuple(r) for r in rows)


def python_time(solvers, calls, cap):
    """Seconds the calls take in Python, each at most cap; and how many hit the cap or raised."""
    signal.signal(signal.SIGALRM, on_alarm)
    total, capped, raised = 0.0, 0, 0
    for fn, grid in calls:
        start = time.perf_counter()
        outcome = None
        try:
            ARMED[0] = True
            signal.setitimer(signal.ITIMER_REAL, cap)
            try:
                fn(grid)
            except Cap:
                outcome = "capped"
            except Exception:
                outcome = "raised"
            finally:
                ARMED[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        except Cap:  # the alarm came as the call was ending: it took the cap
            outcome = outcome or "capped"
            signal.setitimer(signal.ITIMER_REAL, 0)
        capped += outcome == "capped"
        raised += outcome == "raised"
        total += min(time.perf_counter() - start, cap)
    return total, capped, raised


def batt_time(program, args):
    start = time.perf_counter()
    p = subprocess.run([program, "run", "--threads", "1", "--no-progress"] + args, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"vs_python: {program} failed ({p.returncode}):\n{p.stderr}")
    run = None
    evals = None
    for line in p.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["time"]:
            run = float(parts[1])
        if parts[:1] == ["evaluations"]:
            evals = int(parts[1])
    return wall, run, evals


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsl", required=True, help="folder of the reference dsl.py, constants.py, arc_types.py")
    ap.add_argument("--solvers", required=True, help="the solver file (arc-dsl syntax)")
    ap.add_argument("--batt", required=True, action="append", help="a program card built from the solver file")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "data", "arc-agi-1", "training"))
    ap.add_argument("--mode", choices=["sweep", "own"], default="sweep")
    ap.add_argument("--pairs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cap", type=float, default=1.0)
    ap.add_argument("--batt-args", default="",
                    help="more arguments for every batt run, e.g. '--max-steps 2000000' (Python stops each call "
                         "at --cap; batt's default limits let calls finish that Python needs over a second for)")
    ap.add_argument("--seeds", default="", help="comma-separated seeds (sweep): each sample in turn, and a summary")
    ap.add_argument("--batt-runs", type=int, default=1, help="runs of each program: the median is printed")
    a = ap.parse_args()
    if a.batt_runs < 1:
        sys.exit("vs_python: --batt-runs must be at least 1")
    try:
        seeds = [int(x) for x in a.seeds.split(",")] if a.seeds else [a.seed]
    except ValueError:
        sys.exit(f"vs_python: --seeds must be integers separated by commas, got {a.seeds!r}")
    if len(seeds) > 1 and a.mode != "sweep":
        sys.exit("vs_python: --seeds is for --mode sweep")

    sys.path.insert(0, os.path.abspath(a.dsl))
    namespace = {}
    with open(a.solvers) as f:
        source = f.read()
    exec(compile(source, a.solvers, "exec"), namespace)
    solvers = sorted((k, v) for k, v in namespace.items() if k.startswith("solve_") and callable(v))
    tasks = load_tasks(a.data)

    totals = {program: [] for program in a.batt}  # per seed: (python, process, run)
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            if a.mode == "sweep":
                pairs = [(tid, k) for tid in sorted(tasks) for k in range(len(tasks[tid]["train"]))]
                if a.pairs < 2 or a.pairs > len(pairs):
                    sys.exit(f"vs_python: --pairs must be 2..{len(pairs)}")
                picked = random.Random(seed).sample(pairs, a.pairs)
                chosen = [tasks[tid]["train"][k] for tid, k in picked]
                calls = [(fn, as_grid(p["input"])) for _, fn in solvers for p in chosen]
                path = os.path.join(tmp, "sampled.json")
                with open(path, "w") as f:
                    json.dump({"train": chosen[:-1], "test": chosen[-1:]}, f)
                batt_args = [path]
                what = f"sweep: {len(solvers)} solvers x {a.pairs} sampled inputs (seed {seed}, {a.data})"
            else:
                own = [(name, fn) for name, fn in solvers if name[len("solve_"):] in tasks]
                calls = [(fn, as_grid(p["input"])) for name, fn in own
                         for p in tasks[name[len("solve_"):]]["train"] + tasks[name[len("solve_"):]]["test"]]
                for name, _ in own:
                    tid = name[len("solve_"):]
                    with open(os.path.join(tmp, tid + ".json"), "w") as f:
                        json.dump(tasks[tid], f)
                batt_args = ["--own", tmp]
                what = f"own: {len(own)} solvers on their own tasks' pairs ({a.data})"

            print(what)
            print(f"{'python calls':24} {len(calls):12d}")
            py, capped, raised = python_time(solvers, calls, a.cap)
            print(f"{'python':24} {py:12.3f} s   ({capped} calls capped at {a.cap} s, {raised} raised)")
            for program in a.batt:
                runs = [batt_time(program, a.batt_args.split() + batt_args) for _ in range(a.batt_runs)]
                wall = statistics.median(r[0] for r in runs)
                run = statistics.median(r[1] for r in runs)
                evals = runs[0][2]
                label = f" (median of {a.batt_runs} runs)" if a.batt_runs > 1 else ""
                print(f"batt {program}{label}")
                print(f"{'  evaluations':24} {evals:12d}")
                print(f"{'  time (process)':24} {wall:12.3f} s   ratio {py / wall:8.1f} x")
                print(f"{'  time (run)':24} {run:12.3f} s   ratio {py / run:8.1f} x")
                totals[program].append((py, wall, run))
            sys.stdout.flush()
    if len(seeds) > 1:
        print(f"summary over seeds {','.join(map(str, seeds))} (process ratio per seed; least; ratio of the totals)")
        for program, rows in totals.items():
            ratios = [py / wall for py, wall, _ in rows]
            pooled = sum(r[0] for r in rows) / sum(r[1] for r in rows)
            per = " ".join(f"{x:.1f}" for x in ratios)
            print(f"  {program}: {per}   least {min(ratios):.1f} x   totals {pooled:.1f} x")


if __name__ == "__main__":
    main()
