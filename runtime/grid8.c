/* grid8.c: packed grids (batt.h) — making, boxing and reading them, and the fast paths of
 * the grid primitives that build grids: they read grids as bytes and give packed grids.
 *
 * A fast path gives exactly the value the primitive's own code gives for the same
 * arguments, or declines (bt_decline) and lets that code run: on any argument outside the
 * shapes it knows, on any error, on any limit the own code would meet. What it allocated
 * before declining is released. */
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "patch.h"

/* ---- making, boxing, reading ------------------------------------------------------- */

bt_value bt_pgrid_new(bt_ctx *cx, int64_t h, int64_t w, uint8_t **cells) {
  if (h < 1 || w < 1 || (uint64_t)h > UINT32_MAX || (uint64_t)w > (SIZE_MAX >> 2) / (uint64_t)h)
    return bt_err(BT_E_LIMIT);
  bt_pgrid *g = bt_alloc(cx, bt_pgrid_bytes(h, w));
  if (!g) return bt_err(BT_E_LIMIT);
  g->h = h;
  g->w = w;
  *cells = g->c;
  bt_value v = {BT_PGRID, 0, 0, (uint32_t)h, {.pg = g}};
  return v;
}

/* The boxed h x w grid (h >= 1) of the bytes at src, rows stride bytes apart: the rows
 * first, then their cells, in one block. Only the arena's bytes limit is checked: the
 * computation that made the bytes checked the rest. A row equal to the one above shares its
 * cells (rows are immutable), so the twin of a canvas is as small as canvas makes it. */
static bt_value box_bytes(bt_ctx *cx, const uint8_t *src, int64_t stride, int64_t h, int64_t w) {
  if ((uint64_t)w > UINT32_MAX) return bt_err(BT_E_LIMIT);
  enum { NOTED = 4096 }; /* rows whose comparison with the one above is noted, not redone */
  uint64_t differs[NOTED / 64];
  memset(differs, 0, (size_t)((h < NOTED ? h : NOTED) + 63) / 64 * sizeof *differs);
  int64_t distinct = 1;
  for (int64_t i = 1; i < h; i++) {
    bool d = memcmp(src + i * stride, src + (i - 1) * stride, (size_t)w) != 0;
    distinct += d;
    if (d && i < NOTED) differs[i / 64] |= (uint64_t)1 << (i % 64);
  }
  bt_value *rows = bt_alloc(cx, (size_t)(h + distinct * w) * sizeof(bt_value));
  if (!rows) return bt_err(BT_E_LIMIT);
  bt_value *row = NULL;
  for (int64_t i = 0; i < h; i++) {
    bool d = i < NOTED ? (differs[i / 64] >> (i % 64)) & 1
                       : memcmp(src + i * stride, src + (i - 1) * stride, (size_t)w) != 0;
    if (!row || d) {
      row = row ? row + w : rows + h;
      for (int64_t j = 0; j < w; j++)
        row[j] = bt_int(src[i * stride + j]);
    }
    rows[i] = bt_tuple(w ? row : NULL, (uint32_t)w);
  }
  return bt_tuple(rows, (uint32_t)h);
}

void bt_byte_counts(const uint8_t *c, size_t n, uint64_t counts[256]) {
  /* four tables, so that a run of one value does not make each count wait for the one
     before; eight equal bytes at once when the bytes come in runs */
  uint64_t t[4][256];
  memset(t, 0, sizeof t);
  size_t k = 0;
  while (k + 8 <= n) {
    uint64_t word;
    memcpy(&word, c + k, 8);
    if (word == (word & 0xff) * 0x0101010101010101ull) {
      t[0][c[k]] += 8;
    } else {
      t[0][c[k]]++;
      t[1][c[k + 1]]++;
      t[2][c[k + 2]]++;
      t[3][c[k + 3]]++;
      t[0][c[k + 4]]++;
      t[1][c[k + 5]]++;
      t[2][c[k + 6]]++;
      t[3][c[k + 7]]++;
    }
    k += 8;
  }
  for (; k < n; k++)
    t[0][c[k]]++;
  for (int v = 0; v < 256; v++)
    counts[v] = t[0][v] + t[1][v] + t[2][v] + t[3][v];
}

bt_value bt_unpack_grid(bt_ctx *cx, bt_value v) {
  return v.kind == BT_PGRID ? box_bytes(cx, v.u.pg->c, v.u.pg->w, v.u.pg->h, v.u.pg->w) : v;
}

