#!/usr/bin/env python3
"""Record conformance vectors for the tokpidjin dialect from tokpidjin's own dsl.py.

  python3 tools/record_tokpidjin.py --tokpidjin DIR --data DATA [--out tests/data/conformance/tokpidjin]
      [--max-cases 60] [--max-errors 10] [--cross 3] [--seed 1] [--only a,b]

DIR is a checkout of pierreb4/tokpidjin (dsl.py, constants.py, arc_types.py, safe_dsl.py,
solvers_pre.py are read from it at run time; nothing of it is copied); DATA is the folder that
holds arc-agi-2/training (the tasks solvers_pre.py targets) and arc-agi-2/evaluation.
CPython 3.11 and numpy (tokpidjin's dsl.py imports it) are needed.

What it does (tests/data/conformance/tokpidjin/README.md describes the result):

1. trace: every solve_<id>(S, I, C) of solvers_pre.py runs with tokpidjin's dsl as shipped
   (every public function wrapped by safe_dsl) on its own task (train and test inputs) and on
   the train inputs of --cross other tasks; S is the tuple of the task's train pairs
   (input grid, output grid), C is None, as tokpidjin's own tools call them.  Every call the
   solver code makes of a primitive, and every call made through a closure built by rbind,
   lbind, compose, chain, fork, matcher or power, is a candidate case.
2. synth: calls built from the annotations of every public function, on values cut from the
   traces and on edge values (empty containers, 0, negative numbers, out-of-range ranks and
   modes, values of the wrong kind).
3. replay: each chosen case is decoded from its JSON and run again under
     raw    dsl.py with the safe_dsl wrapping left out (the exception, if any, is the outcome),
     safe   dsl.py as shipped (what a tokpidjin program sees; a wrapper that catches returns the
            typed default of the function's return annotation),
   each both in CPython's own set order and with every set iteration of dsl.py emulated in
   canonical, reversed and two shuffled orders (an AST rewrite of dsl.py made at load time).
"""
import argparse
import ast
import collections
import functools
import glob
import json
import math
import os
import random
import signal
import sys
import types
import zlib

CONSTRUCTORS = ('rbind', 'lbind', 'compose', 'chain', 'fork', 'matcher', 'power')


class Timeout(BaseException):
    """Raised by the alarm; a BaseException so that safe_dsl's `except Exception` lets it by."""


def _alarm(signum, frame):
    raise Timeout()


# ---------------------------------------------------------------------------------------------
# canonical order (DESIGN.md): none < numbers < tuple < set < function


def canon(x):
    t = type(x)
    if t is int or t is bool:
        return (1, int(x), 0)
    if t is tuple or t is list:
        return (2, tuple(canon(e) for e in x))
    if t is frozenset or t is set:
        return (3, tuple(sorted(canon(e) for e in x)))
    if x is None:
        return (0,)
    if t is float:
        return (1, math.inf, 1) if math.isnan(x) else (1, x, 0)
    if callable(x):
        d = getattr(x, '_desc', None)
        if d is not None:
            return (4, '<lambda>', d[0], tuple(canon(a) for a in d[1]))
        return (4, getattr(x, '__name__', ''))
    return (5, type(x).__name__)


# ---------------------------------------------------------------------------------------------
# set iteration emulation: an AST rewrite of dsl.py

_ORDER = {'mode': 'canon', 'seed': 0}


def _order_list(s):
    items = list(s)
    if len(items) < 2:
        return items
    items.sort(key=canon)
    mode = _ORDER['mode']
    if mode == 'rev':
        items.reverse()
    elif mode == 'shuf':
        seed = _ORDER['seed']
        items.sort(key=lambda e: zlib.crc32(repr((seed, canon(e))).encode()))
    return items


def _it(x):
    t = type(x)
    if t is frozenset or t is set:
        return _order_list(x)
    return x


_ITER_CALLS = {
    'iter': (0,), 'tuple': (0,), 'list': (0,), 'sorted': (0,), 'sum': (0,), 'enumerate': (0,),
    'any': (0,), 'all': (0,), 'reversed': (0,), 'Counter': (0,),
    'max': 'single', 'min': 'single', 'zip': 'all', 'map': 'rest',
}


def _call(fn, node):
    return ast.Call(func=ast.Name(id=fn, ctx=ast.Load()), args=[node], keywords=[])


