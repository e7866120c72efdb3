/* tk_patch.c: the tokpidjin dialect's patch primitives (docs/tokpidjin.md): extremes, corners,
 * sizes, toindices, normalize, shift, neighbourhoods, boxes and the tests between patches. Each
 * follows tokpidjin's Python on any argument: what Python raises is an error value (the wrapper
 * makes it the typed default), and calls of other primitives go through their wrappers. */
#include "tk.h"

/* ---- Python's operations on values ------------------------------------------------------ */

static bool is_num(bt_value v) { return bt_is_int(v) || v.kind == BT_FLOAT; }
static double as_f(bt_value v) { return v.kind == BT_FLOAT ? v.u.f : (double)v.u.i; }

/* Primitive p through its wrapper, its result unmarked (it goes on into other values). */
static bt_value in1(bt_ctx *cx, int p, bt_value x) {
  bt_value r = tk_call1(cx, p, x);
  if (!bt_is_err(r)) r.errc = 0;
  return r;
}

/* Python's float floor division (float_divmod). */
static double f_floordiv(double a, double b) {
  double mod = fmod(a, b), div = (a - mod) / b;
  if (mod && ((b < 0) != (mod < 0))) div -= 1.0;
  if (!div) return copysign(0.0, a / b);
  double fl = floor(div);
  return div - fl > 0.5 ? fl + 1.0 : fl;
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

/* Python's a + b, a - b, a * b, a // b on numbers (and + of two tuples); TypeError otherwise. */
static bt_value arith(bt_ctx *cx, int op, bt_value a, bt_value b) {
  if (op == OP_ADD && bt_is_tuple(a) && bt_is_tuple(b)) {
    return bt_tuple_concat(cx, a, b);
  }
  if (!is_num(a) || !is_num(b)) return bt_err(BT_E_TYPE);
  if (bt_is_int(a) && bt_is_int(b)) {
    int64_t x = a.u.i, y = b.u.i;
    switch (op) {
    case OP_ADD: return bt_int_add(x, y);
    case OP_SUB: return bt_int_sub(x, y);
    case OP_MUL: return bt_int_mul(x, y);
    default: return bt_int_floordiv(x, y);
    }
  }
  double x = as_f(a), y = as_f(b);
  switch (op) {
  case OP_ADD: return bt_float(x + y);
  case OP_SUB: return bt_float(x - y);
  case OP_MUL: return bt_float(x * y);
  default: return y == 0 ? bt_err(BT_E_ZERODIV) : bt_float(f_floordiv(x, y));
  }
}

/* Python's -a. */
static bt_value neg(bt_value a) {
  if (a.kind == BT_FLOAT) return bt_float(-a.u.f);
  return bt_is_int(a) ? bt_int_sub(0, a.u.i) : bt_err(BT_E_TYPE);
}

/* Python's a == b (NaN unequal to itself). */
static bool py_eq(bt_value a, bt_value b) {
  if (is_num(a) && is_num(b) && (a.kind == BT_FLOAT || b.kind == BT_FLOAT)) return as_f(a) == as_f(b);
  return bt_eq(a, b);
}

/* Python's min(a, b) (mx false) or max(a, b): a unless b is strictly beyond it. */
static bt_value pick2(bt_value a, bt_value b, bool mx, bool *bad) {
  int lt = mx ? bt_py_lt(a, b) : bt_py_lt(b, a);
  if (lt < 0 || bt_walk_spent()) *bad = true; /* a spent comparison budget ends the loop: a LimitError */
  return lt > 0 ? b : a;
}

/* The items of v unpacked into k names (`x, y = v`), or the error Python raises. */
static bt_errc unpack(bt_value v, uint32_t k, const bt_value **out) {
  if (!bt_is_coll(v)) return BT_E_TYPE;
  if (v.n != k) return BT_E_VALUE;
  *out = v.u.items;
  return 0;
}

/* ---- extremes and corners ------------------------------------------------------------------ */

enum { VIA_F, VIA_I, VIA_O }; /* toindices, toindices_i, toindices_o */
static const int via_prim[] = {BT_P_tk_toindices, BT_P_tk_toindices_i, BT_P_tk_toindices_o};

/* min (mx false) or max of component col over the elements of p, each unpacked as `i, j`. */
static bt_value extreme(bt_value p, int col, bool mx) {
  if (!bt_is_coll(p)) return bt_err(BT_E_TYPE);
  if (!p.n) return bt_err(BT_E_VALUE);
  bt_value best = bt_none();
  bool bad = false;
  for (uint32_t k = 0; k < p.n; k++) {
    const bt_value *e;
    bt_errc ec = unpack(p.u.items[k], 2, &e);
    if (ec) return bt_err(ec);
    bt_value x = e[col];
    if (k && best.kind == BT_INT && x.kind == BT_INT) { /* the common case: ints, no walk */
      if (mx ? x.u.i > best.u.i : x.u.i < best.u.i) best = x;
      continue;
    }
    best = k ? pick2(best, x, mx, &bad) : x;
    if (bad) return bt_err(BT_E_TYPE);
  }
  return best;
}

/* A non-empty container of cells (i, j, c) with int i and j: its toindices (and
 * toindices_o) are their (i, j), whose extremes are the cells' own. */
static bool int_cells(bt_value p) {
  if (!bt_is_coll(p) || !p.n) return false;
  for (uint32_t k = 0; k < p.n; k++) {
    bt_value e = p.u.items[k];
    if (e.kind != BT_TUPLE || e.n != 3 || e.u.items[0].kind != BT_INT || e.u.items[1].kind != BT_INT)
      return false;
  }
  return true;
}

/* min (mx false) or max of component col of int cells. */
static int64_t cell_extreme(bt_value p, int col, bool mx) {
  int64_t best = p.u.items[0].u.items[col].u.i;
  for (uint32_t k = 1; k < p.n; k++) {
    int64_t x = p.u.items[k].u.items[col].u.i;
    if (mx ? x > best : x < best) best = x;
  }
  return best;
}

/* uppermost (col 0, min), lowermost, leftmost, rightmost of p through toindices variant v;
 * guard: nan for a falsy p (all but rightmost_i / rightmost_o). */
static bt_value most(bt_ctx *cx, bt_value p, int v, int col, bool mx, bool guard) {
  if (guard && !bt_truth(p)) return tk_nan();
  if (v != VIA_I && int_cells(p)) return bt_int(cell_extreme(p, col, mx)); /* no locations built */
  bt_value ix = in1(cx, via_prim[v], p);
  return bt_is_err(ix) ? ix : extreme(ix, col, mx);
}

BT_PRIM(tk_uppermost) { return most(cx, a[0], VIA_F, 0, false, true); }
BT_PRIM(tk_uppermost_i) { return most(cx, a[0], VIA_I, 0, false, true); }
BT_PRIM(tk_uppermost_o) { return most(cx, a[0], VIA_O, 0, false, true); }
BT_PRIM(tk_lowermost) { return most(cx, a[0], VIA_F, 0, true, true); }
BT_PRIM(tk_lowermost_i) { return most(cx, a[0], VIA_I, 0, true, true); }
BT_PRIM(tk_lowermost_o) { return most(cx, a[0], VIA_O, 0, true, true); }
BT_PRIM(tk_leftmost) { return most(cx, a[0], VIA_F, 1, false, true); }
BT_PRIM(tk_leftmost_i) { return most(cx, a[0], VIA_I, 1, false, true); }
BT_PRIM(tk_leftmost_o) { return most(cx, a[0], VIA_O, 1, false, true); }
BT_PRIM(tk_rightmost) { return most(cx, a[0], VIA_F, 1, true, true); }
BT_PRIM(tk_rightmost_i) { return most(cx, a[0], VIA_I, 1, true, false); }
BT_PRIM(tk_rightmost_o) { return most(cx, a[0], VIA_O, 1, true, false); }

/* zip(*ix)'s width: the shortest element's length (0 when ix is empty); TypeError where
 * ix or an element is no container. */
static bool zip_width(bt_value ix, uint32_t *m) {
  if (!bt_is_coll(ix)) return false;
  *m = ix.n ? UINT32_MAX : 0;
  for (uint32_t k = 0; k < ix.n; k++) {
    if (!bt_is_coll(ix.u.items[k])) return false;
    if (ix.u.items[k].n < *m) *m = ix.u.items[k].n;
  }
  return true;
}

enum { UL, UR, LL, LR }; /* corner's types */

/* tuple(op_k(column k) for the columns of zip(*p)) through toindices variant v: min for ul,
 * max for lr, {0: min, 1: max} for ur and {0: max, 1: min} for ll (a third column: KeyError). */
static bt_value corner_of(bt_ctx *cx, bt_value p, int t, int v) {
  if (v != VIA_I && int_cells(p)) { /* the corner of the cells' own rows and columns */
    bool maxi = t == LL || t == LR, maxj = t == UR || t == LR;
    return bt_ipair(cx, cell_extreme(p, 0, maxi), cell_extreme(p, 1, maxj));
  }
  bt_value ix = in1(cx, via_prim[v], p);
  if (bt_is_err(ix)) return ix;
  uint32_t m;
  if (!zip_width(ix, &m)) return bt_err(BT_E_TYPE);
  if (!m) return tk_empty_tuple();
  if (m > 2 && (t == UR || t == LL)) return bt_err(BT_E_KEY);
  /* n elements of m components each: a walk over n * m values (shared parts can make that far
   * more than memory holds), which spends the comparison budget */
  uint64_t walk = (uint64_t)ix.n * m;
  if (walk > (uint64_t)(bt_walk_left > 0 ? bt_walk_left : 0)) {
    bt_walk_left = -1;
    return bt_err(BT_E_LIMIT);
  }
  bt_walk_left -= (int64_t)walk;
  bt_value *out = bt_items(cx, m);
  if (!out) return bt_err(BT_E_LIMIT);
  bool bad = false;
  for (uint32_t c = 0; c < m; c++) {
    bool mx = t == LR || (t == UR && c == 1) || (t == LL && c == 0);
    out[c] = ix.u.items[0].u.items[c];
    for (uint32_t k = 1; k < ix.n && !bad; k++)
      out[c] = pick2(out[c], ix.u.items[k].u.items[c], mx, &bad);
    if (bad) return bt_err(BT_E_TYPE);
  }
  return bt_tuple(out, m);
}

BT_PRIM(tk_ulcorner) { return corner_of(cx, a[0], UL, VIA_F); }
BT_PRIM(tk_ulcorner_i) { return corner_of(cx, a[0], UL, VIA_I); }
BT_PRIM(tk_ulcorner_o) { return corner_of(cx, a[0], UL, VIA_O); }
BT_PRIM(tk_urcorner) { return corner_of(cx, a[0], UR, VIA_F); }
BT_PRIM(tk_urcorner_i) { return corner_of(cx, a[0], UR, VIA_I); }
BT_PRIM(tk_urcorner_o) { return corner_of(cx, a[0], UR, VIA_O); }
BT_PRIM(tk_llcorner) { return corner_of(cx, a[0], LL, VIA_F); }
BT_PRIM(tk_llcorner_i) { return corner_of(cx, a[0], LL, VIA_I); }
BT_PRIM(tk_llcorner_o) { return corner_of(cx, a[0], LL, VIA_O); }
BT_PRIM(tk_lrcorner) { return corner_of(cx, a[0], LR, VIA_F); }
BT_PRIM(tk_lrcorner_i) { return corner_of(cx, a[0], LR, VIA_I); }
BT_PRIM(tk_lrcorner_o) { return corner_of(cx, a[0], LR, VIA_O); }

static const int corner_prim[] = {BT_P_tk_ulcorner, BT_P_tk_urcorner, BT_P_tk_llcorner, BT_P_tk_lrcorner};

/* type 0..3 (by Python's ==): that corner; anything else ulcorner. */
BT_PRIM(tk_corner) {
  for (int t = 0; t < 4; t++)
    if (py_eq(a[1], bt_int(t))) return in1(cx, corner_prim[t], a[0]);
  return in1(cx, BT_P_tk_ulcorner, a[0]);
}

/* type 0 lowermost, 1 uppermost, 2 leftmost, 3 rightmost, else None. */
BT_PRIM(tk_col_row) {
  static const int prim[] = {BT_P_tk_lowermost, BT_P_tk_uppermost, BT_P_tk_leftmost, BT_P_tk_rightmost};
  for (int t = 0; t < 4; t++)
    if (py_eq(a[1], bt_int(t))) return in1(cx, prim[t], a[0]);
  return bt_none();
}

BT_PRIM(tk_corners) {
  bt_value *it = bt_items(cx, 4);
  if (!it) return bt_err(BT_E_LIMIT);
  for (int t = 0; t < 4; t++) {
    it[t] = in1(cx, corner_prim[t], a[0]);
    if (bt_is_err(it[t])) return it[t];
  }
  return bt_set_build(cx, it, 4);
}

/* ---- sizes ---------------------------------------------------------------------------------- */

/* height_f/_i/_o (rows) and width_f/_i/_o: 0 when empty, else hi - lo + 1 through the wrapped
 * extremes. */
static bt_value extent(bt_ctx *cx, bt_value p, int hi_prim, int lo_prim) {
  int64_t n = bt_len(p);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (!n) return bt_int(0);
  bt_value hi = in1(cx, hi_prim, p), lo;
  if (bt_is_err(hi)) return hi;
  lo = in1(cx, lo_prim, p);
  if (bt_is_err(lo)) return lo;
  bt_value d = arith(cx, OP_SUB, hi, lo);
  return bt_is_err(d) ? d : arith(cx, OP_ADD, d, bt_int(1));
}

BT_PRIM(tk_height_f) { return extent(cx, a[0], BT_P_tk_lowermost, BT_P_tk_uppermost); }
BT_PRIM(tk_height_i) { return extent(cx, a[0], BT_P_tk_lowermost_i, BT_P_tk_uppermost_i); }
BT_PRIM(tk_height_o) { return extent(cx, a[0], BT_P_tk_lowermost_o, BT_P_tk_uppermost_o); }
BT_PRIM(tk_width_f) { return extent(cx, a[0], BT_P_tk_rightmost, BT_P_tk_leftmost); }
BT_PRIM(tk_width_i) { return extent(cx, a[0], BT_P_tk_rightmost_i, BT_P_tk_leftmost_i); }
BT_PRIM(tk_width_o) { return extent(cx, a[0], BT_P_tk_rightmost_o, BT_P_tk_leftmost_o); }

BT_PRIM(tk_height_t) {
  (void)cx;
  int64_t n = bt_len(a[0]);
  return n < 0 ? bt_err(BT_E_TYPE) : bt_int(n);
}

/* len(piece[0]) if piece else 0 */
BT_PRIM(tk_width_t) {
  (void)cx;
  if (!bt_truth(a[0])) return bt_int(0);
  bt_value r = bt_getitem(a[0], 0);
  if (bt_is_err(r)) return r;
  int64_t n = bt_len(r);
  return n < 0 ? bt_err(BT_E_TYPE) : bt_int(n);
}

/* (h(x), w(x)) through the wrappers. */
static bt_value pair_of(bt_ctx *cx, bt_value x, int h, int w) {
  bt_value hv = in1(cx, h, x), wv;
  if (bt_is_err(hv)) return hv;
  wv = in1(cx, w, x);
  return bt_is_err(wv) ? wv : bt_pair(cx, hv, wv);
}

BT_PRIM(tk_shape_t) { return pair_of(cx, a[0], BT_P_tk_height_t, BT_P_tk_width_t); }
BT_PRIM(tk_shape_f) { return pair_of(cx, a[0], BT_P_tk_height_f, BT_P_tk_width_f); }

/* h(x) > w(x) through the wrappers. */
static bt_value taller(bt_ctx *cx, bt_value x, int h, int w) {
  bt_value hv = in1(cx, h, x), wv;
  if (bt_is_err(hv)) return hv;
  wv = in1(cx, w, x);
  if (bt_is_err(wv)) return wv;
  int lt = bt_py_lt(wv, hv);
  return lt < 0 ? bt_err(BT_E_TYPE) : bt_bool(lt);
}

BT_PRIM(tk_portrait_t) { return taller(cx, a[0], BT_P_tk_height_t, BT_P_tk_width_t); }
BT_PRIM(tk_portrait_f) { return taller(cx, a[0], BT_P_tk_height_f, BT_P_tk_width_f); }

/* len(grid) == len(grid[0]) */
BT_PRIM(tk_square_t) {
  (void)cx;
  int64_t n = bt_len(a[0]);
  if (n < 0) return bt_err(BT_E_TYPE);
  bt_value r = bt_getitem(a[0], 0);
  if (bt_is_err(r)) return r;
  int64_t m = bt_len(r);
  return m < 0 ? bt_err(BT_E_TYPE) : bt_bool(n == m);
}

/* height_f * width_f == len(patch) and height_f == width_f */
BT_PRIM(tk_square_f) {
  bt_value h = in1(cx, BT_P_tk_height_f, a[0]), w, hw;
  if (bt_is_err(h)) return h;
  w = in1(cx, BT_P_tk_width_f, a[0]);
  if (bt_is_err(w)) return w;
  hw = arith(cx, OP_MUL, h, w);
  if (bt_is_err(hw)) return hw;
  int64_t n = bt_len(a[0]);
  if (n < 0) return bt_err(BT_E_TYPE);
  return bt_bool(py_eq(hw, bt_int(n)) && py_eq(h, w));
}

/* ---- centres -------------------------------------------------------------------------------- */

/* () when uppermost or leftmost is nan; else (uppermost + height_f // 2, leftmost + width_f // 2). */
BT_PRIM(tk_center) {
  static const int lo[] = {BT_P_tk_uppermost, BT_P_tk_leftmost}, ext[] = {BT_P_tk_height_f, BT_P_tk_width_f};
  bt_value v[2];
  for (int k = 0; k < 2; k++) {
    v[k] = in1(cx, lo[k], a[0]);
    if (bt_is_err(v[k])) return v[k];
    if (v[k].kind == BT_FLOAT && isnan(v[k].u.f)) return tk_empty_tuple();
  }
  for (int k = 0; k < 2; k++) {
    bt_value e = in1(cx, ext[k], a[0]);
    if (bt_is_err(e)) return e;
    e = arith(cx, OP_DIV, e, bt_int(2));
    if (bt_is_err(e)) return e;
    v[k] = arith(cx, OP_ADD, v[k], e);
    if (bt_is_err(v[k])) return v[k];
  }
  return bt_pair(cx, v[0], v[1]);
}

/* tuple(sum(column) // len(patch) for the columns of zip(*toindices(patch))) */
BT_PRIM(tk_centerofmass) {
  bt_value ix = in1(cx, BT_P_tk_toindices, a[0]);
  if (bt_is_err(ix)) return ix;
  uint32_t m;
  if (!zip_width(ix, &m)) return bt_err(BT_E_TYPE);
  if (!m) return tk_empty_tuple();
  int64_t n = bt_len(a[0]);
  if (n < 0) return bt_err(BT_E_TYPE);
  bt_value *out = bt_items(cx, m);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t c = 0; c < m; c++) {
    bt_value s = bt_int(0);
    for (uint32_t k = 0; k < ix.n && !bt_is_err(s); k++)
      s = arith(cx, OP_ADD, s, ix.u.items[k].u.items[c]);
    out[c] = bt_is_err(s) ? s : arith(cx, OP_DIV, s, bt_int(n));
    if (bt_is_err(out[c])) return out[c];
  }
  return bt_tuple(out, m);
}