/* Whether the boxed g has a grid's shape that packs (a non-empty tuple of non-empty tuples
 * of one length); sets its dimensions. Its cells are checked as they are copied. */
static bool grid_shape(bt_value g, int64_t *h, int64_t *w) {
  if (g.kind != BT_TUPLE || g.n == 0 || g.u.items[0].kind != BT_TUPLE || g.u.items[0].n == 0) return false;
  for (uint32_t i = 0; i < g.n; i++)
    if (g.u.items[i].kind != BT_TUPLE || g.u.items[i].n != g.u.items[0].n) return false;
  *h = g.n;
  *w = g.u.items[0].n;
  return true;
}

/* Copies the cells of the boxed grid g (of grid_shape h x w) into out; false at the first
 * cell that is no plain int in [0, 255]. */
static bool pack_cells(bt_value g, uint8_t *out, int64_t h, int64_t w) {
  for (int64_t i = 0; i < h; i++) {
    const bt_value *r = g.u.items[i].u.items;
    for (int64_t j = 0; j < w; j++) {
      if (r[j].kind != BT_INT || (uint64_t)r[j].u.i > 255) return false;
      out[i * w + j] = (uint8_t)r[j].u.i;
    }
  }
  return true;
}

bt_value bt_pack(bt_ctx *cx, bt_value v) {
  int64_t h, w;
  if (!grid_shape(v, &h, &w)) return v;
  bt_mark m = bt_arena_mark(cx);
  uint8_t *c;
  bt_value g = bt_pgrid_new(cx, h, w, &c);
  if (!bt_is_err(g) && pack_cells(v, c, h, w)) return g;
  bt_arena_release(cx, m);
  return v;
}

/* The packed twin of cx's input, into cx's buffer; false when it cannot be had. */
static bool input_twin(bt_ctx *cx) {
  int64_t h, w;
  if (!grid_shape(cx->input, &h, &w)) return false;
  size_t n = sizeof(bt_pgrid) + (size_t)(h * w);
  if (n > cx->input_cap) {
    bt_pgrid *g = realloc(cx->input_packed, n);
    if (!g) return false;
    cx->input_packed = g;
    cx->input_cap = n;
  }
  cx->input_packed->h = h;
  cx->input_packed->w = w;
  return pack_cells(cx->input, cx->input_packed->c, h, w);
}

const bt_pgrid *bt_input_packed(bt_ctx *cx, bt_value g) {
  if (g.kind != BT_TUPLE || !g.n || g.u.items != cx->input.u.items || g.n != cx->input.n ||
      cx->input.kind != BT_TUPLE)
    return NULL;
  if (cx->input_state == 0) cx->input_state = input_twin(cx) ? 1 : -1;
  return cx->input_state > 0 ? cx->input_packed : NULL;
}

bool bt_gview_of(bt_ctx *cx, bt_value g, bt_gview *out) {
  const bt_pgrid *pg = g.kind == BT_PGRID ? g.u.pg : bt_input_packed(cx, g);
  if (pg) {
    *out = (bt_gview){pg->h, pg->w, pg->c};
    return true;
  }
  int64_t h, w;
  if (!grid_shape(g, &h, &w)) return false;
  bt_mark m = bt_arena_mark(cx);
  uint8_t *c = bt_alloc(cx, (size_t)(h * w));
  if (c && pack_cells(g, c, h, w)) {
    *out = (bt_gview){h, w, c};
    return true;
  }
  bt_arena_release(cx, m);
  return false;
}

/* ---- helpers of the fast paths ------------------------------------------------------- */

/* A plain int in [0, 255] (a bool is not: a grid holding one does not pack). */
static bool byte_value(bt_value v, uint8_t *out) {
  if (v.kind != BT_INT || (uint64_t)v.u.i > 255) return false;
  *out = (uint8_t)v.u.i;
  return true;
}

/* Declines after releasing what the fast path allocated since m. */
static bt_value decline(bt_ctx *cx, bt_mark m) {
  bt_arena_release(cx, m);
  return bt_decline();
}

/* A packed copy of the view's cells (the result a primitive then changes). */
static bt_value copy_view(bt_ctx *cx, const bt_gview *v, uint8_t **cells) {
  bt_value g = bt_pgrid_new(cx, v->h, v->w, cells);
  if (!bt_is_err(g)) memcpy(*cells, v->c, (size_t)(v->h * v->w));
  return g;
}

