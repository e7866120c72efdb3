/* prim_base.c: arc-dsl's generic primitives — arithmetic, logic, comparisons, container
 * operations and the higher-order helpers (apply, mapply, papply, ...). Each follows the
 * Python body in dsl.py, including what duck typing lets through on ill-typed arguments. */
#include <string.h>

#include "batt.h"
#include "bt_prims.h"
#include "patch.h"

/* ---- small shared helpers -------------------------------------------------------- */

static bt_value empty_tuple(void) { return bt_tuple(NULL, 0); }
static bt_value empty_set(void) { return bt_set_sorted(NULL, 0); }

/* A StopIteration escaping a generator expression surfaces as RuntimeError (PEP 479). */
static bt_value in_generator(bt_value r) {
  return r.kind == BT_ERR && r.errc == BT_E_STOP ? bt_err(BT_E_RUNTIME) : r;
}

/* n arena values, or NULL past the limits; n == 0 gives a non-NULL dummy. */
static bt_value *out_items(bt_ctx *cx, uint64_t n) {
  if (n > cx->lim.max_elems) return NULL;
  return bt_items(cx, n ? (size_t)n : 1);
}

/* The concatenation of the items of x and y, as type(proto) would build it. */
static bt_value concat(bt_ctx *cx, bt_value proto, bt_value x, bt_value y) {
  uint64_t n = (uint64_t)x.n + y.n;
  if (n == 0) return bt_like(cx, proto, NULL, 0);
  bt_value *out = out_items(cx, n);
  if (!out) return bt_err(BT_E_LIMIT);
  if (x.n) memcpy(out, x.u.items, x.n * sizeof *out);
  if (y.n) memcpy(out + x.n, y.u.items, y.n * sizeof *out);
  return bt_like(cx, proto, out, (size_t)n);
}

/* Python's seq * count for a tuple: count copies of the n items (none when count <= 0). */
static bt_value repeat_items(bt_ctx *cx, const bt_value *items, uint32_t n, int64_t count) {
  if (count <= 0 || n == 0) return empty_tuple();
  if ((uint64_t)count > cx->lim.max_elems / n) return bt_err(BT_E_LIMIT);
  bt_value *out = out_items(cx, (uint64_t)count * n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (int64_t k = 0; k < count; k++)
    memcpy(out + k * n, items, n * sizeof *out);
  return bt_tuple(out, (uint32_t)(count * n));
}

/* The members of one set of interned pairs, or of interned cells, as a bitmap of the table's
 * entries, kept for the sets looked up in it next: solvers filter the cells of a grid by a
 * few lookups each in one large set (a line's ofcolor). The set is known by the identity of
 * its memory under the memo's rule (bt_kept_key). ok: every member is an entry of the region
 * at base. */
enum { MEMBER_MIN = 64 };
typedef struct member_map {
  bt_kept_key key;
  uint32_t n;
  bool ok;
  int64_t base, span;
  uint64_t bits[(BT_INTERN_CELLS + 63) / 64];
} member_map;

static _Thread_local member_map member_table;

/* The member map of y, a set of MEMBER_MIN items or more, or NULL when y is no set of
 * interned entries of one region, or was made during the evaluation (a map for it would
 * serve one lookup). */
static const member_map *members_of(bt_ctx *cx, bt_value y) {
  member_map *t = &member_table;
  if (bt_kept_for(cx, &t->key, y.u.items) && t->n == y.n) return t->ok ? t : NULL;
  if (bt_since_begun(cx, y.u.items)) return NULL; /* the map kept stays for its set */
  bt_kept_set(cx, &t->key, y.u.items);
  int64_t first = bt_intern_at(y.u.items[0]);
  t->base = first >= BT_INTERN_PAIRS ? BT_INTERN_PAIRS : 0;
  t->span = t->base ? BT_INTERN_CELLS : BT_INTERN_PAIRS;
  t->ok = first >= 0;
  if (t->ok) memset(t->bits, 0, (size_t)(t->span + 63) / 64 * sizeof *t->bits);
  for (uint32_t k = 0; k < y.n && t->ok; k++) {
    int64_t at = bt_intern_at(y.u.items[k]) - t->base;
    t->ok = at >= 0 && at < t->span;
    if (t->ok) t->bits[at / 64] |= (uint64_t)1 << (at % 64);
  }
  t->n = y.n;
  return t->ok ? t : NULL;
}

/* Sets a - b (keep_common false) or a & b (true) by a merge walk of the sorted items;
 * common elements come from `from_b ? b : a`. The result is already ascending. */
static bt_value set_walk(bt_ctx *cx, bt_value x, bt_value y, bool keep_common, bool from_b) {
  bt_value *out = out_items(cx, x.n);
  if (!out) return bt_err(BT_E_LIMIT);
  uint32_t i = 0, j = 0, m = 0;
  /* few against many, y lasting and of interned entries: each of x that is one of them
     looked up in y's member map (an equal member is that entry), the others in y itself */
  const member_map *in =
      (uint64_t)x.n * 16 < y.n && !from_b && y.n >= MEMBER_MIN && !bt_walk_spent() ? members_of(cx, y) : NULL;
  if (in) {
    for (; i < x.n; i++) {
      int64_t at = bt_intern_at(x.u.items[i]) - in->base;
      bool common =
          at >= 0 && at < in->span ? in->bits[at / 64] >> (at % 64) & 1 : bt_set_find(y, x.u.items[i]) >= 0;
      if (common == keep_common) out[m++] = x.u.items[i]; /* from_b: y is the larger */
    }
    return bt_set_sorted(out, m);
  }
  if ((uint64_t)x.n * 16 < y.n) { /* few against many: each of x looked up in the rest of y */
    for (; i < x.n; i++) {
      uint32_t lo = j, hi = y.n; /* the first of y[j..] not below x[i] */
      while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (bt_cmp_quick(y.u.items[mid], x.u.items[i]) < 0)
          lo = mid + 1;
        else
          hi = mid;
      }
      j = lo;
      bool common = j < y.n && bt_cmp_quick(x.u.items[i], y.u.items[j]) == 0;
      if (common != keep_common) continue;
      out[m++] = common && from_b ? y.u.items[j] : x.u.items[i];
    }
    return bt_set_sorted(out, m);
  }
  while (i < x.n) {
    int c = j < y.n ? bt_cmp_quick(x.u.items[i], y.u.items[j]) : -1;
    if (c > 0) {
      j++;
    } else if (c < 0) {
      if (!keep_common) out[m++] = x.u.items[i];
      i++;
    } else {
      if (keep_common) out[m++] = from_b ? y.u.items[j] : x.u.items[i];
      i++;
      j++;
    }
  }
  return bt_set_sorted(out, m);
}

