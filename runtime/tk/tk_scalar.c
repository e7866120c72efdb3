/* tk_scalar.c: primitives of the tokpidjin dialect (docs/tokpidjin.md): numbers, booleans,
 * small constructors and the scalar helpers (other*, position, manhattan, is_no_grid).
 * Python's numbers here are ints (bools count) and the float sentinels nan, inf, -inf. */
#include <string.h>

#include "tk.h"

/* ---- Python numbers ------------------------------------------------------------------- */

static bool is_num(bt_value v) { return bt_is_int(v) || v.kind == BT_FLOAT; }
static double num_f(bt_value v) { return v.kind == BT_FLOAT ? v.u.f : (double)v.u.i; }

/* Python a == b at the top level: a float compares by value (nan equals nothing, itself
 * included); anything else as bt_eq (inside containers identity makes nan equal itself). */
static bool py_eq(bt_value a, bt_value b) {
  if ((a.kind == BT_FLOAT || b.kind == BT_FLOAT) && is_num(a) && is_num(b)) return num_f(a) == num_f(b);
  return bt_eq(a, b);
}

typedef enum tk_op { OP_ADD, OP_SUB, OP_MUL, OP_FLOORDIV } tk_op;

/* Python's float x // y (CPython's float_floor_div). */
static bt_value float_floordiv(double x, double y) {
  if (y == 0.0) return bt_err(BT_E_ZERODIV);
  double mod = fmod(x, y), div = (x - mod) / y;
  if (mod != 0.0 && ((y < 0) != (mod < 0))) div -= 1.0;
  if (div == 0.0) return bt_float(copysign(0.0, x / y));
  double fl = floor(div);
  return bt_float(div - fl > 0.5 ? fl + 1.0 : fl);
}