class _Rewrite(ast.NodeTransformer):
    """Every place where dsl.py iterates a value goes through _it(): loops, comprehensions,
    the iterating builtins, star-unpacking and tuple-unpacking assignments."""

    def visit_For(self, node):
        self.generic_visit(node)
        node.iter = _call('_it', node.iter)
        return node

    def _comp(self, node):
        self.generic_visit(node)
        for g in node.generators:
            g.iter = _call('_it', g.iter)
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comp

    def visit_Starred(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = _call('_it', node.value)
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        if any(isinstance(t, (ast.Tuple, ast.List)) for t in node.targets):
            node.value = _call('_it', node.value)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in _ITER_CALLS:
            spec = _ITER_CALLS[node.func.id]
            a = node.args
            if spec == 'all':
                idx = range(len(a))
            elif spec == 'rest':
                idx = range(1, len(a))
            elif spec == 'single':
                idx = (0,) if len(a) == 1 else ()
            else:
                idx = [i for i in spec if i < len(a)]
            for i in idx:
                if not isinstance(a[i], ast.Starred):
                    a[i] = _call('_it', a[i])
        return node


# ---------------------------------------------------------------------------------------------
# loading tokpidjin's dsl.py


class SafeState:
    depth = 0
    top_defaulted = False


def _is_safe_import(stmt):
    if isinstance(stmt, ast.ImportFrom) and stmt.module == 'safe_dsl':
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        f = stmt.value.func
        return isinstance(f, ast.Name) and f.id == 'make_all_dsl_safe'
    return False


def load_dsl(tok, name, emulate=False, safe=False):
    """tokpidjin's dsl.py as a fresh module: without safe_dsl's wrapping (raw) or with a wrapper
    equivalent to it that also reports whether the outermost call returned its default (safe);
    with set iteration in CPython's order or emulated (see _ORDER)."""
    os.environ.setdefault('EXPECT_GPU', '0')
    if tok not in sys.path:
        sys.path.insert(0, tok)
    with open(os.path.join(tok, 'dsl.py')) as f:
        tree = ast.parse(f.read())
    tree.body = [s for s in tree.body if not _is_safe_import(s)]
    if emulate:
        tree = _Rewrite().visit(tree)
    ast.fix_missing_locations(tree)
    mod = types.ModuleType(name)
    mod.__dict__['_it'] = _it
    sys.modules[name] = mod
    exec(compile(tree, os.path.join(tok, 'dsl.py'), 'exec'), mod.__dict__)
    names = public_names(mod)
    if safe:
        import safe_dsl
        default_of = safe_dsl._get_safe_default
        wrapped = {}
        for n in names:
            fn = mod.__dict__[n]
            wrapped[n] = _safe_wrapper(fn, default_of)
        mod.__dict__.update(wrapped)
    mod._public = names
    return mod


def _safe_wrapper(fn, default_of):
    @functools.wraps(fn)
    def w(*args, **kwargs):
        SafeState.depth += 1
        try:
            return fn(*args, **kwargs)
        except Exception:
            if SafeState.depth == 1:
                SafeState.top_defaulted = True
            return default_of(fn)
        finally:
            SafeState.depth -= 1
    w._original_argcount = fn.__code__.co_argcount
    return w


def public_names(mod):
    """The names make_all_dsl_safe wraps: public functions defined in dsl.py (aliases too)."""
    out = []
    for n, o in sorted(mod.__dict__.items()):
        if n.startswith('_') or not isinstance(o, types.FunctionType):
            continue
        if getattr(o, '__module__', None) == mod.__name__:
            out.append(n)
    return out


def load_constants(tok):
    ns = {}
    with open(os.path.join(tok, 'constants.py')) as f:
        exec(f.read(), ns)
    return {k: v for k, v in ns.items()
            if not k.startswith('_') and type(v) in (int, bool, tuple)}


# ---------------------------------------------------------------------------------------------
# JSON encoding (tests/data/conformance/README.md, plus floats)


class Unencodable(Exception):
    pass


def _is_grid(x):
    if not x:
        return False
    n = None
    for r in x:
        if type(r) is not tuple or not r:
            return False
        if n is None:
            n = len(r)
        elif len(r) != n:
            return False
        for v in r:
            if type(v) is not int:
                return False
    return True


def enc(x, budget):
    """budget: a one-element list of scalars left; Unencodable when it runs out."""
    t = type(x)
    budget[0] -= 1
    if budget[0] < 0:
        raise Unencodable('size')
    if t is bool or t is int:
        if not -2**31 <= x < 2**31:
            raise Unencodable('int')
        return x
    if x is None:
        return {'none': True}
    if t is float:
        if math.isnan(x):
            return {'float': 'nan'}
        if math.isinf(x):
            return {'float': 'inf' if x > 0 else '-inf'}
        return {'float': repr(x)}
    if t is tuple:
        if _is_grid(x):
            budget[0] -= sum(len(r) for r in x)
            if budget[0] < 0:
                raise Unencodable('size')
            return {'grid': [list(r) for r in x]}
        return {'tuple': [enc(e, budget) for e in x]}
    if t is frozenset:
        return {'set': [enc(e, budget) for e in sorted(x, key=canon)]}
    if callable(x):
        d = getattr(x, '_desc', None)
        if d is not None:
            return {'fn': d[0], 'args': [enc(a, budget) for a in d[1]]}
        p = getattr(x, '_prim', None)
        if p is not None:
            return {'fn': p}
        nm = getattr(x, '__name__', '')
        if str(getattr(x, '__module__', '')).startswith('tok_') and nm not in ('f', '<lambda>'):
            return {'fn': nm}
        if getattr(x, '_default_fn', False) or getattr(x, '__name__', '') == 'safe_callable':
            return {'fn': 'default'}
        raise Unencodable('closure')
    raise Unencodable(t.__name__)


def encode(x, limit=3000):
    return enc(x, [limit])


def dumps(j):
    return json.dumps(j, separators=(',', ':'))


def dec(j, mod):
    if type(j) is bool or type(j) is int:
        return j
    if 'grid' in j:
        return tuple(tuple(r) for r in j['grid'])
    if 'tuple' in j:
        return tuple(dec(e, mod) for e in j['tuple'])
    if 'set' in j:
        return frozenset(dec(e, mod) for e in j['set'])
    if 'none' in j:
        return None
    if 'float' in j:
        return float(j['float'])
    if 'fn' in j:
        if j['fn'] == 'default':
            return _default_callable
        f = getattr(mod, j['fn'])
        if 'args' in j:
            return f(*[dec(a, mod) for a in j['args']])
        return f
    raise ValueError(j)


def _default_callable(*args, **kwargs):
    return ()


_default_callable._default_fn = True


# ---------------------------------------------------------------------------------------------
# trace


def _scalars(x, cap):
    """Rough size of a value, stopping at cap."""
    n = 0
    stack = [x]
    while stack:
        v = stack.pop()
        n += 1
        if n > cap:
            return n
        t = type(v)
        if t is tuple or t is frozenset:
            stack.extend(v)
        elif callable(v):
            d = getattr(v, '_desc', None)
            if d is not None:
                stack.extend(d[1])
    return n


class Store:
    """Candidate cases, per primitive: encoded args -> info."""

    def __init__(self, per_origin=250):
        self.cases = collections.defaultdict(dict)
        self.sigs = collections.defaultdict(set)
        self.count = collections.defaultdict(lambda: collections.Counter())
        self.calls = collections.defaultdict(dict)     # closure descriptor -> {args: (out)}
        self.per_origin = per_origin
        self.origin = 'solver'

    def add(self, name, args, result, err):
        if _scalars(args, 1300) > 1200 or _scalars(result, 1600) > 1500:
            return
        try:
            ja = [encode(a) for a in args]
        except Unencodable:
            return
        key = dumps(ja)
        d = self.cases[name]
        if key in d:
            return
        sig = (self.origin, signature(args), kind(result) if err is None else 'E:' + err)
        c = self.count[name]
        if c[self.origin] >= self.per_origin and sig in self.sigs[name]:
            return
        c[self.origin] += 1
        self.sigs[name].add(sig)
        try:
            jr = encode(result) if err is None else None
        except Unencodable:
            jr = None
        d[key] = {'args': ja, 'origin': self.origin, 'sig': sig, 'trace': jr, 'trace_err': err}

    def add_call(self, desc, args, result, err):
        try:
            dj = dumps(encode_desc(desc))
            ja = [encode(a) for a in args]
        except Unencodable:
            return
        d = self.calls[dj]
        if len(d) < 12:
            d.setdefault(dumps(ja), ja)


def encode_desc(desc):
    return {'fn': desc[0], 'args': [encode(a) for a in desc[1]]}


def kind(v):
    t = type(v)
    if t is bool:
        return 'bool'
    if t is int:
        return 'neg' if v < 0 else ('0' if v == 0 else ('small' if v < 10 else 'big'))
    if v is None:
        return 'none'
    if t is float:
        return 'float'
    if t is tuple:
        if not v:
            return '()'
        if _is_grid(v):
            if len(v[0]) == 3 and len(v) <= 30:
                return 'cells-t'
            return 'grid' if len(v) != 2 or len(v[0]) != 2 else 'pairs2'
        e = v[0]
        if type(e) is tuple:
            return 'tuple-of-' + kind(e)
        return 'tuple-of-' + kind(e) if len(v) > 2 else 'tuple%d-%s' % (len(v), kind(e))
    if t is frozenset:
        if not v:
            return 'set()'
        e = next(iter(v))
        te = type(e)
        if te is tuple and len(e) == 3 and all(type(q) is int for q in e):
            return 'object'
        if te is tuple and len(e) == 2 and all(type(q) is int for q in e):
            return 'indices'
        if te is frozenset:
            return 'set-of-' + kind(e)
        return 'set-of-' + kind(e)
    if callable(v):
        return 'fn'
    return t.__name__


def signature(args):
    return tuple(kind(a) for a in args)


def make_tracer(safe, store):
    """Tracing stand-ins for every public name of the shipped (safe) module."""
    ns = {}

    def wrap(name, fn):
        argc = fn._original_argcount if hasattr(fn, '_original_argcount') else \
            fn.__code__.co_argcount

        def w(*args):
            try:
                r = fn(*args)
            except Timeout:
                raise
            except Exception as e:       # raised past the safe wrapper: a closure argument
                store.add(name, args, None, type(e).__name__)
                raise
            store.add(name, args, r, None)
            if name in CONSTRUCTORS and callable(r) and not any(r is a for a in args):
                r = tag(r, (name, args))
            return r
        w.__name__ = name
        w._prim = name
        w._original_argcount = argc
        return w

    def tag(inner, desc):
        argc = getattr(inner, '_original_argcount', None)
        if argc is None:
            argc = inner.__code__.co_argcount

        def c(*args):
            try:
                r = inner(*args)
            except Timeout:
                raise
            except Exception as e:
                store.add_call(desc, args, None, type(e).__name__)
                raise
            store.add_call(desc, args, r, None)
            return r
        c.__name__ = inner.__name__
        c._desc = desc
        c._original_argcount = argc
        return c

    for n in safe._public:
        ns[n] = wrap(n, getattr(safe, n))
    return ns


def load_tasks(folder):
    tasks = {}
    for p in sorted(glob.glob(os.path.join(folder, '*.json'))):
        with open(p) as f:
            t = json.load(f)
        g = lambda x: tuple(tuple(r) for r in x)
        tasks[os.path.basename(p)[:-5]] = {
            'train': [(g(e['input']), g(e['output'])) for e in t['train']],
            'test': [(g(e['input']), g(e.get('output', e['input']))) for e in t['test']],
        }
    return tasks


def trace(tok, safe, consts, tasks, other_tasks, store, cross, seed, limit=2.0):
    ns = dict(consts)
    ns.update(make_tracer(safe, store))
    with open(os.path.join(tok, 'solvers_pre.py')) as f:
        tree = ast.parse(f.read())
    tree.body = [s for s in tree.body if isinstance(s, ast.FunctionDef)]
    exec(compile(tree, 'solvers_pre.py', 'exec'), ns)
    rng = random.Random(seed)
    pool = sorted(other_tasks)
    solvers = sorted(k for k in ns if k.startswith('solve_'))
    signal.signal(signal.SIGALRM, _alarm)
    for s in solvers:
        tid = s[6:]
        fn = ns[s]
        runs = []
        if tid in tasks:
            t = tasks[tid]
            S = tuple(t['train'])
            runs += [('solver', S, I) for I, _ in t['train'] + t['test']]
        for oid in rng.sample(pool, cross):
            t = other_tasks[oid]
            S = tuple(t['train'])
            runs += [('cross', S, I) for I, _ in t['train']]
        for origin, S, I in runs:
            store.origin = origin
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                fn(S, I, None)
            except Timeout:
                pass
            except Exception:
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)