/* Sets x | y by a merge walk; of equal elements x's survives (x is inserted first). */
static bt_value set_union(bt_ctx *cx, bt_value x, bt_value y) {
  bt_value *out = out_items(cx, (uint64_t)x.n + y.n);
  if (!out) return bt_err(BT_E_LIMIT);
  uint32_t i = 0, j = 0, m = 0;
  while (i < x.n || j < y.n) {
    int c = i == x.n ? 1 : j == y.n ? -1 : bt_cmp_quick(x.u.items[i], y.u.items[j]);
    if (c <= 0)
      out[m++] = x.u.items[i++];
    else
      out[m++] = y.u.items[j++];
    if (c == 0) j++;
  }
  return bt_set_sorted(out, m);
}

/* A container answering `x in c` as c does, fast: c itself when a set or a short
 * tuple, else a sorted copy (bt_cmp equality is Python's == on our values). */
static bt_value lookup_of(bt_ctx *cx, bt_value c) {
  if (c.kind != BT_TUPLE || c.n <= 16) return c;
  bt_value *copy = bt_items(cx, c.n);
  if (!copy) return bt_err(BT_E_LIMIT);
  memcpy(copy, c.u.items, c.n * sizeof *copy);
  return bt_set_build(cx, copy, c.n);
}

/* Python's set(items): the distinct values in canonical order, of equal values the first
 * one kept; slot[k] receives the position of items[k] in it. */
static bt_value distinct(bt_ctx *cx, bt_value c, uint32_t **slot) {
  bt_value *copy = bt_items(cx, c.n);
  *slot = bt_alloc(cx, c.n * sizeof **slot);
  if (!copy || !*slot) return bt_err(BT_E_LIMIT);
  memcpy(copy, c.u.items, c.n * sizeof *copy);
  bt_value set = bt_set_build(cx, copy, c.n);
  if (bt_is_err(set)) return set;
  for (uint32_t k = 0; k < c.n; k++)
    (*slot)[k] = (uint32_t)bt_set_find(set, c.u.items[k]);
  return set;
}

/* ---- Python arithmetic ------------------------------------------------------------ */

typedef enum py_op { PY_ADD, PY_SUB, PY_MUL, PY_FLOORDIV } py_op;

static bt_value int_op(py_op op, int64_t x, int64_t y) {
  switch (op) {
  case PY_ADD: return bt_int_add(x, y);
  case PY_SUB: return bt_int_sub(x, y);
  case PY_MUL: return bt_int_mul(x, y);
  default: return bt_int_floordiv(x, y);
  }
}

/* Python's x op y: int arithmetic, tuple + tuple concatenates, tuple * int repeats,
 * frozenset - frozenset is the difference; anything else raises TypeError. */
static bt_value py_binop(bt_ctx *cx, py_op op, bt_value x, bt_value y) {
  if (bt_is_int(x) && bt_is_int(y)) return int_op(op, x.u.i, y.u.i);
  if (op == PY_ADD && bt_is_tuple(x) && bt_is_tuple(y)) return concat(cx, x, x, y);
  if (op == PY_MUL && bt_is_tuple(x) && bt_is_int(y)) return repeat_items(cx, x.u.items, x.n, y.u.i);
  if (op == PY_MUL && bt_is_int(x) && bt_is_tuple(y)) return repeat_items(cx, y.u.items, y.n, x.u.i);
  if (op == PY_SUB && bt_is_set(x) && bt_is_set(y)) return set_walk(cx, x, y, false, false);
  return bt_err(BT_E_TYPE);
}

/* add/subtract/multiply/divide: int op int, else elementwise on the first two items of
 * whichever operands dsl.py indexes (a tuple b with an int or tuple a; a otherwise). */
static bt_value arith2(bt_ctx *cx, py_op op, bt_value x, bt_value y) {
  if (bt_is_int(x) && bt_is_int(y)) return int_op(op, x.u.i, y.u.i);
  if (x.kind == BT_TUPLE && y.kind == BT_TUPLE && x.n >= 2 && y.n >= 2 && bt_is_int(x.u.items[0]) &&
      bt_is_int(x.u.items[1]) && bt_is_int(y.u.items[0]) && bt_is_int(y.u.items[1])) {
    /* two pairs of ints (the usual vectors): the loop below, without its dispatch */
    bt_value r0 = int_op(op, x.u.items[0].u.i, y.u.items[0].u.i);
    if (bt_is_err(r0)) return r0;
    bt_value r1 = int_op(op, x.u.items[1].u.i, y.u.items[1].u.i);
    return bt_is_err(r1) ? r1 : bt_pair(cx, r0, r1);
  }
  bool index_y = bt_is_tuple(y) && (bt_is_tuple(x) || bt_is_int(x));
  bool index_x = !(bt_is_int(x) && bt_is_tuple(y));
  bt_value r[2];
  for (int k = 0; k < 2; k++) {
    bt_value xk = index_x ? bt_getitem(x, k) : x;
    if (bt_is_err(xk)) return xk;
    bt_value yk = index_y ? bt_getitem(y, k) : y;
    if (bt_is_err(yk)) return yk;
    r[k] = py_binop(cx, op, xk, yk);
    if (bt_is_err(r[k])) return r[k];
  }
  return bt_pair(cx, r[0], r[1]);
}

BT_PRIM(add) { return arith2(cx, PY_ADD, a[0], a[1]); }
BT_PRIM(subtract) { return arith2(cx, PY_SUB, a[0], a[1]); }
BT_PRIM(multiply) { return arith2(cx, PY_MUL, a[0], a[1]); }
BT_PRIM(divide) { return arith2(cx, PY_FLOORDIV, a[0], a[1]); }

/* ---- one-argument numericals: f(n) for an int, else (f(n[0]), f(n[1])) ------------- */

typedef bt_value (*scalar_fn)(bt_ctx *cx, bt_value x);

static bt_value numerical(bt_ctx *cx, bt_value n, scalar_fn f) {
  if (bt_is_int(n)) return f(cx, n);
  bt_value r[2];
  for (int k = 0; k < 2; k++) {
    bt_value x = bt_getitem(n, k);
    if (bt_is_err(x)) return x;
    r[k] = f(cx, x);
    if (bt_is_err(r[k])) return r[k];
  }
  return bt_pair(cx, r[0], r[1]);
}

