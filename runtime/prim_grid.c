/* prim_grid.c: the grid primitives — slicing, the rotations and mirrors, fills and
 * paints, scaling, concatenation and splitting — with Python's sequence semantics
 * (slices clamp, zip truncates, a row may be any iterable where Python iterates it). */
#include <string.h>

#include "bt_prims.h"
#include "patch.h"

/* ---- Python sequences ------------------------------------------------------------- */

/* t[start:stop] of a tuple, sharing its elements. */
static bt_value tuple_slice(bt_value t, int64_t start, int64_t stop) {
  int64_t a, b;
  bt_slice_bounds(t.n, start, stop, &a, &b);
  return bt_tuple(b > a ? t.u.items + a : NULL, (uint32_t)(b - a));
}

static bt_value tuple_reversed(bt_ctx *cx, bt_value t) {
  if (t.n == 0) return t;
  bt_value *it = bt_items(cx, t.n);
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < t.n; k++)
    it[k] = t.u.items[t.n - 1 - k];
  return bt_tuple(it, t.n);
}

/* Python's a + b on what grids are made of: ints add, tuples concatenate. */
static bt_value py_plus(bt_ctx *cx, bt_value a, bt_value b) {
  if (bt_is_int(a) && bt_is_int(b)) return bt_int_add(a.u.i, b.u.i);
  if (a.kind != BT_TUPLE || b.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  bt_value *it = bt_items(cx, (size_t)a.n + b.n);
  if (!it && a.n + b.n) return bt_err(BT_E_LIMIT);
  if (a.n) memcpy(it, a.u.items, a.n * sizeof *it);
  if (b.n) memcpy(it + a.n, b.u.items, b.n * sizeof *it);
  return bt_tuple(it, a.n + b.n);
}

/* tuple(zip(*rows)): rows must be iterable; the result has as many tuples as the
 * shortest row has elements, each of length n. */
static bt_value zip_rows(bt_ctx *cx, const bt_value *rows, uint32_t n) {
  if (n == 0) return bt_tuple(NULL, 0);
  uint32_t m = UINT32_MAX;
  for (uint32_t k = 0; k < n; k++) {
    if (!bt_is_coll(rows[k])) return bt_err(BT_E_TYPE);
    if (rows[k].n < m) m = rows[k].n;
  }
  if (m == 0) return bt_tuple(NULL, 0);
  if ((uint64_t)m * n > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  bt_value *out = bt_items(cx, (size_t)m + (size_t)m * n);
  if (!out) return bt_err(BT_E_LIMIT);
  bt_value *cells = out + m;
  for (uint32_t j = 0; j < m; j++) {
    for (uint32_t k = 0; k < n; k++)
      cells[(size_t)j * n + k] = rows[k].u.items[j];
    out[j] = bt_tuple(cells + (size_t)j * n, n);
  }
  return bt_tuple(out, m);
}

/* Python's int(x) access: the value of an int (or bool) argument, else TypeError. */
#define NEED_INT(v, out)                                                                                     \
  do {                                                                                                       \
    if (!bt_is_int(v)) return bt_err(BT_E_TYPE);                                                             \
    (out) = (v).u.i;                                                                                         \
  } while (0)

/* v[0] and v[1] of a sequence as ints (start and dims arguments). */
static bt_value two_ints(bt_value v, int64_t *x, int64_t *y) {
  bt_value a = bt_getitem(v, 0), b;
  if (bt_is_err(a)) return a;
  b = bt_getitem(v, 1);
  if (bt_is_err(b)) return b;
  if (!bt_is_int(a) || !bt_is_int(b)) return bt_err(BT_E_TYPE);
  *x = a.u.i;
  *y = b.u.i;
  return bt_none();
}

/* ---- rotations and mirrors --------------------------------------------------------- */

static bt_value reverse_each(bt_ctx *cx, bt_value g) {
  bt_value *rows = g.n ? bt_items(cx, g.n) : NULL;
  if (g.n && !rows) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < g.n; k++) {
    if (g.u.items[k].kind != BT_TUPLE) return bt_err(BT_E_TYPE);
    rows[k] = tuple_reversed(cx, g.u.items[k]);
    if (bt_is_err(rows[k])) return rows[k];
  }
  return bt_tuple(rows, g.n);
}

static bt_value grid_transform(bt_ctx *cx, bt_value g, int steps) {
  if (g.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  if (steps & BT_PRE_ROWS) g = tuple_reversed(cx, g);
  if (!bt_is_err(g) && (steps & BT_PRE_EACH)) g = reverse_each(cx, g);
  if (!bt_is_err(g) && (steps & BT_TRANSPOSE)) g = zip_rows(cx, g.u.items, g.n);
  if (!bt_is_err(g) && (steps & BT_POST_EACH)) g = reverse_each(cx, g);
  if (!bt_is_err(g) && (steps & BT_POST_ROWS)) g = tuple_reversed(cx, g);
  return g;
}

/* The patch mirrors: 0 hmirror, 1 dmirror, 2 vmirror (cmirror is v, d, v). */
static bt_value patch_mirror_step(bt_ctx *cx, bt_value p, int which) {
  int kind = bt_patch_kind(p);
  if (kind < 0) return bt_patch_kind_err(p);
  int64_t i0, j0, i1, j1;
  if (kind == BT_PATCH_EMPTY || !bt_patch_bounds(p, &i0, &j0, &i1, &j1))
    return bt_err(kind != BT_PATCH_EMPTY ? BT_E_TYPE
                  : which == 1           ? BT_E_VALUE
                                         : BT_E_INDEX); /* dmirror unpacks ulcorner: ValueError */
  bt_value *out = bt_items(cx, p.n);
  bt_value *mem = bt_items(cx, (size_t)p.n * 4);
  if (!out || !mem) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < p.n; k++) {
    bt_value e = p.u.items[k];
    int64_t i, j;
    if (!bt_patch_ij(e, kind, &i, &j)) return bt_err(BT_E_TYPE);
    int64_t ni = which == 0 ? i0 + i1 - i : which == 1 ? j - j0 + i0 : i;
    int64_t nj = which == 0 ? j : which == 1 ? i - i0 + j0 : j0 + j1 - j;
    bt_value *m = mem + (size_t)k * 4;
    out[k] = kind == BT_PATCH_OBJECT ? bt_cell_at(m, e.u.items[0], bt_int(ni), bt_int(nj))
                                     : bt_pair_at(m, bt_int(ni), bt_int(nj));
  }
  return bt_set_build(cx, out, p.n);
}

static bt_value patch_mirror(bt_ctx *cx, bt_value p, int which) {
  if (which != 3) return patch_mirror_step(cx, p, which);
  bt_value r = patch_mirror_step(cx, p, 2);
  if (!bt_is_err(r)) r = patch_mirror_step(cx, r, 1);
  return bt_is_err(r) ? r : patch_mirror_step(cx, r, 2);
}

/* Grids (tuples) transform; anything else is a patch. */
static bt_value mirror(bt_ctx *cx, bt_value piece, int which, int grid_steps) {
  if (piece.kind == BT_TUPLE) return grid_transform(cx, piece, grid_steps);
  if (piece.kind != BT_SET) return bt_err(BT_E_TYPE);
  return patch_mirror(cx, piece, which);
}

BT_PRIM(hmirror) { return mirror(cx, a[0], 0, BT_PRE_ROWS); }
BT_PRIM(dmirror) { return mirror(cx, a[0], 1, BT_TRANSPOSE); }
BT_PRIM(vmirror) { return mirror(cx, a[0], 2, BT_PRE_EACH); }
BT_PRIM(cmirror) { return mirror(cx, a[0], 3, BT_PRE_ROWS | BT_PRE_EACH | BT_TRANSPOSE); }
BT_PRIM(rot90) { return grid_transform(cx, a[0], BT_PRE_ROWS | BT_TRANSPOSE); }
BT_PRIM(rot180) { return grid_transform(cx, a[0], BT_PRE_ROWS | BT_PRE_EACH); }
BT_PRIM(rot270) { return grid_transform(cx, a[0], BT_PRE_ROWS | BT_TRANSPOSE | BT_POST_EACH | BT_POST_ROWS); }

/* ---- slicing -------------------------------------------------------------------------- */

/* tuple(r[c0:c1] for r in grid[r0:r1]) */
static bt_value crop_rows(bt_ctx *cx, bt_value g, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  if (g.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  bt_value rows = tuple_slice(g, r0, r1);
  bt_value *out = rows.n ? bt_items(cx, rows.n) : NULL;
  if (rows.n && !out) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < rows.n; k++) {
    if (rows.u.items[k].kind != BT_TUPLE) return bt_err(BT_E_TYPE);
    out[k] = tuple_slice(rows.u.items[k], c0, c1);
  }
  return bt_tuple(out, rows.n);
}

/* Python's tuple(r[start[1]:start[1]+dims[1]] for r in grid[start[0]:start[0]+dims[0]]),
 * in its order of evaluation: the row bounds, the row slice, then (only when a row is
 * taken) the column bounds. */
static bt_value crop(bt_ctx *cx, bt_value g, bt_value start, bt_value dims) {
  bt_value s0 = bt_getitem(start, 0), d0;
  if (bt_is_err(s0) || bt_is_err(d0 = bt_getitem(dims, 0))) return bt_is_err(s0) ? s0 : d0;
  if (!bt_is_int(s0) || !bt_is_int(d0) || g.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  bt_value r1 = bt_int_add(s0.u.i, d0.u.i);
  if (bt_is_err(r1)) return r1;
  if (tuple_slice(g, s0.u.i, r1.u.i).n == 0) return bt_tuple(NULL, 0);
  int64_t i, j;
  bt_value e = two_ints(start, &i, &j);
  if (bt_is_err(e)) return e;
  bt_value d1 = bt_getitem(dims, 1);
  if (bt_is_err(d1)) return d1;
  if (!bt_is_int(d1)) return bt_err(BT_E_TYPE);
  bt_value c1 = bt_int_add(j, d1.u.i);
  if (bt_is_err(c1)) return c1;
  return crop_rows(cx, g, s0.u.i, r1.u.i, j, c1.u.i);
}

BT_PRIM(crop) { return crop(cx, a[0], a[1], a[2]); }

BT_PRIM(subgrid) {
  bt_value corner = bt_p_ulcorner(cx, a), dims = bt_p_shape(cx, a);
  if (bt_is_err(corner)) return corner;
  if (bt_is_err(dims)) return dims;
  return crop(cx, a[1], corner, dims);
}

BT_PRIM(trim) { return crop_rows(cx, a[0], 1, -1, 1, -1); }

/* The halves: 0 top, 1 bottom (slices of the rows). */
static bt_value half(bt_value g, int bottom) {
  if (g.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  int64_t n = g.n;
  return bottom ? tuple_slice(g, n / 2 + n % 2, n) : tuple_slice(g, 0, n / 2);
}

/* lefthalf / righthalf are rot270(tophalf / bottomhalf(rot90(grid))) in arc-dsl. */
static bt_value side_half(bt_ctx *cx, bt_value g, int right) {
  bt_value r = grid_transform(cx, g, BT_PRE_ROWS | BT_TRANSPOSE);
  if (!bt_is_err(r)) r = half(r, right);
  return bt_is_err(r) ? r : grid_transform(cx, r, BT_PRE_ROWS | BT_TRANSPOSE | BT_POST_EACH | BT_POST_ROWS);
}

BT_PRIM(tophalf) {
  (void)cx;
  return half(a[0], 0);
}
BT_PRIM(bottomhalf) {
  (void)cx;
  return half(a[0], 1);
}
BT_PRIM(lefthalf) { return side_half(cx, a[0], 0); }
BT_PRIM(righthalf) { return side_half(cx, a[0], 1); }

/* hsplit / vsplit: n crops of equal size, skipping one separator line when the size
 * does not divide. vertical: split the rows (vsplit), else the columns. */
static bt_value split(bt_ctx *cx, bt_value g, bt_value nv, bool vertical) {
  /* Python's order: len(grid) (// n for vsplit), then len(grid[0]) (// n for hsplit) */
  int64_t n, len = bt_len(g);
  if (len < 0) return bt_err(BT_E_TYPE);
  if (vertical) {
    NEED_INT(nv, n);
    if (n == 0) return bt_err(BT_E_ZERODIV);
  }
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  if (!vertical) len = bt_len(row0);
  if (len < 0 || bt_len(row0) < 0) return bt_err(BT_E_TYPE);
  NEED_INT(nv, n);
  if (n == 0) return bt_err(BT_E_ZERODIV);
  int64_t size = bt_int_floordiv(len, n).u.i, offset = bt_int_mod(len, n).u.i != 0;
  if (n < 0) return bt_tuple(NULL, 0);
  if (n > (int64_t)cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  bt_value *out = bt_items(cx, (size_t)n);
  if (!out) return bt_err(BT_E_LIMIT);
  int64_t h = g.n, w = bt_len(row0);
  for (int64_t k = 0; k < n; k++) {
    int64_t at = size * k + k * offset;
    out[k] = vertical ? crop_rows(cx, g, at, at + size, 0, w) : crop_rows(cx, g, 0, h, at, at + size);
    if (bt_is_err(out[k])) return out[k];
  }
  return bt_tuple(out, (uint32_t)n);
}

BT_PRIM(hsplit) { return split(cx, a[0], a[1], false); }
BT_PRIM(vsplit) { return split(cx, a[0], a[1], true); }

/* ---- building grids ---------------------------------------------------------------- */

BT_PRIM(canvas) {
  int64_t h, w;
  bt_value e = two_ints(a[1], &h, &w);
  if (bt_is_err(e)) return e;
  if (h < 0) h = 0;
  if (w < 0) w = 0;
  if (h > (int64_t)cx->lim.max_elems || w > (int64_t)cx->lim.max_elems ||
      (w && h > (int64_t)cx->lim.max_elems / w))
    return bt_err(BT_E_LIMIT);
  bt_value *rows = h ? bt_items(cx, (size_t)h) : NULL, *row = w ? bt_items(cx, (size_t)w) : NULL;
  if ((h && !rows) || (w && !row)) return bt_err(BT_E_LIMIT);
  for (int64_t j = 0; j < w; j++)
    row[j] = a[0];
  for (int64_t i = 0; i < h; i++)
    rows[i] = bt_tuple(row, (uint32_t)w); /* rows are immutable: one serves all */
  return bt_tuple(rows, (uint32_t)h);
}

/* A mutable copy of the rows of g (list(list(row) for row in grid)): rows may be any
 * iterables; *h and *w are len(grid) and len(grid[0]). */
static bt_value copy_rows(bt_ctx *cx, bt_value g, bt_value **rows, int64_t *h, int64_t *w) {
  if (g.kind != BT_TUPLE && g.kind != BT_SET) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  *w = bt_len(row0);
  if (*w < 0) return bt_err(BT_E_TYPE);
  *h = g.n;
  bt_value *r = bt_items(cx, g.n);
  if (!r) return bt_err(BT_E_LIMIT);
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value src = g.u.items[i];
    if (!bt_is_coll(src)) return bt_err(BT_E_TYPE);
    bt_value c = bt_tuple_copy(cx, src.u.items, src.n);
    if (bt_is_err(c)) return c;
    r[i] = c;
  }
  *rows = r;
  return bt_tuple(r, g.n);
}

/* Sets row i, column j of the copied rows, if (i, j) is inside h x w; a row shorter
 * than w raises IndexError as the list assignment would. bg: only where the cell
 * equals it (NULL: always). */
static bt_value put_cell(bt_value *rows, int64_t h, int64_t w, int64_t i, int64_t j, bt_value v,
                         const bt_value *bg) {
  if (i < 0 || i >= h || j < 0 || j >= w) return bt_none();
  bt_value row = rows[i];
  if (j >= (int64_t)row.n) return bt_err(BT_E_INDEX);
  bt_value *cell = (bt_value *)&row.u.items[j];
  if (!bg || bt_eq(*cell, *bg)) *cell = v;
  return bt_none();
}

/* fill / underfill: value at every index of the patch (underfill: only on background). */
/* Python's h, w = len(grid), len(grid[0]): none, or the error it raises. */
static bt_value grid_lens(bt_value g) {
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  return bt_len(row0) < 0 ? bt_err(BT_E_TYPE) : bt_none();
}

static bt_value fill_patch(bt_ctx *cx, bt_value g, bt_value value, bt_value patch, bool under) {
  bt_value *rows, bg;
  int64_t h, w;
  if (under) { /* the sizes come before mostcolor */
    if (bt_is_err(bg = grid_lens(g))) return bg;
    bg = bt_p_mostcolor(cx, &g);
    if (bt_is_err(bg)) return bg;
  }
  bt_value out = copy_rows(cx, g, &rows, &h, &w);
  if (bt_is_err(out)) return out;
  int64_t *ij;
  size_t n;
  bt_value e = bt_patch_points(cx, patch, &ij, &n);
  if (bt_is_err(e)) return e;
  for (size_t k = 0; k < n; k++)
    if (bt_is_err(e = put_cell(rows, h, w, ij[2 * k], ij[2 * k + 1], value, under ? &bg : NULL))) return e;
  return out;
}

BT_PRIM(fill) { return fill_patch(cx, a[0], a[1], a[2], false); }
BT_PRIM(underfill) { return fill_patch(cx, a[0], a[1], a[2], true); }

/* paint / underpaint: every cell (value, (i, j)) of the object, in iteration order. */
static bt_value paint_object(bt_ctx *cx, bt_value g, bt_value obj, bool under) {
  bt_value *rows, bg;
  int64_t h, w;
  if (under) {
    if (bt_is_err(bg = grid_lens(g))) return bg;
    bg = bt_p_mostcolor(cx, &g);
    if (bt_is_err(bg)) return bg;
  }
  bt_value out = copy_rows(cx, g, &rows, &h, &w);
  if (bt_is_err(out)) return out;
  if (!bt_is_coll(obj)) return bt_err(BT_E_TYPE);
  for (uint32_t k = 0; k < obj.n; k++) {
    bt_value value, index, e;
    int64_t i, j;
    if (!bt_unpack2(obj.u.items[k], &value, &index)) return bt_unpack_err(obj.u.items[k]);
    bt_value iv, jv;
    if (!bt_unpack2(index, &iv, &jv)) return bt_unpack_err(index);
    if (!bt_is_int(iv) || !bt_is_int(jv)) return bt_err(BT_E_TYPE);
    i = iv.u.i;
    j = jv.u.i;
    if (bt_is_err(e = put_cell(rows, h, w, i, j, value, under ? &bg : NULL))) return e;
  }
  return out;
}

BT_PRIM(paint) { return paint_object(cx, a[0], a[1], false); }
BT_PRIM(underpaint) { return paint_object(cx, a[0], a[1], true); }

BT_PRIM(cover) {
  bt_value bg = bt_p_mostcolor(cx, a);
  if (bt_is_err(bg)) return bg;
  bt_value idx = bt_toindices(cx, a[1]);
  return bt_is_err(idx) ? idx : fill_patch(cx, a[0], bg, idx, false);
}

BT_PRIM(move) {
  bt_value covered = bt_p_cover(cx, a);
  if (bt_is_err(covered)) return covered;
  bt_value shifted = bt_p_shift(cx, (bt_value[]){a[1], a[2]});
  if (bt_is_err(shifted)) return shifted;
  return paint_object(cx, covered, shifted, false);
}

/* ---- cell maps ------------------------------------------------------------------------ */

/* The grid with every cell v replaced by map(v); rows may be any iterables. */
static bt_value map_cells(bt_ctx *cx, bt_value g, bt_value (*map)(bt_value v, const bt_value *args),
                          const bt_value *args) {
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  bt_value *rows = g.n ? bt_items(cx, g.n) : NULL;
  if (g.n && !rows) return bt_err(BT_E_LIMIT);
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value r = g.u.items[i];
    if (!bt_is_coll(r)) return bt_err(BT_E_TYPE);
    bt_value *cells = r.n ? bt_items(cx, r.n) : NULL;
    if (r.n && !cells) return bt_err(BT_E_LIMIT);
    for (uint32_t j = 0; j < r.n; j++)
      cells[j] = map(r.u.items[j], args);
    rows[i] = bt_tuple(cells, r.n);
  }
  return bt_tuple(rows, g.n);
}

static bt_value replace_cell(bt_value v, const bt_value *args) { return bt_eq(v, args[0]) ? args[1] : v; }

/* {a: b, b: a}[v]: when a == b the dict holds one key, whose value is the later a. */
static bt_value switch_cell(bt_value v, const bt_value *args) {
  if (bt_eq(args[0], args[1])) return bt_eq(v, args[0]) ? args[0] : v;
  return bt_eq(v, args[0]) ? args[1] : bt_eq(v, args[1]) ? args[0] : v;
}

BT_PRIM(replace) { return map_cells(cx, a[0], replace_cell, a + 1); }
BT_PRIM(switch) { return map_cells(cx, a[0], switch_cell, a + 1); }

BT_PRIM(cellwise) {
  bt_value A = a[0], B = a[1];
  if (A.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(A, 0);
  if (bt_is_err(row0)) return row0;
  int64_t h = A.n, w = bt_len(row0);
  if (w < 0) return bt_err(BT_E_TYPE);
  bt_value *cells;
  bt_value out = bt_grid_new(cx, h, w, &cells);
  if (bt_is_err(out)) return out;
  for (int64_t i = 0; i < h; i++) {
    bt_value ra = A.u.items[i], rb = bt_getitem(B, i);
    if (bt_is_err(rb)) return rb;
    for (int64_t j = 0; j < w; j++) {
      bt_value x = bt_getitem(ra, j), y = bt_getitem(rb, j);
      if (bt_is_err(x)) return x;
      if (bt_is_err(y)) return y;
      cells[i * w + j] = bt_eq(x, y) ? x : a[2];
    }
  }
  return out;
}

BT_PRIM(index) {
  (void)cx;
  bt_value g = a[0], iv, jv;
  if (!bt_unpack2(a[1], &iv, &jv)) return bt_unpack_err(a[1]);
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  int64_t h = g.n, w = bt_len(row0);
  if (w < 0) return bt_err(BT_E_TYPE);
  if (!bt_is_int(iv) || !bt_is_int(jv)) return bt_err(BT_E_TYPE);
  if (iv.u.i < 0 || iv.u.i >= h || jv.u.i < 0 || jv.u.i >= w) return bt_none();
  if (a[1].kind != BT_TUPLE) return bt_err(BT_E_TYPE); /* loc[0]: a set is not subscriptable */
  bt_value row = bt_getitem(g, iv.u.i);
  return bt_is_err(row) ? row : bt_getitem(row, jv.u.i);
}

/* ---- scaling ----------------------------------------------------------------------------- */

/* Scales rows of g: horizontally (each value f times), vertically (each row f times). */
static bt_value scale_rows(bt_ctx *cx, bt_value g, int64_t f, bool horizontal, bool vertical) {
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  int64_t rep = vertical ? (f > 0 ? f : 0) : 1, wide = horizontal ? (f > 0 ? f : 0) : 1;
  /* the cells of the result count against max_elems even though its rows are shared */
  uint64_t cells = 0, limit = cx->lim.max_elems;
  for (uint32_t i = 0; i < g.n && rep && wide; i++) {
    uint64_t len = bt_is_coll(g.u.items[i]) ? g.u.items[i].n : 1, row = len * (uint64_t)wide;
    if (len > limit || (uint64_t)wide > limit || row > limit || (row && (uint64_t)rep > limit / row))
      return bt_err(BT_E_LIMIT);
    cells += row * (uint64_t)rep;
    if (cells > limit) return bt_err(BT_E_LIMIT);
  }
  if (rep && g.n > (int64_t)cx->lim.max_elems / rep) return bt_err(BT_E_LIMIT);
  size_t n = (size_t)g.n * (size_t)rep;
  bt_value *rows = n ? bt_items(cx, n) : NULL;
  if (n && !rows) return bt_err(BT_E_LIMIT);
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value r = horizontal ? bt_repeat_each(cx, g.u.items[i], f) : g.u.items[i];
    if (bt_is_err(r)) return r;
    for (int64_t m = 0; m < rep; m++)
      rows[i * rep + m] = r;
  }
  return bt_tuple(rows, (uint32_t)(g.n * rep));
}

BT_PRIM(hupscale) {
  int64_t f;
  NEED_INT(a[1], f);
  return scale_rows(cx, a[0], f, true, false);
}

BT_PRIM(vupscale) {
  int64_t f;
  NEED_INT(a[1], f);
  return scale_rows(cx, a[0], f, false, true);
}

/* An object upscaled around its upper-left corner. */
static bt_value upscale_object(bt_ctx *cx, bt_value obj, int64_t f) {
  if (obj.n == 0) return bt_set_sorted(NULL, 0);
  int64_t i0, j0, i1, j1;
  if (!bt_patch_bounds(obj, &i0, &j0, &i1, &j1)) return bt_err(BT_E_TYPE);
  if (f <= 0) return bt_set_sorted(NULL, 0);
  if (f > 65536 || (uint64_t)obj.n * (uint64_t)(f * f) > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  size_t n = (size_t)obj.n * (size_t)(f * f);
  bt_value *out = bt_items(cx, n), *mem = bt_items(cx, n * 4);
  if (!out || !mem) return bt_err(BT_E_LIMIT);
  size_t m = 0;
  for (uint32_t k = 0; k < obj.n; k++) {
    bt_value value, index, iv, jv;
    if (!bt_unpack2(obj.u.items[k], &value, &index)) return bt_unpack_err(obj.u.items[k]);
    if (!bt_unpack2(index, &iv, &jv)) return bt_unpack_err(index);
    if (!bt_is_int(iv) || !bt_is_int(jv)) return bt_err(BT_E_TYPE);
    int64_t i = iv.u.i - i0, j = jv.u.i - j0;
    for (int64_t io = 0; io < f; io++)
      for (int64_t jo = 0; jo < f; jo++, m++)
        out[m] = bt_cell_at(mem + m * 4, value, bt_int(i * f + io + i0), bt_int(j * f + jo + j0));
  }
  return bt_set_build(cx, out, m);
}

BT_PRIM(upscale) {
  int64_t f;
  NEED_INT(a[1], f);
  if (a[0].kind == BT_TUPLE) return scale_rows(cx, a[0], f, true, true);
  if (a[0].kind != BT_SET) return bt_err(BT_E_TYPE);
  return upscale_object(cx, a[0], f);
}

BT_PRIM(downscale) {
  bt_value g = a[0];
  int64_t f;
  NEED_INT(a[1], f);
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  int64_t h = g.n, w = bt_len(row0);
  if (w < 0) return bt_err(BT_E_TYPE);
  if (f == 0 && (w > 0 || h > 0)) return bt_err(BT_E_ZERODIV);
  bt_value *rows = bt_items(cx, (size_t)h);
  if (!rows) return bt_err(BT_E_LIMIT);
  uint32_t kept = 0;
  for (int64_t i = 0; i < h; i++) {
    if (bt_int_mod(i, f).u.i != 0) continue;
    bt_value r = bt_getitem(g, i);
    if (bt_is_err(r)) return r;
    bt_vec cells;
    bt_vec_init(&cells);
    for (int64_t j = 0; j < w; j++) {
      if (bt_int_mod(j, f).u.i != 0) continue;
      bt_value c = bt_getitem(r, j);
      if (bt_is_err(c)) return c;
      if (!bt_vec_push(cx, &cells, c)) return bt_err(BT_E_LIMIT);
    }
    rows[kept++] = bt_tuple(cells.items, (uint32_t)cells.n);
  }
  return bt_tuple(rows, kept);
}

/* ---- concatenation and compression --------------------------------------------------------- */

BT_PRIM(hconcat) {
  bt_value A = a[0], B = a[1];
  if (!bt_is_coll(A) || !bt_is_coll(B)) return bt_err(BT_E_TYPE);
  uint32_t n = A.n < B.n ? A.n : B.n;
  bt_value *rows = n ? bt_items(cx, n) : NULL;
  if (n && !rows) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < n; k++)
    if (bt_is_err(rows[k] = py_plus(cx, A.u.items[k], B.u.items[k]))) return rows[k];
  return bt_tuple(rows, n);
}

BT_PRIM(vconcat) { return py_plus(cx, a[0], a[1]); }

/* Whether the n elements of v are all equal: len(set(v)) == 1. */
static bool single_valued(const bt_value *v, uint32_t n) {
  if (n == 0) return false;
  for (uint32_t k = 1; k < n; k++)
    if (!bt_eq(v[0], v[k])) return false;
  return true;
}

BT_PRIM(compress) {
  bt_value g = a[0];
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  bt_value t = bt_p_dmirror(cx, &g); /* the columns (arc-dsl takes them from dmirror) */
  if (bt_is_err(t)) return t;
  uint8_t *drop_col = t.n ? bt_mask_new(cx, t.n) : NULL;
  if (t.n && !drop_col) return bt_err(BT_E_LIMIT);
  for (uint32_t j = 0; j < t.n; j++) {
    if (!bt_is_coll(t.u.items[j])) return bt_err(BT_E_TYPE);
    drop_col[j] = single_valued(t.u.items[j].u.items, t.u.items[j].n);
  }
  bt_value *rows = g.n ? bt_items(cx, g.n) : NULL;
  if (g.n && !rows) return bt_err(BT_E_LIMIT);
  uint32_t kept = 0;
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value r = g.u.items[i];
    if (!bt_is_coll(r)) return bt_err(BT_E_TYPE);
    if (single_valued(r.u.items, r.n)) continue;
    bt_vec cells;
    bt_vec_init(&cells);
    for (uint32_t j = 0; j < r.n; j++)
      if ((j >= t.n || !drop_col[j]) && !bt_vec_push(cx, &cells, r.u.items[j])) return bt_err(BT_E_LIMIT);
    rows[kept++] = bt_tuple(cells.items, (uint32_t)cells.n);
  }
  return bt_tuple(rows, kept);
}
