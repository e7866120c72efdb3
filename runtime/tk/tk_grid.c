/* tk_grid.c: primitives of the tokpidjin dialect (docs/tokpidjin.md): grid transforms, mirrors of grids
 * and patches, crops, splits, scaling and the sample-level a_mr. They follow dsl.py's Python on any
 * argument (duck typing): a tuple is sliced, a tuple or set iterated (sets in canonical order), and
 * what Python would raise is an error value. */
#include <stdlib.h>

#include "tk.h"

#define TRY(x)                                                                                               \
  do {                                                                                                       \
    bt_value t_ = (x);                                                                                       \
    if (bt_is_err(t_)) return t_;                                                                            \
  } while (0)

static bt_value type_err(void) { return bt_err(BT_E_TYPE); }

/* v without a defaulted mark (a wrapped inner call's default kept inside a result). */
static bt_value plain(bt_value v) {
  v.errc = 0;
  return v;
}

/* ---- Python's operators on the values of the dialect ------------------------------------------------ */

/* A number (int, bool or float) as a double. */
static bool num(bt_value v, double *d) {
  if (bt_is_int(v)) {
    *d = (double)v.u.i;
    return true;
  }
  if (v.kind == BT_FLOAT) {
    *d = v.u.f;
    return true;
  }
  return false;
}

/* Python a == b (NaN unequal to itself). */
static bool py_eq(bt_value a, bt_value b) {
  if (a.kind == BT_FLOAT || b.kind == BT_FLOAT) {
    double x, y;
    return num(a, &x) && num(b, &y) && x == y;
  }
  return bt_eq(a, b);
}

/* Python's ordering of two numbers: -1, 0, 1, 2 when unordered (NaN), 3 when Python raises TypeError. */
static int py_cmp(bt_value a, bt_value b) {
  if (bt_is_int(a) && bt_is_int(b)) return a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
  double x, y;
  if (!num(a, &x) || !num(b, &y)) return 3;
  if (x != x || y != y) return 2;
  return x < y ? -1 : x > y;
}

/* Python a + b: numbers add, tuples concatenate. */
static bt_value py_add(bt_ctx *cx, bt_value a, bt_value b) {
  if (bt_is_int(a) && bt_is_int(b)) return bt_int_add(a.u.i, b.u.i);
  double x, y;
  if (num(a, &x) && num(b, &y)) return bt_float(x + y);
  if (a.kind != BT_TUPLE || b.kind != BT_TUPLE) return type_err();
  return bt_tuple_concat(cx, a, b);
}

/* Python a - b on numbers. */
static bt_value py_sub(bt_value a, bt_value b) {
  if (bt_is_int(a) && bt_is_int(b)) return bt_int_sub(a.u.i, b.u.i);
  double x, y;
  if (num(a, &x) && num(b, &y)) return bt_float(x - y);
  return type_err();
}

/* Python t[lo:hi] of a tuple (a view of its items); TypeError for anything else. */
static bt_value py_slice(bt_value t, int64_t lo, int64_t hi) {
  if (t.kind != BT_TUPLE) return type_err();
  int64_t n = t.n;
  lo = lo < 0 ? (lo < -n ? 0 : lo + n) : (lo > n ? n : lo);
  hi = hi < 0 ? (hi < -n ? 0 : hi + n) : (hi > n ? n : hi);
  return hi <= lo ? tk_empty_tuple() : bt_tuple(t.u.items + lo, (uint32_t)(hi - lo));
}

/* Python t[::-1] of a tuple. */
static bt_value py_rev(bt_ctx *cx, bt_value t) {
  if (t.kind != BT_TUPLE) return type_err();
  if (t.n == 0) return tk_empty_tuple();
  bt_value *it = bt_items(cx, t.n);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < t.n; k++)
    it[k] = t.u.items[t.n - 1 - k];
  return bt_tuple(it, t.n);
}

/* Python's unpacking of v into n values (a tuple or set of exactly n). */
static bt_value unpack(bt_value v, uint32_t n) {
  if (!bt_is_coll(v)) return type_err();
  return v.n == n ? v : bt_err(BT_E_VALUE);
}