# ---------------------------------------------------------------------------------------------
# synthesized calls


def value_pool(store, tasks, rng):
    """Values by kind, cut from the traces and from ARC grids."""
    pool = collections.defaultdict(list)
    seen = set()
    for name, d in store.cases.items():
        for key, info in d.items():
            for a in info['args']:
                k = dumps(a)
                if k in seen or len(k) > 600:
                    continue
                seen.add(k)
                pool['json'].append(a)
    grids = []
    for tid in sorted(tasks)[:200]:
        for I, O in tasks[tid]['train'][:1]:
            if len(I) * len(I[0]) <= 150:
                grids.append(I)
    rng.shuffle(grids)
    pool['grid'] = grids[:25] + [((1,),), ((0, 0), (0, 0)), ((1, 2), (3, 4)),
                                  ((0, 1, 0), (1, 1, 1), (0, 1, 0)), ()]
    smalltasks = [t for t in sorted(tasks) if all(
        len(g) * len(g[0]) <= 36 for p in tasks[t]['train'] for g in p)]
    pool['samples'] = [tuple(tasks[t]['train']) for t in rng.sample(smalltasks,
                                                                     min(12, len(smalltasks)))]
    return pool


def typed_values(ann, pool, safe, consts, rng, ex):
    """Candidate values for a parameter annotated ann (strings as written in dsl.py)."""
    grids = pool['grid']
    g = rng.choice(grids[:-1])
    objs = list(ex['objects'])
    idxs = list(ex['indices'])
    o = rng.choice(objs) if objs else frozenset({(0, 0, 1)})
    ix = rng.choice(idxs) if idxs else frozenset({(0, 0)})
    ints = [0, 1, 2, 3, -1, -2, 5, 9, 10, -11, 30]
    pairs = [(0, 0), (1, 1), (0, 1), (-1, 0), (2, 3), (1, -1), (5, 5), (), (0, 30)]
    fns = [safe.size, safe.identity, safe.height_f, safe.color, safe.first, safe.even,
           safe.rbind(safe.add, 1), safe.compose(safe.size, safe.toindices),
           safe.matcher(safe.size, 1), safe.rbind(safe.greater, 2), safe.invert,
           safe.rbind(safe.colorcount_f, 1),
           safe.width_t, safe.p_g, safe.rbind(safe.o_g, 5), safe.dedupe, safe.positive]
    wrong = [None, frozenset(), (), 0, -1, frozenset({1, 2}), ((1, 2), (3, 4)), (1, 2, 3),
             o, 'fn']
    a = ann or 'Any'
    if a in ('Grid',):
        base = [g, rng.choice(grids), (), ((5,),), ((1, 2, 3),), ((1,), (2,), (3,))]
    elif a in ('Object',):
        base = [o, frozenset(), frozenset({(0, 0, 1)}), frozenset({(2, 3, 4), (2, 4, 4)}), o]
    elif a in ('Indices',):
        base = [ix, frozenset(), frozenset({(0, 0)}), frozenset({(-1, 2), (3, -4)}), ix]
    elif a in ('Patch',):
        base = [o, ix, frozenset(), frozenset({(1, 1, 2)}), frozenset({(1, 2)})]
    elif a in ('Objects', 'IndicesSet'):
        base = [rng.choice(list(ex['objects_sets'])) if ex['objects_sets'] else frozenset({o}),
                frozenset(), frozenset({o}), frozenset({o, ix})]
    elif a in ('TTT_iii',):
        base = [safe.o_g_t(g, rng.randrange(8)), (), ((( 0, 0, 1),),)]
    elif a in ('Samples',):
        base = [rng.choice(ex['samples']), (), ((((1,),), ((1,),)),)]
    elif a in ('Integer', 'C_', 'R_', 'F_int', 'I_', 'J_', 'A_', 'L_', 'FL', 'R4', 'R8', 'A4',
               'A8'):
        base = ints + ([8, 7, -9, 4, 6] if a in ('R8', 'A8', 'A4', 'R4', 'FL') else [])
    elif a == 'F_':
        base = fns[:6] + ints[:4]
    elif a == 'Numerical':
        base = ints[:6] + pairs[:6]
    elif a == 'IJ':
        base = pairs
    elif a == 'Cell':
        base = [(0, 0, 1), (3, 4, 5), (1, 2)]
    elif a == 'Boolean':
        base = [True, False, 0, 1]
    elif a == 'Callable':
        base = fns
    elif a in ('Tuple', 'TupleTuple'):
        base = [(1, 2, 3), (), ((1, 2), (3, 4)), (3, 1, 3, 2), tuple(sorted(ix)),
                (o, ix), g, (frozenset(), frozenset({1}))]
    elif a == 'IntegerSet':
        base = [frozenset({1, 5, 3}), frozenset(), frozenset({-2, 0}), frozenset({7}),
                (3, 1, 2), (4, 4, -1), (), frozenset({9, 0, 4, 2}), ix, (5,),
                frozenset({True, 3}), ((1, 2), (0, 5)), frozenset({-7, -3}),
                frozenset({0}), frozenset({2, 8}), frozenset({6, 1, 30}),
                frozenset({-1, 1}), frozenset(range(10)), frozenset({100, 4})]
    elif a == 'FrozenSet':
        base = [frozenset({1, 5, 3}), frozenset(), ix, o, frozenset({o}), frozenset({-2, 0})]
    elif a in ('Container', 'ContainerContainer'):
        base = [(1, 2, 2, 3), frozenset({1, 2}), (), frozenset(), g, o, frozenset({o, o}),
                ((1, 2), (3,)), (ix,)]
    else:
        base = [0, 1, (), frozenset(), g, o, ix, (1, 2), None, True]
    if rng.random() < 0.1:
        return [w for w in wrong if w != 'fn'] + [safe.size]
    return list(base)