/* The background of underfill, underpaint and cover: mostcolor of the grid a[0] (a grid that
 * packs: an int in [0, 255]); false on an error. */
static bool grid_mostcolor(bt_ctx *cx, const bt_value *a, uint8_t *bg) {
  bt_value c = bt_p_mostcolor(cx, a);
  return byte_value(c, bg);
}

/* ---- building grids ------------------------------------------------------------------- */

static bt_value fast_canvas(bt_ctx *cx, const bt_value *a) {
  uint8_t value;
  bt_value dims = a[1];
  if (!byte_value(a[0], &value) || dims.kind != BT_TUPLE || dims.n < 2 || !bt_is_int(dims.u.items[0]) ||
      !bt_is_int(dims.u.items[1]))
    return bt_decline();
  int64_t h = dims.u.items[0].u.i, w = dims.u.items[1].u.i, lim = cx->lim.max_elems;
  if (h < 1 || w < 1 || h > lim || w > lim || h > lim / w) return bt_decline();
  uint8_t *c;
  bt_value g = bt_pgrid_new(cx, h, w, &c);
  if (bt_is_err(g)) return bt_decline();
  memset(c, value, (size_t)(h * w));
  return g;
}

/* The view with value at every index of patch (under: only on cells equal to bg); declines
 * (after m) on an error. */
static bt_value fill_view(bt_ctx *cx, bt_mark m, const bt_gview *v, uint8_t value, bt_value patch, bool under,
                          uint8_t bg) {
  int64_t *ij;
  size_t n;
  uint8_t *c;
  if (patch.kind == BT_PGRID || bt_is_err(bt_patch_points(cx, patch, &ij, &n))) return decline(cx, m);
  bt_value g = copy_view(cx, v, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (size_t k = 0; k < n; k++) {
    int64_t i = ij[2 * k], j = ij[2 * k + 1];
    if (i < 0 || i >= v->h || j < 0 || j >= v->w) continue;
    uint8_t *cell = c + i * v->w + j;
    if (!under || *cell == bg) *cell = value;
  }
  return g;
}

/* fill / underfill (under: only on cells of the grid's mostcolor). */
static bt_value fill_fast(bt_ctx *cx, const bt_value *a, bool under) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  uint8_t value, bg = 0;
  if (!byte_value(a[1], &value) || !bt_gview_of(cx, a[0], &v) || (under && !grid_mostcolor(cx, a, &bg)))
    return decline(cx, m);
  return fill_view(cx, m, &v, value, a[2], under, bg);
}

static bt_value fast_fill(bt_ctx *cx, const bt_value *a) { return fill_fast(cx, a, false); }
static bt_value fast_underfill(bt_ctx *cx, const bt_value *a) { return fill_fast(cx, a, true); }

static bt_value fast_cover(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  uint8_t bg;
  if (a[1].kind == BT_PGRID || !bt_gview_of(cx, a[0], &v) || !grid_mostcolor(cx, a, &bg))
    return decline(cx, m);
  bt_value idx = bt_toindices(cx, a[1]);
  if (bt_is_err(idx)) return decline(cx, m);
  return fill_view(cx, m, &v, bg, idx, false, 0);
}