static bt_value negated(bt_ctx *cx, bt_value x) {
  (void)cx;
  return bt_is_int(x) ? bt_int_sub(0, x.u.i) : bt_err(BT_E_TYPE);
}
static bt_value doubled(bt_ctx *cx, bt_value x) { return py_binop(cx, PY_MUL, x, bt_int(2)); }
static bt_value halved(bt_ctx *cx, bt_value x) { return py_binop(cx, PY_FLOORDIV, x, bt_int(2)); }
static bt_value plus_one(bt_ctx *cx, bt_value x) { return py_binop(cx, PY_ADD, x, bt_int(1)); }
static bt_value minus_one(bt_ctx *cx, bt_value x) { return py_binop(cx, PY_SUB, x, bt_int(1)); }

/* `0 if x == 0 else (...)`: a non-int is never 0 and then fails at `x > 0`. */
static bt_value cremented(bt_ctx *cx, bt_value x) {
  (void)cx;
  if (!bt_is_int(x)) return bt_err(BT_E_TYPE);
  if (x.u.i == 0) return bt_int(0);
  return x.u.i > 0 ? bt_int_add(x.u.i, 1) : bt_int_sub(x.u.i, 1);
}

static bt_value signum(bt_ctx *cx, bt_value x) {
  (void)cx;
  if (!bt_is_int(x)) return bt_err(BT_E_TYPE);
  return bt_int(x.u.i > 0 ? 1 : x.u.i < 0 ? -1 : 0);
}

BT_PRIM(invert) { return numerical(cx, a[0], negated); }
BT_PRIM(double) { return numerical(cx, a[0], doubled); }
BT_PRIM(halve) { return numerical(cx, a[0], halved); }
BT_PRIM(increment) { return numerical(cx, a[0], plus_one); }
BT_PRIM(decrement) { return numerical(cx, a[0], minus_one); }
BT_PRIM(crement) { return numerical(cx, a[0], cremented); }
BT_PRIM(sign) { return numerical(cx, a[0], signum); }

/* n % 2 == 0; two's complement low bit agrees with Python's modulo for negatives. */
BT_PRIM(even) {
  (void)cx;
  return bt_is_int(a[0]) ? bt_bool((a[0].u.i & 1) == 0) : bt_err(BT_E_TYPE);
}

/* ---- scalars, logic and comparisons ------------------------------------------------ */

BT_PRIM(identity) {
  (void)cx;
  return a[0];
}

BT_PRIM(flip) {
  (void)cx;
  return bt_bool(!bt_truth(a[0]));
}

/* Python's `and` / `or` return one of their operands. */
BT_PRIM(both) {
  (void)cx;
  return bt_truth(a[0]) ? a[1] : a[0];
}

BT_PRIM(either) {
  (void)cx;
  return bt_truth(a[0]) ? a[0] : a[1];
}

BT_PRIM(branch) {
  (void)cx;
  return bt_truth(a[0]) ? a[1] : a[2];
}

BT_PRIM(equality) {
  (void)cx;
  return bt_bool(bt_eq(a[0], a[1]));
}

/* Python a > b is b < a for every kind we have (sets: proper superset). */
static bt_value py_greater(bt_value x, bt_value y) {
  int r = bt_py_lt(y, x);
  return r < 0 ? bt_err(BT_E_TYPE) : bt_bool(r);
}

BT_PRIM(greater) {
  (void)cx;
  return py_greater(a[0], a[1]);
}

BT_PRIM(positive) {
  (void)cx;
  return py_greater(a[0], bt_int(0));
}

BT_PRIM(contained) {
  (void)cx;
  int r = bt_contains(a[1], a[0]);
  return r < 0 ? bt_err(BT_E_TYPE) : bt_bool(r);
}

BT_PRIM(size) {
  (void)cx;
  int64_t n = bt_len(a[0]);
  return n < 0 ? bt_err(BT_E_TYPE) : bt_int(n);
}

BT_PRIM(astuple) { return bt_pair(cx, a[0], a[1]); }
BT_PRIM(toivec) { return bt_pair(cx, a[0], bt_int(0)); }
BT_PRIM(tojvec) { return bt_pair(cx, bt_int(0), a[0]); }

BT_PRIM(initset) {
  bt_value *it = bt_items(cx, 1);
  if (!it) return bt_err(BT_E_LIMIT);
  it[0] = a[0];
  return bt_set_sorted(it, 1);
}

/* a & b: set intersection (CPython iterates the smaller set, b when sizes tie, and keeps
 * its elements) or bitwise and of ints (bool & bool stays a bool). */
BT_PRIM(intersection) {
  bt_value x = a[0], y = a[1];
  if (bt_is_int(x) && bt_is_int(y)) {
    int64_t r = x.u.i & y.u.i;
    return x.kind == BT_BOOL && y.kind == BT_BOOL ? bt_bool(r) : bt_int(r);
  }
  if (!bt_is_set(x) || !bt_is_set(y)) return bt_err(BT_E_TYPE);
  return set_walk(cx, x, y, true, y.n <= x.n);
}

/* ---- building containers ----------------------------------------------------------- */

/* type(a)((*a, *b)) */
BT_PRIM(combine) {
  bt_value x = a[0], y = a[1];
  if (!bt_is_coll(x) || !bt_is_coll(y)) return bt_err(BT_E_TYPE);
  if (bt_is_set(x) && bt_is_set(y)) return set_union(cx, x, y);
  return concat(cx, x, x, y);
}

/* The position of the first item of set s not below x. */
static uint32_t lower_bound(bt_value s, bt_value x) {
  uint32_t lo = 0, hi = s.n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (bt_cmp_quick(s.u.items[mid], x) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Set s with its `drop` items at position `at` replaced by the n values of x, which
 * keep the order there. */
static bt_value set_splice(bt_ctx *cx, bt_value s, uint32_t at, uint32_t drop, const bt_value *x,
                           uint32_t n) {
  uint32_t len = s.n - drop + n, tail = s.n - at - drop;
  if (len == 0) return empty_set();
  bt_value *out = out_items(cx, len);
  if (!out) return bt_err(BT_E_LIMIT);
  if (at) memcpy(out, s.u.items, at * sizeof *out);
  if (n) memcpy(out + at, x, n * sizeof *out);
  if (tail) memcpy(out + at + n, s.u.items + at + drop, tail * sizeof *out);
  return bt_set_sorted(out, len);
}

/* container.union(frozenset({value})): only sets have .union; an equal item stays. */
BT_PRIM(insert) {
  bt_value v = a[0], c = a[1];
  if (!bt_is_set(c)) return bt_err(BT_E_ATTR);
  uint32_t at = lower_bound(c, v);
  if (at < c.n && bt_cmp_quick(c.u.items[at], v) == 0) return c;
  return set_splice(cx, c, at, 0, &v, 1);
}

/* type(a)(e for e in a if e not in b): b is only consulted when a has items. */
BT_PRIM(difference) {
  bt_value x = a[0], y = a[1];
  if (!bt_is_coll(x)) return bt_err(BT_E_TYPE);
  if (x.n == 0) return bt_like(cx, x, NULL, 0);
  if (!bt_is_coll(y)) return bt_err(BT_E_TYPE);
  if (bt_is_set(x) && bt_is_set(y)) return set_walk(cx, x, y, false, false);
  bt_value *out = out_items(cx, x.n);
  if (!out) return bt_err(BT_E_LIMIT);
  bt_mark m = bt_arena_mark(cx);
  bt_value look = lookup_of(cx, y);
  if (bt_is_err(look)) {
    bt_arena_release(cx, m);
    return look;
  }
  uint32_t n = 0;
  for (uint32_t k = 0; k < x.n; k++)
    if (!bt_contains(look, x.u.items[k])) out[n++] = x.u.items[k];
  bt_arena_release(cx, m);
  return bt_is_set(x) ? bt_set_sorted(out, n) : bt_tuple(n ? out : NULL, n);
}

/* type(container)(e for e in container if e != value) */
static bt_value without(bt_ctx *cx, bt_value c, bt_value v) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  if (bt_is_set(c)) {
    int64_t at = bt_set_find(c, v);
    return at < 0 ? c : set_splice(cx, c, (uint32_t)at, 1, NULL, 0);
  }
  bt_value *out = out_items(cx, c.n);
  if (!out) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < c.n; k++)
    if (!bt_eq(c.u.items[k], v)) out[n++] = c.u.items[k];
  return bt_tuple(n ? out : NULL, n);
}