/* A tuple of n values. */
static bt_value tuple_of(bt_ctx *cx, const bt_value *v, uint32_t n) {
  if (n == 2) return bt_pair(cx, v[0], v[1]);
  bt_value *it = bt_items(cx, n);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < n; k++)
    it[k] = v[k];
  return bt_tuple(it, n);
}

/* n uninitialised elements, or NULL when past the limits (or n too large to ask for). */
static bt_value *items(bt_ctx *cx, int64_t n) {
  return n < 0 || n > (int64_t)UINT32_MAX ? NULL : bt_items(cx, n);
}

/* ---- grids: mirrors and rotations ----------------------------------------------------------------- */

/* tuple(zip(*rows)) over the rows of g (a tuple or set; taken from the last when back, Python's g[::-1]: a
 * tuple), each row read from its end when flip (row[::-1]: tuples only), else any tuple or set. */
static bt_value zip_rows(bt_ctx *cx, bt_value g, bool back, bool flip) {
  if (back ? g.kind != BT_TUPLE : !bt_is_coll(g)) return type_err();
  uint32_t n = g.n, m = UINT32_MAX;
  for (uint32_t k = 0; k < n; k++) {
    bt_value r = g.u.items[k];
    if (flip ? r.kind != BT_TUPLE : !bt_is_coll(r)) return type_err();
    if (r.n < m) m = r.n;
  }
  if (n == 0 || m == 0) return tk_empty_tuple();
  bt_value *cells;
  bt_value out = bt_grid_new(cx, m, n, &cells);
  TRY(out);
  for (uint32_t k = 0; k < n; k++) {
    bt_value r = g.u.items[back ? n - 1 - k : k];
    for (uint32_t c = 0; c < m; c++)
      cells[(size_t)c * n + k] = r.u.items[flip ? r.n - 1 - c : c];
  }
  return out;
}

/* tuple(row[::-1] for row in g), g taken from the last when back (then a tuple); rows are tuples. */
static bt_value rev_rows(bt_ctx *cx, bt_value g, bool back) {
  if (back ? g.kind != BT_TUPLE : !bt_is_coll(g)) return type_err();
  if (g.n == 0) return tk_empty_tuple();
  bt_value *out = bt_items(cx, g.n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < g.n; k++) {
    bt_value r = py_rev(cx, g.u.items[back ? g.n - 1 - k : k]);
    TRY(r);
    out[k] = r;
  }
  return bt_tuple(out, g.n);
}

BT_PRIM(tk_hmirror_t) { return py_rev(cx, a[0]); }
BT_PRIM(tk_vmirror_t) { return rev_rows(cx, a[0], false); }
BT_PRIM(tk_dmirror_t) { return zip_rows(cx, a[0], false, false); }
BT_PRIM(tk_cmirror_t) { return zip_rows(cx, a[0], true, true); }
BT_PRIM(tk_rot90) { return zip_rows(cx, a[0], true, false); }
BT_PRIM(tk_rot180) { return rev_rows(cx, a[0], true); }

BT_PRIM(tk_rot270) {
  bt_value z = zip_rows(cx, a[0], true, false);
  TRY(z);
  return rev_rows(cx, z, true);
}

BT_PRIM(tk_mir_rot_t) {
  static const int fs[7] = {BT_P_tk_hmirror_t, BT_P_tk_dmirror_t, BT_P_tk_vmirror_t, BT_P_tk_cmirror_t,
                            BT_P_tk_rot90,     BT_P_tk_rot180,    BT_P_tk_rot270};
  for (int k = 0; k < 7; k++)
    if (py_eq(a[1], bt_int(k))) return tk_call1(cx, fs[k], a[0]);
  return a[0];
}

/* The smallest mode whose mir_rot_t maps every input of S to its output (all() stops at the first
 * mismatch, so a later pair that cannot be unpacked is met only when the earlier ones match). */
BT_PRIM(tk_a_mr) {
  bt_value s = a[0];
  if (!bt_is_coll(s)) return type_err();
  for (int t = 0; t < 8; t++) {
    bool all = true;
    for (uint32_t k = 0; k < s.n && all; k++) {
      bt_value e = unpack(s.u.items[k], 2);
      TRY(e);
      bt_value r = tk_call2(cx, BT_P_tk_mir_rot_t, e.u.items[0], bt_int(t));
      TRY(r);
      all = py_eq(e.u.items[1], r);
    }
    if (all) return bt_int(t);
  }
  return bt_none();
}