/* paint / underpaint: the object's cells in iteration order. */
static bt_value paint_fast(bt_ctx *cx, const bt_value *a, bool under) {
  bt_mark m = bt_arena_mark(cx);
  bt_value obj = a[1];
  bt_gview v;
  uint8_t *c, bg = 0;
  if (!bt_is_coll(obj) || !bt_gview_of(cx, a[0], &v) || (under && !grid_mostcolor(cx, a, &bg)))
    return decline(cx, m);
  bt_value g = copy_view(cx, &v, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (uint32_t k = 0; k < obj.n; k++) {
    bt_value e = obj.u.items[k];
    int64_t at = bt_intern_at(e), i, j;
    uint8_t value;
    if (at >= BT_INTERN_PAIRS) {
      bt_intern_ij(at, &i, &j);
      value = (uint8_t)bt_intern_color(at);
    } else {
      bt_value val, index, iv, jv;
      if (!bt_unpack2(e, &val, &index) || !bt_unpack2(index, &iv, &jv) || !bt_is_int(iv) || !bt_is_int(jv) ||
          !byte_value(val, &value))
        return decline(cx, m);
      i = iv.u.i;
      j = jv.u.i;
    }
    if (i < 0 || i >= v.h || j < 0 || j >= v.w) continue;
    uint8_t *cell = c + i * v.w + j;
    if (!under || *cell == bg) *cell = value;
  }
  return g;
}

static bt_value fast_paint(bt_ctx *cx, const bt_value *a) { return paint_fast(cx, a, false); }
static bt_value fast_underpaint(bt_ctx *cx, const bt_value *a) { return paint_fast(cx, a, true); }

static bt_value fast_hconcat(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview x, y;
  if (!bt_gview_of(cx, a[0], &x) || !bt_gview_of(cx, a[1], &y) || x.w + y.w > (int64_t)cx->lim.max_elems)
    return decline(cx, m);
  int64_t h = x.h < y.h ? x.h : y.h, w = x.w + y.w;
  uint8_t *c;
  bt_value g = bt_pgrid_new(cx, h, w, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (int64_t i = 0; i < h; i++) {
    memcpy(c + i * w, x.c + i * x.w, (size_t)x.w);
    memcpy(c + i * w + x.w, y.c + i * y.w, (size_t)y.w);
  }
  return g;
}

static bt_value fast_vconcat(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview x, y;
  if (!bt_gview_of(cx, a[0], &x) || !bt_gview_of(cx, a[1], &y) || x.w != y.w ||
      x.h + y.h > (int64_t)cx->lim.max_elems)
    return decline(cx, m);
  uint8_t *c;
  bt_value g = bt_pgrid_new(cx, x.h + y.h, x.w, &c);
  if (bt_is_err(g)) return decline(cx, m);
  memcpy(c, x.c, (size_t)(x.h * x.w));
  memcpy(c + x.h * x.w, y.c, (size_t)(y.h * y.w));
  return g;
}

/* ---- rotations and mirrors ------------------------------------------------------------ */

static void reverse_rows(uint8_t *c, int64_t h, int64_t w, uint8_t *tmp) {
  for (int64_t i = 0; i < h / 2; i++) {
    memcpy(tmp, c + i * w, (size_t)w);
    memcpy(c + i * w, c + (h - 1 - i) * w, (size_t)w);
    memcpy(c + (h - 1 - i) * w, tmp, (size_t)w);
  }
}

static void reverse_each(uint8_t *c, int64_t h, int64_t w) {
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w / 2; j++) {
      uint8_t t = c[i * w + j];
      c[i * w + j] = c[i * w + w - 1 - j];
      c[i * w + w - 1 - j] = t;
    }
}

static bt_value transform_fast(bt_ctx *cx, bt_value arg, int steps) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  if (!bt_gview_of(cx, arg, &v) || ((steps & BT_TRANSPOSE) && v.h * v.w > (int64_t)cx->lim.max_elems))
    return decline(cx, m);
  int64_t h = v.h, w = v.w;
  bool t = steps & BT_TRANSPOSE;
  uint8_t *c;
  if (!t) { /* each row of the result read from its row of the view, in one pass */
    bt_value g = bt_pgrid_new(cx, h, w, &c);
    if (bt_is_err(g)) return decline(cx, m);
    for (int64_t i = 0; i < h; i++) {
      const uint8_t *from = v.c + ((steps & BT_PRE_ROWS) ? h - 1 - i : i) * w;
      uint8_t *to = c + i * w;
      if (steps & BT_PRE_EACH)
        for (int64_t j = 0; j < w; j++)
          to[j] = from[w - 1 - j];
      else
        memcpy(to, from, (size_t)w);
    }
    return g;
  }
  uint8_t *tmp = bt_alloc(cx, (size_t)(h * w > w ? h * w : w) + (size_t)(h > w ? h : w));
  if (!tmp) return decline(cx, m);
  bt_value g = bt_pgrid_new(cx, w, h, &c);
  if (bt_is_err(g)) return decline(cx, m);
  uint8_t *rowtmp = tmp + h * w;
  memcpy(tmp, v.c, (size_t)(h * w)); /* a transpose reads tmp and writes c */
  if (steps & BT_PRE_ROWS) reverse_rows(tmp, h, w, rowtmp);
  if (steps & BT_PRE_EACH) reverse_each(tmp, h, w);
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w; j++)
      c[j * h + i] = tmp[i * w + j];
  int64_t x = h;
  h = w;
  w = x;
  if (steps & BT_POST_EACH) reverse_each(c, h, w);
  if (steps & BT_POST_ROWS) reverse_rows(c, h, w, rowtmp);
  return g;
}