CONTAINER_ANNS = ('Container', 'ContainerContainer', 'Tuple', 'FrozenSet', 'TupleTuple')


def add_samples(ex, pool, safe, rng):
    """Sample tuples S: pairs related by each mir_rot_t mode, pairs related by nothing,
    the train pairs of small ARC tasks."""
    small = [g for g in pool['grid'] if g and len(g) * len(g[0]) <= 30]
    for a in range(8):
        if len(small) >= 2:
            g1, g2 = rng.sample(small, 2)
            ex['samples'].append(((g1, safe.mir_rot_t(g1, a)), (g2, safe.mir_rot_t(g2, a))))
    if len(small) >= 4:
        ex['samples'].append(((small[0], small[1]), (small[2], small[3])))
    ex['samples'].append((((1, 2), (3, 4)), ((3, 4), (1, 2))),)
    ex['samples'].extend(pool['samples'])


def keyed_pool(ex, pool, safe):
    """(container, function) pairs where the function fits the elements."""
    out = []
    objsets = [s for s in ex['objects_sets'] if s][:8]
    okeys = [safe.size, safe.height_f, safe.width_f, safe.uppermost, safe.leftmost,
             safe.color, safe.numcolors_f, safe.rbind(safe.colorcount_f, 2),
             safe.compose(safe.invert, safe.size), safe.center, safe.ulcorner, safe.normalize,
             safe.toindices, safe.rbind(safe.shift, (1, 0)), safe.matcher(safe.size, 1)]
    for s in objsets:
        for k in okeys:
            out.append((s, k))
            out.append((tuple(sorted(s, key=canon)), k))
    ikeys = [safe.identity, safe.first, safe.last_t, safe.invert, safe.decrement,
             safe.rbind(safe.add, (1, 1)), safe.dneighbors, safe.initset, safe.toivec]
    for ix in ex['indices'][:6]:
        for k in ikeys:
            out.append((ix, k))
            out.append((tuple(sorted(ix)), k))
    nkeys = [safe.identity, safe.invert, safe.even, safe.double, safe.rbind(safe.greater, 2),
             safe.positive, safe.toivec, safe.initset, safe.rbind(safe.multiply, 3)]
    for c in [(3, 1, 2, 3), frozenset({4, -1, 7}), (0,), (), frozenset(), (5, 5, 2, 2),
              frozenset({0, 3, 6, 9}), (2, 7, 1, 8, 2, 8)]:
        for k in nkeys:
            out.append((c, k))
    gkeys = [safe.size, safe.height_t, safe.width_t, safe.numcolors_t, safe.p_g,
             safe.palette_t, safe.rbind(safe.get_color_rank_t, 0), safe.asobject,
             safe.rbind(safe.f_ofcolor, 0), safe.rbind(safe.o_g, 5),
             safe.rbind(safe.mir_rot_t, 1)]
    grids = [g for g in pool['grid'] if g and len(g) * len(g[0]) <= 40][:6]
    for k in gkeys:
        out.append((tuple(grids[:3]), k))
        out.append((tuple(grids[2:5]), k))
    return out