BT_PRIM(remove) { return without(cx, a[1], a[0]); }

/* tuple(e for i, e in enumerate(tup) if tup.index(e) == i): first occurrences. A set has
 * no .index, which only matters once an element is reached. */
BT_PRIM(dedupe) {
  bt_value t = a[0];
  if (!bt_is_coll(t)) return bt_err(BT_E_TYPE);
  if (t.n == 0) return empty_tuple();
  if (bt_is_set(t)) return bt_err(BT_E_ATTR);
  bt_value *out = bt_items(cx, t.n);
  if (!out) return bt_err(BT_E_LIMIT);
  bt_mark m = bt_arena_mark(cx);
  uint32_t *slot;
  bt_value set = distinct(cx, t, &slot);
  bool *seen = bt_is_err(set) ? NULL : bt_alloc(cx, set.n);
  if (!seen) {
    bt_arena_release(cx, m);
    return bt_err(BT_E_LIMIT);
  }
  memset(seen, 0, set.n);
  uint32_t n = 0;
  for (uint32_t k = 0; k < t.n; k++) {
    if (seen[slot[k]]) continue;
    seen[slot[k]] = true;
    out[n++] = t.u.items[k];
  }
  bt_arena_release(cx, m);
  return bt_tuple(out, n);
}

/* tuple(item for i in range(num)) */
BT_PRIM(repeat) {
  if (!bt_is_int(a[1])) return bt_err(BT_E_TYPE);
  return repeat_items(cx, &a[0], 1, a[1].u.i);
}

/* tuple(range(start, stop, step)) */
BT_PRIM(interval) {
  if (!bt_is_int(a[0]) || !bt_is_int(a[1]) || !bt_is_int(a[2])) return bt_err(BT_E_TYPE);
  int64_t start = a[0].u.i, stop = a[1].u.i, step = a[2].u.i;
  if (step == 0) return bt_err(BT_E_VALUE);
  bool up = step > 0;
  if (up ? start >= stop : start <= stop) return empty_tuple();
  uint64_t span = up ? (uint64_t)stop - (uint64_t)start : (uint64_t)start - (uint64_t)stop;
  uint64_t stride = up ? (uint64_t)step : 0 - (uint64_t)step;
  uint64_t n = (span - 1) / stride + 1;
  bt_value *out = out_items(cx, n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint64_t k = 0; k < n; k++)
    out[k] = bt_int((int64_t)((uint64_t)start + k * (uint64_t)step));
  return bt_tuple(out, (uint32_t)n);
}

/* Whether some item of container c is a plain int. */
static bool has_int(bt_value c) {
  for (uint32_t k = 0; k < c.n; k++)
    if (c.u.items[k].kind == BT_INT) return true;
  return false;
}

/* frozenset(f(i, j) for j in b for i in a), pairs (i, j) when f is NULL: b is iterated
 * first, so a is never looked at when b is empty. */
static bt_value cartesian(bt_ctx *cx, bt_value x, bt_value y, const bt_value *f) {
  if (!bt_is_coll(y)) return bt_err(BT_E_TYPE);
  if (y.n == 0) return empty_set();
  if (!bt_is_coll(x)) return bt_err(BT_E_TYPE);
  uint64_t n = (uint64_t)x.n * y.n;
  bt_value *out = out_items(cx, n);
  if (!out) return bt_err(BT_E_LIMIT);
  /* Two sets hold no equal items, so emitting i-major gives the same set, ascending. */
  bool i_major = !f && bt_is_set(x) && bt_is_set(y);
  /* no pair is interned (bt_intern_of) when no item of x is an int: the pairs' items in one
     block, the bytes bt_pair would take for each */
  bt_value *block = NULL;
  if (!f && n && !has_int(x) && !(block = cx->lim.max_elems < 2 ? NULL : bt_items_parts(cx, 0, 2 * n)))
    return bt_err(BT_E_LIMIT);
  uint32_t outer = i_major ? x.n : y.n, inner = i_major ? y.n : x.n;
  uint64_t k = 0;
  for (uint32_t a = 0; a < outer; a++)
    for (uint32_t b = 0; b < inner; b++, k++) {
      bt_value xi = x.u.items[i_major ? a : b], yj = y.u.items[i_major ? b : a];
      bt_value r = block ? bt_pair_at(block + 2 * k, xi, yj)
                   : f   ? bt_call2(cx, *f, xi, yj)
                         : bt_pair(cx, xi, yj);
      if (bt_is_err(r)) return in_generator(r);
      out[k] = r;
    }
  return i_major ? bt_set_of_product(cx, out, x, y) : bt_set_build(cx, out, (size_t)n);
}

BT_PRIM(product) { return cartesian(cx, a[0], a[1], NULL); }
BT_PRIM(prapply) {
  bt_value r;
  if (a[0].kind == BT_FN && !a[0].u.clo && a[0].prim == BT_P_connect && a[2].kind == BT_SET && a[2].n &&
      bt_connect_cross(cx, a[1], a[2], &r))
    return r;
  return cartesian(cx, a[1], a[2], &a[0]);
}

