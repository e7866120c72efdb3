#!/usr/bin/env python3
"""Which object files of a static library use which others, from their symbols.

usage: tools/deps.py LIBRARY.a [--check SOURCE...]

For each member of the archive, the global symbols it defines and the ones it leaves
undefined (nm) give an edge "a uses b" when a leaves undefined a symbol b defines. The
edges are printed one member per line (named by their source file), then every circle
among the members (strongly connected components of more than one member). With
--check, the exit status is 1 when one of the SOURCE files (e.g. exec.c) is in a circle.
"""
import subprocess
import sys


def name_of(where):
    """The source file of an archive member as nm -A names it (lib.a:dir/x.c.o)."""
    member = where.split(":")[-1].split("/")[-1]
    member = member[: -len(".o")] if member.endswith(".o") else member
    return member.replace("meson-generated_.._", "")


def members(lib):
    out = subprocess.run(["nm", "-g", "--defined-only", "-A", lib], capture_output=True, text=True, check=True)
    defined = {}
    for line in out.stdout.splitlines():
        where, _, rest = line.rpartition(":")
        parts = rest.split()
        if len(parts) >= 3:
            member = name_of(where)
            defined.setdefault(parts[2], member)
    out = subprocess.run(["nm", "-g", "--undefined-only", "-A", lib], capture_output=True, text=True, check=True)
    uses = {}
    for line in out.stdout.splitlines():
        where, _, rest = line.rpartition(":")
        parts = rest.split()
        if parts:
            member = name_of(where)
            uses.setdefault(member, set()).add(parts[-1])
    names = sorted(set(defined.values()) | set(uses))
    edges = {m: {} for m in names}
    for m, syms in uses.items():
        for s in syms:
            d = defined.get(s)
            if d and d != m:
                edges[m].setdefault(d, []).append(s)
    return names, edges


def circles(names, edges):
    """Tarjan's strongly connected components, those of two members or more."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in names:
        if v not in index:
            visit(v)
    return out


def main():
    argv = sys.argv[1:]
    checked = argv[argv.index("--check") + 1 :] if "--check" in argv else []
    args = argv[: argv.index("--check")] if "--check" in argv else argv
    if len(args) != 1 or ("--check" in argv and not checked):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    names, edges = members(args[0])
    for m in names:
        used = ", ".join(sorted(edges[m]))
        print(f"{m}: {used if used else '(nothing)'}")
    found = circles(names, edges)
    for comp in found:
        print("circle: " + " <-> ".join(comp))
        for a in comp:
            for b in comp:
                if b in edges[a]:
                    print(f"  {a} uses {b}: {', '.join(sorted(edges[a][b])[:6])}")
    if not found:
        print("no circle")
    bad = [c for c in checked if any(c in comp for comp in found)]
    for c in bad:
        print(f"{c} is in a circle", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
