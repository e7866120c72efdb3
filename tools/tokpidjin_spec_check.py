#!/usr/bin/env python3
"""Checks docs/tokpidjin.md against the tokpidjin conformance vectors.

  python3 tools/tokpidjin_spec_check.py [--vectors tests/data/conformance/tokpidjin]
      [--doc docs/tokpidjin.md] [--ill-typed] [--show 5]

Every primitive of the dialect is written again here from the document's text alone (its
formulas, typed defaults, sentinels, the rule that calls between primitives go through the
wrapped primitives, canonical set order; closure arities from the document's signatures), and
each case of the vectors is replayed against it: the model's result, or the typed default
when the model raises, must equal the shipped canonical outcome (`safe_canonical` /
`out_canonical` for order-sensitive cases, else `safe` / `out`), and each closure call of a
constructor case its outcome. Cases marked `set_compare` are skipped, `ill_typed` ones unless
--ill-typed. No tokpidjin code is used. Exit status 1 when a case differs.
"""
import argparse
import glob
import json
import math
import os
import re
import sys

NAN, INF = math.nan, math.inf


class Default(Exception):
    """The call raises in tokpidjin; the shipped function returns its typed default."""


def srt(s):
    """Canonical order for the values these models meet (ints, tuples of ints, sets)."""
    return sorted(s, key=_key)


def _key(x):
    if isinstance(x, (bool, int)):
        return (1, int(x))
    if isinstance(x, Closure):
        return (4, '<lambda>', x.ctor, tuple(_key(a) for a in x.args))
    if hasattr(x, 'prim'):
        return (4, x.prim)
    if isinstance(x, tuple):
        return (2, tuple(_key(e) for e in x))
    if isinstance(x, frozenset):
        return (3, tuple(sorted(_key(e) for e in x)))
    return (0,)


def it(c):
    return srt(c) if isinstance(c, frozenset) else list(c)


# --- arithmetic --------------------------------------------------------------------------

def _arith(op, unit):
    def f(a, b):
        a = unit if a == () else a
        b = unit if b == () else b
        ia, ib = isinstance(a, int), isinstance(b, int)
        ta, tb = isinstance(a, tuple), isinstance(b, tuple)
        try:
            if ia and ib:
                return op(a, b)
            if ta and tb:
                return (op(a[0], b[0]), op(a[1], b[1]))
            if ia and tb:
                return (op(a, b[0]), op(a, b[1]))
            return (op(a[0], b), op(a[1], b))
        except Exception:
            raise Default
    return f