def synth(safe, consts, store, pool, rng, names, per=160):
    """Calls from annotations, values from the pool and edge values."""
    import inspect
    ex = {'objects': [], 'indices': [], 'objects_sets': [], 'samples': []}
    for name in ('o_g', 'objects', 'partition', 'fgpartition', 'f_ofcolor', 'asindices',
                 'toindices', 'recolor_i', 'shift', 'normalize'):
        for info in list(store.cases.get(name, {}).values())[:300]:
            for a in info['args']:
                if isinstance(a, dict) and 'set' in a and a['set']:
                    v = dec(a, safe)
                    k = kind(v)
                    if k == 'object' and len(v) <= 40:
                        ex['objects'].append(v)
                    elif k == 'indices' and len(v) <= 40:
                        ex['indices'].append(v)
                    elif k == 'set-of-object' and sum(map(len, v)) <= 80:
                        ex['objects_sets'].append(v)
    for info in list(store.cases.get('a_mr', {}).values())[:20] + \
            list(store.cases.get('c_iz', {}).values())[:20]:
        v = dec(info['args'][0], safe)
        if _scalars(v, 900) < 800:
            ex['samples'].append(v)
    if not ex['samples']:
        ex['samples'].append(((((1, 2),), ((2, 1),)),))
    for g in pool['grid'][:15]:
        if g:
            for k in (0, 3, 5, 7):
                objs = safe.o_g(g, k)
                if objs and sum(map(len, objs)) <= 80:
                    ex['objects_sets'].append(objs)
                for ob in list(objs)[:3]:
                    if len(ob) <= 40:
                        ex['objects'].append(ob)
                        ex['indices'].append(frozenset((i, j) for i, j, _ in ob))
    add_samples(ex, pool, safe, rng)
    keyed = keyed_pool(ex, pool, safe)
    store.origin = 'synth'
    signal.signal(signal.SIGALRM, _alarm)
    for name in names:
        fn = getattr(safe, name)
        raw = inspect.unwrap(fn)
        params = list(inspect.signature(raw).parameters.values())
        anns = [p.annotation if p.annotation is not inspect.Parameter.empty else 'Any'
                for p in params if p.default is inspect.Parameter.empty]
        tried = good = 0
        for _ in range(per * 8):
            if good >= per // 2 or tried >= per * 6:
                break
            args = []
            for a in anns:
                vals = typed_values(a, pool, safe, consts, rng, ex)
                args.append(rng.choice(vals))
            conts = [k for k, a in enumerate(anns) if a in CONTAINER_ANNS]
            fpos = [k for k, a in enumerate(anns) if a == 'Callable']
            if len(fpos) == 1 and conts and rng.random() < 0.6:
                c, k = rng.choice(keyed)
                args[conts[0]], args[fpos[0]] = c, k
            if anns and anns[0] == 'Samples' and rng.random() < 0.7:
                args[0] = rng.choice(ex['samples'])
            if name in CONSTRUCTORS:
                if name == 'power':
                    args[1] = rng.choice([1, 2, 3, 0, -1, 2, 3])
            if name == 'is_no_grid' and rng.random() < 0.5:
                args = [rng.choice(pool['grid'])]
            tried += 1
            SafeState.depth = 0
            SafeState.top_defaulted = False
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            try:
                r, err = fn(*args), None
            except Timeout:
                continue
            except Exception as e:
                r, err = None, type(e).__name__
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            before = len(store.cases[name])
            store.add(name, tuple(args), r, err)
            if len(store.cases[name]) > before and err is None and not SafeState.top_defaulted:
                good += 1


# ---------------------------------------------------------------------------------------------
# replay


def run_case(mod, name, jargs, calls, limit=1.0):
    try:
        return _run_case(mod, name, jargs, calls, limit)
    except Timeout:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return ('skip', 'timeout'), [], False


def _run_case(mod, name, jargs, calls, limit):
    """(outcome, call outcomes); an outcome is ('out', json) or ('error', ExceptionName);
    ('skip', why) when it cannot be recorded."""
    SafeState.depth = 0
    SafeState.top_defaulted = False
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        try:
            args = [dec(a, mod) for a in jargs]
        except Timeout:
            return ('skip', 'timeout'), [], False
        except Exception as e:
            return ('skip', 'decode ' + type(e).__name__), [], False
        try:
            r = getattr(mod, name)(*args)
            oc = None
        except Timeout:
            return ('skip', 'timeout'), [], False
        except Exception as e:
            r, oc = None, ('error', type(e).__name__)
        defaulted = SafeState.top_defaulted
        if oc is None:
            if name in CONSTRUCTORS and callable(r) and not any(r is a for a in args) \
                    and not getattr(r, '__name__', '') == 'safe_callable':
                oc = ('out', {'fn': name, 'args': jargs})
            else:
                try:
                    oc = ('out', encode(r, 6000))
                except Unencodable as e:
                    return ('skip', 'result ' + str(e)), [], defaulted
        couts = []
        if calls and oc[0] == 'out' and callable(r):
            for ca in calls:
                SafeState.depth = 0
                try:
                    cargs = [dec(a, mod) for a in ca]
                    cr = r(*cargs)
                    try:
                        couts.append(('out', encode(cr, 6000)))
                    except Unencodable:
                        couts.append(('skip', 'unencodable'))
                except Timeout:
                    couts.append(('skip', 'timeout'))
                except Exception as e:
                    couts.append(('error', type(e).__name__))
        return oc, couts, defaulted
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


ANN_OK = {}