/* type(containers)(e for c in containers for e in c) */
static bt_value merged(bt_ctx *cx, bt_value cs) {
  if (!bt_is_coll(cs)) return bt_err(BT_E_TYPE);
  uint64_t n = 0;
  for (uint32_t k = 0; k < cs.n; k++) {
    if (!bt_is_coll(cs.u.items[k])) return bt_err(BT_E_TYPE);
    n += cs.u.items[k].n;
  }
  if (n == 0) return bt_like(cx, cs, NULL, 0);
  bt_value *out = out_items(cx, n);
  if (!out) return bt_err(BT_E_LIMIT);
  bt_value *p = out;
  for (uint32_t k = 0; k < cs.n; k++) {
    bt_value c = cs.u.items[k];
    if (c.n) memcpy(p, c.u.items, c.n * sizeof *p);
    p += c.n;
  }
  return bt_like(cx, cs, out, (size_t)n);
}

BT_PRIM(merge) { return merged(cx, a[0]); }

/* ---- reading containers ------------------------------------------------------------- */

BT_PRIM(totuple) {
  (void)cx;
  bt_value c = a[0];
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  return bt_tuple(c.n ? c.u.items : NULL, c.n);
}

/* next(iter(container)): the smallest element of a set. */
static bt_value first_of(bt_value c) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  return c.n ? c.u.items[0] : bt_err(BT_E_STOP);
}

BT_PRIM(first) {
  (void)cx;
  return first_of(a[0]);
}

/* max(enumerate(container))[1]: the indices decide, so the last item; max() of nothing
 * is a ValueError. */
BT_PRIM(last) {
  (void)cx;
  bt_value c = a[0];
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  return c.n ? c.u.items[c.n - 1] : bt_err(BT_E_VALUE);
}

/* first(remove(value, container)) */
BT_PRIM(other) {
  bt_mark m = bt_arena_mark(cx);
  bt_value rest = without(cx, a[0], a[1]);
  bt_value r = bt_is_err(rest) ? rest : first_of(rest);
  bt_arena_release(cx, m);
  return r;
}

/* ---- max, min and sorted with Python's comparisons --------------------------------- */

/* Python's max()/min() over container c, with key f unless f is NULL: the first extreme
 * item in iteration order (max keeps the first of equals, as `key > best` is strict).
 * *found is false for an empty container. */
static bt_value extreme(bt_ctx *cx, bt_value c, const bt_value *f, bool want_max, bool *found) {
  *found = false;
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_mark m = bt_arena_mark(cx); /* the keys die here; the result is an item of c */
  bt_value best = bt_none(), best_key = bt_none();
  for (uint32_t k = 0; k < c.n && !bt_is_err(best); k++) {
    bt_value e = c.u.items[k];
    bt_value key = f ? bt_call1(cx, *f, e) : e;
    int better = 1;
    if (bt_is_err(key))
      e = key;
    else if (k > 0 && (better = want_max ? bt_py_lt(best_key, key) : bt_py_lt(key, best_key)) < 0)
      e = bt_err(BT_E_TYPE);
    if (better) {
      best = e;
      best_key = key;
    }
  }
  bt_arena_release(cx, m);
  *found = c.n > 0 && !bt_is_err(best);
  return best;
}

/* max(container, default=0) / min(...) */
static bt_value extreme_or_zero(bt_ctx *cx, bt_value c, const bt_value *f, bool want_max) {
  bool found;
  bt_value r = extreme(cx, c, f, want_max, &found);
  return bt_is_err(r) || found ? r : bt_int(0);
}

/* compfunc(max(container, key=compfunc, default=0)): the default is passed to compfunc too. */
static bt_value valextreme(bt_ctx *cx, bt_value c, bt_value f, bool want_max) {
  bt_value r = extreme_or_zero(cx, c, f.kind == BT_NONE ? NULL : &f, want_max);
  return bt_is_err(r) ? r : bt_call1(cx, f, r);
}

/* max(container, key=compfunc): ValueError when empty; key=None means no key. */
static bt_value argextreme(bt_ctx *cx, bt_value c, bt_value f, bool want_max) {
  bool found;
  bt_value r = extreme(cx, c, f.kind == BT_NONE ? NULL : &f, want_max, &found);
  return bt_is_err(r) || found ? r : bt_err(BT_E_VALUE);
}

BT_PRIM(maximum) { return extreme_or_zero(cx, a[0], NULL, true); }
BT_PRIM(minimum) { return extreme_or_zero(cx, a[0], NULL, false); }
BT_PRIM(valmax) { return valextreme(cx, a[0], a[1], true); }
BT_PRIM(valmin) { return valextreme(cx, a[0], a[1], false); }
BT_PRIM(argmax) { return argextreme(cx, a[0], a[1], true); }
BT_PRIM(argmin) { return argextreme(cx, a[0], a[1], false); }

/* max(set(container), key=container.count): the distinct items in canonical order, the
 * first with the extreme count. set() of a non-container fails before .count is looked
 * up; a frozenset has no .count. */
static bt_value common(bt_ctx *cx, bt_value c, bool want_max) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  if (bt_is_set(c)) return bt_err(BT_E_ATTR);
  if (c.n == 0) return bt_err(BT_E_VALUE);
  bt_mark m = bt_arena_mark(cx);
  uint32_t *slot;
  bt_value set = distinct(cx, c, &slot);
  uint32_t *count = bt_is_err(set) ? NULL : bt_alloc(cx, set.n * sizeof *count);
  if (!count) {
    bt_arena_release(cx, m);
    return bt_err(BT_E_LIMIT);
  }
  memset(count, 0, set.n * sizeof *count);
  for (uint32_t k = 0; k < c.n; k++)
    count[slot[k]]++;
  uint32_t best = 0;
  for (uint32_t k = 1; k < set.n; k++)
    if (want_max ? count[k] > count[best] : count[k] < count[best]) best = k;
  bt_value r = set.u.items[best];
  bt_arena_release(cx, m);
  return r;
}

BT_PRIM(mostcommon) { return common(cx, a[0], true); }
BT_PRIM(leastcommon) { return common(cx, a[0], false); }

/* An item being sorted: its key and itself. */
typedef struct keyed {
  bt_value key, val;
} keyed;

/* keys[x] < keys[y] as Python sees it; a TypeError sets *bad. */
static bool key_lt(const keyed *x, const keyed *y, bool *bad) {
  int r = bt_py_lt(x->key, y->key);
  if (r < 0) *bad = true;
  return r > 0;
}

/* CPython's count_run: the length of the run at v, reversed in place when strictly
 * descending. */
static size_t count_run(keyed *v, size_t n, bool *bad) {
  if (n < 2) return n;
  size_t k = 2;
  if (key_lt(&v[1], &v[0], bad)) {
    while (k < n && key_lt(&v[k], &v[k - 1], bad))
      k++;
    for (size_t lo = 0, hi = k - 1; lo < hi; lo++, hi--) {
      keyed t = v[lo];
      v[lo] = v[hi];
      v[hi] = t;
    }
  } else {
    while (k < n && !key_lt(&v[k], &v[k - 1], bad))
      k++;
  }
  return k;
}