add = _arith(lambda x, y: x + y, 0)
subtract = _arith(lambda x, y: x - y, 0)
multiply = _arith(lambda x, y: x * y, 1)
divide = _arith(lambda x, y: x // y, 1)


# --- patches ------------------------------------------------------------------------------

def locs(p):
    """toindices: cells -> locations, by the first element's length."""
    return toindices(p)


def uppermost(p):
    return min(i for i, j in locs(p)) if p else NAN


def leftmost(p):
    return min(j for i, j in locs(p)) if p else NAN


def lowermost(p):
    return max(i for i, j in locs(p)) if p else NAN


def rightmost(p):
    return max(j for i, j in locs(p)) if p else NAN


def inner(name, *args):
    """A call made inside dsl.py: it goes through the wrapped primitive, so it defaults."""
    return _with_default(name)(*args)


def height_f(p):
    return 0 if len(p) == 0 else inner('lowermost', p) - inner('uppermost', p) + 1


def width_f(p):
    return 0 if len(p) == 0 else inner('rightmost', p) - inner('leftmost', p) + 1


def shape_f(p):
    return (inner('height_f', p), inner('width_f', p))


def square_f(p):
    return height_f(p) * width_f(p) == len(p) and height_f(p) == width_f(p)


def ulcorner(p):
    l = locs(p)
    return (min(i for i, _ in l), min(j for _, j in l)) if l else ()


def urcorner(p):
    l = locs(p)
    return (min(i for i, _ in l), max(j for _, j in l)) if l else ()


def llcorner(p):
    l = locs(p)
    return (max(i for i, _ in l), min(j for _, j in l)) if l else ()


def lrcorner(p):
    l = locs(p)
    return (max(i for i, _ in l), max(j for _, j in l)) if l else ()


def corner(p, t):
    return inner({0: 'ulcorner', 1: 'urcorner', 2: 'llcorner', 3: 'lrcorner'}.get(t, 'ulcorner'), p)


def col_row(p, t):
    f = {0: 'lowermost', 1: 'uppermost', 2: 'leftmost', 3: 'rightmost'}.get(t)
    return None if f is None else inner(f, p)


def center(p):
    u, l = inner('uppermost', p), inner('leftmost', p)
    if u is NAN or l is NAN:
        return ()
    return (u + inner('height_f', p) // 2, l + inner('width_f', p) // 2)


def manhattan(a, b):
    if not hasattr(a, '__len__') or not hasattr(b, '__len__'):
        return INF
    if len(a) == 0 or len(b) == 0:
        return INF
    return min(abs(ai - bi) + abs(aj - bj) for ai, aj in locs(a) for bi, bj in locs(b))


def color(obj):
    seq = it(obj)
    if not seq:
        return -INF
    c = seq[0]
    if not isinstance(c, tuple):
        return -INF
    return c[2]


def shift(p, d):
    if not p:
        return frozenset()
    if d == ():
        return p
    di, dj = d
    if len(it(p)[0]) == 3:
        return frozenset((i + di, j + dj, c) for i, j, c in p)
    return frozenset((i + di, j + dj) for i, j in p)


# --- grids --------------------------------------------------------------------------------

def crop(g, s, d):
    if g == ():
        return ()
    h, w = len(g), len(g[0])
    if 0 <= s[0] < h and 0 <= s[1] < w and s[0] + d[0] <= h and s[1] + d[1] <= w:
        return tuple(r[s[1]:s[1] + d[1]] for r in g[s[0]:s[0] + d[0]])
    return ()


def subgrid(p, g):
    if p == frozenset() or p == ():
        return ()
    return crop(g, ulcorner(p), shape_f(p))


def hsplit(g, n):
    if len(g) == 0 or n == 0:
        raise Default
    h, w = len(g), len(g[0]) // n
    off = len(g[0]) % n != 0
    return tuple(crop(g, (0, w * i + i * off), (h, w)) for i in range(n))


def vsplit(g, n):
    if len(g) == 0 or n == 0:
        raise Default
    h, w = len(g) // n, len(g[0])
    off = len(g) % n != 0
    return tuple(crop(g, (h * i + i * off, 0), (h, w)) for i in range(n))


def index(g, loc):
    if loc == ():
        return -INF
    i, j = loc
    if len(g) == 0:
        raise Default
    if not (0 <= i < len(g) and 0 <= j < len(g[0])):
        return -INF
    return g[i][j]


def hmirror_t(g):
    return g[::-1]


def vmirror_t(g):
    return tuple(r[::-1] for r in it(g))


def dmirror_t(g):
    return tuple(zip(*it(g)))


def cmirror_t(g):
    return tuple(zip(*(r[::-1] for r in g[::-1])))


def rot90(g):
    return tuple(zip(*g[::-1]))


def rot180(g):
    return tuple(tuple(r[::-1]) for r in g[::-1])


def rot270(g):
    return tuple(tuple(r[::-1]) for r in zip(*g[::-1]))[::-1]


def mir_rot_t(g, a):
    fs = {0: hmirror_t, 1: dmirror_t, 2: vmirror_t, 3: cmirror_t, 4: rot90, 5: rot180,
          6: rot270}
    return fs[a](g) if a in fs else g


# --- colours and ranks --------------------------------------------------------------------

def colours_ranked(values):
    """Colours by count descending, ties by first occurrence."""
    first, count = {}, {}
    for k, v in enumerate(values):
        first.setdefault(v, k)
        count[v] = count.get(v, 0) + 1
    return sorted(count, key=lambda v: (-count[v], first[v]))


def get_color_rank_t(g, r):
    ranked = colours_ranked([v for row in g for v in row])
    return ranked[r] if -len(ranked) <= r < len(ranked) else ()


def get_color_rank_f(o, r):
    ranked = colours_ranked([c for _, _, c in srt(o)])
    return ranked[r] if -len(ranked) <= r < len(ranked) else frozenset()


def mostcolor_t(g):
    vals = [v for r in g for v in r]
    if not vals:
        return NAN
    best = max(vals.count(v) for v in set(vals))
    return min(v for v in set(vals) if vals.count(v) == best)


def leastcolor_t(g):
    vals = [v for r in g for v in r]
    if not vals:
        return NAN
    least = min(vals.count(v) for v in set(vals))
    return min(v for v in set(vals) if vals.count(v) == least)


def p_g(g):
    return tuple(sorted({v for r in g for v in r}))


def p_o(o):
    return tuple(sorted({c for _, _, c in o}))


def get_nth_t(c, r):
    if type(c) is not tuple or not -len(c) <= r < len(c):
        return NAN
    return c[r]


def get_nth_f(c, r):
    seq = it(c)
    if r < 0:
        seq = seq[::-1]
        r = -r - 1
    return seq[r] if r < len(seq) else frozenset()


def get_rank(c, r):
    ranked = sorted(c, reverse=True)
    return ranked[r] if -len(ranked) <= r < len(ranked) else 0


def first(c):
    s = it(c)
    return s[0] if s else None


def second(c):
    s = it(c)
    if not s:
        raise Default
    return s[1] if len(s) > 1 else None


def last(c):
    s = it(c)
    return s[-1] if s else ()


def first_f(c):
    if not c:
        return frozenset()
    return it(c)[0]


def last_f(c):
    if not c:
        return frozenset()
    return it(c)[-1]


def other_f(c, v):
    s = inner('remove_f', v, c)
    if not s:
        return frozenset()
    return it(s)[0]


def difference_tuple(a, b):
    return type(a)(e for e in it(a) if e not in b)


def dedupe(t):
    if not isinstance(t, tuple):
        raise Default
    return tuple(e for k, e in enumerate(t) if t.index(e) == k)


def a_mr(S):
    for a in range(8):
        if all(o == inner('mir_rot_t', i, a) for i, o in S):
            return a
    return None


def gravitate(src, dst):
    if not dst:
        return src
    si, sj = inner('center', src)
    di, dj = inner('center', dst)
    i = j = 0
    if inner('vmatching', src, dst):
        i = 1 if si < di else -1
    else:
        j = 1 if sj < dj else -1
    gi, gj, c = i, j, 0
    cur = src
    while not inner('adjacent', cur, dst) and c < 42:
        c += 1
        gi += i
        gj += j
        cur = inner('shift', cur, (i, j))
    return (gi - i, gj - j)


# --- objects ------------------------------------------------------------------------------

def objects_t(g, univalued, diagonal, without_bg):
    """Flood fill in canonical order: start cells row-major, each wave ascending."""
    if g == ():
        return ()
    bg = mostcolor_t(g) if without_bg else None
    h, w = len(g), len(g[0])
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if diagonal:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    occupied, objs = set(), []
    for i0 in range(h):
        for j0 in range(w):
            if (i0, j0) in occupied or g[i0][j0] == bg:
                continue
            val = g[i0][j0]
            obj, cands = [], {(i0, j0)}
            while cands:
                nb = set()
                for i, j in sorted(cands):
                    v = g[i][j]
                    if (v == val) if univalued else (v != bg):
                        obj.append((i, j, v))
                        occupied.add((i, j))
                        nb |= {(i + a, j + b) for a, b in steps
                               if 0 <= i + a < h and 0 <= j + b < w}
                cands = nb - occupied
            objs.append(tuple(obj))
    return tuple(objs)


def objects(g, univalued, diagonal, without_bg):
    return frozenset(frozenset(o) for o in objects_t(g, univalued, diagonal, without_bg))


def o_g(g, t):
    if t not in range(8):
        return None
    return objects(g, bool(t & 4), bool(t & 2), bool(t & 1))


def o_g_t(g, t):
    if t not in range(8):
        return None
    return objects_t(g, bool(t & 4), bool(t & 2), bool(t & 1))


def partition(g):
    rows = [it(r) for r in it(g)]
    return frozenset(frozenset((i, j, c) for i, r in enumerate(rows) for j, c in enumerate(r)
                               if c == col) for col in {v for r in rows for v in r})


def fgpartition(g):
    return frozenset(o for o in partition(g) if it(o)[0][2] != mostcolor_t(g))


def fill(g, col, p):
    if g == ():
        raise Default
    h, w = len(g), len(g[0])
    out = [list(r) for r in g]
    for i, j in it(locs(p)):
        if 0 <= i < h and 0 <= j < w:
            out[i][j] = col
    return tuple(tuple(r) for r in out)


def paint(g, obj):
    if g == ():
        raise Default
    h, w = len(g), len(g[0])
    out = [list(r) for r in g]
    for c in it(obj):
        if len(c) != 3:
            raise Default
        i, j, v = c
        if 0 <= i < h and 0 <= j < w:
            out[i][j] = v
    return tuple(tuple(r) for r in out)


def underpaint(g, obj):
    if g == ():
        raise Default
    h, w = len(g), len(g[0])
    bg = mostcolor_t(g)
    out = [list(r) for r in g]
    for c in it(obj):
        if len(c) != 3:
            raise Default
        i, j, v = c
        if 0 <= i < h and 0 <= j < w and out[i][j] == bg:
            out[i][j] = v
    return tuple(tuple(r) for r in out)


# --- commonness and ranks by key --------------------------------------------------------------

def _by_count(seq, most):
    counts = {e: seq.count(e) for e in seq}
    best = (max if most else min)(counts.values())
    return srt([e for e in counts if counts[e] == best])[0]


def mostcommon_t(c):
    if not isinstance(c, tuple) or not c:
        raise Default
    return _by_count(list(c), True)


def mostcommon_f(c):
    if not c:
        raise Default
    return _by_count(it(c), True)


def leastcommon_f(c):
    if not c:
        raise Default
    return _by_count(it(c), False)


def _common_ranked(seq):
    return sorted(srt(set(seq)), key=seq.count)


def get_common_rank_t(c, r):
    if not isinstance(c, tuple):
        raise Default
    ranked = _common_ranked(list(c))
    return ranked[r] if -len(ranked) <= r < len(ranked) else ()


def get_common_rank_f(c, r):
    ranked = _common_ranked(it(c))
    return ranked[r] if -len(ranked) <= r < len(ranked) else frozenset()


def totuple(c):
    return tuple(it(c))


def size(c):
    try:
        return len(c)
    except TypeError:
        raise Default


def identity(x):
    return x


def get_arg_rank_f(c, key, r):
    ranked = sorted(it(c), key=key, reverse=True)
    return ranked[r] if -len(ranked) <= r < len(ranked) else frozenset()


def get_arg_rank_t(c, key, r):
    ranked = sorted(it(c), key=key, reverse=True)
    return ranked[r] if -len(ranked) <= r < len(ranked) else ()


def get_val_rank_f(c, key, r):
    ranked = sorted(it(c), key=key)
    return key(ranked[r]) if -len(ranked) <= r < len(ranked) else key(0)


def _mapply_t(f, grids):
    """merge_t(apply_t(f, grids)), merge_t defaulting to () when a result is not iterable."""
    parts = [f(g) for g in grids]
    try:
        return tuple(e for c in parts for e in it(c))
    except TypeError:
        return ()


def c_iz(S, f):
    ins = [pair[0] for pair in S]
    outs = [pair[1] for pair in S]
    a = dedupe(_mapply_t(f, ins))
    b = dedupe(_mapply_t(f, outs))
    return tuple(e for e in a if e not in b)


def c_zo(S, f):
    return c_iz(tuple((o, i) for i, o in S), f)


# --- more patch and grid primitives --------------------------------------------------------

def toindices(p):
    if not hasattr(p, '__len__') or len(p) == 0:
        return frozenset()
    f = it(p)[0]
    if not hasattr(f, '__len__'):
        return frozenset()
    if len(f) == 3:
        return frozenset((i, j) for i, j, _ in p)
    return p


def normalize(p):
    if len(p) == 0:
        return p
    return inner('shift', p, (-inner('uppermost', p), -inner('leftmost', p)))


def recolor_i(c, ix):
    return frozenset((i, j, c) for i, j in ix)


def recolor_o(c, obj):
    try:
        ix = frozenset((i, j) for i, j, _ in obj) if obj else frozenset()
    except (TypeError, ValueError):
        ix = frozenset()                            # toindices_o defaults inside
    return frozenset((i, j, c) for i, j in ix)


def _mirror(p, f2, f3):
    if len(it(p)[0]) == 3:
        return frozenset(f3(*e) for e in p)
    return frozenset(f2(*e) for e in p)


def hmirror_f(p):
    d = inner('ulcorner', p)[0] + inner('lrcorner', p)[0]
    return _mirror(p, lambda i, j: (d - i, j), lambda i, j, c: (d - i, j, c))


def vmirror_f(p):
    if p == frozenset():
        return p
    d = inner('ulcorner', p)[1] + inner('lrcorner', p)[1]
    return _mirror(p, lambda i, j: (i, d - j), lambda i, j, c: (i, d - j, c))


def dmirror_f(p):
    a, b = inner('ulcorner', p)
    return _mirror(p, lambda i, j: (j - b + a, i - a + b),
                   lambda i, j, c: (j - b + a, i - a + b, c))


def cmirror_f(p):
    return inner('vmirror_f', inner('dmirror_f', inner('vmirror_f', p)))


def mir_rot_f(p, a):
    f = {0: 'hmirror_f', 1: 'dmirror_f', 2: 'vmirror_f', 3: 'cmirror_f'}.get(a)
    return p if f is None else inner(f, p)


def upscale_t(g, k):
    return tuple(tuple(v for v in r for _ in range(k)) for r in g for _ in range(k))


def upscale_f(obj, k):
    if len(obj) == 0:
        return frozenset()
    a, b = inner('ulcorner', obj)
    out = set()
    for i, j, c in obj:
        for x in range(k):
            for y in range(k):
                out.add(((i - a) * k + x + a, (j - b) * k + y + b, c))
    return frozenset(out)


def downscale(g, k):
    return tuple(tuple(r[j] for j in range(len(g[0])) if j % k == 0)
                 for i, r in enumerate(g) if i % k == 0)


def connect(a, b):
    if a == () or b == ():
        return frozenset()
    (ai, aj), (bi, bj) = a, b
    if ai == bi:
        return frozenset((ai, j) for j in range(min(aj, bj), max(aj, bj) + 1))
    if aj == bj:
        return frozenset((i, aj) for i in range(min(ai, bi), max(ai, bi) + 1))
    if abs(bi - ai) == abs(bj - aj) and (bi - ai == bj - aj or bi - ai == aj - bj):
        si, sj = (1 if bi > ai else -1), (1 if bj > aj else -1)
        return frozenset((ai + k * si, aj + k * sj) for k in range(abs(bi - ai) + 1))
    return frozenset()


def shoot(s, d):
    if s in ((), frozenset()) or d in ((), frozenset()):
        return frozenset()
    return connect(s, (s[0] + 42 * d[0], s[1] + 42 * d[1]))


def _frame(si, sj, ei, ej):
    si, ei = min(si, ei), max(si, ei)
    sj, ej = min(sj, ej), max(sj, ej)
    return frozenset({(i, sj) for i in range(si, ei + 1)} | {(i, ej) for i in range(si, ei + 1)}
                     | {(si, j) for j in range(sj, ej + 1)} | {(ei, j) for j in range(sj, ej + 1)})


def box(p):
    if p == frozenset() or p == ():
        return frozenset()
    (ai, aj), (bi, bj) = inner('ulcorner', p), inner('lrcorner', p)
    return _frame(ai, aj, bi, bj)


def _sides(p):
    return (inner('uppermost', p), inner('leftmost', p), inner('lowermost', p),
            inner('rightmost', p))


def inbox(p):
    if p == frozenset() or p == ():
        return frozenset()
    u, l, d, r = _sides(p)
    return _frame(u + 1, l + 1, d - 1, r - 1)


def outbox(p):
    if p == frozenset() or p == ():
        return frozenset()
    u, l, d, r = _sides(p)
    return _frame(u - 1, l - 1, d + 1, r + 1)


def backdrop(p):
    if not hasattr(p, '__len__') or len(p) == 0:
        return frozenset()
    (si, sj), (ei, ej) = inner('ulcorner', p), inner('lrcorner', p)
    return frozenset((i, j) for i in range(si, ei + 1) for j in range(sj, ej + 1))


def delta(p):
    if not hasattr(p, '__len__') or len(p) == 0:
        return frozenset()
    return inner('backdrop', p) - inner('toindices', p)


def dneighbors(loc):
    if loc == () or type(loc) is not tuple:
        return frozenset()
    i, j = loc[0], loc[1]
    return frozenset({(i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)})


def ineighbors(loc):
    if loc == () or type(loc) is not tuple:
        return frozenset()
    i, j = loc[0], loc[1]
    return frozenset({(i - 1, j - 1), (i - 1, j + 1), (i + 1, j - 1), (i + 1, j + 1)})


def hfrontier(loc):
    if loc == ():
        return frozenset()
    return frozenset((loc[0], j) for j in range(30))


def vfrontier(loc):
    return frozenset((i, loc[1]) for i in range(30))


def corners(p):
    return frozenset({inner('ulcorner', p), inner('urcorner', p), inner('llcorner', p),
                      inner('lrcorner', p)})


def cellwise(a, b, fb):
    return tuple(tuple(a[i][j] if a[i][j] == inner('index', b, (i, j)) else fb
                       for j in range(len(a[0]))) for i in range(len(a)))


def height_t(g):
    return len(g)


def width_t(g):
    return len(g[0]) if g else 0


def shape_t(g):
    return (inner('height_t', g), inner('width_t', g))


def square_t(g):
    return len(g) == len(g[0])


def is_no_grid(x):
    if not isinstance(x, tuple):
        return True
    return not all(isinstance(r, tuple) and all(isinstance(v, int) for v in r) for r in x)


def asobject(g):
    if is_no_grid(g):
        return frozenset()
    return frozenset((i, j, c) for i, r in enumerate(g) for j, c in enumerate(r))


def toobject(p, g):
    h, w = len(g), len(g[0])
    return frozenset((i, j, g[i][j]) for i, j in inner('toindices', p)
                     if 0 <= i < h and 0 <= j < w)


def colorcount_t(g, c):
    return sum(r.count(c) for r in g)


def colorcount_f(o, c):
    return sum(cc == c for _, _, cc in o)


def colorfilter(objs, c):
    out = []
    for o in objs:
        if not o:
            raise Default
        if it(o)[0][2] == c:
            out.append(o)
    return frozenset(out)


def sizefilter(c, n):
    return frozenset(x for x in c if len(x) == n)


def merge_f(cs):
    return type(cs)(e for c in it(cs) for e in it(c))


def combine_t(a, b):
    return a + b


def combine_f(a, b):
    return a | b


def get_nth_by_key_t(c, r, key=identity):
    ranked = sorted(it(c), key=key)
    return ranked[r] if ranked else None


def get_nth_by_key_f(c, r, key=identity):
    ranked = sorted(it(c), key=key)
    r = max(r, 0)
    return ranked[r] if r < len(ranked) else None


def sfilter_f(c, f):
    return frozenset(e for e in it(c) if f(e))


def mfilter_t(c, f):
    return frozenset(e for e in it(c) if f(e))


def mfilter_f(c, f):
    return inner('merge_f', inner('sfilter', c, f))


def valmax(c, f):
    seq = it(c)
    return f(max(seq, key=f)) if seq else f(0)


def extract(c, f):
    for e in it(c):
        if f(e):
            return e
    return frozenset()


MORE = {'toindices': frozenset(), 'normalize': frozenset(), 'recolor_i': frozenset(),
        'recolor_o': frozenset(), 'hmirror_f': frozenset(), 'vmirror_f': frozenset(),
        'dmirror_f': frozenset(), 'cmirror_f': frozenset(), 'mir_rot_f': (),
        'upscale_t': (), 'upscale_f': frozenset(), 'downscale': (), 'connect': frozenset(),
        'shoot': frozenset(), 'box': frozenset(), 'inbox': frozenset(), 'outbox': frozenset(),
        'backdrop': frozenset(), 'delta': frozenset(), 'dneighbors': frozenset(),
        'ineighbors': frozenset(), 'hfrontier': frozenset(), 'vfrontier': frozenset(),
        'corners': frozenset(), 'cellwise': (), 'height_t': 0, 'width_t': 0, 'shape_t': (),
        'square_t': False, 'is_no_grid': (), 'asobject': frozenset(), 'toobject': frozenset(),
        'colorcount_t': 0, 'colorcount_f': 0, 'colorfilter': frozenset(),
        'sizefilter': frozenset(), 'merge_f': (), 'combine_t': (), 'combine_f': frozenset(),
        'get_nth_by_key_t': (), 'get_nth_by_key_f': (), 'sfilter_f': frozenset(),
        'mfilter_t': frozenset(), 'mfilter_f': frozenset(), 'valmax': 0,
        'extract': (), 'urcorner': (), 'llcorner': (), 'index': 0}

# --- the rest: simple values, containers, functions of functions -----------------------------

def _num1(f_int):
    def g(x):
        if isinstance(x, int):
            return f_int(x)
        return (f_int(x[0]), f_int(x[1]))
    return g


invert = _num1(lambda v: -v)
double = _num1(lambda v: v * 2)
halve = _num1(lambda v: v // 2)
increment = _num1(lambda v: v + 1)
decrement = _num1(lambda v: v - 1)
crement = _num1(lambda v: 0 if v == 0 else (v + 1 if v > 0 else v - 1))
sign = _num1(lambda v: 0 if v == 0 else (1 if v > 0 else -1))


def even(n):
    return n % 2 == 0


def flip(b):
    return not b


def equality(a, b):
    return a == b


def contained(v, c):
    return v in c


def greater(a, b):
    return a > b


def positive(x):
    return x > 0


def both(a, b):
    return a and b


def either(a, b):
    return a or b


def toivec(i):
    return (i, 0)


def tojvec(j):
    return (0, j)


def branch(c, a, b):
    return a if c else b


c_branch = branch


def astuple(a, b):
    return (a, b)


def ascell(ij, c):
    return (ij[0], ij[1], c)


def toij(c):
    return (c[0], c[1])


def astriple(i, j, c):
    return (i, j, c)


def interval(a, b, k):
    return tuple(range(a, b, k))


def first_t(c):
    return c[0] if c else ()


def last_t(c):
    return c[-1] if c else ()


def combine(a, b):
    return type(a)((*it(a), *it(b)))


def intersection(a, b):
    return a & b


def difference(a, b):
    return type(a)(e for e in it(a) if e not in b)


difference_t = difference_tuple


def dedupe_pair_tuple(S):
    return tuple((a, b) for a, b in S if a != b)


def order(c, f):
    return tuple(sorted(it(c), key=f))


def repeat(x, n):
    return tuple(x for _ in range(n))


def size_t(c):
    return len(c)


size_f = size_t


def merge(cs):
    return type(cs)(e for c in it(cs) for e in it(c))


merge_t = merge


def maximum(c):
    return max(it(c), default=0)


def minimum(c):
    return min(it(c), default=0)


def valmin(c, f):
    seq = it(c)
    return f(min(seq, key=f)) if seq else f(0)


valmax_t = valmax_f = valmax
valmin_t = valmin_f = valmin


def argmax(c, f):
    return max(it(c), key=f)


def argmin(c, f):
    return min(it(c), key=f)


argmax_t = argmax_f = argmax
argmin_t = argmin_f = argmin


def mostcommon(c):
    if not isinstance(c, tuple) or not c:
        raise Default
    return _by_count(list(c), True)


def leastcommon(c):
    if not isinstance(c, tuple) or not c:
        raise Default
    return _by_count(list(c), False)


leastcommon_t = leastcommon


def initset(v):
    return frozenset({v})


def insert(v, c):
    return c.union(frozenset({v}))


def remove(v, c):
    return type(c)(e for e in it(c) if e != v)


remove_f = remove


def remove_t(v, c):
    return tuple(e for e in it(c) if e != v)


def other(c, v):
    return inner('first', inner('remove', v, c))


def other_t(c, v):
    s = [e for e in it(c) if e != v]
    return s[0] if s else ()


def product(a, b):
    return frozenset((i, j) for j in it(b) for i in it(a))


def pair(a, b):
    return tuple(zip(it(a), it(b)))


def celltuple(a, b):
    return tuple((x, y, z) for (x, y), z in zip(it(a), it(b)))


def sfilter(c, f):
    return type(c)(e for e in it(c) if f(e))


def sfilter_t(c, f):
    return tuple(e for e in it(c) if f(e))


def mfilter(c, f):
    return inner('merge_f', inner('sfilter', c, f))


def sizefilter_t(c, n):
    return tuple(x for x in c if len(x) == n)


def get_arg_rank(c, f, r):
    ranked = sorted(it(c), key=f, reverse=True)
    return ranked[r] if -len(ranked) <= r < len(ranked) else type(c)()


def get_val_rank(c, f, r):
    ranked = sorted(it(c), key=f)
    return f(ranked[r]) if -len(ranked) <= r < len(ranked) else f(0)


get_val_rank_t = get_val_rank


def get_common_rank(c, r):
    if not isinstance(c, tuple):
        raise Default
    ranked = _common_ranked(list(c))
    return ranked[r] if -len(ranked) <= r < len(ranked) else ()


def apply(f, c):
    return type(c)(f(e) for e in it(c))


apply_f = apply


def apply_t(f, c):
    return tuple(f(e) for e in it(c))


def rapply(fs, v):
    return type(fs)(f(v) for f in it(fs))


rapply_f = rapply


def rapply_t(fs, v):
    return tuple(f(v) for f in it(fs))


def mapply(f, c):
    return inner('merge', inner('apply', f, c))


def mapply_t(f, c):
    return inner('merge_t', inner('apply_t', f, c))


def mapply_f(f, c):
    return inner('merge_f', inner('apply_f', f, c))


def papply(f, a, b):
    return tuple(f(i, j) for i, j in zip(it(a), it(b)))


def mpapply(f, a, b):
    return inner('merge_t', inner('papply', f, a, b))


def prapply(f, a, b):
    return frozenset(f(i, j) for j in it(b) for i in it(a))


def c_iz_n(S, f, pick):
    return pick(inner('c_iz', S, f))


def c_zo_n(S, f, pick):
    return pick(inner('c_zo', S, f))


class Closure:
    """A closure built by a constructor: plain Python, not wrapped (it can raise)."""

    def __init__(self, ctor, args, call, arity):
        self.ctor, self.args, self.call, self.arity = ctor, args, call, arity

    def __call__(self, *a):
        if self.arity is not None and len(a) != self.arity:
            raise TypeError('arity')
        return self.call(*a)


def _arity(f):
    if isinstance(f, Closure):
        return f.arity
    if hasattr(f, 'prim'):
        return ARITY[f.prim]
    raise Default


def _bind(name, f, x, left):
    n = _arity(f)
    k = {2: 1, 3: 2}.get(n, 3)
    if left:
        return Closure(name, (f, x), lambda *a: f(x, *a), k)
    return Closure(name, (f, x), lambda *a: f(*a, x), k)


def rbind(f, x):
    return _bind('rbind', f, x, False)


def lbind(f, x):
    return _bind('lbind', f, x, True)


def compose(f, g):
    return Closure('compose', (f, g), lambda x: f(g(x)), 1)


def chain(h, g, f):
    return Closure('chain', (h, g, f), lambda x: h(g(f(x))), 1)


def matcher(f, t):
    return Closure('matcher', (f, t), lambda x: f(x) == t, 1)


def fork(o, a, b):
    return Closure('fork', (o, a, b), lambda x: o(a(x), b(x)), 1)


def power(f, n):
    if n < 1:
        raise RecursionError
    if n == 1:
        return f
    return Closure('power', (f, n), None, 1) if False else _power(f, n)


def _power(f, n):
    c = f
    for _ in range(n - 1):
        c = Closure('compose', (f, c), (lambda g: (lambda x: f(g(x))))(c), 1)
    c.ctor, c.args = 'power', (f, n)
    return c


def colorfilter_t(objs, c):
    return tuple(o for o in objs if o[0][2] == c)


def palette_t(g):
    return frozenset(v for r in g for v in r)


def palette_f(o):
    return frozenset(c for _, _, c in o)


p_f = palette_f


def numcolors_t(g):
    return len(inner('palette_t', g))


def numcolors_f(o):
    return len(inner('palette_f', o))


def mostcolor_f(o):
    vals = [c for _, _, c in it(o)]
    if not vals:
        return NAN
    best = max(vals.count(v) for v in set(vals))
    return min(v for v in set(vals) if vals.count(v) == best)


def leastcolor_f(o):
    vals = [c for _, _, c in it(o)]
    if not vals:
        return NAN
    least = min(vals.count(v) for v in set(vals))
    return min(v for v in set(vals) if vals.count(v) == least)


def f_ofcolor(g, c):
    return frozenset((i, j) for i, r in enumerate(g) for j, v in enumerate(r) if v == c)


def asindices(g):
    return frozenset((i, j) for i in range(len(g)) for j in range(len(g[0])))


def canvas(c, d):
    return tuple(tuple(c for _ in range(d[1])) for _ in range(d[0]))


def replace(g, a, b):
    return tuple(tuple(b if v == a else v for v in r) for r in g)


def switch(g, a, b):
    return tuple(tuple(b if v == a else (a if v == b else v) for v in r) for r in g)


def hconcat(a, b):
    return tuple(i + j for i, j in zip(a, b))


def vconcat(a, b):
    return a + b


def hupscale(g, k):
    return tuple(tuple(v for v in r for _ in range(k)) for r in g)


def vupscale(g, k):
    return tuple(r for r in g for _ in range(k))


def trim(g):
    return tuple(r[1:-1] for r in g[1:-1])


def tophalf(g):
    return g[:len(g) // 2]


def bottomhalf(g):
    return g[len(g) // 2 + len(g) % 2:]


def lefthalf(g):
    return inner('rot270', inner('tophalf', inner('rot90', g)))


def righthalf(g):
    return inner('rot270', inner('bottomhalf', inner('rot90', g)))


def compress(g):
    rows = it(g)
    ri = [i for i, r in enumerate(rows) if len(set(r)) == 1]
    ci = [j for j, c in enumerate(inner('dmirror_t', g)) if len(set(c)) == 1]
    return tuple(tuple(v for j, v in enumerate(it(r)) if j not in ci)
                 for i, r in enumerate(rows) if i not in ri)


def cover(g, p):
    return inner('fill', g, inner('mostcolor_t', g), inner('toindices', p))


def underfill(g, col, p):
    if g == ():
        raise Default
    h, w = len(g), len(g[0])
    bg = mostcolor_t(g)
    out = [list(r) for r in g]
    for i, j in it(inner('toindices', p)):
        if 0 <= i < h and 0 <= j < w and out[i][j] == bg:
            out[i][j] = col
    return tuple(tuple(r) for r in out)


def move(g, obj, off):
    return inner('paint', inner('cover', g, obj), inner('shift', obj, off))


def hmirror_i(p):
    d = inner('ulcorner', p)[0] + inner('lrcorner', p)[0]
    return frozenset((d - i, j) for i, j in p)


def hmirror_o(p):
    d = inner('ulcorner', p)[0] + inner('lrcorner', p)[0]
    return frozenset((d - i, j, c) for i, j, c in p)


def vmirror_i(p):
    d = inner('ulcorner', p)[1] + inner('lrcorner', p)[1]
    return frozenset((i, d - j) for i, j in p)


def vmirror_o(p):
    d = inner('ulcorner', p)[1] + inner('lrcorner', p)[1]
    return frozenset((i, d - j, c) for i, j, c in p)


def dmirror_i(p):
    a, b = inner('ulcorner', p)
    return frozenset((j - b + a, i - a + b) for i, j in p)


def dmirror_o(p):
    a, b = inner('ulcorner', p)
    return frozenset((j - b + a, i - a + b, c) for i, j, c in p)


cmirror_i = cmirror_o = cmirror_f


def toindices_i(p):
    return p


def toindices_o(o):
    if not hasattr(o, '__len__') or len(o) == 0:
        return frozenset()
    return frozenset((i, j) for i, j, _ in o)


def _ext(name, pick, which, via):
    def f(p):
        if name not in ('rightmost_i', 'rightmost_o') and not p:
            return NAN
        return pick((i, j)[which] for i, j in it(inner(via, p)))
    return f


uppermost_i = _ext('uppermost_i', min, 0, 'toindices_i')
lowermost_i = _ext('lowermost_i', max, 0, 'toindices_i')
leftmost_i = _ext('leftmost_i', min, 1, 'toindices_i')
rightmost_i = _ext('rightmost_i', max, 1, 'toindices_i')
uppermost_o = _ext('uppermost_o', min, 0, 'toindices_o')
lowermost_o = _ext('lowermost_o', max, 0, 'toindices_o')
leftmost_o = _ext('leftmost_o', min, 1, 'toindices_o')
rightmost_o = _ext('rightmost_o', max, 1, 'toindices_o')


def _mm(p, via, fs):
    cols = list(zip(*it(inner(via, p))))
    return tuple(fs[k](c) for k, c in enumerate(cols))


def ulcorner_i(p):
    return tuple(min(c) for c in zip(*it(p)))


def lrcorner_i(p):
    return tuple(max(c) for c in zip(*it(p)))


def urcorner_i(p):
    return _mm(p, 'toindices_i', {0: min, 1: max})


def llcorner_i(p):
    return _mm(p, 'toindices_i', {0: max, 1: min})


def ulcorner_o(p):
    return tuple(min(c) for c in zip(*it(inner('toindices_o', p))))


def lrcorner_o(p):
    return tuple(max(c) for c in zip(*it(inner('toindices_o', p))))


def urcorner_o(p):
    return _mm(p, 'toindices_o', {0: min, 1: max})


def llcorner_o(p):
    return _mm(p, 'toindices_o', {0: max, 1: min})


def height_i(p):
    return 0 if len(p) == 0 else inner('lowermost_i', p) - inner('uppermost_i', p) + 1


def height_o(p):
    return 0 if len(p) == 0 else inner('lowermost_o', p) - inner('uppermost_o', p) + 1


def width_i(p):
    return 0 if len(p) == 0 else inner('rightmost_i', p) - inner('leftmost_i', p) + 1


def width_o(p):
    return 0 if len(p) == 0 else inner('rightmost_o', p) - inner('leftmost_o', p) + 1


def normalize_i(p):
    if len(p) == 0:
        return p
    return inner('shift', p, (-inner('uppermost_i', p), -inner('leftmost_i', p)))


def normalize_o(p):
    if len(p) == 0:
        return p
    return inner('shift', p, (-inner('uppermost_o', p), -inner('leftmost_o', p)))


def normalize_t(p):
    return p


def portrait_t(g):
    return inner('height_t', g) > inner('width_t', g)


def portrait_f(p):
    return inner('height_f', p) > inner('width_f', p)


def vline_i(p):
    return inner('height_i', p) == len(p) and inner('width_i', p) == 1


def vline_o(p):
    return inner('height_o', p) == len(p) and inner('width_o', p) == 1


def hline_i(p):
    return inner('width_i', p) == len(p) and inner('height_i', p) == 1


def hline_o(p):
    return inner('width_o', p) == len(p) and inner('height_o', p) == 1


def hmatching(a, b):
    return len({i for i, j in inner('toindices', a)} & {i for i, j in inner('toindices', b)}) > 0


def vmatching(a, b):
    return len({j for i, j in inner('toindices', a)} & {j for i, j in inner('toindices', b)}) > 0


def adjacent(a, b):
    return inner('manhattan', a, b) == 1


def bordering(p, g):
    return (inner('uppermost', p) == 0 or inner('leftmost', p) == 0 or
            inner('lowermost', p) == len(g) - 1 or inner('rightmost', p) == len(g[0]) - 1)


def centerofmass(p):
    return tuple(sum(c) // len(p) for c in zip(*it(inner('toindices', p))))


def position(a, b):
    ia, ja = inner('center', inner('toindices', a))
    ib, jb = inner('center', inner('toindices', b))
    if ia == ib:
        return (0, 1 if ja < jb else -1)
    if ja == jb:
        return (1 if ia < ib else -1, 0)
    return (1 if ia < ib else -1, 1 if ja < jb else -1)


def neighbors(loc):
    return inner('dneighbors', loc) | inner('ineighbors', loc)


def _period(obj, axis):
    n = inner('normalize', obj)
    size_ = inner('width_f' if axis else 'height_f', n)
    for k in range(1, size_):
        d = (0, -k) if axis else (-k, 0)
        moved = inner('shift', n, d)
        kept = frozenset((i, j, c) for i, j, c in it(moved) if (i, j)[axis] >= 0)
        if kept <= n:
            return k
    return size_


def hperiod(obj):
    return _period(obj, 1)


def vperiod(obj):
    return _period(obj, 0)


def occurrences(g, obj):
    n = inner('normalize', obj)
    h, w = len(g), len(g[0])
    oh, ow = inner('shape_f', obj)
    out = set()
    for i in range(h - oh + 1):
        for j in range(w - ow + 1):
            if all(0 <= a < h and 0 <= b < w and g[a][b] == v
                   for a, b, v in it(inner('shift', n, (i, j)))):
                out.add((i, j))
    return frozenset(out)


def frontiers(g):
    h, w = len(g), len(g[0])
    rows = [i for i, r in enumerate(g) if len(set(r)) == 1]
    cols = [j for j, c in enumerate(zip(*g)) if len(set(c)) == 1]
    hf = frozenset(frozenset((i, j, g[i][j]) for j in range(w)) for i in rows)
    vf = frozenset(frozenset((i, j, g[i][j]) for i in range(h)) for j in cols)
    return hf | vf


o_g_tuple = o_g_t
objects_g = objects_t

REST = {'invert': (), 'double': (), 'halve': (), 'increment': (), 'decrement': (),
        'crement': (), 'sign': (), 'even': False, 'flip': False, 'equality': False,
        'contained': False, 'greater': False, 'positive': False, 'both': False,
        'either': False, 'toivec': (), 'tojvec': (), 'branch': (), 'c_branch': (),
        'astuple': (), 'ascell': (), 'toij': (), 'astriple': (), 'interval': (),
        'first_t': (), 'last_t': (), 'combine': (), 'intersection': frozenset(),
        'difference': frozenset(), 'difference_t': (), 'dedupe_pair_tuple': (), 'order': (),
        'repeat': (), 'size_t': 0, 'size_f': 0, 'merge': (), 'merge_t': (), 'maximum': 0,
        'minimum': 0, 'valmax_t': 0, 'valmax_f': 0, 'valmin': 0, 'valmin_t': 0,
        'valmin_f': 0, 'argmax': (), 'argmax_t': (), 'argmax_f': (), 'argmin': (),
        'argmin_t': (), 'argmin_f': (), 'mostcommon': (), 'leastcommon': (),
        'leastcommon_t': (), 'initset': frozenset(), 'insert': frozenset(), 'remove': (),
        'remove_f': frozenset(), 'remove_t': (), 'other': (), 'other_t': (),
        'product': frozenset(), 'pair': (), 'celltuple': (), 'sfilter': (), 'sfilter_t': (),
        'mfilter': frozenset(), 'sizefilter_t': (), 'get_arg_rank': (), 'get_val_rank': (),
        'get_val_rank_t': (), 'get_common_rank': (), 'apply': (), 'apply_f': frozenset(),
        'apply_t': (), 'rapply': (), 'rapply_f': frozenset(), 'rapply_t': (),
        'mapply': frozenset(), 'mapply_t': (), 'mapply_f': frozenset(), 'papply': (),
        'mpapply': (), 'prapply': frozenset(), 'c_iz_n': 0, 'c_zo_n': 0, 'rbind': 'fn',
        'lbind': 'fn', 'compose': 'fn', 'chain': 'fn', 'matcher': 'fn', 'fork': 'fn',
        'power': 'fn', 'colorfilter_t': (), 'palette_t': frozenset(),
        'palette_f': frozenset(), 'p_f': frozenset(), 'numcolors_t': 0, 'numcolors_f': 0,
        'mostcolor_f': 0, 'leastcolor_f': 0, 'f_ofcolor': frozenset(),
        'asindices': frozenset(), 'canvas': (), 'replace': (), 'switch': (), 'hconcat': (),
        'vconcat': (), 'hupscale': (), 'vupscale': (), 'trim': (), 'tophalf': (),
        'bottomhalf': (), 'lefthalf': (), 'righthalf': (), 'compress': (), 'cover': (),
        'underfill': (), 'move': (), 'hmirror_i': frozenset(), 'hmirror_o': frozenset(),
        'vmirror_i': frozenset(), 'vmirror_o': frozenset(), 'dmirror_i': frozenset(),
        'dmirror_o': frozenset(), 'cmirror_i': frozenset(), 'cmirror_o': frozenset(),
        'hmirror_t': (), 'vmirror_t': (), 'dmirror_t': (), 'cmirror_t': (), 'rot90': (),
        'rot180': (), 'rot270': (), 'toindices_i': frozenset(), 'toindices_o': frozenset(),
        'uppermost_i': 0, 'lowermost_i': 0, 'leftmost_i': 0, 'rightmost_i': 0,
        'uppermost_o': 0, 'lowermost_o': 0, 'leftmost_o': 0, 'rightmost_o': 0,
        'ulcorner_i': (), 'lrcorner_i': (), 'urcorner_i': (), 'llcorner_i': (),
        'ulcorner_o': (), 'lrcorner_o': (), 'urcorner_o': (), 'llcorner_o': (),
        'height_i': 0, 'height_o': 0, 'width_i': 0, 'width_o': 0,
        'normalize_i': frozenset(), 'normalize_o': frozenset(), 'normalize_t': (),
        'portrait_t': False, 'portrait_f': False, 'vline_i': False, 'vline_o': False,
        'hline_i': False, 'hline_o': False, 'hmatching': False, 'vmatching': False,
        'adjacent': False, 'bordering': False, 'centerofmass': (), 'position': (),
        'neighbors': frozenset(), 'hperiod': 0, 'vperiod': 0, 'occurrences': frozenset(),
        'frontiers': frozenset(), 'o_g_tuple': (), 'objects_g': ()}

DEFAULTS = {'objects': frozenset(), 'objects_t': (), 'o_g': (), 'o_g_t': (),
            'partition': frozenset(), 'fgpartition': frozenset(), 'fill': (), 'paint': (),
            'underpaint': (), 'mostcommon_t': (), 'mostcommon_f': (), 'leastcommon_f': (),
            'get_common_rank_t': (), 'get_common_rank_f': (), 'totuple': (), 'size': 0,
            'identity': (), 'get_arg_rank_f': (), 'get_arg_rank_t': (), 'get_val_rank_f': (),
            'c_iz': (), 'c_zo': (),
'add': (), 'subtract': (), 'multiply': (), 'divide': (), 'crop': (), 'subgrid': (),
            'hsplit': (), 'vsplit': (), 'index': 0, 'corner': (), 'col_row': (), 'center': (),
            'manhattan': 0, 'color': 0, 'get_color_rank_t': 0, 'get_color_rank_f': 0,
            'mostcolor_t': 0, 'leastcolor_t': 0, 'p_g': frozenset(), 'p_o': frozenset(),
            'get_nth_t': (), 'get_nth_f': (), 'get_rank': 0, 'first': (), 'second': (),
            'last': (), 'first_f': (), 'last_f': (), 'other_f': (), 'difference_tuple': (),
            'dedupe': (), 'a_mr': (), 'gravitate': (), 'mir_rot_t': (), 'uppermost': 0,
            'leftmost': 0, 'lowermost': 0, 'rightmost': 0, 'height_f': 0, 'width_f': 0,
            'shape_f': (), 'square_f': False, 'ulcorner': (), 'lrcorner': (),
            'shift': frozenset()}
DEFAULTS.update(MORE)
DEFAULTS.update(REST)
MODELS = {n: globals()[n] for n in DEFAULTS}


def enc(x):
    if isinstance(x, bool) or isinstance(x, int):
        return x
    if x is None:
        return {'none': True}
    if isinstance(x, float):
        return {'float': 'nan' if math.isnan(x) else ('inf' if x > 0 else '-inf')}
    if isinstance(x, tuple):
        if x and all(type(r) is tuple and r and len(r) == len(x[0]) and
                     all(type(v) is int for v in r) for r in x):
            return {'grid': [list(r) for r in x]}
        return {'tuple': [enc(e) for e in x]}
    if isinstance(x, frozenset):
        return {'set': [enc(e) for e in srt(x)]}
    if hasattr(x, 'prim'):
        return {'fn': x.prim}
    if isinstance(x, Closure):
        return {'fn': x.ctor, 'args': [enc(a) for a in x.args]}
    if x == 'fn':
        return {'fn': 'default'}
    raise TypeError(type(x))


def dec(j):
    if isinstance(j, (bool, int)):
        return j
    if 'grid' in j:
        return tuple(tuple(r) for r in j['grid'])
    if 'tuple' in j:
        return tuple(dec(e) for e in j['tuple'])
    if 'set' in j:
        return frozenset(dec(e) for e in j['set'])
    if 'none' in j:
        return None
    if 'float' in j:
        return float(j['float'])
    if 'fn' in j and 'args' not in j and j['fn'] in MODELS:
        return _with_default(j['fn'])
    if 'fn' in j and j['fn'] == 'default':
        return Closure('default', (), lambda *a: (), None)
    if 'fn' in j and j['fn'] in ('rbind', 'lbind', 'compose', 'chain', 'matcher', 'fork',
                                 'power'):
        return MODELS[j['fn']](*[dec(a) for a in j['args']])
    raise ValueError('function argument')


def _with_default(name):
    """A primitive passed as a value: as shipped, whatever raises inside gives its default."""
    def f(*args):
        try:
            return MODELS[name](*args)
        except Exception:
            return DEFAULTS[name]
    f.prim = name
    return f


def doc_arity(path):
    """Parameter counts from the signatures in docs/tokpidjin.md."""
    out = {}
    with open(path) as f:
        for ln in f:
            m = re.match(r'\| `(\w+)` \| `\((.*?)\) ->', ln)
            if m:
                out[m.group(1)] = len(m.group(2).split(',')) if m.group(2).strip() else 0
    return out


ARITY = {}


def call_expected(c):
    """The shipped outcome of a closure call, canonical order."""
    if 'safe_canonical' in c:
        return ('out', c['safe_canonical'])
    if 'safe_error_canonical' in c:
        return ('error', c['safe_error_canonical'])
    if 'out_canonical' in c:
        return ('out', c['out_canonical'])
    if 'error_canonical' in c:
        return ('error', c['error_canonical'])
    if 'safe' in c:
        return ('out', c['safe'])
    if 'safe_error' in c:
        return ('error', c['safe_error'])
    return ('out', c['out']) if 'out' in c else ('error', c['error'])


def expected(d):
    if d.get('order_sensitive'):
        if 'safe_canonical' in d:
            return d['safe_canonical']
        return d.get('out_canonical')
    return d['safe'] if 'safe' in d else d.get('out')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vectors', default='tests/data/conformance/tokpidjin')
    ap.add_argument('--show', type=int, default=5)
    ap.add_argument('--doc', default='docs/tokpidjin.md')
    ap.add_argument('--ill-typed', action='store_true',
                    help='also the cases marked ill_typed (arguments of the wrong kind)')
    a = ap.parse_args()
    ARITY.update(doc_arity(a.doc))
    total = bad = 0
    for name, model in sorted(MODELS.items()):
        n = b = 0
        with open(os.path.join(a.vectors, name + '.jsonl')) as f:
            for k, ln in enumerate(f, 1):
                d = json.loads(ln)
                if (d.get('ill_typed') and not a.ill_typed) or d.get('set_compare'):
                    continue
                try:
                    args = [dec(x) for x in d['args']]
                except (ValueError, KeyError):
                    continue
                want = expected(d)
                try:
                    r = model(*args)
                    got = enc(r)
                except Exception:           # Default, or Python raising inside the formula
                    r = None
                    got = enc(DEFAULTS[name])
                if got == want and isinstance(r, Closure):
                    for c in d.get('calls', ()):
                        try:
                            cargs = [dec(x) for x in c['args']]
                        except (ValueError, KeyError):
                            continue
                        kind, cw = call_expected(c)
                        try:
                            cg = ('out', enc(r(*cargs)))
                        except Exception:
                            cg = ('error', None)
                        if cg[0] != kind or (kind == 'out' and cg[1] != cw):
                            got = 'call %s gave %s, want %s %s' % (
                                json.dumps(c['args'])[:80], cg, kind, json.dumps(cw)[:80])
                            break
                n += 1
                if got != want:
                    b += 1
                    if b <= a.show:
                        print('%s:%d: args %s: want %s, model %s' % (
                            name, k, json.dumps(d['args'])[:150], json.dumps(want)[:120],
                            json.dumps(got)[:120]))
        total += n
        bad += b
        print('%-18s %3d well-typed cases, %d differ' % (name, n, b))
    print('%d primitives, %d cases, %d differ' % (len(MODELS), total, bad))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