static bt_value fast_hmirror(bt_ctx *cx, const bt_value *a) { return transform_fast(cx, a[0], BT_PRE_ROWS); }
static bt_value fast_dmirror(bt_ctx *cx, const bt_value *a) { return transform_fast(cx, a[0], BT_TRANSPOSE); }
static bt_value fast_vmirror(bt_ctx *cx, const bt_value *a) { return transform_fast(cx, a[0], BT_PRE_EACH); }
static bt_value fast_cmirror(bt_ctx *cx, const bt_value *a) {
  return transform_fast(cx, a[0], BT_PRE_ROWS | BT_PRE_EACH | BT_TRANSPOSE);
}
static bt_value fast_rot90(bt_ctx *cx, const bt_value *a) {
  return transform_fast(cx, a[0], BT_PRE_ROWS | BT_TRANSPOSE);
}
static bt_value fast_rot180(bt_ctx *cx, const bt_value *a) {
  return transform_fast(cx, a[0], BT_PRE_ROWS | BT_PRE_EACH);
}
static bt_value fast_rot270(bt_ctx *cx, const bt_value *a) {
  return transform_fast(cx, a[0], BT_PRE_ROWS | BT_TRANSPOSE | BT_POST_EACH | BT_POST_ROWS);
}

/* ---- slicing --------------------------------------------------------------------------------- */

/* The rows [r0, r1) and columns [c0, c1) of the view (bounds inside it), packed; declines
 * (after m) when empty. */
static bt_value crop_view(bt_ctx *cx, bt_mark m, const bt_gview *v, int64_t r0, int64_t r1, int64_t c0,
                          int64_t c1) {
  if (r1 <= r0 || c1 <= c0) return decline(cx, m);
  uint8_t *c;
  bt_value g = bt_pgrid_new(cx, r1 - r0, c1 - c0, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (int64_t i = r0; i < r1; i++)
    memcpy(c + (i - r0) * (c1 - c0), v->c + i * v->w + c0, (size_t)(c1 - c0));
  return g;
}

/* grid[r0:r1] and r[c0:c1] of its rows, Python's slices of the view's rows and columns. */
static bt_value slice_view(bt_ctx *cx, bt_mark m, const bt_gview *v, int64_t r0, int64_t r1, int64_t c0,
                           int64_t c1) {
  int64_t a, b, x, y;
  bt_slice_bounds(v->h, r0, r1, &a, &b);
  bt_slice_bounds(v->w, c0, c1, &x, &y);
  return crop_view(cx, m, v, a, b, x, y);
}

/* Two ints, the first two items of a tuple. */
static bool two_ints(bt_value t, int64_t *x, int64_t *y) {
  if (t.kind != BT_TUPLE || t.n < 2 || !bt_is_int(t.u.items[0]) || !bt_is_int(t.u.items[1])) return false;
  *x = t.u.items[0].u.i;
  *y = t.u.items[1].u.i;
  return true;
}

static bt_value crop_fast(bt_ctx *cx, bt_value grid, bt_value start, bt_value dims) {
  bt_mark m = bt_arena_mark(cx);
  int64_t i, j, dh, dw, r1, c1;
  bt_gview v;
  if (!two_ints(start, &i, &j) || !two_ints(dims, &dh, &dw) || __builtin_add_overflow(i, dh, &r1) ||
      __builtin_add_overflow(j, dw, &c1) || !bt_gview_of(cx, grid, &v))
    return decline(cx, m);
  return slice_view(cx, m, &v, i, r1, j, c1);
}

static bt_value fast_crop(bt_ctx *cx, const bt_value *a) { return crop_fast(cx, a[0], a[1], a[2]); }

static bt_value fast_subgrid(bt_ctx *cx, const bt_value *a) {
  if ((a[1].kind != BT_PGRID && a[1].kind != BT_TUPLE) || a[0].kind == BT_PGRID) return bt_decline();
  bt_mark m = bt_arena_mark(cx);
  bt_value corner = bt_p_ulcorner(cx, a), dims = bt_p_shape(cx, a);
  if (bt_is_err(corner) || bt_is_err(dims)) return decline(cx, m);
  bt_value r = crop_fast(cx, a[1], corner, dims);
  return bt_declined(r) ? decline(cx, m) : r;
}

static bt_value fast_trim(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  if (!bt_gview_of(cx, a[0], &v)) return decline(cx, m);
  return slice_view(cx, m, &v, 1, -1, 1, -1);
}

/* The halves: rows (tophalf, bottomhalf) or columns (lefthalf, righthalf). */
static bt_value half_fast(bt_ctx *cx, bt_value arg, bool columns, bool second) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  if (!bt_gview_of(cx, arg, &v) || (columns && v.h * v.w > (int64_t)cx->lim.max_elems)) return decline(cx, m);
  int64_t n = columns ? v.w : v.h, lo = second ? n / 2 + n % 2 : 0, hi = second ? n : n / 2;
  return columns ? crop_view(cx, m, &v, 0, v.h, lo, hi) : crop_view(cx, m, &v, lo, hi, 0, v.w);
}