/* ---- indices, normalize, shift -------------------------------------------------------------- */

/* frozenset((i, j) for i, j, c in p) */
/* The locations of a set of int cells (i, j, c): they come in canonical order already
 * (cells order by row, then column), so equal neighbours are dropped and nothing is sorted;
 * the pairs are interned where they can be. *done false when p is not such a set. */
static bt_value int_cell_locations(bt_ctx *cx, bt_value p, bool *done) {
  *done = false;
  if (p.kind != BT_SET) return bt_none();
  for (uint32_t k = 0; k < p.n; k++) {
    bt_value e = p.u.items[k];
    if (e.kind != BT_TUPLE || e.n != 3 || e.u.items[0].kind != BT_INT || e.u.items[1].kind != BT_INT)
      return bt_none();
  }
  bt_value *it = bt_items(cx, p.n);
  if (!it) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < p.n; k++) {
    int64_t i = p.u.items[k].u.items[0].u.i, j = p.u.items[k].u.items[1].u.i;
    if (n && it[n - 1].u.items[0].u.i == i && it[n - 1].u.items[1].u.i == j) continue;
    it[n] = bt_ipair(cx, i, j);
    if (bt_is_err(it[n])) return it[n];
    n++;
  }
  *done = true;
  return bt_set_sorted(it, n);
}