/* ---- patches: mirrors ----------------------------------------------------------------------------- */

enum { M_H, M_V, M_D };

/* The mirror of patch p (mode M_H, M_V or M_D), its elements unpacked to n values (0: 3 when the first
 * element has length 3, else 2). H: (d - i, j), V: (i, d - j) with d the sum of the corners' row (column);
 * D: (j - b + a, i - a + b) with (a, b) the upper-left corner; a cell's colour kept. */
static bt_value mirror_patch(bt_ctx *cx, bt_value p, uint32_t n, int mode) {
  bt_value x, y = bt_int(0);
  bt_value ul = tk_call1(cx, BT_P_tk_ulcorner, p);
  TRY(ul);
  if (mode == M_D) {
    ul = unpack(ul, 2);
    TRY(ul);
    x = ul.u.items[0];
    y = ul.u.items[1];
  } else {
    int k = mode == M_V;
    bt_value lr = tk_call1(cx, BT_P_tk_lrcorner, p);
    TRY(lr);
    bt_value u = bt_getitem(ul, k), l = bt_getitem(lr, k);
    TRY(u);
    TRY(l);
    x = py_add(cx, u, l);
    TRY(x);
  }
  if (!bt_is_coll(p)) return type_err();
  if (n == 0) {
    if (p.n == 0) return bt_err(BT_E_STOP);
    if (!bt_is_coll(p.u.items[0])) return type_err();
    n = p.u.items[0].n == 3 ? 3 : 2;
  }
  bt_value *out = items(cx, p.n);
  if (!out && p.n) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < p.n; k++) {
    bt_value e = unpack(p.u.items[k], n);
    TRY(e);
    bt_value v[3] = {e.u.items[0], e.u.items[1], n == 3 ? e.u.items[2] : bt_none()};
    if (mode == M_H) {
      v[0] = py_sub(x, e.u.items[0]);
    } else if (mode == M_V) {
      v[1] = py_sub(x, e.u.items[1]);
    } else {
      v[0] = py_sub(e.u.items[1], y);
      TRY(v[0]);
      v[0] = py_add(cx, v[0], x);
      v[1] = py_sub(e.u.items[0], x);
      TRY(v[1]);
      v[1] = py_add(cx, v[1], y);
    }
    TRY(v[0]);
    TRY(v[1]);
    out[k] = tuple_of(cx, v, n);
    TRY(out[k]);
  }
  return bt_set_build(cx, out, p.n);
}

BT_PRIM(tk_hmirror_f) { return mirror_patch(cx, a[0], 0, M_H); }
BT_PRIM(tk_hmirror_i) { return mirror_patch(cx, a[0], 2, M_H); }
BT_PRIM(tk_hmirror_o) { return mirror_patch(cx, a[0], 3, M_H); }
BT_PRIM(tk_vmirror_f) { return a[0].kind == BT_SET && a[0].n == 0 ? a[0] : mirror_patch(cx, a[0], 0, M_V); }
BT_PRIM(tk_vmirror_i) { return mirror_patch(cx, a[0], 2, M_V); }
BT_PRIM(tk_vmirror_o) { return mirror_patch(cx, a[0], 3, M_V); }
BT_PRIM(tk_dmirror_f) { return mirror_patch(cx, a[0], 0, M_D); }
BT_PRIM(tk_dmirror_i) { return mirror_patch(cx, a[0], 2, M_D); }
BT_PRIM(tk_dmirror_o) { return mirror_patch(cx, a[0], 3, M_D); }

/* vmirror_f(dmirror_f(vmirror_f(p))): the code of all three cmirror_ variants. */
static bt_value cmirror(bt_ctx *cx, bt_value p) {
  bt_value r = tk_call1(cx, BT_P_tk_vmirror_f, p);
  TRY(r);
  r = tk_call1(cx, BT_P_tk_dmirror_f, r);
  TRY(r);
  return tk_call1(cx, BT_P_tk_vmirror_f, r);
}

BT_PRIM(tk_cmirror_f) { return cmirror(cx, a[0]); }
BT_PRIM(tk_cmirror_i) { return cmirror(cx, a[0]); }
BT_PRIM(tk_cmirror_o) { return cmirror(cx, a[0]); }