static bt_value fast_tophalf(bt_ctx *cx, const bt_value *a) { return half_fast(cx, a[0], false, false); }
static bt_value fast_bottomhalf(bt_ctx *cx, const bt_value *a) { return half_fast(cx, a[0], false, true); }
static bt_value fast_lefthalf(bt_ctx *cx, const bt_value *a) { return half_fast(cx, a[0], true, false); }
static bt_value fast_righthalf(bt_ctx *cx, const bt_value *a) { return half_fast(cx, a[0], true, true); }

/* Boxed rows seen while boxing the parts of one grid, by a hash of their bytes: a part's
 * row equal to one seen shares its cells (rows are immutable), so that the many equal parts
 * of a mostly blank grid take a row of cells, not a row each. */
enum { ROWS_SEEN = 256 };
typedef struct row_seen {
  const uint8_t *src; /* the row's bytes */
  const bt_value *cells;
  int64_t w;
} row_seen;

static uint64_t row_hash(const uint8_t *c, int64_t w) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)w;
  int64_t k = 0;
  for (; k + 8 <= w; k += 8) {
    uint64_t word;
    memcpy(&word, c + k, 8);
    h = (h ^ word) * 0xff51afd7ed558ccdull;
  }
  for (; k < w; k++)
    h = (h ^ c[k]) * 0x100000001b3ull;
  return h ^ h >> 32;
}

/* box_bytes for one part of a split (h, w >= 1): its rows array, and the cells of each row
 * not seen before. */
static bt_value box_part(bt_ctx *cx, const uint8_t *src, int64_t stride, int64_t h, int64_t w,
                         row_seen seen[ROWS_SEEN]) {
  if ((uint64_t)w > UINT32_MAX) return bt_err(BT_E_LIMIT);
  bt_value *rows = bt_alloc(cx, (size_t)h * sizeof(bt_value));
  if (!rows) return bt_err(BT_E_LIMIT);
  for (int64_t i = 0; i < h; i++) {
    const uint8_t *r = src + i * stride;
    row_seen *s = &seen[row_hash(r, w) % ROWS_SEEN];
    if (!s->cells || s->w != w || memcmp(s->src, r, (size_t)w) != 0) {
      bt_value *cells = bt_alloc(cx, (size_t)w * sizeof(bt_value));
      if (!cells) return bt_err(BT_E_LIMIT);
      for (int64_t j = 0; j < w; j++)
        cells[j] = bt_int(r[j]);
      *s = (row_seen){r, cells, w};
    }
    rows[i] = bt_tuple(s->cells, (uint32_t)w);
  }
  return bt_tuple(rows, (uint32_t)h);
}

/* The boxed grid[r0:r1] and r[c0:c1] of its rows, rows seen before sharing their cells. */
static bt_value boxed_crop(bt_ctx *cx, const bt_gview *v, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
                           row_seen seen[ROWS_SEEN]) {
  bt_slice_bounds(v->h, r0, r1, &r0, &r1);
  bt_slice_bounds(v->w, c0, c1, &c0, &c1);
  if (r1 == r0) return bt_tuple(NULL, 0);
  const uint8_t *src = v->c + r0 * v->w + c0;
  return c1 == c0 ? box_bytes(cx, src, v->w, r1 - r0, 0) : box_part(cx, src, v->w, r1 - r0, c1 - c0, seen);
}

/* hsplit / vsplit of a packed grid: the parts are in a tuple, so they are boxed, built from
 * the bytes, equal rows sharing their cells (a boxed grid's parts share its rows: its own
 * code does better). */