/* CPython's binarysort: v[0..start) is sorted; inserts v[start..n) one by one. */
static void binary_sort(keyed *v, size_t n, size_t start, bool *bad) {
  for (; start < n && !*bad; start++) {
    keyed pivot = v[start];
    size_t l = 0, r = start;
    while (l < r) {
      size_t p = l + ((r - l) >> 1);
      if (key_lt(&pivot, &v[p], bad))
        r = p;
      else
        l = p + 1;
    }
    memmove(v + l + 1, v + l, (start - l) * sizeof *v);
    v[l] = pivot;
  }
}

/* CPython's minimum run length for n items. */
static size_t min_run(size_t n) {
  size_t r = 0;
  while (n >= 64) {
    r |= n & 1;
    n >>= 1;
  }
  return n + r;
}

/* Stable merge of the sorted runs v[0..mid) and v[mid..n) through tmp. */
static void merge_runs(keyed *v, size_t mid, size_t n, keyed *tmp, bool *bad) {
  memcpy(tmp, v, mid * sizeof *v);
  size_t i = 0, j = mid, k = 0;
  while (i < mid && j < n)
    v[k++] = key_lt(&v[j], &tmp[i], bad) ? v[j++] : tmp[i++];
  while (i < mid)
    v[k++] = tmp[i++];
}

/* Python's sorted() by key: CPython's run detection and binary insertion exactly, so
 * that a partial order (sets by inclusion) sorts as in Python for lists under 64 items;
 * longer lists merge their runs in order (the same result for total orders). False on
 * TypeError. */
static bool py_sort(bt_ctx *cx, keyed *v, size_t n, bool *limit) {
  bool bad = false;
  size_t minrun = min_run(n), nruns = 0;
  size_t *starts = bt_alloc(cx, (n / (minrun ? minrun : 1) + 2) * sizeof *starts);
  if (!starts) return !(*limit = true);
  for (size_t lo = 0; lo < n && !bad;) {
    size_t run = count_run(v + lo, n - lo, &bad);
    if (run < minrun) {
      size_t force = n - lo < minrun ? n - lo : minrun;
      binary_sort(v + lo, force, run, &bad);
      run = force;
    }
    starts[nruns++] = lo;
    lo += run;
  }
  starts[nruns] = n;
  if (nruns > 1 && !bad) {
    keyed *tmp = bt_alloc(cx, n * sizeof *tmp);
    if (!tmp) return !(*limit = true);
    for (; nruns > 1 && !bad; nruns = (nruns + 1) / 2) {
      size_t w = 0;
      for (size_t r = 0; r < nruns; r += 2, w++) {
        size_t lo = starts[r], mid = starts[r + 1], hi = r + 2 <= nruns ? starts[r + 2] : n;
        if (r + 1 < nruns) merge_runs(v + lo, mid - lo, hi - lo, tmp, &bad);
        starts[w] = lo;
      }
      starts[w] = n;
    }
  }
  return !bad;
}

/* tuple(sorted(container, key=compfunc)) */
BT_PRIM(order) {
  bt_value c = a[0], f = a[1];
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  if (c.n == 0) return empty_tuple();
  bt_value *out = bt_items(cx, c.n);
  if (!out) return bt_err(BT_E_LIMIT);
  bt_mark m = bt_arena_mark(cx);
  keyed *v = bt_alloc(cx, c.n * sizeof *v);
  bool limit = !v, ok = v != NULL;
  for (uint32_t k = 0; ok && k < c.n; k++) {
    v[k].val = c.u.items[k];
    v[k].key = f.kind == BT_NONE ? v[k].val : bt_call1(cx, f, v[k].val); /* key=None: no key */
    if (bt_is_err(v[k].key)) {
      bt_value e = v[k].key;
      bt_arena_release(cx, m);
      return e;
    }
  }
  ok = ok && py_sort(cx, v, c.n, &limit);
  for (uint32_t k = 0; ok && k < c.n; k++)
    out[k] = v[k].val;
  bt_arena_release(cx, m);
  if (!ok) return bt_err(limit ? BT_E_LIMIT : BT_E_TYPE);
  return bt_tuple(out, c.n);
}

/* ---- filtering and applying functions ------------------------------------------------ */

/* Whether the one-argument function f reads of its argument e only e[item] (0: first, 1:
 * last, of a pair): first or last itself, or compose(h, g), chain(h, g2, g) or power(g, n)
 * with g such a function. Then f(e) and the steps it counts are those of that item's value. */
static bool reads_item(bt_value f, int item) {
  if (f.kind != BT_FN) return false;
  if (!f.u.clo) return f.prim == (item ? BT_P_last : BT_P_first);
  const bt_closure *c = f.u.clo;
  if (c->arity != 1) return false;
  switch (c->ctor) {
  case BT_P_compose: return c->nargs == 2 && reads_item(c->args[1], item);
  case BT_P_chain: return c->nargs == 3 && reads_item(c->args[2], item);
  case BT_P_power:
    return c->nargs == 2 && c->args[1].kind == BT_INT && c->args[1].u.i >= 1 && c->args[1].u.i <= 8 &&
           reads_item(c->args[0], item);
  default: return false;
  }
}

/* f(e) as cond's call of it would make it (one level deeper), when it is a plain int that
 * made nothing and walked nothing: *key, and the steps it counted, which are given back. */
static bool side_key(bt_ctx *cx, bt_value f, bt_value e, int64_t *key, uint64_t *steps) {
  uint64_t before = cx->steps;
  int64_t walk = bt_walk_left;
  bool refused = cx->out_of_bytes;
  bt_mark m = bt_arena_mark(cx);
  cx->depth++;
  bt_value r = bt_call1(cx, f, e);
  cx->depth--;
  bool ok = bt_is_int(r) && bt_walk_left == walk && cx->arena.used == m.used && cx->steps >= before;
  *key = r.u.i;
  *steps = cx->steps - before;
  cx->steps = before;
  bt_walk_left = walk;
  cx->out_of_bytes = refused;
  bt_arena_release(cx, m);
  return ok;
}

enum { PAIR_KEYS_MIN = 32, PAIR_KEY_SLOTS_MAX = 1 << 12 };

static bool pair_keys_on = true;
static _Thread_local uint64_t pair_keys_done;
void bt_pair_keys_use(bool on) { pair_keys_on = on; }
uint64_t bt_pair_keys_done(void) { return pair_keys_done; }