BT_PRIM(tk_mir_rot_f) {
  static const int fs[4] = {BT_P_tk_hmirror_f, BT_P_tk_dmirror_f, BT_P_tk_vmirror_f, BT_P_tk_cmirror_f};
  for (int k = 0; k < 4; k++)
    if (py_eq(a[1], bt_int(k))) return tk_call1(cx, fs[k], a[0]);
  return a[0];
}

/* ---- crops and splits ----------------------------------------------------------------------------- */

/* start + dims for crop: Python's sum, ints saturating at the int64 range (whose ends compare and slice
 * as the exact sum would against a grid's sizes). */
static bt_value end_of(bt_ctx *cx, bt_value s, bt_value d) {
  int64_t r;
  if (!bt_is_int(s) || !bt_is_int(d)) return py_add(cx, s, d);
  if (__builtin_add_overflow(s.u.i, d.u.i, &r)) r = d.u.i < 0 ? INT64_MIN : INT64_MAX;
  return bt_int(r);
}

/* len(g) and len(g[0]) as Python takes them. */
static bt_value dims(bt_value g, int64_t *h, int64_t *w) {
  *h = bt_len(g);
  if (*h < 0) return type_err();
  bt_value r = bt_getitem(g, 0);
  TRY(r);
  *w = bt_len(r);
  return *w < 0 ? type_err() : bt_none();
}

BT_PRIM(tk_crop) {
  bt_value g = a[0], s = a[1], d = a[2];
  if (g.kind == BT_TUPLE && g.n == 0) return tk_empty_tuple();
  int64_t h, w;
  TRY(dims(g, &h, &w));
  /* start[0] >= 0 and start[0] < h and start[1] >= 0 and start[1] < w and the ends within, in order */
  bt_value s0 = bt_getitem(s, 0), s1, d0, d1, e0, e1;
  TRY(s0);
  int c = py_cmp(s0, bt_int(0));
  if (c == 3) return type_err();
  if (c != 0 && c != 1) return tk_empty_tuple();
  if ((c = py_cmp(s0, bt_int(h))) != -1) return c == 3 ? type_err() : tk_empty_tuple();
  TRY(s1 = bt_getitem(s, 1));
  if ((c = py_cmp(s1, bt_int(0))) == 3) return type_err();
  if (c != 0 && c != 1) return tk_empty_tuple();
  if ((c = py_cmp(s1, bt_int(w))) != -1) return c == 3 ? type_err() : tk_empty_tuple();
  TRY(d0 = bt_getitem(d, 0));
  TRY(e0 = end_of(cx, s0, d0));
  if ((c = py_cmp(e0, bt_int(h))) == 3) return type_err();
  if (c != -1 && c != 0) return tk_empty_tuple();
  TRY(d1 = bt_getitem(d, 1));
  TRY(e1 = end_of(cx, s1, d1));
  if ((c = py_cmp(e1, bt_int(w))) == 3) return type_err();
  if (c != -1 && c != 0) return tk_empty_tuple();
  if (!bt_is_int(s0) || !bt_is_int(s1) || !bt_is_int(e0) || !bt_is_int(e1)) return type_err();
  bt_value rows = py_slice(g, s0.u.i, e0.u.i);
  TRY(rows);
  if (rows.n == 0) return rows;
  bt_value *out = bt_items(cx, rows.n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < rows.n; k++) {
    out[k] = py_slice(rows.u.items[k], s1.u.i, e1.u.i);
    TRY(out[k]);
  }
  return bt_tuple(out, rows.n);
}

BT_PRIM(tk_subgrid) {
  bt_value p = a[0];
  if (bt_is_coll(p) && p.n == 0) return tk_empty_tuple();
  bt_value args[3] = {a[1], tk_call1(cx, BT_P_tk_ulcorner, p), tk_call1(cx, BT_P_tk_shape_f, p)};
  TRY(args[1]);
  TRY(args[2]);
  return tk_call(cx, BT_P_tk_crop, args);
}