static bt_value locations(bt_ctx *cx, bt_value p) {
  bool done;
  bt_value fast = int_cell_locations(cx, p, &done);
  if (done || bt_is_err(fast)) return fast;
  bt_value *it = bt_items(cx, p.n);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < p.n; k++) {
    const bt_value *e;
    bt_errc ec = unpack(p.u.items[k], 3, &e);
    if (ec) return bt_err(ec);
    it[k] = bt_pair(cx, e[0], e[1]);
    if (bt_is_err(it[k])) return it[k];
  }
  return bt_set_build(cx, it, p.n);
}

/* Empty or length-less: frozenset(); first element length-less: frozenset(); of length 3: its
 * locations; otherwise the patch itself. */
BT_PRIM(tk_toindices) {
  bt_value p = a[0];
  if (!bt_is_coll(p) || !p.n || !bt_is_coll(p.u.items[0])) return tk_empty_set();
  return p.u.items[0].n == 3 ? locations(cx, p) : p;
}

BT_PRIM(tk_toindices_i) {
  (void)cx;
  return a[0];
}

BT_PRIM(tk_toindices_o) { return !bt_is_coll(a[0]) || !a[0].n ? tk_empty_set() : locations(cx, a[0]); }

/* p unchanged when empty, else shift(p, (-uppermost_x(p), -leftmost_x(p))). */
static bt_value normalized(bt_ctx *cx, bt_value p, int up, int left) {
  int64_t n = bt_len(p);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (!n) return p;
  bt_value u = in1(cx, up, p), l;
  if (bt_is_err(u)) return u;
  l = in1(cx, left, p);
  if (bt_is_err(l)) return l;
  u = neg(u);
  if (bt_is_err(u)) return u;
  l = neg(l);
  if (bt_is_err(l)) return l;
  bt_value d = bt_pair(cx, u, l);
  return bt_is_err(d) ? d : tk_call2(cx, BT_P_tk_shift, p, d);
}