typedef struct pair_key {
  bt_value item;
  int64_t key;
  uint64_t steps;
  bool used;
} pair_key;

/* filtered over c's items from the first while cond is fork(p, f, g), p equality or greater,
 * f reading only one item of a pair and g only the other (reads_item), and the items pairs:
 * f and g are called once for each value of the item they read (f's item is the first, in a
 * product's order the same for many items in a row; g's values are kept in a table), each
 * item is charged the steps cond's call would count (calibrated on the first two items,
 * which are called as they are), and the verdict is p of the two keys. Stops at the first
 * item where that is not known to hold (it and those after are for the caller to call):
 * the number of items done, *n of them kept in out. */
static uint32_t pair_keyed(bt_ctx *cx, bt_value c, bt_value cond, bt_value *out, uint32_t *n) {
  const bt_closure *fk = cond.kind == BT_FN ? cond.u.clo : NULL;
  if (!pair_keys_on || c.n < PAIR_KEYS_MIN || !fk || fk->ctor != BT_P_fork || fk->nargs != 3 ||
      fk->arity != 1 || fk->args[0].kind != BT_FN || fk->args[0].u.clo ||
      (fk->args[0].prim != BT_P_equality && fk->args[0].prim != BT_P_greater))
    return 0;
  bool greater = fk->args[0].prim == BT_P_greater;
  int fi = reads_item(fk->args[1], 0) ? 0 : reads_item(fk->args[1], 1) ? 1 : -1;
  if (fi < 0 || !reads_item(fk->args[2], 1 - fi)) return 0;
  bt_value f = fk->args[1], g = fk->args[2];
  uint64_t base = 0; /* the steps of cond's call beyond those of f and g */
  bt_mark m = bt_arena_mark(cx);
  for (uint32_t k = 0; k < 2; k++) { /* calibration: the call itself, and its sides */
    bt_value e = c.u.items[k];
    if (e.kind != BT_TUPLE || e.n != 2) return k;
    uint64_t before = cx->steps, sf, sg;
    int64_t walk = bt_walk_left;
    bt_value r = bt_call1(cx, cond, e);
    bt_arena_release(cx, m);
    uint64_t took = cx->steps - before;
    cx->steps = before; /* what the caller calls again (an error, say) counts once */
    bool walked = bt_walk_left != walk;
    bt_walk_left = walk;
    if (bt_is_err(r) || walked) return k;
    int64_t kf, kg;
    if (!side_key(cx, f, e, &kf, &sf) || !side_key(cx, g, e, &kg, &sg) || sf + sg > took ||
        (k == 1 && took - sf - sg != base) || bt_truth(r) != (greater ? kf > kg : kf == kg))
      return k;
    base = took - sf - sg;
    cx->steps += took;
    if (bt_truth(r)) out[(*n)++] = e;
  }
  /* g's keys by the value of its item: open addressing, at most half full (then the
     values past it are called each time); its bytes only where they fit in max_bytes */
  uint32_t nslots = 64, filled = 0;
  while (nslots < PAIR_KEY_SLOTS_MAX && nslots < 2 * c.n)
    nslots *= 2;
  size_t bytes = nslots * sizeof(pair_key) + 16;
  if (cx->arena.used > cx->lim.max_bytes || bytes > cx->lim.max_bytes - cx->arena.used) return 2;
  pair_key *slots = bt_alloc(cx, nslots * sizeof *slots);
  if (!slots) return 2;
  memset(slots, 0, nslots * sizeof *slots);
  const bt_value *last_f = NULL;
  int64_t kf = 0;
  uint64_t sf = 0;
  uint32_t k = 2;
  for (; k < c.n; k++) {
    bt_value e = c.u.items[k];
    if (e.kind != BT_TUPLE || e.n != 2) break;
    const bt_value *a = &e.u.items[fi], *b = &e.u.items[1 - fi];
    if (!last_f || !bt_same_bits(a, last_f, 1)) {
      if (!side_key(cx, f, e, &kf, &sf)) break;
      last_f = a;
    }
    uint64_t bits[2];
    memcpy(bits, b, sizeof bits);
    uint64_t h = (bits[0] ^ bits[1]) * 0x9e3779b97f4a7c15ull;
    uint32_t at = (uint32_t)(h >> 40) & (nslots - 1);
    while (slots[at].used && !bt_same_bits(&slots[at].item, b, 1))
      at = (at + 1) & (nslots - 1);
    int64_t kg;
    uint64_t sg;
    if (slots[at].used) {
      kg = slots[at].key;
      sg = slots[at].steps;
    } else {
      if (!side_key(cx, g, e, &kg, &sg)) break;
      if (2 * ++filled <= nslots) slots[at] = (pair_key){*b, kg, sg, true};
    }
    uint64_t took = base + sf + sg;
    if (took > cx->lim.max_steps || cx->steps > cx->lim.max_steps - took) break; /* the call meets it */
    cx->steps += took;
    if (greater ? kf > kg : kf == kg) out[(*n)++] = e;
  }
  pair_keys_done += k - 2;
  bt_arena_release(cx, m);
  return k;
}

/* type(container)(e for e in container if condition(e)) */
static bt_value filtered(bt_ctx *cx, bt_value c, bt_value cond) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_value *out = out_items(cx, c.n);
  if (!out) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  uint32_t k = pair_keyed(cx, c, cond, out, &n);
  bt_mark m = bt_arena_mark(cx); /* the verdicts die here; out holds items of c */
  for (; k < c.n; k++) {
    bt_value r = bt_call1(cx, cond, c.u.items[k]);
    if (bt_is_err(r)) return in_generator(r);
    if (bt_truth(r)) out[n++] = c.u.items[k];
    bt_arena_release(cx, m);
  }
  return bt_is_set(c) ? bt_set_sorted(out, n) : bt_tuple(n ? out : NULL, n);
}

BT_PRIM(sfilter) { return filtered(cx, a[0], a[1]); }

BT_PRIM(mfilter) {
  bt_value kept = filtered(cx, a[0], a[1]);
  return bt_is_err(kept) ? kept : merged(cx, kept);
}

/* next(e for e in container if condition(e)) */
BT_PRIM(extract) {
  bt_value c = a[0], cond = a[1];
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_mark m = bt_arena_mark(cx); /* the verdicts die here; the result is an item of c */
  for (uint32_t k = 0; k < c.n; k++) {
    bt_value r = bt_call1(cx, cond, c.u.items[k]);
    bt_arena_release(cx, m);
    if (bt_is_err(r)) return in_generator(r);
    if (bt_truth(r)) return c.u.items[k];
  }
  return bt_err(BT_E_STOP);
}

/* type(container)(f(e) for e in container), or with the roles swapped (rapply:
 * type(functions)(function(value) for function in functions)). */