/* hsplit / vsplit: n pieces of crop (each () when it leaves the grid). */
static bt_value split(bt_ctx *cx, bt_value g, bt_value nv, bool vert) {
  int64_t h, w;
  TRY(dims(g, &h, &w));
  if (!bt_is_int(nv)) return type_err();
  int64_t n = nv.u.i, len = vert ? h : w;
  if (n == 0) return bt_err(BT_E_ZERODIV);
  bt_value q = bt_int_floordiv(len, n), r = bt_int_mod(len, n);
  TRY(q);
  TRY(r);
  if (n < 0) return tk_empty_tuple();
  bt_value *out = items(cx, n);
  if (!out) return bt_err(BT_E_LIMIT);
  int64_t off = r.u.i != 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t at = q.u.i * i + i * off;
    bt_value args[3] = {g, vert ? bt_ipair(cx, at, 0) : bt_ipair(cx, 0, at),
                        vert ? bt_ipair(cx, q.u.i, w) : bt_ipair(cx, h, q.u.i)};
    TRY(args[1]);
    TRY(args[2]);
    out[i] = tk_call(cx, BT_P_tk_crop, args);
    TRY(out[i]);
    out[i] = plain(out[i]);
  }
  return bt_tuple(out, (uint32_t)n);
}

BT_PRIM(tk_hsplit) { return split(cx, a[0], a[1], false); }
BT_PRIM(tk_vsplit) { return split(cx, a[0], a[1], true); }

BT_PRIM(tk_tophalf) {
  (void)cx;
  int64_t n = bt_len(a[0]);
  return n < 0 ? type_err() : py_slice(a[0], 0, n / 2);
}

BT_PRIM(tk_bottomhalf) {
  (void)cx;
  int64_t n = bt_len(a[0]);
  return n < 0 ? type_err() : py_slice(a[0], n / 2 + n % 2, n);
}

/* rot270(half(rot90(g))) */
static bt_value side_half(bt_ctx *cx, bt_value g, int half) {
  bt_value r = tk_call1(cx, BT_P_tk_rot90, g);
  TRY(r);
  r = tk_call1(cx, half, r);
  TRY(r);
  return tk_call1(cx, BT_P_tk_rot270, r);
}

BT_PRIM(tk_lefthalf) { return side_half(cx, a[0], BT_P_tk_tophalf); }
BT_PRIM(tk_righthalf) { return side_half(cx, a[0], BT_P_tk_bottomhalf); }

BT_PRIM(tk_trim) {
  bt_value rows = py_slice(a[0], 1, -1);
  TRY(rows);
  if (rows.n == 0) return rows;
  bt_value *out = bt_items(cx, rows.n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < rows.n; k++) {
    out[k] = py_slice(rows.u.items[k], 1, -1);
    TRY(out[k]);
  }
  return bt_tuple(out, rows.n);
}

/* ---- concatenation, scaling, construction --------------------------------------------------------- */

BT_PRIM(tk_hconcat) {
  bt_value x = a[0], y = a[1];
  if (!bt_is_coll(x) || !bt_is_coll(y)) return type_err();
  uint32_t n = x.n < y.n ? x.n : y.n;
  if (n == 0) return tk_empty_tuple();
  bt_value *out = bt_items(cx, n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < n; k++) {
    out[k] = py_add(cx, x.u.items[k], y.u.items[k]);
    TRY(out[k]);
  }
  return bt_tuple(out, n);
}

BT_PRIM(tk_vconcat) { return py_add(cx, a[0], a[1]); }

/* upscale_t (h and v), hupscale (h), vupscale (v): rows scaled along their rows and repeated. */
static bt_value scale_grid(bt_ctx *cx, bt_value g, bt_value fv, bool h, bool v) {
  if (!bt_is_coll(g)) return type_err();
  if (g.n == 0) return tk_empty_tuple();
  int64_t f = 0;
  for (uint32_t k = 0; k < g.n; k++) {
    bt_value r = g.u.items[k];
    if (h && !bt_is_coll(r)) return type_err();
    if ((v || r.n) && !bt_is_int(fv)) return type_err();
  }
  if (bt_is_int(fv)) f = fv.u.i < 0 ? 0 : fv.u.i;
  int64_t reps = v ? f : 1;
  if (reps == 0) return tk_empty_tuple();
  if (reps > (int64_t)cx->lim.max_elems / g.n) return bt_err(BT_E_LIMIT);
  bt_value *out = items(cx, (int64_t)g.n * reps);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < g.n; k++) {
    bt_value r = g.u.items[k];
    if (h) TRY(r = bt_repeat_each(cx, r, f));
    for (int64_t c = 0; c < reps; c++)
      out[k * reps + c] = r;
  }
  return bt_tuple(out, (uint32_t)(g.n * reps));
}