BT_PRIM(tk_normalize) { return normalized(cx, a[0], BT_P_tk_uppermost, BT_P_tk_leftmost); }
BT_PRIM(tk_normalize_i) { return normalized(cx, a[0], BT_P_tk_uppermost_i, BT_P_tk_leftmost_i); }
BT_PRIM(tk_normalize_o) { return normalized(cx, a[0], BT_P_tk_uppermost_o, BT_P_tk_leftmost_o); }

BT_PRIM(tk_normalize_t) {
  (void)cx;
  return a[0];
}

/* Falsy patch: frozenset(); directions (): the patch; else each element moved by (di, dj), as
 * cells when the first element has length 3, else as locations. */
BT_PRIM(tk_shift) {
  bt_value p = a[0];
  if (!bt_truth(p)) return tk_empty_set();
  if (tk_is_tuple_n(a[1], 0)) return p;
  const bt_value *d, *e;
  bt_errc ec = unpack(a[1], 2, &d);
  if (ec) return bt_err(ec);
  if (!bt_is_coll(p) || !bt_is_coll(p.u.items[0])) return bt_err(BT_E_TYPE);
  uint32_t w = p.u.items[0].n == 3 ? 3 : 2;
  bt_value *it = bt_items(cx, p.n);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < p.n; k++) {
    if ((ec = unpack(p.u.items[k], w, &e))) return bt_err(ec);
    bt_value i = arith(cx, OP_ADD, e[0], d[0]), j;
    if (bt_is_err(i)) return i;
    j = arith(cx, OP_ADD, e[1], d[1]);
    if (bt_is_err(j)) return j;
    if (w == 2) {
      it[k] = bt_pair(cx, i, j);
      if (bt_is_err(it[k])) return it[k];
    } else {
      bt_value *c = bt_items(cx, 3);
      if (!c) return bt_err(BT_E_LIMIT);
      c[0] = i, c[1] = j, c[2] = e[2];
      it[k] = bt_tuple(c, 3);
    }
  }
  return bt_set_build(cx, it, p.n);
}