static bt_value split_fast(bt_ctx *cx, const bt_value *a, bool vertical) {
  int64_t n;
  if (a[0].kind != BT_PGRID || !bt_is_int(a[1]) || (n = a[1].u.i) < 1 || n > (int64_t)cx->lim.max_elems)
    return bt_decline();
  bt_mark m = bt_arena_mark(cx);
  bt_gview v = {a[0].u.pg->h, a[0].u.pg->w, a[0].u.pg->c};
  int64_t len = vertical ? v.h : v.w, size = len / n, offset = len % n != 0;
  if (size < 1) return bt_decline();
  bt_value *out = bt_items(cx, (size_t)n);
  if (!out) return decline(cx, m);
  row_seen seen[ROWS_SEEN] = {{0}};
  for (int64_t k = 0; k < n; k++) {
    int64_t at = size * k + k * offset;
    out[k] = vertical ? boxed_crop(cx, &v, at, at + size, 0, v.w, seen)
                      : boxed_crop(cx, &v, 0, v.h, at, at + size, seen);
    if (bt_is_err(out[k])) return decline(cx, m);
  }
  return bt_tuple(out, (uint32_t)n);
}

static bt_value fast_hsplit(bt_ctx *cx, const bt_value *a) { return split_fast(cx, a, false); }
static bt_value fast_vsplit(bt_ctx *cx, const bt_value *a) { return split_fast(cx, a, true); }

static bt_value fast_index(bt_ctx *cx, const bt_value *a) {
  (void)cx;
  bt_value g = a[0], loc = a[1];
  if (g.kind != BT_PGRID || loc.kind != BT_TUPLE || loc.n != 2 || !bt_is_int(loc.u.items[0]) ||
      !bt_is_int(loc.u.items[1]))
    return bt_decline();
  int64_t i = loc.u.items[0].u.i, j = loc.u.items[1].u.i;
  if (i < 0 || i >= g.u.pg->h || j < 0 || j >= g.u.pg->w) return bt_none();
  return bt_int(g.u.pg->c[i * g.u.pg->w + j]);
}

/* ---- cell maps --------------------------------------------------------------------------------- */

static bt_value fast_replace(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  uint8_t to, *c;
  if (!byte_value(a[2], &to) || !bt_gview_of(cx, a[0], &v)) return decline(cx, m);
  bt_value g = copy_view(cx, &v, &c);
  if (bt_is_err(g)) return decline(cx, m);
  if (bt_is_int(a[1]) && (uint64_t)a[1].u.i <= 255)
    for (int64_t k = 0; k < v.h * v.w; k++)
      if (c[k] == a[1].u.i) c[k] = to;
  return g;
}

static bt_value fast_switch(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  uint8_t x, y, *c;
  if (!byte_value(a[1], &x) || !byte_value(a[2], &y) || !bt_gview_of(cx, a[0], &v)) return decline(cx, m);
  bt_value g = copy_view(cx, &v, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (int64_t k = 0; k < v.h * v.w; k++)
    c[k] = c[k] == x ? y : c[k] == y ? x : c[k];
  return g;
}

static bt_value fast_cellwise(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview x, y;
  uint8_t fallback = 0, *c;
  bool byte_fb = byte_value(a[2], &fallback);
  if (!bt_gview_of(cx, a[0], &x) || !bt_gview_of(cx, a[1], &y) || y.h < x.h || y.w < x.w ||
      x.h + x.h * x.w > (int64_t)cx->lim.max_elems) /* its own code makes a grid of that many values */
    return decline(cx, m);
  bt_value g = bt_pgrid_new(cx, x.h, x.w, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (int64_t i = 0; i < x.h; i++)
    for (int64_t j = 0; j < x.w; j++) {
      uint8_t p = x.c[i * x.w + j];
      if (p == y.c[i * y.w + j])
        c[i * x.w + j] = p;
      else if (byte_fb)
        c[i * x.w + j] = fallback;
      else
        return decline(cx, m); /* a cell not a byte */
    }
  return g;
}

/* ---- scaling ------------------------------------------------------------------------------------ */

/* upscale (rows and columns), hupscale (columns), vupscale (rows) of a grid by f >= 1. */
static bt_value scale_fast(bt_ctx *cx, const bt_value *a, bool across, bool down) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  int64_t f, lim = cx->lim.max_elems;
  if (!bt_is_int(a[1]) || (f = a[1].u.i) < 1 || f > lim || !bt_gview_of(cx, a[0], &v)) return decline(cx, m);
  int64_t fr = down ? f : 1, fc = across ? f : 1;
  if (v.w > lim / fc || v.h > lim / fr || v.h * fr > lim / (v.w * fc)) return decline(cx, m);
  int64_t h = v.h * fr, w = v.w * fc;
  uint8_t *c;
  bt_value g = bt_pgrid_new(cx, h, w, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w; j++)
      c[i * w + j] = v.c[(i / fr) * v.w + j / fc];
  return g;
}

static bt_value fast_upscale(bt_ctx *cx, const bt_value *a) {
  if (a[0].kind != BT_PGRID && a[0].kind != BT_TUPLE) return bt_decline();
  return scale_fast(cx, a, true, true);
}
static bt_value fast_hupscale(bt_ctx *cx, const bt_value *a) { return scale_fast(cx, a, true, false); }
static bt_value fast_vupscale(bt_ctx *cx, const bt_value *a) { return scale_fast(cx, a, false, true); }

static bt_value fast_downscale(bt_ctx *cx, const bt_value *a) {
  bt_mark m = bt_arena_mark(cx);
  bt_gview v;
  int64_t f;
  if (!bt_is_int(a[1]) || (f = a[1].u.i) < 1 || !bt_gview_of(cx, a[0], &v)) return decline(cx, m);
  int64_t h = (v.h - 1) / f + 1, w = (v.w - 1) / f + 1;
  uint8_t *c;
  bt_value g = bt_pgrid_new(cx, h, w, &c);
  if (bt_is_err(g)) return decline(cx, m);
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w; j++)
      c[i * w + j] = v.c[i * f * v.w + j * f];
  return g;
}