static bt_value apply_items(bt_ctx *cx, bt_value f, bt_value c, bool c_holds_functions, bt_value **items) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_value *out = out_items(cx, c.n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < c.n; k++) {
    bt_value r = c_holds_functions ? bt_call1(cx, c.u.items[k], f) : bt_call1(cx, f, c.u.items[k]);
    if (bt_is_err(r)) return in_generator(r);
    out[k] = r;
  }
  *items = out;
  return bt_none();
}

/* merge(apply(f, c)) from f's results r over c's items. For a set c the union is built
 * at once: the set of results apply would build first (sorted, deduplicated) has the
 * same union. (Of elements equal but not the same, True and 1, the one kept follows c's
 * order here; Python leaves it to iteration order as well.) */
static bt_value merged_results(bt_ctx *cx, bt_value c, bt_value *r) {
  if (!bt_is_set(c)) {
    bt_value t = bt_like(cx, c, c.n ? r : NULL, c.n);
    return bt_is_err(t) ? t : merged(cx, t);
  }
  uint64_t total = 0;
  for (uint32_t k = 0; k < c.n; k++) {
    if (!bt_is_coll(r[k])) return bt_err(BT_E_TYPE);
    total += r[k].n;
  }
  if (total == 0) return bt_like(cx, c, NULL, 0);
  bt_value *out = out_items(cx, total);
  if (!out) return bt_err(BT_E_LIMIT);
  bt_value *p = out;
  bool sets = true;
  for (uint32_t k = 0; k < c.n; k++) {
    if (r[k].n) memcpy(p, r[k].u.items, r[k].n * sizeof *p);
    p += r[k].n;
    sets &= r[k].kind == BT_SET;
  }
  /* each result a set: their items are ascending runs to merge */
  return sets ? bt_set_of_runs(cx, out, (size_t)total, r, c.n) : bt_set_build(cx, out, (size_t)total);
}

bt_value bt_applied(bt_ctx *cx, bt_value c, bt_value *r, bool merge) {
  return merge ? merged_results(cx, c, r) : bt_like(cx, c, c.n ? r : NULL, c.n);
}

/* apply (merge: mapply by mapping and merging), or rapply when c_holds_functions. */
static bt_value applied(bt_ctx *cx, bt_value f, bt_value c, bool c_holds_functions, bool merge) {
  bt_value *out = NULL, e = apply_items(cx, f, c, c_holds_functions, &out);
  return bt_is_err(e) ? e : bt_applied(cx, c, out, merge);
}

BT_PRIM(apply) {
  bt_value r;
  return bt_connect_pairs(cx, a[0], a[1], &r) ? r : applied(cx, a[0], a[1], false, false);
}

/* The patch primitives whose mapply over a set is one bitmap union (bt_patch_mapply). */
/* mapply(f, c) as a union without mapping, when it applies; results_made: the array of the
 * results mapping would fill is made already (bt_apply_many). */
static bool patch_union(bt_ctx *cx, bt_value f, bt_value c, bool results_made, bt_value *out) {
  if (f.kind != BT_FN) return false;
  if (!f.u.clo) return bt_patch_mapply(cx, f.prim, c, out);
  return bt_shift_union(cx, f.u.clo, c, results_made, out) || bt_ray_union(cx, f.u.clo, c, results_made, out);
}

void bt_apply_many(bt_ctx *cx, bt_value c, int n, const bt_value *fns, const uint8_t *merge, bt_value *out) {
  uint64_t steps_small[16];
  bt_value *res_small[16];
  uint64_t *steps = n <= 16 ? steps_small : bt_alloc(cx, (size_t)n * sizeof *steps + 1);
  bt_value **res = n <= 16 ? res_small : bt_alloc(cx, (size_t)n * sizeof *res + 1);
  if (!steps || !res) {
    for (int k = 0; k < n; k++)
      out[k] = bt_err(BT_E_LIMIT);
    return;
  }
  int live = 0; /* members still mapping: res[k] != NULL */
  for (int k = 0; k < n; k++) {
    bt_value args[2] = {fns[k], c};
    res[k] = NULL;
    steps[k] = 1; /* the call of apply itself, as bt_call_prim counts it */
    if (bt_any_err(args, 2, &out[k])) continue;
    if (steps[k] > cx->lim.max_steps) {
      out[k] = bt_err(BT_E_LIMIT);
    } else if (!bt_is_coll(c)) {
      out[k] = bt_err(BT_E_TYPE);
    } else if (!(res[k] = out_items(cx, c.n))) {
      out[k] = bt_err(BT_E_LIMIT);
    } else
      live++;
  }
  for (int k = 0; k < n && live; k++) {
    if (!res[k]) continue;
    cx->steps = steps[k];
    cx->depth = 0;
    live--;
    if (merge[k] && patch_union(cx, fns[k], c, true, &out[k])) continue;
    bt_walk_reset(cx->lim.max_walk); /* each member is a line of its own */
    uint32_t e = 0;
    for (; e < c.n; e++) {
      bt_value r = bt_call1(cx, fns[k], c.u.items[e]);
      if (bt_is_err(r)) {
        out[k] = in_generator(r);
        break;
      }
      res[k][e] = r;
    }
    out[k] = bt_walk_end(e == c.n ? bt_applied(cx, c, res[k], merge[k]) : out[k]);
  }
}
BT_PRIM(rapply) { return applied(cx, a[1], a[0], true, false); }

BT_PRIM(mapply) {
  bt_value r;
  return patch_union(cx, a[0], a[1], false, &r) ? r : applied(cx, a[0], a[1], false, true);
}

/* tuple(function(i, j) for i, j in zip(a, b)), or tuple(zip(a, b)) when f is NULL. */
static bt_value zipped(bt_ctx *cx, bt_value x, bt_value y, const bt_value *f) {
  if (!bt_is_coll(x) || !bt_is_coll(y)) return bt_err(BT_E_TYPE);
  uint32_t n = x.n < y.n ? x.n : y.n;
  bt_value *out = out_items(cx, n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < n; k++) {
    bt_value i = x.u.items[k], j = y.u.items[k];
    bt_value r = f ? bt_call2(cx, *f, i, j) : bt_pair(cx, i, j);
    if (bt_is_err(r)) return in_generator(r);
    out[k] = r;
  }
  return bt_tuple(n ? out : NULL, n);
}

BT_PRIM(pair) { return zipped(cx, a[0], a[1], NULL); }
BT_PRIM(papply) { return zipped(cx, a[1], a[2], &a[0]); }

BT_PRIM(mpapply) {
  bt_value r = zipped(cx, a[1], a[2], &a[0]);
  return bt_is_err(r) ? r : merged(cx, r);
}