/* ---- neighbourhoods ------------------------------------------------------------------------- */

/* The four neighbours of loc at offsets off (pairs of -1, 0, 1; 0 keeps the component as is),
 * frozenset() unless loc is a non-empty tuple. */
static bt_value around(bt_ctx *cx, bt_value loc, const int (*off)[2]) {
  if (loc.kind != BT_TUPLE || !loc.n) return tk_empty_set();
  bt_value x[2], *it = bt_items(cx, 4);
  if (!it) return bt_err(BT_E_LIMIT);
  for (int k = 0; k < 2; k++) {
    x[k] = bt_getitem(loc, k);
    if (bt_is_err(x[k])) return x[k];
  }
  for (int n = 0; n < 4; n++) {
    bt_value c[2];
    for (int k = 0; k < 2; k++) {
      c[k] = off[n][k] ? arith(cx, off[n][k] > 0 ? OP_ADD : OP_SUB, x[k], bt_int(1)) : x[k];
      if (bt_is_err(c[k])) return c[k];
    }
    it[n] = bt_pair(cx, c[0], c[1]);
    if (bt_is_err(it[n])) return it[n];
  }
  return bt_set_build(cx, it, 4);
}

BT_PRIM(tk_dneighbors) {
  static const int off[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
  return around(cx, a[0], off);
}

BT_PRIM(tk_ineighbors) {
  static const int off[4][2] = {{-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
  return around(cx, a[0], off);
}

/* The union of two sets (a's element kept among equal ones); TypeError unless both are sets. */
static bt_value set_union(bt_ctx *cx, bt_value x, bt_value y) {
  if (!bt_is_set(x) || !bt_is_set(y)) return bt_err(BT_E_TYPE);
  size_t n = (size_t)x.n + y.n;
  if (!n) return tk_empty_set();
  bt_value *it = bt_items(cx, n);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < x.n; k++)
    it[k] = x.u.items[k];
  for (uint32_t k = 0; k < y.n; k++)
    it[x.n + k] = y.u.items[k];
  return bt_set_build(cx, it, n);
}

BT_PRIM(tk_neighbors) {
  bt_value d = in1(cx, BT_P_tk_dneighbors, a[0]), i;
  if (bt_is_err(d)) return d;
  i = in1(cx, BT_P_tk_ineighbors, a[0]);
  return bt_is_err(i) ? i : set_union(cx, d, i);
}

/* ---- boxes ---------------------------------------------------------------------------------- */

/* range(lo, hi + 1) of Python: its bounds (ints or bools) and length, or the error. */
static bt_errc span(bt_ctx *cx, bt_value lo, bt_value hi, int64_t *from, uint64_t *len) {
  if (!bt_is_int(lo) || !bt_is_int(hi)) return BT_E_TYPE;
  if (hi.u.i == INT64_MAX) return BT_E_OVERFLOW;
  *from = lo.u.i;
  *len = hi.u.i < lo.u.i ? 0 : (uint64_t)hi.u.i - (uint64_t)lo.u.i + 1;
  return *len > cx->lim.max_elems ? BT_E_LIMIT : 0;
}

/* The first two items of a wrapped corner (ulcorner or lrcorner) of p, unpacked. */
static bt_errc corner2(bt_ctx *cx, int prim, bt_value p, bt_value *out) {
  bt_value c = in1(cx, prim, p);
  if (bt_is_err(c)) return (bt_errc)c.errc;
  const bt_value *e;
  bt_errc ec = unpack(c, 2, &e);
  if (!ec) out[0] = e[0], out[1] = e[1];
  return ec;
}

/* frozenset((i, j) for i in range(si, ei + 1) for j in range(sj, ej + 1)) */
BT_PRIM(tk_backdrop) {
  bt_value p = a[0], s[2] = {{0}}, e[2] = {{0}};
  if (!bt_is_coll(p) || !p.n) return tk_empty_set();
  bt_errc ec = corner2(cx, BT_P_tk_ulcorner, p, s);
  if (!ec) ec = corner2(cx, BT_P_tk_lrcorner, p, e);
  int64_t i0, j0;
  uint64_t h, w = 0;
  if (!ec) ec = span(cx, s[0], e[0], &i0, &h);
  if (!ec && h) ec = span(cx, s[1], e[1], &j0, &w);
  if (ec) return bt_err(ec);
  if (!h || !w) return tk_empty_set();
  if (h * w > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  bt_value *it = bt_items(cx, h * w);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint64_t i = 0; i < h; i++)
    for (uint64_t j = 0; j < w; j++) {
      bt_value v = bt_ipair(cx, i0 + (int64_t)i, j0 + (int64_t)j);
      if (bt_is_err(v)) return v;
      it[i * w + j] = v;
    }
  return bt_set_sorted(it, h * w);
}

/* backdrop(patch) - toindices(patch) */
BT_PRIM(tk_delta) {
  if (!bt_is_coll(a[0]) || !a[0].n) return tk_empty_set();
  bt_value b = in1(cx, BT_P_tk_backdrop, a[0]), t;
  if (bt_is_err(b)) return b;
  t = in1(cx, BT_P_tk_toindices, a[0]);
  if (bt_is_err(t)) return t;
  if (!bt_is_set(b) || !bt_is_set(t)) return bt_err(BT_E_TYPE);
  if (!b.n) return b;
  bt_value *it = bt_items(cx, b.n);
  if (!it) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < b.n; k++)
    if (bt_set_find(t, b.u.items[k]) < 0) it[n++] = b.u.items[k];
  return bt_set_sorted(it, n);
}

/* The outline of the box with corners (ai, aj), (bi, bj), in either order, as Python builds it:
 * {(i, sj)} | {(i, ej)} over rows, then {(si, j)} | {(ei, j)} over columns. */
static bt_value frame(bt_ctx *cx, bt_value ai, bt_value aj, bt_value bi, bt_value bj) {
  bool bad = false;
  bt_value si = pick2(ai, bi, false, &bad), sj = pick2(aj, bj, false, &bad);
  bt_value ei = pick2(ai, bi, true, &bad), ej = pick2(aj, bj, true, &bad);
  if (bad) return bt_err(BT_E_TYPE);
  int64_t i0, j0;
  uint64_t h, w;
  bt_errc ec = span(cx, si, ei, &i0, &h);
  if (!ec) ec = span(cx, sj, ej, &j0, &w);
  if (ec) return bt_err(ec);
  size_t n = 2 * (h + w);
  if (!n) return tk_empty_set();
  bt_value *it = bt_items(cx, n);
  if (!it) return bt_err(BT_E_LIMIT);
  size_t m = 0;
  for (int side = 0; side < 4; side++) {
    bool rows = side < 2;
    bt_value fixed = side == 0 ? sj : side == 1 ? ej : side == 2 ? si : ei;
    for (uint64_t k = 0; k < (rows ? h : w); k++) {
      bt_value run = bt_int((rows ? i0 : j0) + (int64_t)k);
      it[m] = rows ? bt_pair(cx, run, fixed) : bt_pair(cx, fixed, run);
      if (bt_is_err(it[m])) return it[m];
      m++;
    }
  }
  return bt_set_build(cx, it, m);
}

static bool empty_patch(bt_value p) { return bt_is_coll(p) && !p.n; }

/* The sides (uppermost, leftmost, lowermost, rightmost) of p moved by d (inbox +1, outbox -1
 * on the near sides) and their frame. */
static bt_value side_frame(bt_ctx *cx, bt_value p, int d) {
  static const int prim[] = {BT_P_tk_uppermost, BT_P_tk_leftmost, BT_P_tk_lowermost, BT_P_tk_rightmost};
  if (empty_patch(p)) return tk_empty_set();
  bt_value s[4];
  for (int k = 0; k < 4; k++) {
    s[k] = in1(cx, prim[k], p);
    if (!bt_is_err(s[k])) s[k] = arith(cx, k < 2 ? OP_ADD : OP_SUB, s[k], bt_int(d));
    if (bt_is_err(s[k])) return s[k];
  }
  return frame(cx, s[0], s[1], s[2], s[3]);
}

BT_PRIM(tk_inbox) { return side_frame(cx, a[0], 1); }
BT_PRIM(tk_outbox) { return side_frame(cx, a[0], -1); }

BT_PRIM(tk_box) {
  if (empty_patch(a[0])) return tk_empty_set();
  bt_value s[2] = {{0}}, e[2] = {{0}};
  bt_errc ec = corner2(cx, BT_P_tk_ulcorner, a[0], s);
  if (!ec) ec = corner2(cx, BT_P_tk_lrcorner, a[0], e);
  return ec ? bt_err(ec) : frame(cx, s[0], s[1], e[0], e[1]);
}

/* ---- tests between patches ------------------------------------------------------------------ */

/* uppermost == 0 or leftmost == 0 or lowermost == len(grid) - 1 or rightmost == len(grid[0]) - 1 */
BT_PRIM(tk_bordering) {
  static const int prim[] = {BT_P_tk_uppermost, BT_P_tk_leftmost, BT_P_tk_lowermost, BT_P_tk_rightmost};
  for (int k = 0; k < 4; k++) {
    bt_value v = in1(cx, prim[k], a[0]), g = a[1];
    if (bt_is_err(v)) return v;
    if (k == 3) g = bt_getitem(g, 0);
    if (bt_is_err(g)) return g;
    int64_t n = k < 2 ? 1 : bt_len(g);
    if (n < 0) return bt_err(BT_E_TYPE);
    if (py_eq(v, bt_int(n - 1))) return bt_bool(true);
  }
  return bt_bool(false);
}

BT_PRIM(tk_adjacent) {
  bt_value m = tk_call2(cx, BT_P_tk_manhattan, a[0], a[1]);
  return bt_is_err(m) ? m : bt_bool(py_eq(m, bt_int(1)));
}

/* {x[col] for x in toindices(p)} with each x unpacked as `i, j`. */
static bt_value components(bt_ctx *cx, bt_value p, int col) {
  bt_value ix = in1(cx, BT_P_tk_toindices, p);
  if (bt_is_err(ix)) return ix;
  if (!bt_is_coll(ix)) return bt_err(BT_E_TYPE);
  if (!ix.n) return tk_empty_set();
  bt_value *it = bt_items(cx, ix.n);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < ix.n; k++) {
    const bt_value *e;
    bt_errc ec = unpack(ix.u.items[k], 2, &e);
    if (ec) return bt_err(ec);
    it[k] = e[col];
  }
  return bt_set_build(cx, it, ix.n);
}

/* Whether some row (col 0) or column (col 1) holds locations of both patches. */
static bt_value matching(bt_ctx *cx, const bt_value *a, int col) {
  bt_value x = components(cx, a[0], col), y;
  if (bt_is_err(x)) return x;
  y = components(cx, a[1], col);
  if (bt_is_err(y)) return y;
  for (uint32_t k = 0; k < y.n; k++)
    if (bt_set_find(x, y.u.items[k]) >= 0) return bt_bool(true);
  return bt_bool(false);
}

BT_PRIM(tk_hmatching) { return matching(cx, a, 0); }
BT_PRIM(tk_vmatching) { return matching(cx, a, 1); }