/* Python's tuple * count. */
static bt_value tuple_repeat(bt_ctx *cx, bt_value t, int64_t count) {
  if (count <= 0 || t.n == 0) return tk_empty_tuple();
  if ((uint64_t)count > cx->lim.max_elems / t.n) return bt_err(BT_E_LIMIT);
  bt_value *out = bt_items(cx, (size_t)count * t.n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (int64_t k = 0; k < count; k++)
    memcpy(out + k * t.n, t.u.items, t.n * sizeof *out);
  return bt_tuple(out, (uint32_t)(count * t.n));
}

/* Python's x op y: ints, floats, tuple + tuple, tuple * int, set - set; else TypeError. */
static bt_value py_op(bt_ctx *cx, tk_op op, bt_value x, bt_value y) {
  if (bt_is_int(x) && bt_is_int(y)) {
    switch (op) {
    case OP_ADD: return bt_int_add(x.u.i, y.u.i);
    case OP_SUB: return bt_int_sub(x.u.i, y.u.i);
    case OP_MUL: return bt_int_mul(x.u.i, y.u.i);
    default: return bt_int_floordiv(x.u.i, y.u.i);
    }
  }
  if (is_num(x) && is_num(y)) {
    double a = num_f(x), b = num_f(y);
    switch (op) {
    case OP_ADD: return bt_float(a + b);
    case OP_SUB: return bt_float(a - b);
    case OP_MUL: return bt_float(a * b);
    default: return float_floordiv(a, b);
    }
  }
  bt_value xy[2] = {x, y};
  if (op == OP_ADD && bt_is_tuple(x) && bt_is_tuple(y)) return bt_p_combine(cx, xy);
  if (op == OP_SUB && bt_is_set(x) && bt_is_set(y)) return bt_p_difference(cx, xy);
  if (op == OP_MUL && bt_is_tuple(x) && bt_is_int(y)) return tuple_repeat(cx, x, y.u.i);
  if (op == OP_MUL && bt_is_int(x) && bt_is_tuple(y)) return tuple_repeat(cx, y, x.u.i);
  return bt_err(BT_E_TYPE);
}

/* x[k] op y[k] for k = 0, 1 (x or y used whole when not indexed), as a pair. */
static bt_value pairwise(bt_ctx *cx, tk_op op, bt_value x, bool ix, bt_value y, bool iy) {
  bt_value r[2];
  for (int k = 0; k < 2; k++) {
    bt_value xk = ix ? bt_getitem(x, k) : x, yk = iy ? bt_getitem(y, k) : y;
    if (bt_is_err(xk)) return xk;
    if (bt_is_err(yk)) return yk;
    r[k] = py_op(cx, op, xk, yk);
    if (bt_is_err(r[k])) return r[k];
  }
  return bt_pair(cx, r[0], r[1]);
}

/* add / subtract / multiply / divide: () counts as unit, then int op int, tuple op tuple,
 * int op tuple elementwise, anything else (a[0] op b, a[1] op b). */
static bt_value arith(bt_ctx *cx, tk_op op, bt_value x, bt_value y) {
  bt_value unit = bt_int(op == OP_MUL || op == OP_FLOORDIV);
  if (tk_is_tuple_n(x, 0)) x = unit;
  if (tk_is_tuple_n(y, 0)) y = unit;
  if (bt_is_int(x) && bt_is_int(y)) return py_op(cx, op, x, y);
  if (bt_is_tuple(x) && bt_is_tuple(y)) return pairwise(cx, op, x, true, y, true);
  if (bt_is_int(x) && bt_is_tuple(y)) return pairwise(cx, op, x, false, y, true);
  return pairwise(cx, op, x, true, y, false);
}

BT_PRIM(tk_add) { return arith(cx, OP_ADD, a[0], a[1]); }
BT_PRIM(tk_subtract) { return arith(cx, OP_SUB, a[0], a[1]); }
BT_PRIM(tk_multiply) { return arith(cx, OP_MUL, a[0], a[1]); }
BT_PRIM(tk_divide) { return arith(cx, OP_FLOORDIV, a[0], a[1]); }

/* ---- one-argument numericals: f(x) for an int, else (f(x[0]), f(x[1])) ---------------- */

typedef enum tk_fn1 { F_NEG, F_DOUBLE, F_HALVE, F_INC, F_DEC, F_CREMENT, F_SIGN } tk_fn1;

/* Python x > 0: 1, 0, or -1 for TypeError. */
static int positive_of(bt_value x) { return bt_py_lt(bt_int(0), x); }

static bt_value scalar1(bt_ctx *cx, tk_fn1 f, bt_value x) {
  switch (f) {
  case F_NEG:
    if (bt_is_int(x)) return bt_int_sub(0, x.u.i);
    return x.kind == BT_FLOAT ? bt_float(-x.u.f) : bt_err(BT_E_TYPE);
  case F_DOUBLE: return py_op(cx, OP_MUL, x, bt_int(2));
  case F_HALVE: return py_op(cx, OP_FLOORDIV, x, bt_int(2));
  case F_INC: return py_op(cx, OP_ADD, x, bt_int(1));
  case F_DEC: return py_op(cx, OP_SUB, x, bt_int(1));
  default: {
    /* 0 if x == 0 else (up if x > 0 else down) */
    if (py_eq(x, bt_int(0))) return bt_int(0);
    int pos = positive_of(x);
    if (pos < 0) return bt_err(BT_E_TYPE);
    if (f == F_SIGN) return bt_int(pos ? 1 : -1);
    return py_op(cx, pos ? OP_ADD : OP_SUB, x, bt_int(1));
  }
  }
}

static bt_value numerical(bt_ctx *cx, tk_fn1 f, bt_value x) {
  if (bt_is_int(x)) return scalar1(cx, f, x);
  bt_value r[2];
  for (int k = 0; k < 2; k++) {
    bt_value xk = bt_getitem(x, k);
    if (bt_is_err(xk)) return xk;
    r[k] = scalar1(cx, f, xk);
    if (bt_is_err(r[k])) return r[k];
  }
  return bt_pair(cx, r[0], r[1]);
}

BT_PRIM(tk_invert) { return numerical(cx, F_NEG, a[0]); }
BT_PRIM(tk_double) { return numerical(cx, F_DOUBLE, a[0]); }
BT_PRIM(tk_halve) { return numerical(cx, F_HALVE, a[0]); }
BT_PRIM(tk_increment) { return numerical(cx, F_INC, a[0]); }
BT_PRIM(tk_decrement) { return numerical(cx, F_DEC, a[0]); }
BT_PRIM(tk_crement) { return numerical(cx, F_CREMENT, a[0]); }
BT_PRIM(tk_sign) { return numerical(cx, F_SIGN, a[0]); }

/* n % 2 == 0 (a float by Python's modulo: nan and inf give nan, never 0) */
BT_PRIM(tk_even) {
  (void)cx;
  bt_value n = a[0];
  if (bt_is_int(n)) return bt_bool((n.u.i & 1) == 0);
  if (n.kind != BT_FLOAT) return bt_err(BT_E_TYPE);
  double m = fmod(n.u.f, 2.0);
  if (m != 0.0 && m < 0) m += 2.0;
  return bt_bool(m == 0.0);
}

/* ---- booleans and comparisons ---------------------------------------------------------- */

BT_PRIM(tk_flip) { return bt_p_flip(cx, a); }
BT_PRIM(tk_both) { return bt_p_both(cx, a); }
BT_PRIM(tk_either) { return bt_p_either(cx, a); }
BT_PRIM(tk_branch) { return bt_p_branch(cx, a); }
BT_PRIM(tk_c_branch) { return bt_p_branch(cx, a); }
BT_PRIM(tk_contained) { return bt_p_contained(cx, a); }

BT_PRIM(tk_equality) {
  (void)cx;
  return bt_bool(py_eq(a[0], a[1]));
}

/* a > b is b < a (floats by value, sets: proper superset) */
BT_PRIM(tk_greater) {
  (void)cx;
  int r = bt_py_lt(a[1], a[0]);
  return r < 0 ? bt_err(BT_E_TYPE) : bt_bool(r);
}

BT_PRIM(tk_positive) {
  (void)cx;
  int r = positive_of(a[0]);
  return r < 0 ? bt_err(BT_E_TYPE) : bt_bool(r);
}

/* ---- small constructors ----------------------------------------------------------------- */

BT_PRIM(tk_toivec) { return bt_p_toivec(cx, a); }
BT_PRIM(tk_tojvec) { return bt_p_tojvec(cx, a); }
BT_PRIM(tk_astuple) { return bt_p_astuple(cx, a); }
BT_PRIM(tk_initset) { return bt_p_initset(cx, a); }
BT_PRIM(tk_interval) { return bt_p_interval(cx, a); }
BT_PRIM(tk_repeat) { return bt_p_repeat(cx, a); }
BT_PRIM(tk_product) { return bt_p_product(cx, a); }
BT_PRIM(tk_pair) { return bt_p_pair(cx, a); }
BT_PRIM(tk_switch) { return bt_p_switch(cx, a); }

BT_PRIM(tk_astriple) {
  bt_value *it = bt_items(cx, 3);
  if (!it) return bt_err(BT_E_LIMIT);
  memcpy(it, a, 3 * sizeof *it);
  return bt_tuple(it, 3);
}

/* (c[0], c[1]) */
BT_PRIM(tk_toij) {
  bt_value i = bt_getitem(a[0], 0);
  if (bt_is_err(i)) return i;
  bt_value j = bt_getitem(a[0], 1);
  return bt_is_err(j) ? j : bt_pair(cx, i, j);
}

/* False for a tuple of tuples of ints, else True. */
BT_PRIM(tk_is_no_grid) {
  (void)cx;
  bt_value x = a[0];
  if (!bt_is_tuple(x)) return bt_bool(true);
  for (uint32_t r = 0; r < x.n; r++) {
    bt_value row = x.u.items[r];
    if (!bt_is_tuple(row)) return bt_bool(true);
    for (uint32_t k = 0; k < row.n; k++)
      if (!bt_is_int(row.u.items[k])) return bt_bool(true);
  }
  return bt_bool(false);
}

/* ---- others ---------------------------------------------------------------------------- */

/* first(remove(value, container)) */
BT_PRIM(tk_other) {
  bt_value r = tk_call2(cx, BT_P_tk_remove, a[1], a[0]);
  return bt_is_err(r) ? r : tk_call1(cx, BT_P_tk_first, r);
}

/* The first element != value, or (). */
BT_PRIM(tk_other_t) {
  (void)cx;
  bt_value c = a[0];
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  for (uint32_t k = 0; k < c.n; k++)
    if (!py_eq(c.u.items[k], a[1])) return c.u.items[k];
  return tk_empty_tuple();
}

/* next(iter(remove_f(value, container))) when that is truthy, else frozenset() */
BT_PRIM(tk_other_f) {
  bt_value r = tk_call2(cx, BT_P_tk_remove_f, a[1], a[0]);
  if (bt_is_err(r)) return r;
  if (!bt_truth(r)) return tk_empty_set();
  return bt_is_coll(r) ? r.u.items[0] : bt_err(BT_E_TYPE);
}

/* ---- patches ------------------------------------------------------------------------------ */

/* Python's `x, y = v` for a tuple or a set of two items. */
static bool unpack2(bt_value v, bt_value *x, bt_value *y, bt_value *err) {
  if (bt_is_coll(v) && v.n == 2) {
    *x = v.u.items[0];
    *y = v.u.items[1];
    return true;
  }
  *err = bt_err(bt_is_coll(v) ? BT_E_VALUE : BT_E_TYPE);
  return false;
}

/* center(toindices(p)) unpacked into (i, j). */
static bool center_of(bt_ctx *cx, bt_value p, bt_value *i, bt_value *j, bt_value *err) {
  bt_value ix = tk_call1(cx, BT_P_tk_toindices, p);
  bt_value c = bt_is_err(ix) ? ix : tk_call1(cx, BT_P_tk_center, ix);
  if (bt_is_err(c)) {
    *err = c;
    return false;
  }
  return unpack2(c, i, j, err);
}

/* 1 if x < y else -1; *bad set when Python's < raises. */
static int64_t step_of(bt_value x, bt_value y, bool *bad) {
  int r = bt_py_lt(x, y);
  if (r < 0) *bad = true;
  return r > 0 ? 1 : -1;
}

/* The direction from a's center to b's: same row, same column, else diagonal; None when
 * the rows are incomparable as Python orders them (nan). */
BT_PRIM(tk_position) {
  bt_value ia, ja, ib, jb, err;
  if (!center_of(cx, a[0], &ia, &ja, &err) || !center_of(cx, a[1], &ib, &jb, &err)) return err;
  bool bad = false;
  int64_t di, dj;
  if (py_eq(ia, ib)) {
    di = 0;
    dj = step_of(ja, jb, &bad);
  } else if (py_eq(ja, jb)) {
    di = step_of(ia, ib, &bad);
    dj = 0;
  } else {
    int lt = bt_py_lt(ia, ib), gt = lt ? 0 : bt_py_lt(ib, ia);
    if (lt < 0 || gt < 0) return bt_err(BT_E_TYPE);
    if (!lt && !gt) return bt_none();
    di = lt ? 1 : -1;
    dj = step_of(ja, jb, &bad);
  }
  return bad ? bt_err(BT_E_TYPE) : bt_ipair(cx, di, dj);
}

/* Python's abs() of a number. */
static bt_value py_abs(bt_value x) {
  if (bt_is_int(x)) return x.u.i < 0 ? bt_int_sub(0, x.u.i) : bt_int(x.u.i);
  return x.kind == BT_FLOAT ? bt_float(fabs(x.u.f)) : bt_err(BT_E_TYPE);
}

/* |ai - bi| + |aj - bj| */
static bt_value distance(bt_ctx *cx, bt_value p, bt_value q) {
  bt_value ai, aj, bi, bj, err;
  if (!unpack2(p, &ai, &aj, &err) || !unpack2(q, &bi, &bj, &err)) return err;
  bt_value di = py_op(cx, OP_SUB, ai, bi);
  if (!bt_is_err(di)) di = py_abs(di);
  if (bt_is_err(di)) return di;
  bt_value dj = py_op(cx, OP_SUB, aj, bj);
  if (!bt_is_err(dj)) dj = py_abs(dj);
  return bt_is_err(dj) ? dj : py_op(cx, OP_ADD, di, dj);
}

/* The smallest distance between the patches' locations; inf for an empty or length-less
 * patch; min() of nothing (toindices defaulted) raises. */
BT_PRIM(tk_manhattan) {
  if (!bt_is_coll(a[0]) || !bt_is_coll(a[1])) return tk_inf();
  if (a[0].n == 0 || a[1].n == 0) return tk_inf();
  bt_value ta = tk_call1(cx, BT_P_tk_toindices, a[0]);
  if (bt_is_err(ta)) return ta;
  if (!bt_is_coll(ta)) return bt_err(BT_E_TYPE);
  if (ta.n == 0) return bt_err(BT_E_VALUE);
  bt_value tb = tk_call1(cx, BT_P_tk_toindices, a[1]);
  if (bt_is_err(tb)) return tb;
  if (!bt_is_coll(tb)) return bt_err(BT_E_TYPE);
  bt_value best = bt_none();
  bool any = false;
  for (uint32_t x = 0; x < ta.n; x++) {
    for (uint32_t y = 0; y < tb.n; y++) {
      bt_value d = distance(cx, ta.u.items[x], tb.u.items[y]);
      if (bt_is_err(d)) return d;
      int lt = any ? bt_py_lt(d, best) : 1;
      if (lt < 0) return bt_err(BT_E_TYPE);
      if (lt) best = d;
      any = true;
    }
  }
  return any ? best : bt_err(BT_E_VALUE);
}
