#!/usr/bin/env python3
"""--device auto against --device cpu, in one run, on a machine with a device present.

  python3 bench/auto_vs_cpu.py --batt PROGRAM [--runs N] [--threads T] [--devices LIST]
                               [--also-forced] [PATH...]

Runs PROGRAM `run` over PATH (default: ARC-AGI-1 training) alternately with --device cpu
and --device auto (--devices LIST when given), N times each (default 5), and prints the
median wall time of each mode and their ratio (auto / cpu: at most about 1 is what the
scheduling policy promises). With --also-forced, --device cuda (every kernel line on the
device) runs too. Every run's results file must be byte-identical to the CPU's: the script
exits 1 otherwise. PROGRAM built with the CUDA emulator (tests/emu: build/tests/emu/batt_emu)
gives a present GPU far slower than the CPU, the case the policy exists for.
"""
import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(batt, mode, devices, threads, paths, out):
    cmd = [batt, "run", "--no-progress", "--threads", str(threads), "--out", out]
    cmd += ["--device", mode] if mode != "forced" else ["--device", "cuda"]
    if devices and mode != "cpu":
        cmd += ["--devices", devices]
    start = time.monotonic()
    proc = subprocess.run(cmd + paths, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"auto_vs_cpu: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    with open(out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    devline = next((l for l in proc.stdout.splitlines() if l.startswith("devices")), "")
    return wall, digest, devline


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--batt", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--devices", default=None)
    ap.add_argument("--also-forced", action="store_true")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    paths = a.paths or [os.path.join(HERE, "..", "data", "arc-agi-1", "training")]
    modes = ["cpu", "auto"] + (["forced"] if a.also_forced else [])
    times = {m: [] for m in modes}
    digests, devlines = set(), {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.runs):
            for m in modes:
                wall, digest, devline = run(a.batt, m, a.devices, a.threads, paths, os.path.join(tmp, m + ".json"))
                times[m].append(wall)
                digests.add(digest)
                devlines[m] = devline
    print(f"{a.batt}, {a.threads} threads, {a.runs} runs of each mode, alternating; paths: {' '.join(paths)}")
    cpu = statistics.median(times["cpu"])
    for m in modes:
        med = statistics.median(times[m])
        spread = f"{min(times[m]):.3f}-{max(times[m]):.3f}"
        label = {"cpu": "--device cpu", "auto": "--device auto", "forced": "--device cuda"}[m]
        print(f"  {label:15s} median {med:8.3f} s  (runs {spread} s)  ratio to cpu {med / cpu:6.3f}")
        if devlines[m]:
            print(f"  {'':15s} {devlines[m]}")
    same = len(digests) == 1
    print(f"  results files: {'identical' if same else 'DIFFERENT'} in every run")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