BT_PRIM(tk_upscale_t) { return scale_grid(cx, a[0], a[1], true, true); }
BT_PRIM(tk_hupscale) { return scale_grid(cx, a[0], a[1], true, false); }
BT_PRIM(tk_vupscale) { return scale_grid(cx, a[0], a[1], false, true); }

/* Python's j % f == 0 for an index j >= 0; false with *err set when Python raises. */
static bool divides(int64_t j, bt_value f, bt_errc *err) {
  double x;
  if (!num(f, &x)) {
    *err = BT_E_TYPE;
    return false;
  }
  if (bt_is_int(f) ? f.u.i == 0 : x == 0.0) {
    *err = BT_E_ZERODIV;
    return false;
  }
  if (bt_is_int(f)) return j % f.u.i == 0;
  if (x != x) return false;
  return __builtin_isinf(x) ? j == 0 : __builtin_fmod((double)j, x) == 0.0;
}

BT_PRIM(tk_downscale) {
  bt_value g = a[0], f = a[1];
  int64_t h, w, nh = 0, nw = 0;
  TRY(dims(g, &h, &w));
  bt_errc err = 0;
  /* every row is read at the kept columns, kept or not */
  for (int64_t j = 0; j < w && !err; j++)
    nw += divides(j, f, &err);
  for (int64_t i = 0; i < h && !err; i++) {
    bt_value r = g.u.items[i];
    for (int64_t j = 0; j < w && !err && nw; j += 1)
      if (divides(j, f, &err)) TRY(bt_getitem(r, j));
  }
  for (int64_t i = 0; i < h && !err; i++)
    nh += divides(i, f, &err);
  if (err) return bt_err(err);
  bt_value *cells;
  bt_value out = bt_grid_new(cx, nh, nw, &cells);
  TRY(out);
  for (int64_t i = 0, ri = 0; i < h; i++) {
    if (!divides(i, f, &err)) continue;
    for (int64_t j = 0, cj = 0; j < w; j++)
      if (divides(j, f, &err)) cells[ri * nw + cj++] = g.u.items[i].u.items[j];
    ri++;
  }
  return out;
}

BT_PRIM(tk_upscale_f) {
  bt_value obj = a[0], fv = a[1];
  int64_t n = bt_len(obj);
  if (n < 0) return type_err();
  if (n == 0) return tk_empty_set();
  bt_value ul = tk_call1(cx, BT_P_tk_ulcorner, obj);
  TRY(ul);
  TRY(ul = unpack(ul, 2));
  bt_value di = ul.u.items[0], dj = ul.u.items[1];
  if (!bt_is_int(di) || !bt_is_int(dj) || di.u.i == INT64_MIN || dj.u.i == INT64_MIN) return type_err();
  bt_value nrm = tk_call2(cx, BT_P_tk_shift, obj, bt_ipair(cx, -di.u.i, -dj.u.i));
  TRY(nrm);
  if (!bt_is_coll(nrm)) return type_err();
  if (nrm.n && !bt_is_int(fv)) return type_err();
  int64_t f = nrm.n && fv.u.i > 0 ? fv.u.i : 0;
  if (f && (f > 65536 || f * f > (int64_t)cx->lim.max_elems / nrm.n)) return bt_err(BT_E_LIMIT);
  bt_value *out = items(cx, (int64_t)nrm.n * f * f);
  if (!out && f) return bt_err(BT_E_LIMIT);
  int64_t m = 0;
  for (uint32_t k = 0; k < nrm.n; k++) {
    bt_value e = unpack(nrm.u.items[k], 3);
    TRY(e);
    bt_value i = e.u.items[0], j = e.u.items[1];
    if (f && (!bt_is_int(i) || !bt_is_int(j))) return type_err();
    for (int64_t x = 0; x < f; x++)
      for (int64_t y = 0; y < f; y++) {
        bt_value v[3] = {bt_int_mul(i.u.i, f), bt_int_mul(j.u.i, f), e.u.items[2]};
        TRY(v[0]);
        TRY(v[1]);
        TRY(v[0] = bt_int_add(v[0].u.i, x));
        TRY(v[1] = bt_int_add(v[1].u.i, y));
        TRY(out[m++] = tuple_of(cx, v, 3));
      }
  }
  bt_value o = bt_set_build(cx, out, m);
  TRY(o);
  return tk_call2(cx, BT_P_tk_shift, o, ul);
}

