/* tk_higher.c: primitives of the tokpidjin dialect (docs/tokpidjin.md): filtering, mapping
 * and the extremes of containers under a function. Where arc-dsl's function is the same
 * (sfilter, extract, papply, prapply, valmax, argmax, ...), its primitive does the work; the
 * _t / _f variants change only the type of what comes out. */
#include <string.h>

#include "tk.h"

/* Python's StopIteration leaving a generator becomes a RuntimeError. */
static bt_value in_gen(bt_value r) {
  return r.kind == BT_ERR && r.errc == BT_E_STOP ? bt_err(BT_E_RUNTIME) : r;
}

/* tuple(v) of a tuple or set v (errors pass). */
static bt_value as_tuple(bt_value v) {
  if (bt_is_set(v)) v.kind = BT_TUPLE;
  return v;
}

/* frozenset(v) of a tuple or set v (errors pass). */
static bt_value as_set(bt_ctx *cx, bt_value v) {
  if (!bt_is_tuple(v)) return v;
  bt_value *it = bt_items(cx, v.n ? v.n : 1);
  if (!it) return bt_err(BT_E_LIMIT);
  if (v.n) memcpy(it, v.u.items, v.n * sizeof *it);
  return bt_set_build(cx, it, v.n);
}

/* The results of f over c's items in iteration order (rev: each item of c called on f, as
 * rapply), as a tuple; an error for a non-container or a failing call. */
static bt_value mapped(bt_ctx *cx, bt_value f, bt_value c, bool rev) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_value *out = bt_items(cx, c.n ? c.n : 1);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < c.n; k++) {
    bt_value r = rev ? bt_call1(cx, c.u.items[k], f) : bt_call1(cx, f, c.u.items[k]);
    if (bt_is_err(r)) return in_gen(r);
    out[k] = r;
  }
  return bt_tuple(c.n ? out : NULL, c.n);
}

/* type(c)(results) of mapped. */
static bt_value mapped_like(bt_ctx *cx, bt_value f, bt_value c, bool rev) {
  bt_value r = mapped(cx, f, c, rev);
  return bt_is_err(r) || !bt_is_set(c) ? r : as_set(cx, r);
}

/* outer(inner(x, y)) through both wrappers, as dsl.py's nested calls. */
static bt_value nested(bt_ctx *cx, int outer, int inner, bt_value x, bt_value y) {
  bt_value r = tk_call2(cx, inner, x, y);
  return bt_is_err(r) ? r : tk_call1(cx, outer, r);
}

BT_PRIM(tk_sfilter) { return bt_p_sfilter(cx, a); }
BT_PRIM(tk_sfilter_t) { return as_tuple(bt_p_sfilter(cx, a)); }
BT_PRIM(tk_sfilter_f) { return as_set(cx, bt_p_sfilter(cx, a)); }

/* merge_f(sfilter(container, function)) */
BT_PRIM(tk_mfilter) { return nested(cx, BT_P_tk_merge_f, BT_P_tk_sfilter, a[0], a[1]); }
BT_PRIM(tk_mfilter_f) { return nested(cx, BT_P_tk_merge_f, BT_P_tk_sfilter, a[0], a[1]); }
/* not a merge: frozenset of the kept elements */
BT_PRIM(tk_mfilter_t) { return as_set(cx, bt_p_sfilter(cx, a)); }

/* The first element satisfying condition, or frozenset() when none does. */
BT_PRIM(tk_extract) {
  bt_value r = bt_p_extract(cx, a);
  return r.kind == BT_ERR && r.errc == BT_E_STOP ? tk_empty_set() : r;
}

BT_PRIM(tk_apply) { return mapped_like(cx, a[0], a[1], false); }
BT_PRIM(tk_apply_f) { return mapped_like(cx, a[0], a[1], false); }
BT_PRIM(tk_apply_t) { return mapped(cx, a[0], a[1], false); }
BT_PRIM(tk_rapply) { return mapped_like(cx, a[1], a[0], true); }
BT_PRIM(tk_rapply_f) { return mapped_like(cx, a[1], a[0], true); }
BT_PRIM(tk_rapply_t) { return mapped(cx, a[1], a[0], true); }

/* merge(apply(function, container)) and its _t / _f twins */
BT_PRIM(tk_mapply) { return nested(cx, BT_P_tk_merge, BT_P_tk_apply, a[0], a[1]); }
BT_PRIM(tk_mapply_t) { return nested(cx, BT_P_tk_merge_t, BT_P_tk_apply_t, a[0], a[1]); }
BT_PRIM(tk_mapply_f) { return nested(cx, BT_P_tk_merge_f, BT_P_tk_apply_f, a[0], a[1]); }

/* tuple(function(i, j) for i, j in zip(a, b)) */
BT_PRIM(tk_papply) { return bt_p_papply(cx, a); }
/* merge_t(papply(function, a, b)) */
BT_PRIM(tk_mpapply) {
  bt_value r = tk_call(cx, BT_P_tk_papply, a);
  return bt_is_err(r) ? r : tk_call1(cx, BT_P_tk_merge_t, r);
}
/* frozenset(function(i, j) for j in b for i in a) */
BT_PRIM(tk_prapply) { return bt_p_prapply(cx, a); }

/* compfunc(max(container, key=compfunc, default=0)) and min */
BT_PRIM(tk_valmax) { return bt_p_valmax(cx, a); }
BT_PRIM(tk_valmax_t) { return bt_p_valmax(cx, a); }
BT_PRIM(tk_valmax_f) { return bt_p_valmax(cx, a); }
BT_PRIM(tk_valmin) { return bt_p_valmin(cx, a); }
BT_PRIM(tk_valmin_t) { return bt_p_valmin(cx, a); }
BT_PRIM(tk_valmin_f) { return bt_p_valmin(cx, a); }

/* max(container, key=compfunc) and min: the first extreme element */
BT_PRIM(tk_argmax) { return bt_p_argmax(cx, a); }
BT_PRIM(tk_argmax_t) { return bt_p_argmax(cx, a); }
BT_PRIM(tk_argmax_f) { return bt_p_argmax(cx, a); }
BT_PRIM(tk_argmin) { return bt_p_argmin(cx, a); }
BT_PRIM(tk_argmin_t) { return bt_p_argmin(cx, a); }
BT_PRIM(tk_argmin_f) { return bt_p_argmin(cx, a); }