def fits(v, a):
    """Does value v fit annotation a (tokpidjin's arc_types names)?"""
    t = type(v)
    isint = t is int or t is bool
    if a in (None, 'Any'):
        return True
    if a in ('Integer', 'C_', 'R_', 'I_', 'J_', 'A_', 'L_', 'FL', 'R4', 'R8', 'A4', 'A8',
             'Boolean'):
        return isint
    if a == 'F_':
        return callable(v) or isint
    if a == 'IJ':
        return t is tuple and len(v) == 2 and all(type(e) in (int, bool) for e in v)
    if a == 'Numerical':
        return isint or fits(v, 'IJ')
    if a == 'Cell':
        return t is tuple and len(v) == 3 and all(type(e) in (int, bool) for e in v)
    if a == 'Grid':
        return t is tuple and all(type(r) is tuple and all(type(c) is int for c in r) for r in v)
    if a == 'Samples':
        return t is tuple and all(type(p) is tuple and len(p) == 2 and fits(p[0], 'Grid') and
                                  fits(p[1], 'Grid') for p in v)
    if a == 'Object':
        return t is frozenset and all(fits(c, 'Cell') for c in v)
    if a == 'Indices':
        return t is frozenset and all(fits(c, 'IJ') for c in v)
    if a == 'Patch':
        return fits(v, 'Object') or fits(v, 'Indices')
    if a == 'Objects':
        return t is frozenset and all(fits(o, 'Object') for o in v)
    if a == 'IndicesSet':
        return t is frozenset and all(fits(o, 'Indices') for o in v)
    if a == 'IntegerSet':
        return t is frozenset and all(type(e) in (int, bool) for e in v)
    if a == 'FrozenSet':
        return t is frozenset
    if a in ('Tuple',):
        return t is tuple
    if a == 'TupleTuple':
        return t is tuple and all(type(e) is tuple for e in v)
    if a == 'TTT_iii':
        return t is tuple and all(type(o) is tuple and all(fits(c, 'Cell') for c in o)
                                  for o in v)
    if a == 'Container':
        return t in (tuple, frozenset)
    if a == 'ContainerContainer':
        return t in (tuple, frozenset) and all(type(e) in (tuple, frozenset) for e in v)
    if a == 'Callable':
        return callable(v)
    return True


def ill_typed(raw, name, jargs):
    import inspect
    fn = getattr(raw, name)
    params = list(inspect.signature(fn).parameters.values())
    try:
        args = [dec(a, raw) for a in jargs]
    except Exception:
        return False
    for p, v in zip(params, args):
        a = p.annotation if p.annotation is not inspect.Parameter.empty else None
        if not fits(v, a):
            return True
    return False


KEYED = {'order': (0, 1), 'argmax': (0, 1), 'argmin': (0, 1), 'valmax': (0, 1),
         'valmin': (0, 1), 'get_arg_rank': (0, 1), 'get_arg_rank_t': (0, 1),
         'get_arg_rank_f': (0, 1), 'get_val_rank': (0, 1), 'get_val_rank_t': (0, 1),
         'get_val_rank_f': (0, 1), 'get_nth_by_key_t': (0, 2), 'get_nth_by_key_f': (0, 2),
         'argmax_t': (0, 1), 'argmax_f': (0, 1), 'argmin_t': (0, 1), 'argmin_f': (0, 1),
         'valmax_t': (0, 1), 'valmax_f': (0, 1), 'valmin_t': (0, 1), 'valmin_f': (0, 1)}
KEYLESS = {'maximum': 0, 'minimum': 0, 'get_rank': 0, 'get_nth_by_key_t': 0,
           'get_nth_by_key_f': 0}


def _has_set(v):
    t = type(v)
    if t is frozenset or t is set:
        return True
    if t is tuple:
        return any(_has_set(e) for e in v)
    return False


def set_compare(raw, name, jargs):
    """True when the call makes Python compare sets with < or > (inclusion)."""
    try:
        args = [dec(a, raw) for a in jargs]
    except Exception:
        return False
    if name == 'greater':
        return any(type(a) is frozenset for a in args)
    vals = []
    try:
        if name in KEYED and len(args) > KEYED[name][1]:
            c, k = args[KEYED[name][0]], args[KEYED[name][1]]
            if callable(k) and hasattr(c, '__iter__'):
                for e in list(c)[:200]:
                    try:
                        vals.append(k(e))
                    except Exception:
                        pass
        if name in KEYLESS and (name not in KEYED or len(args) <= KEYED[name][1]):
            c = args[KEYLESS[name]]
            if hasattr(c, '__iter__'):
                vals = list(c)
    except Exception:
        return False
    return sum(1 for v in vals if _has_set(v)) >= 2


# ---------------------------------------------------------------------------------------------
# selection


def _size(info):
    return len(dumps(info['args']))


