/* tk_container.c: primitives of the tokpidjin dialect (docs/tokpidjin.md): the generic
 * container operations and their tuple (_t) and frozenset (_f) variants. Where tokpidjin's
 * body is arc-dsl's on every argument kind, arc-dsl's primitive is called. */
#include "tk.h"

/* ---- Python operators on two values ------------------------------------------------ */

typedef enum num_op { OP_ADD, OP_OR } num_op;

/* x op y for two numbers: int arithmetic, bool | bool a bool, float arithmetic for a float
 * (| of a float raises). */
static bt_value num_binop(num_op op, bt_value x, bt_value y) {
  if (bt_is_int(x) && bt_is_int(y)) {
    if (op == OP_ADD) return bt_int_add(x.u.i, y.u.i);
    int64_t r = x.u.i | y.u.i;
    return x.kind == BT_BOOL && y.kind == BT_BOOL ? bt_bool(r) : bt_int(r);
  }
  bool nx = bt_is_int(x) || x.kind == BT_FLOAT, ny = bt_is_int(y) || y.kind == BT_FLOAT;
  if (op == OP_OR || !nx || !ny) return bt_err(BT_E_TYPE);
  return bt_float((x.kind == BT_FLOAT ? x.u.f : (double)x.u.i) +
                  (y.kind == BT_FLOAT ? y.u.f : (double)y.u.i));
}

/* Python's x != y: as bt_eq's negation, except that a NaN compared at the top (no identity
 * shortcut, as inside a container) differs from everything, itself included. */
static bool py_ne(bt_value x, bt_value y) {
  if ((x.kind == BT_FLOAT && isnan(x.u.f)) || (y.kind == BT_FLOAT && isnan(y.u.f))) return true;
  return !bt_eq(x, y);
}

/* ---- combining and subtracting ----------------------------------------------------- */

/* type(a)((*a, *b)) */
BT_PRIM(tk_combine) { return bt_p_combine(cx, a); }

/* a | b: set union or bitwise or of ints */
BT_PRIM(tk_combine_f) {
  if (bt_is_set(a[0]) && bt_is_set(a[1])) return bt_p_combine(cx, a);
  return num_binop(OP_OR, a[0], a[1]);
}

/* a + b: tuple concatenation or numeric addition */
BT_PRIM(tk_combine_t) {
  if (bt_is_tuple(a[0]) && bt_is_tuple(a[1])) return bt_p_combine(cx, a);
  return num_binop(OP_ADD, a[0], a[1]);
}

/* a & b */
BT_PRIM(tk_intersection) { return bt_p_intersection(cx, a); }

/* type(a)(e for e in a if e not in b): the three names share the body */
BT_PRIM(tk_difference) { return bt_p_difference(cx, a); }
BT_PRIM(tk_difference_tuple) { return bt_p_difference(cx, a); }
BT_PRIM(tk_difference_t) { return bt_p_difference(cx, a); }

/* First occurrences in order (tup.index(e) == i); a set has no .index */
BT_PRIM(tk_dedupe) { return bt_p_dedupe(cx, a); }

/* tuple((a, b) for a, b in S if a != b): each item unpacks into exactly two values */
BT_PRIM(tk_dedupe_pair_tuple) {
  bt_value s = a[0];
  if (!bt_is_coll(s)) return bt_err(BT_E_TYPE);
  if (s.n == 0) return tk_empty_tuple();
  bt_value *out = bt_items(cx, s.n);
  if (!out) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < s.n; k++) {
    bt_value p = s.u.items[k];
    if (!bt_is_coll(p)) return bt_err(BT_E_TYPE);
    if (p.n != 2) return bt_err(BT_E_VALUE);
    if (!py_ne(p.u.items[0], p.u.items[1])) continue;
    out[n++] = bt_is_tuple(p) ? p : bt_pair(cx, p.u.items[0], p.u.items[1]);
    if (bt_is_err(out[n - 1])) return out[n - 1];
  }
  return bt_tuple(n ? out : NULL, n);
}

/* tuple(sorted(container, key=compfunc)) */
BT_PRIM(tk_order) { return bt_p_order(cx, a); }

/* len(container) */
BT_PRIM(tk_size) { return bt_p_size(cx, a); }
BT_PRIM(tk_size_f) { return bt_p_size(cx, a); }
BT_PRIM(tk_size_t) { return bt_p_size(cx, a); }

/* type(containers)(e for c in containers for e in c): the three names share the body */
BT_PRIM(tk_merge) { return bt_p_merge(cx, a); }
BT_PRIM(tk_merge_f) { return bt_p_merge(cx, a); }
BT_PRIM(tk_merge_t) { return bt_p_merge(cx, a); }

/* max(container, default=0) / min(...) */
BT_PRIM(tk_maximum) { return bt_p_maximum(cx, a); }
BT_PRIM(tk_minimum) { return bt_p_minimum(cx, a); }

/* ---- taking one element -------------------------------------------------------------- */

/* next(iter(container), None) */
BT_PRIM(tk_first) {
  (void)cx;
  bt_value c = a[0];
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  return c.n ? c.u.items[0] : bt_none();
}

/* next(iter(c)); next(iter(c), None): StopIteration when empty, None with one item */
BT_PRIM(tk_second) {
  (void)cx;
  bt_value c = a[0];
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  if (c.n == 0) return bt_err(BT_E_STOP);
  return c.n > 1 ? c.u.items[1] : bt_none();
}

/* The first (at 0) or last (at -1) item of a truthy container, `empty` for a falsy
 * argument; by_index: container[at], which only a tuple supports, else iteration. */
static bt_value end_item(bt_value c, int64_t at, bool by_index, bt_value empty) {
  if (!bt_truth(c)) return empty;
  if (by_index) return bt_getitem(c, at);
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  return c.u.items[at < 0 ? c.n - 1 : 0];
}

BT_PRIM(tk_first_f) {
  (void)cx;
  return end_item(a[0], 0, false, tk_empty_set());
}
BT_PRIM(tk_first_t) {
  (void)cx;
  return end_item(a[0], 0, true, tk_empty_tuple());
}
/* max(enumerate(container))[1]: the indices decide, so the last item */
BT_PRIM(tk_last) {
  (void)cx;
  return end_item(a[0], -1, false, tk_empty_tuple());
}
BT_PRIM(tk_last_f) {
  (void)cx;
  return end_item(a[0], -1, false, tk_empty_set());
}
BT_PRIM(tk_last_t) {
  (void)cx;
  return end_item(a[0], -1, true, tk_empty_tuple());
}

/* ---- adding and removing one element ---------------------------------------------- */

/* container.union(frozenset({value})) */
BT_PRIM(tk_insert) { return bt_p_insert(cx, a); }

/* type(container)(e for e in container if e != value): nothing equals a NaN value */
static bt_value removed(bt_ctx *cx, const bt_value *a) {
  if (bt_is_coll(a[1]) && py_ne(a[0], a[0])) return a[1];
  return bt_p_remove(cx, a);
}

BT_PRIM(tk_remove) { return removed(cx, a); }
BT_PRIM(tk_remove_f) { return removed(cx, a); }

/* tuple(e for e in container if e != value) */
BT_PRIM(tk_remove_t) {
  bt_value r = removed(cx, a);
  return bt_is_set(r) ? bt_tuple(r.n ? r.u.items : NULL, r.n) : r;
}

/* tuple(container) */
BT_PRIM(tk_totuple) { return bt_p_totuple(cx, a); }
