#!/usr/bin/env python3
"""Facts about the tokpidjin dialect, read from a tokpidjin checkout at run time.

  python3 tools/tokpidjin_facts.py --tokpidjin DIR --arcdsl ARCDSL [--solvers FILE] [--json]

For every public function of DIR/dsl.py (the names safe_dsl's make_all_dsl_safe wraps,
aliases included) and every constant of DIR/constants.py it prints one markdown table row:
name, signature as annotated, the typed default the shipped (safe-wrapped) function returns
when it raises (computed by calling tokpidjin's own safe_dsl._get_safe_default), whether
ARCDSL/dsl.py has a function of that name and whether the two bodies are the same code
(docstrings, comments and annotations ignored), the line of the definition that takes effect
(dsl.py defines some names twice; the later one wins), and the number of solve_ functions of
the solver file (default DIR/solvers_pre.py) whose body names it.
"""
import argparse
import ast
import collections
import inspect
import json
import os
import re
import sys


def defs(path):
    """name -> the FunctionDef that takes effect (the last one), and name -> alias target."""
    with open(path) as f:
        tree = ast.parse(f.read())
    out, alias = {}, {}
    for s in tree.body:
        if isinstance(s, ast.FunctionDef):
            out[s.name] = s
            alias.pop(s.name, None)
        elif isinstance(s, ast.Assign) and len(s.targets) == 1 and \
                isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Name):
            alias[s.targets[0].id] = s.value.id
    return out, alias


def body_key(fn):
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    args = [a.arg for a in fn.args.args]
    return ast.dump(ast.Module(body=body, type_ignores=[])), args


def usage(solver_file, names):
    with open(solver_file) as f:
        tree = ast.parse(f.read())
    count = collections.Counter()
    nsolvers = 0
    for s in tree.body:
        if isinstance(s, ast.FunctionDef) and s.name.startswith('solve_'):
            nsolvers += 1
            used = {n.id for n in ast.walk(s) if isinstance(n, ast.Name)}
            for n in used & names:
                count[n] += 1
    return count, nsolvers


def default_text(d):
    if callable(d):
        return 'fn returning ()'
    return repr(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tokpidjin', required=True)
    ap.add_argument('--arcdsl', required=True)
    ap.add_argument('--solvers')
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    tok = os.path.abspath(a.tokpidjin)
    os.environ.setdefault('EXPECT_GPU', '0')
    sys.path.insert(0, tok)
    import dsl           # tokpidjin's, as shipped
    import safe_dsl
    tdefs, talias = defs(os.path.join(tok, 'dsl.py'))
    adefs, _ = defs(os.path.join(a.arcdsl, 'dsl.py'))
    names = sorted(n for n, o in inspect.getmembers(dsl, inspect.isfunction)
                   if not n.startswith('_') and o.__module__ == 'dsl')
    cns = {}
    with open(os.path.join(tok, 'constants.py')) as f:
        exec(f.read(), cns)
    consts = {k: v for k, v in cns.items() if not k.startswith('_') and type(v) in (int, bool, tuple)}
    acns = {}
    with open(os.path.join(a.arcdsl, 'constants.py')) as f:
        exec(f.read(), acns)
    count, nsolvers = usage(a.solvers or os.path.join(tok, 'solvers_pre.py'),
                            set(names) | set(consts))
    rows = []
    for n in names:
        raw = inspect.unwrap(getattr(dsl, n))
        target = talias.get(n, n)
        fd = tdefs[raw.__name__]
        sig = str(inspect.signature(raw)).replace("'", '')
        sig = re.sub(r'<function (\w+) at 0x[0-9a-f]+>', r'\1', sig)
        d = default_text(safe_dsl._get_safe_default(raw))
        if n in adefs:
            same = body_key(fd) == body_key(adefs[n])
            arc = 'same code' if same else 'differs'
        else:
            arc = '-'
        rows.append({'name': n, 'alias_of': target if target != n else None,
                     'signature': sig, 'default': d, 'arc_dsl': arc, 'line': fd.lineno,
                     'solvers': count[n]})
    crow = []
    for k, v in consts.items():
        arc = '-'
        if k in acns:
            arc = 'same value' if acns[k] == v and type(acns[k]) is type(v) else 'differs: %r' % (acns[k],)
        crow.append({'name': k, 'value': v, 'arc_dsl': arc, 'solvers': count[k]})
    if a.json:
        json.dump({'functions': rows, 'constants': crow, 'solvers': nsolvers}, sys.stdout,
                  indent=1)
        return
    print('%d public functions, %d constants, %d solvers' % (len(rows), len(crow), nsolvers))
    print('| name | signature | default | arc-dsl | line | solvers |')
    print('|---|---|---|---|---:|---:|')
    for r in rows:
        nm = r['name'] + (' (= %s)' % r['alias_of'] if r['alias_of'] else '')
        print('| %s | `%s` | `%s` | %s | %d | %d |' % (nm, r['signature'], r['default'],
                                                     r['arc_dsl'], r['line'], r['solvers']))
    print()
    print('| constant | value | arc-dsl | solvers |')
    print('|---|---|---|---:|')
    for r in crow:
        print('| %s | `%r` | %s | %d |' % (r['name'], r['value'], r['arc_dsl'], r['solvers']))


if __name__ == '__main__':
    main()