def _round_robin(cands, limit, max_errors, taken):
    groups = collections.defaultdict(list)
    for c in cands:
        if id(c) not in taken:
            groups[c['sig']].append(c)
    for g in groups.values():
        g.sort(key=_size)
        if len(g) > 4:         # keep some spread in size: interleave small and mid-sized
            small, rest = g[:len(g) // 2], g[len(g) // 2:]
            g[:] = [x for pair in zip(small, rest) for x in pair] + small[len(rest):] + \
                rest[len(small):]
    order = sorted(groups, key=str)
    out, errors = [], 0
    idx = {s: 0 for s in order}
    while len(out) < limit:
        moved = False
        for s in order:
            g = groups[s]
            while idx[s] < len(g):
                c = g[idx[s]]
                idx[s] += 1
                is_err = c['sig'][2].startswith('E:')
                if is_err and errors >= max_errors:
                    continue
                out.append(c)
                taken.add(id(c))
                errors += is_err
                moved = True
                break
            if len(out) >= limit:
                break
        if not moved:
            break
    return out


def choose(cands, max_cases, max_errors):
    """Round-robin over signatures (origin, argument kinds, outcome kind), smaller values
    first: the traced calls first (up to two thirds of max_cases), then everything."""
    taken = set()
    traced = [c for c in cands if c['origin'] != 'synth']
    first = _round_robin(traced, max_cases * 2 // 3, max_errors, taken)
    return first + _round_robin(cands, max_cases * 3, max_errors * 2, taken)


def record_primitive(name, cands, mods, args_cfg, rng):
    raw, safe, rawc, safec = mods['raw'], mods['safe'], mods['rawc'], mods['safec']
    chosen = choose(cands, args_cfg.max_cases, args_cfg.max_errors)
    lines = []
    n_err = n_ill = 0
    for c in chosen:
        jargs = c['args']
        calls = c.get('calls') or []
        o_nat, co_nat, _ = run_case(raw, name, jargs, calls)
        if o_nat[0] == 'skip':
            continue
        outs = []
        couts = []
        for mode, seed in (('canon', 0), ('rev', 0), ('shuf', 1), ('shuf', 2)):
            _ORDER['mode'], _ORDER['seed'] = mode, seed
            o, co, _ = run_case(rawc, name, jargs, calls)
            outs.append(o)
            couts.append(co)
        _ORDER['mode'], _ORDER['seed'] = 'canon', 0
        if any(o[0] == 'skip' for o in outs):
            continue
        s_nat, sco_nat, d_nat = run_case(safe, name, jargs, calls)
        s_can, sco_can, d_can = run_case(safec, name, jargs, calls)
        if s_nat[0] == 'skip' or s_can[0] == 'skip':
            continue
        if s_nat[0] == 'error' or s_can[0] == 'error':
            continue            # only a closure argument built outside dsl.py raises: not kept
        sens = any(o != o_nat for o in outs) or any(co != co_nat for co in couts) or \
            s_nat != s_can or sco_nat != sco_can or d_nat != d_can
        # the traced outcome (shipped module, CPython order) must reproduce unless sensitive
        if c.get('trace') is not None and not sens and c['trace'] != s_nat[1]:
            continue
        is_err = o_nat[0] == 'error' and (not sens or outs[0][0] == 'error')
        if is_err and n_err >= args_cfg.max_errors:
            continue
        line = {'args': jargs}
        line[o_nat[0]] = o_nat[1]
        line['origin'] = c['origin']
        if sens:
            line['order_sensitive'] = True
            line[outs[0][0] + '_canonical'] = outs[0][1]
        if ill_typed(raw, name, jargs):
            if c['origin'] == 'synth' and o_nat[0] == 'out':
                if n_ill >= 8:
                    continue
                n_ill += 1
            line['ill_typed'] = True
        if set_compare(raw, name, jargs):
            line['set_compare'] = True
        if name == 'power' and o_nat == ('error', 'RecursionError'):
            # as shipped, the innermost wrapped power defaults and a composition some
            # thousand levels deep comes back; recorded as the default function
            s_nat = s_can = ('out', {'fn': 'default'})
        if s_nat != o_nat:
            line['safe'] = s_nat[1]
        if d_nat:
            line['defaulted'] = True
        if sens:
            if s_can != outs[0]:
                line['safe_canonical'] = s_can[1]
            if d_can:
                line['defaulted_canonical'] = True
        if calls:
            cl = []
            for k, ca in enumerate(calls):
                co = co_nat[k] if k < len(co_nat) else ('skip', '')
                cc = couts[0][k] if k < len(couts[0]) else ('skip', '')
                sc = sco_nat[k] if k < len(sco_nat) else ('skip', '')
                scc = sco_can[k] if k < len(sco_can) else ('skip', '')
                if 'skip' in (co[0], cc[0], sc[0], scc[0]):
                    continue
                e = {'args': ca, co[0]: co[1]}
                if cc != co:
                    e[cc[0] + '_canonical'] = cc[1]
                if sc != co:
                    e['safe' if sc[0] == 'out' else 'safe_error'] = sc[1]
                if scc != cc:
                    e['safe_canonical' if scc[0] == 'out' else 'safe_error_canonical'] = scc[1]
                if len(dumps(e)) > 1500 and cl:
                    continue
                cl.append(e)
                if len(cl) >= 8:
                    break
            if cl:
                line['calls'] = cl
        lines.append(line)
        n_err += is_err
        if len(lines) >= args_cfg.max_cases:
            break
    return lines


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--tokpidjin', required=True)
    ap.add_argument('--data', required=True, help='folder holding arc-agi-2/')
    ap.add_argument('--out', default='tests/data/conformance/tokpidjin')
    ap.add_argument('--max-cases', type=int, default=60)
    ap.add_argument('--max-errors', type=int, default=10)
    ap.add_argument('--cross', type=int, default=3)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--only', default='')
    ap.add_argument('--synth-per', type=int, default=160)
    ap.add_argument('--summary', action='store_true',
                    help='only print the table of the vectors in --out (for the README)')
    ap.add_argument('--check', action='store_true',
                    help='only replay the vectors in --out with dsl.py in canonical order, raw '
                         'and as shipped, and count the cases that do not match')
    args = ap.parse_args()
    if args.summary:
        return summary_table(args.out)
    if args.check:
        return check_vectors(os.path.abspath(args.tokpidjin), args.out)
    tok = os.path.abspath(args.tokpidjin)
    sys.setrecursionlimit(3000)
    rng = random.Random(args.seed)
    os.environ['EXPECT_GPU'] = '0'
    safe_shipped = load_dsl(tok, 'tok_safe', emulate=False, safe=True)
    mods = {
        'raw': load_dsl(tok, 'tok_raw'),
        'safe': safe_shipped,
        'rawc': load_dsl(tok, 'tok_rawc', emulate=True),
        'safec': load_dsl(tok, 'tok_safec', emulate=True, safe=True),
    }
    consts = load_constants(tok)
    names = safe_shipped._public
    if args.only:
        names = [n for n in names if n in args.only.split(',')]
    train = load_tasks(os.path.join(args.data, 'arc-agi-2', 'training'))
    evals = load_tasks(os.path.join(args.data, 'arc-agi-2', 'evaluation'))
    others = dict(train)
    others.update({'e' + k: v for k, v in evals.items()})
    store = Store()
    import time
    t0 = time.time()
    print('trace ...', file=sys.stderr)
    trace(tok, safe_shipped, consts, train, others, store, args.cross, args.seed)
    # closure calls to their constructor cases
    for name in CONSTRUCTORS:
        for key, info in store.cases.get(name, {}).items():
            dj = dumps({'fn': name, 'args': info['args']})
            if dj in store.calls:
                info['calls'] = list(store.calls[dj].values())
    print('synth ... (%.0f s)' % (time.time() - t0), file=sys.stderr)
    pool = value_pool(store, train, rng)
    synth(safe_shipped, consts, store, pool, rng, names, per=args.synth_per)
    # closures built in synth: give constructor cases some calls
    for name in CONSTRUCTORS:
        for key, info in store.cases.get(name, {}).items():
            if not info.get('calls'):
                info['calls'] = synth_calls(safe_shipped, name, info['args'], pool, rng)
    print('replay ... (%.0f s)' % (time.time() - t0), file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    summary = []
    for name in names:
        cands = list(store.cases.get(name, {}).values())
        cfg = args
        if getattr(mods['raw'], name).__name__ != name:      # an alias: fewer cases
            cfg = argparse.Namespace(**vars(args))
            cfg.max_cases = min(args.max_cases, 20)
            cfg.max_errors = min(args.max_errors, 4)
        lines = record_primitive(name, cands, mods, cfg, rng)
        with open(os.path.join(args.out, name + '.jsonl'), 'w') as f:
            for ln in lines:
                f.write(dumps(ln) + '\n')
        summary.append((name, len(lines)))
        print('%-22s %3d (from %d)' % (name, len(lines), len(cands)), file=sys.stderr)
    print('primitives %d, cases %d, empty: %s' % (
        len(summary), sum(n for _, n in summary), [n for n, k in summary if not k]),
        file=sys.stderr)


def check_vectors(tok, folder):
    rawc = load_dsl(tok, 'tok_rawc', emulate=True)
    safec = load_dsl(tok, 'tok_safec', emulate=True, safe=True)
    _ORDER['mode'] = 'canon'
    n = bad = 0
    for p in sorted(glob.glob(os.path.join(folder, '*.jsonl'))):
        name = os.path.basename(p)[:-6]
        with open(p) as f:
            for k, ln in enumerate(f, 1):
                d = json.loads(ln)
                n += 1
                os_ = d.get('order_sensitive')
                calls = [c['args'] for c in d.get('calls', ())]
                want = ('error', d['error_canonical' if os_ and 'error_canonical' in d else
                                  'error']) if ('error_canonical' if os_ else 'error') in d \
                    else ('out', d['out_canonical' if os_ else 'out'])
                got, cgot, _ = run_case(rawc, name, d['args'], calls, limit=5.0)
                sw = d.get('safe_canonical' if os_ else 'safe')
                swant = ('out', sw) if sw is not None else want
                sgot, scgot, dft = run_case(safec, name, d['args'], calls, limit=5.0)
                if name == 'power' and want == ('error', 'RecursionError'):
                    sgot = ('out', {'fn': 'default'})
                why = []
                if got != want:
                    why.append('raw %r != %r' % (got, want))
                if sgot != swant:
                    why.append('safe %r != %r' % (sgot, swant))
                if bool(dft) != bool(d.get('defaulted_canonical' if os_ else 'defaulted')):
                    why.append('defaulted %r' % dft)
                for c, g, sg in zip(d.get('calls', ()), cgot, scgot):
                    cw = ('error', c.get('error_canonical', c.get('error'))) \
                        if 'error_canonical' in c or ('error' in c and
                                                      'out_canonical' not in c) \
                        else ('out', c.get('out_canonical', c.get('out')))
                    if g != cw:
                        why.append('call %r != %r' % (g, cw))
                    if 'safe_canonical' in c or 'safe_error_canonical' in c:
                        scw = ('out', c['safe_canonical']) if 'safe_canonical' in c else \
                            ('error', c['safe_error_canonical'])
                    elif ('safe' in c or 'safe_error' in c) and cw == \
                            (('error', c['error']) if 'error' in c else ('out', c.get('out'))):
                        scw = ('out', c['safe']) if 'safe' in c else ('error', c['safe_error'])
                    else:
                        scw = cw
                    if sg != scw:
                        why.append('safe call %r != %r' % (sg, scw))
                if why:
                    bad += 1
                    print('%s:%d: %s' % (name, k, '; '.join(why)[:300]))
    print('%d cases, %d mismatches' % (n, bad))


def summary_table(folder):
    rows = []
    tot = collections.Counter()
    for p in sorted(glob.glob(os.path.join(folder, '*.jsonl'))):
        c = collections.Counter()
        with open(p) as f:
            for ln in f:
                d = json.loads(ln)
                c['cases'] += 1
                c[d['origin']] += 1
                c['errors'] += 'error' in d
                c['order'] += bool(d.get('order_sensitive'))
                c['ill'] += bool(d.get('ill_typed'))
                c['defaulted'] += bool(d.get('defaulted'))
                c['set_compare'] += bool(d.get('set_compare'))
                c['calls'] += len(d.get('calls', ()))
        rows.append((os.path.basename(p)[:-6], c))
        tot.update(c)
    print('%d primitives, %d cases (%d solver, %d cross, %d synth), %d errors, %d defaulted, '
          '%d order-sensitive, %d ill-typed, %d set_compare, %d closure calls' % (
              len(rows), tot['cases'], tot['solver'], tot['cross'], tot['synth'], tot['errors'],
              tot['defaulted'], tot['order'], tot['ill'], tot['set_compare'], tot['calls']))
    print()
    print('| primitive | cases | solver | cross | synth | errors | defaulted | order-sensitive '
          '| closure calls |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for n, c in rows:
        print('| %s | %d | %d | %d | %d | %d | %d | %d | %s |' % (
            n, c['cases'], c['solver'], c['cross'], c['synth'], c['errors'], c['defaulted'],
            c['order'], c['calls'] or ''))


def synth_calls(safe, name, jargs, pool, rng):
    """Arguments to call a closure with, by the arity the constructor gives it."""
    vals = [0, 1, 3, -1, (), frozenset(), (1, 2), ((1, 2), (3, 4)), frozenset({(0, 0, 1)}),
            frozenset({(1, 1), (2, 2)}), ((5,),), (0, 1, 0)]
    if pool['grid']:
        vals.append(pool['grid'][0])
    try:
        r = dec({'fn': name, 'args': jargs}, safe)
        n = r.__code__.co_argcount if hasattr(r, '__code__') else 1
    except Exception:
        n = 1
    if n == 0:
        n = 1
    out = []
    for _ in range(4):
        out.append([encode(rng.choice(vals)) for _ in range(n)])
    return out


if __name__ == '__main__':
    main()