/* ---- the table ----------------------------------------------------------------------------- */

const bt_fast_fn bt_fast[BT_N_PRIMS] = {
    [BT_P_canvas] = fast_canvas,
    [BT_P_fill] = fast_fill,
    [BT_P_underfill] = fast_underfill,
    [BT_P_cover] = fast_cover,
    [BT_P_paint] = fast_paint,
    [BT_P_underpaint] = fast_underpaint,
    [BT_P_hconcat] = fast_hconcat,
    [BT_P_vconcat] = fast_vconcat,
    [BT_P_hmirror] = fast_hmirror,
    [BT_P_vmirror] = fast_vmirror,
    [BT_P_dmirror] = fast_dmirror,
    [BT_P_cmirror] = fast_cmirror,
    [BT_P_rot90] = fast_rot90,
    [BT_P_rot180] = fast_rot180,
    [BT_P_rot270] = fast_rot270,
    [BT_P_crop] = fast_crop,
    [BT_P_subgrid] = fast_subgrid,
    [BT_P_trim] = fast_trim,
    [BT_P_tophalf] = fast_tophalf,
    [BT_P_bottomhalf] = fast_bottomhalf,
    [BT_P_lefthalf] = fast_lefthalf,
    [BT_P_righthalf] = fast_righthalf,
    [BT_P_hsplit] = fast_hsplit,
    [BT_P_vsplit] = fast_vsplit,
    [BT_P_index] = fast_index,
    [BT_P_replace] = fast_replace,
    [BT_P_switch] = fast_switch,
    [BT_P_cellwise] = fast_cellwise,
    [BT_P_upscale] = fast_upscale,
    [BT_P_hupscale] = fast_hupscale,
    [BT_P_vupscale] = fast_vupscale,
    [BT_P_downscale] = fast_downscale,
    /* primitives whose own code reads packed grids */
    [BT_P_objects] = bt_p_objects,
    [BT_P_mostcolor] = bt_p_mostcolor,
    [BT_P_leastcolor] = bt_p_leastcolor,
    [BT_P_palette] = bt_p_palette,
    [BT_P_numcolors] = bt_p_numcolors,
    [BT_P_height] = bt_p_height,
    [BT_P_width] = bt_p_width,
    [BT_P_shape] = bt_p_shape,
    [BT_P_portrait] = bt_p_portrait,
    [BT_P_asindices] = bt_p_asindices,
    [BT_P_asobject] = bt_p_asobject,
    [BT_P_ofcolor] = bt_p_ofcolor,
    [BT_P_toobject] = bt_p_toobject,
    [BT_P_occurrences] = bt_fast_occurrences,
    [BT_P_identity] = bt_p_identity, /* a packed grid passes through as it is */
    [BT_P_branch] = bt_p_branch,
};