BT_PRIM(tk_canvas) {
  bt_value d = a[1];
  bt_value d0 = bt_getitem(d, 0);
  TRY(d0);
  if (!bt_is_int(d0)) return type_err();
  if (d0.u.i <= 0) return tk_empty_tuple();
  bt_value d1 = bt_getitem(d, 1);
  TRY(d1);
  if (!bt_is_int(d1)) return type_err();
  bt_value *cells;
  bt_value out = bt_grid_new(cx, d0.u.i, d1.u.i < 0 ? 0 : d1.u.i, &cells);
  TRY(out);
  for (int64_t k = 0; k < d0.u.i * (d1.u.i < 0 ? 0 : d1.u.i); k++)
    cells[k] = a[0];
  return out;
}

/* ---- cell-by-cell ----------------------------------------------------------------------------------- */

BT_PRIM(tk_cellwise) {
  bt_value g = a[0];
  int64_t h, w;
  TRY(dims(g, &h, &w));
  bt_value *cells;
  bt_value out = bt_grid_new(cx, h, w, &cells);
  TRY(out);
  for (int64_t i = 0; i < h; i++) {
    bt_value r = g.u.items[i];
    for (int64_t j = 0; j < w; j++) {
      bt_value v = bt_getitem(r, j), loc = bt_ipair(cx, i, j);
      TRY(v);
      TRY(loc);
      bt_value x = tk_call2(cx, BT_P_tk_index, a[1], loc);
      TRY(x);
      cells[i * w + j] = py_eq(v, x) ? v : a[2];
    }
  }
  return out;
}

BT_PRIM(tk_replace) {
  bt_value g = a[0];
  if (!bt_is_coll(g)) return type_err();
  if (g.n == 0) return tk_empty_tuple();
  bt_value *out = bt_items(cx, g.n);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < g.n; k++) {
    bt_value r = g.u.items[k];
    if (!bt_is_coll(r)) return type_err();
    bt_value *row = r.n ? bt_items(cx, r.n) : NULL;
    if (r.n && !row) return bt_err(BT_E_LIMIT);
    for (uint32_t j = 0; j < r.n; j++)
      row[j] = py_eq(r.u.items[j], a[1]) ? a[2] : r.u.items[j];
    out[k] = bt_tuple(row, r.n);
  }
  return bt_tuple(out, g.n);
}

/* Whether the values of r (a tuple or set) make a set of one element. */
static bool single(bt_value r) {
  for (uint32_t k = 1; k < r.n; k++)
    if (!bt_eq(r.u.items[k], r.u.items[0])) return false;
  return r.n > 0;
}

/* Rows and columns of one value removed. */
BT_PRIM(tk_compress) {
  bt_value g = a[0];
  if (!bt_is_coll(g)) return type_err();
  for (uint32_t k = 0; k < g.n; k++)
    if (!bt_is_coll(g.u.items[k])) return type_err();
  bt_value cols = tk_call1(cx, BT_P_tk_dmirror_t, g);
  TRY(cols);
  if (!bt_is_coll(cols)) return type_err();
  bool *drop = bt_alloc(cx, (size_t)cols.n + 1);
  if (!drop) return bt_err(BT_E_LIMIT);
  for (uint32_t j = 0; j < cols.n; j++) {
    if (!bt_is_coll(cols.u.items[j])) return type_err();
    drop[j] = single(cols.u.items[j]);
  }
  bt_vec out;
  bt_vec_init(&out);
  for (uint32_t k = 0; k < g.n; k++) {
    bt_value r = g.u.items[k];
    if (single(r)) continue;
    bt_value *row = r.n ? bt_items(cx, r.n) : NULL;
    if (r.n && !row) return bt_err(BT_E_LIMIT);
    uint32_t m = 0;
    for (uint32_t j = 0; j < r.n; j++)
      if (j >= cols.n || !drop[j]) row[m++] = r.u.items[j];
    if (!bt_vec_push(cx, &out, m ? bt_tuple(row, m) : tk_empty_tuple())) return bt_err(BT_E_LIMIT);
  }
  return out.n ? bt_tuple(out.items, (uint32_t)out.n) : tk_empty_tuple();
}

/* ---- periods -------------------------------------------------------------------------------------- */

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

/* The period along axis (0: rows, 1: columns) of a normalised set of cells (i, j, c) of int i, j, whose
 * extent along the axis is size and far one of its cells at size - 1: only a shift that maps far onto
 * another cell can be one. */
static bt_value period_cells(bt_ctx *cx, bt_value s, int axis, int64_t size, const bt_value *far) {
  int64_t *cand = bt_alloc(cx, sizeof(int64_t) * s.n);
  if (!cand) return bt_err(BT_E_LIMIT);
  uint32_t nc = 0;
  for (uint32_t k = 0; k < s.n; k++) {
    const bt_value *e = s.u.items[k].u.items;
    int64_t p = size - 1 - e[axis].u.i;
    if (p >= 1 && bt_eq(e[1 - axis], far[1 - axis]) && bt_eq(e[2], far[2])) cand[nc++] = p;
  }
  qsort(cand, nc, sizeof *cand, cmp_i64);
  for (uint32_t c = 0; c < nc; c++) {
    bool ok = true;
    for (uint32_t k = 0; k < s.n && ok; k++) {
      const bt_value *e = s.u.items[k].u.items;
      if (e[axis].u.i < cand[c]) continue;
      bt_value t[3] = {e[0], e[1], e[2]};
      t[axis] = bt_int(e[axis].u.i - cand[c]);
      ok = bt_set_find(s, bt_tuple(t, 3)) >= 0;
    }
    if (ok) return bt_int(cand[c]);
  }
  return bt_int(size);
}

/* hperiod (axis 1) / vperiod (axis 0): the smallest p in 1..size-1 such that the normalised object shifted
 * back by p, pruned to the cells still at a coordinate >= 0, lies within it; else size. */
static bt_value period(bt_ctx *cx, bt_value obj, int axis) {
  bt_value nrm = tk_call1(cx, BT_P_tk_normalize, obj);
  TRY(nrm);
  bt_value sz = tk_call1(cx, axis ? BT_P_tk_width_f : BT_P_tk_height_f, nrm);
  TRY(sz);
  if (!bt_is_int(sz)) return type_err();
  int64_t size = sz.u.i;
  if (size <= 1) return bt_int(size);
  bool cells = nrm.kind == BT_SET;
  const bt_value *far = NULL;
  for (uint32_t k = 0; k < nrm.n && cells; k++) {
    bt_value e = nrm.u.items[k];
    cells = e.kind == BT_TUPLE && e.n == 3 && bt_is_int(e.u.items[0]) && bt_is_int(e.u.items[1]) &&
            e.u.items[axis].u.i >= 0 && e.u.items[axis].u.i < size;
    if (cells && e.u.items[axis].u.i == size - 1) far = e.u.items;
  }
  if (cells && far) return period_cells(cx, nrm, axis, size, far);
  for (int64_t p = 1; p < size; p++) {
    bt_value sh = tk_call2(cx, BT_P_tk_shift, nrm, axis ? bt_ipair(cx, 0, -p) : bt_ipair(cx, -p, 0));
    TRY(sh);
    if (!bt_is_coll(sh) || !bt_is_coll(nrm)) return type_err();
    bool sub = true;
    for (uint32_t k = 0; k < sh.n; k++) {
      bt_value e = unpack(sh.u.items[k], 3);
      TRY(e);
      int c = py_cmp(e.u.items[axis], bt_int(0));
      if (c == 3) return type_err();
      if (c != 0 && c != 1) continue;
      bt_value t = tuple_of(cx, e.u.items, 3);
      TRY(t);
      sub = sub && bt_contains(nrm, t) == 1;
    }
    if (sub) return bt_int(p);
  }
  return bt_int(size);
}

BT_PRIM(tk_hperiod) { return period(cx, a[0], 1); }
BT_PRIM(tk_vperiod) { return period(cx, a[0], 0); }
