/* tk_objects.c: primitives of the tokpidjin dialect (docs/tokpidjin.md): objects and partitions
 * of grids, grids painted and filled, lines and frontiers, the sample-level colour differences.
 * Cells are (i, j, c); calls tokpidjin's functions make of other primitives go through their
 * wrappers (tk_call), so an inner failure is that primitive's typed default. */
#include <stdlib.h>
#include <string.h>

#include "patch.h"
#include "tk.h"

/* ---- shared helpers ------------------------------------------------------------------ */

/* Python's v == (). */
static bool is_unit(bt_value v) { return v.kind == BT_TUPLE && v.n == 0; }

/* Python's `x0, ..., x{n-1} = v` for a tuple or a set (a set in canonical order). */
static bool unpack_n(bt_value v, uint32_t n, bt_value *out) {
  if (!bt_is_coll(v) || v.n != n) return false;
  memcpy(out, v.u.items, n * sizeof *out);
  return true;
}

/* CPython 3.11's hash of v where it is a function of the value alone: ints, bools, the
 * infinities and tuples of them; false for anything else. */
static bool py_hash(bt_value v, uint64_t *out, int depth) {
  if (bt_is_int(v)) {
    int64_t r = v.u.i % (int64_t)(((uint64_t)1 << 61) - 1);
    *out = (uint64_t)(r == -1 ? -2 : r);
    return true;
  }
  if (v.kind == BT_FLOAT && isinf(v.u.f)) {
    *out = (uint64_t)(v.u.f > 0 ? 314159 : -314159);
    return true;
  }
  if (v.kind != BT_TUPLE || depth > 8) return false;
  uint64_t acc = 2870177450012600261ULL, lane;
  for (uint32_t k = 0; k < v.n; k++) {
    if (!py_hash(v.u.items[k], &lane, depth + 1)) return false;
    acc += lane * 14029467366897019727ULL;
    acc = acc << 31 | acc >> 33;
    acc *= 11400714785074694791ULL;
  }
  acc += v.n ^ (2870177450012600261ULL ^ 3527539UL);
  *out = acc == UINT64_MAX ? 1546275796 : acc;
  return true;
}

/* The iteration order CPython gives a frozenset of at most 4 elements built in canonical
 * order (its 8-slot table, open addressing with perturbation): false where a hash is not
 * known. A `for` target unpacking a set element sees this order (the vectors' set order
 * emulation leaves it to CPython). */
static bool py_set_order(bt_value s, bt_value *out) {
  int slot[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
  if (s.n > 4) return false;
  for (uint32_t k = 0; k < s.n; k++) {
    uint64_t h, i;
    if (!py_hash(s.u.items[k], &h, 0)) return false;
    for (i = h & 7; slot[i] >= 0; i = (i * 5 + 1 + h) & 7)
      h >>= 5;
    slot[i] = (int)k;
  }
  for (int i = 0, k = 0; i < 8; i++)
    if (slot[i] >= 0) out[k++] = s.u.items[slot[i]];
  return true;
}

/* The unpacking of a `for` target: a set in CPython's order where it is known. */
static bool unpack_for(bt_value v, uint32_t n, bt_value *out) {
  if (v.kind == BT_SET && v.n == n && py_set_order(v, out)) return true;
  return unpack_n(v, n, out);
}

/* Python's 0 <= v < n (n an int): 1, 0, or -1 where it raises TypeError. */
static int in_range(bt_value v, int64_t n) {
  if (bt_is_int(v)) return v.u.i >= 0 && v.u.i < n;
  return v.kind == BT_FLOAT ? 0 : -1; /* nan and the infinities are never inside */
}

/* Python's h, w = len(grid), len(grid[0]). */
static bt_value grid_hw(bt_value g, int64_t *h, int64_t *w) {
  *h = bt_len(g);
  if (*h < 0) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  *w = bt_len(row0);
  return *w < 0 ? bt_err(BT_E_TYPE) : bt_none();
}

/* grid[i][j] for in-range ints i, j. */
static bt_value grid_at(bt_value g, int64_t i, int64_t j) {
  bt_value row = bt_getitem(g, i);
  return bt_is_err(row) ? row : bt_getitem(row, j);
}

/* n elements followed by room for their n cells (i, j, c). */
static bt_value *cells_new(bt_ctx *cx, size_t n) { return bt_items_parts(cx, n, 3 * n); }
static bt_value cell_at(bt_value *items, size_t n, size_t k, bt_value i, bt_value j, bt_value c) {
  bt_value *m = items + n + 3 * k;
  m[0] = i;
  m[1] = j;
  m[2] = c;
  return bt_tuple(m, 3);
}

/* The set of the cells (i, j, color) of every (i, j) of a container of pairs. */
static bt_value recolor_pairs(bt_ctx *cx, bt_value idx, bt_value color) {
  if (bt_is_err(idx)) return idx;
  if (!bt_is_coll(idx)) return bt_err(BT_E_TYPE);
  bt_value *items = cells_new(cx, idx.n);
  if (!items) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < idx.n; k++) {
    bt_value ij[2];
    if (!unpack_for(idx.u.items[k], 2, ij)) return bt_unpack_err(idx.u.items[k]);
    items[k] = cell_at(items, idx.n, k, ij[0], ij[1], color);
  }
  return bt_set_build(cx, items, idx.n);
}

/* The colours c of `for _, _, c in element`, in iteration order. */
static bt_value cell_colors(bt_ctx *cx, bt_value element, bt_value **out) {
  if (!bt_is_coll(element)) return bt_err(BT_E_TYPE);
  bt_value *c = bt_items(cx, element.n);
  if (!c) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < element.n; k++) {
    bt_value ijc[3];
    if (!unpack_for(element.u.items[k], 3, ijc)) return bt_unpack_err(element.u.items[k]);
    c[k] = ijc[2];
  }
  *out = c;
  return bt_none();
}

/* A tuple of the items of a set. */
static bt_value set_tuple(bt_value s) { return bt_is_err(s) ? s : bt_tuple(s.u.items, s.n); }

/* ---- colours ----------------------------------------------------------------------------- */

BT_PRIM(tk_p_f) {
  bt_value *c, e = cell_colors(cx, a[0], &c);
  return bt_is_err(e) ? e : bt_set_build(cx, c, a[0].n);
}

BT_PRIM(tk_p_o) {
  bt_value *c, e = cell_colors(cx, a[0], &c);
  return bt_is_err(e) ? e : set_tuple(bt_set_build(cx, c, a[0].n));
}

BT_PRIM(tk_p_g) {
  bt_value g = a[0];
  bt_vec vals;
  bt_vec_init(&vals);
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value row = g.u.items[i];
    if (!bt_is_coll(row)) return bt_err(BT_E_TYPE);
    for (uint32_t j = 0; j < row.n; j++)
      if (!bt_vec_push(cx, &vals, row.u.items[j])) return bt_err(BT_E_LIMIT);
  }
  return set_tuple(bt_set_build(cx, vals.items, vals.n));
}

BT_PRIM(tk_color) {
  (void)cx;
  bt_value obj = a[0];
  if (!bt_is_coll(obj)) return bt_err(BT_E_TYPE);
  if (obj.n == 0 || obj.u.items[0].kind != BT_TUPLE) return tk_ninf();
  return bt_getitem(obj.u.items[0], 2);
}

/* ---- objects --------------------------------------------------------------------------- */

static int cmp_i32(const void *x, const void *y) {
  int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  return (a > b) - (a < b);
}

/* objects / objects_t: the flood fill from each start cell in row-major order, each wave of
 * candidates visited in ascending order (canonical set order); cells (i, j, v). */
static bt_value flood_objects(bt_ctx *cx, const bt_value *a, bool as_tuple) {
  bt_value g = a[0], bg = bt_none(), e;
  if (is_unit(g)) return as_tuple ? tk_empty_tuple() : tk_empty_set();
  bool uni = bt_truth(a[1]), diag = bt_truth(a[2]);
  if (bt_truth(a[3]) && bt_is_err(bg = tk_call1(cx, BT_P_tk_mostcolor_t, g))) return bg;
  int64_t h, w;
  if (bt_is_err(e = grid_hw(g, &h, &w))) return e;
  if (w > 0 && h > (int64_t)cx->lim.max_elems / w) return bt_err(BT_E_LIMIT);
  size_t n = (size_t)(h * w);
  bt_value *val = bt_items(cx, n);
  int32_t *mem = bt_alloc(cx, 5 * n * sizeof *mem);
  if (!val || !mem) return bt_err(BT_E_LIMIT);
  for (int64_t k = 0; k < (int64_t)n; k++)
    if (bt_is_err(val[k] = grid_at(g, k / w, k % w))) return val[k];
  int32_t *occ = mem, *seen = mem + n, *cur = mem + 2 * n, *nxt = mem + 3 * n, *obj = mem + 4 * n, wave = 0;
  memset(occ, 0, 2 * n * sizeof *occ);
  static const int8_t step[8][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
  bt_vec objs;
  bt_vec_init(&objs);
  for (size_t s = 0; s < n; s++) {
    bt_value v0 = val[s];
    if (occ[s] || bt_eq(v0, bg)) continue;
    size_t ncur = 1, nobj = 0;
    cur[0] = (int32_t)s;
    while (ncur) {
      size_t nn = 0;
      wave++;
      for (size_t k = 0; k < ncur; k++) {
        int32_t c = cur[k];
        if (uni ? !bt_eq(v0, val[c]) : bt_eq(val[c], bg)) continue;
        obj[nobj++] = c;
        occ[c] = 1;
        for (int d = 0; d < (diag ? 8 : 4); d++) {
          int64_t i = c / w + step[d][0], j = c % w + step[d][1];
          if (i < 0 || i >= h || j < 0 || j >= w || seen[i * w + j] == wave) continue;
          seen[i * w + j] = wave;
          nxt[nn++] = (int32_t)(i * w + j);
        }
      }
      ncur = 0;
      for (size_t k = 0; k < nn; k++)
        if (!occ[nxt[k]]) cur[ncur++] = nxt[k];
      qsort(cur, ncur, sizeof *cur, cmp_i32);
    }
    if (!as_tuple) qsort(obj, nobj, sizeof *obj, cmp_i32); /* distinct (i, j): canonical order */
    bt_value *items = cells_new(cx, nobj);
    if (!items) return bt_err(BT_E_LIMIT);
    for (size_t k = 0; k < nobj; k++)
      items[k] = cell_at(items, nobj, k, bt_int(obj[k] / w), bt_int(obj[k] % w), val[obj[k]]);
    bt_value o = as_tuple ? bt_tuple(items, (uint32_t)nobj) : bt_set_sorted(items, nobj);
    if (!bt_vec_push(cx, &objs, o)) return bt_err(BT_E_LIMIT);
  }
  return as_tuple ? bt_tuple(objs.items, (uint32_t)objs.n) : bt_set_build(cx, objs.items, objs.n);
}

BT_PRIM(tk_objects) { return flood_objects(cx, a, false); }
BT_PRIM(tk_objects_t) { return flood_objects(cx, a, true); }
BT_PRIM(tk_objects_g) { return flood_objects(cx, a, true); }

/* o_g / o_g_t: mode k in 0..7 is (univalued, diagonal, without_bg) = (k & 4, k & 2, k & 1);
 * any other mode gives None. */
static bt_value objects_mode(bt_ctx *cx, const bt_value *a, int prim) {
  for (int k = 0; k < 8; k++)
    if (bt_eq(a[1], bt_int(k))) {
      bt_value args[4] = {a[0], bt_bool(k & 4), bt_bool(k & 2), bt_bool(k & 1)};
      return tk_call(cx, prim, args);
    }
  return bt_none();
}

BT_PRIM(tk_o_g) { return objects_mode(cx, a, BT_P_tk_objects); }
BT_PRIM(tk_o_g_t) { return objects_mode(cx, a, BT_P_tk_objects_t); }
BT_PRIM(tk_o_g_tuple) { return objects_mode(cx, a, BT_P_tk_objects_t); }

/* One object per colour of colors (a container): the cells (i, j, c) of the grid with c equal
 * to it, in enumerate order. */
static bt_value color_objects(bt_ctx *cx, bt_value g, bt_value colors) {
  if (bt_is_err(colors)) return colors;
  if (!bt_is_coll(colors)) return bt_err(BT_E_TYPE);
  bt_value *objs = bt_items(cx, colors.n);
  if (!objs) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < colors.n; k++) {
    bt_vec cells;
    bt_vec_init(&cells);
    if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
    for (uint32_t i = 0; i < g.n; i++) {
      bt_value row = g.u.items[i];
      if (!bt_is_coll(row)) return bt_err(BT_E_TYPE);
      for (uint32_t j = 0; j < row.n; j++) {
        if (!bt_eq(row.u.items[j], colors.u.items[k])) continue;
        bt_value *c = cells_new(cx, 1);
        if (!c || !bt_vec_push(cx, &cells, cell_at(c, 1, 0, bt_int(i), bt_int(j), row.u.items[j])))
          return bt_err(BT_E_LIMIT);
      }
    }
    objs[k] = bt_set_build(cx, cells.items, cells.n);
  }
  return bt_set_build(cx, objs, colors.n);
}

BT_PRIM(tk_partition) { return color_objects(cx, a[0], tk_call1(cx, BT_P_tk_palette_t, a[0])); }

BT_PRIM(tk_fgpartition) {
  bt_value pal = tk_call1(cx, BT_P_tk_palette_t, a[0]);
  if (bt_is_err(pal)) return pal;
  bt_value bg = tk_call1(cx, BT_P_tk_mostcolor_t, a[0]);
  if (bt_is_err(bg)) return bg;
  if (!bt_is_set(pal)) return bt_err(BT_E_TYPE); /* palette - {bg} */
  bt_value *rest = bt_items(cx, pal.n);
  if (!rest) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < pal.n; k++)
    if (!bt_eq(pal.u.items[k], bg)) rest[n++] = pal.u.items[k];
  return color_objects(cx, a[0], bt_set_sorted(rest, n));
}

/* Python's len(set(c)) == 1 for an iterable c. */
static int one_value(bt_value c) {
  if (!bt_is_coll(c)) return -1;
  if (c.n == 0) return 0;
  for (uint32_t k = 1; k < c.n; k++)
    if (!bt_eq(c.u.items[k], c.u.items[0])) return 0;
  return 1;
}

/* The frontier of row (axis 0) or column (axis 1) k: its cells (i, j, grid[i][j]). */
static bt_value frontier_cells(bt_ctx *cx, bt_value g, int axis, int64_t k, int64_t len) {
  bt_value *items = cells_new(cx, (size_t)len);
  if (!items) return bt_err(BT_E_LIMIT);
  for (int64_t t = 0; t < len; t++) {
    int64_t i = axis ? t : k, j = axis ? k : t;
    bt_value v = grid_at(g, i, j);
    if (bt_is_err(v)) return v;
    items[t] = cell_at(items, (size_t)len, (size_t)t, bt_int(i), bt_int(j), v);
  }
  return bt_set_sorted(items, (size_t)len);
}

BT_PRIM(tk_frontiers) {
  bt_value g = a[0], e;
  int64_t h, w;
  if (bt_is_err(e = grid_hw(g, &h, &w))) return e;
  bt_value cols = tk_call1(cx, BT_P_tk_dmirror_t, g);
  if (bt_is_err(cols)) return cols;
  if (!bt_is_coll(g) || !bt_is_coll(cols)) return bt_err(BT_E_TYPE);
  bt_vec fr;
  bt_vec_init(&fr);
  int64_t *lines = bt_alloc(cx, 2 * ((size_t)g.n + cols.n) * sizeof *lines);
  if (!lines) return bt_err(BT_E_LIMIT);
  size_t nl = 0;
  for (int axis = 0; axis < 2; axis++) {
    bt_value src = axis ? cols : g;
    for (uint32_t k = 0; k < src.n; k++) {
      int one = one_value(src.u.items[k]);
      if (one < 0) return bt_err(BT_E_TYPE);
      if (one) {
        lines[2 * nl] = axis;
        lines[2 * nl++ + 1] = k;
      }
    }
  }
  for (size_t k = 0; k < nl; k++) {
    bt_value f = frontier_cells(cx, g, (int)lines[2 * k], lines[2 * k + 1], lines[2 * k] ? h : w);
    if (bt_is_err(f)) return f;
    if (!bt_vec_push(cx, &fr, f)) return bt_err(BT_E_LIMIT);
  }
  return bt_set_build(cx, fr.items, fr.n);
}

/* ---- grids to indices and objects ------------------------------------------------------------ */

BT_PRIM(tk_asindices) { return bt_p_asindices(cx, a); }
BT_PRIM(tk_f_ofcolor) { return bt_p_ofcolor(cx, a); }

BT_PRIM(tk_asobject) {
  bt_value g = a[0], no = tk_call1(cx, BT_P_tk_is_no_grid, g);
  if (bt_is_err(no)) return no;
  if (bt_truth(no)) return tk_empty_set();
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  bt_vec cells;
  bt_vec_init(&cells);
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value row = g.u.items[i];
    if (!bt_is_coll(row)) return bt_err(BT_E_TYPE);
    bt_value *items = cells_new(cx, row.n);
    if (!items) return bt_err(BT_E_LIMIT);
    for (uint32_t j = 0; j < row.n; j++)
      if (!bt_vec_push(cx, &cells, cell_at(items, row.n, j, bt_int(i), bt_int(j), row.u.items[j])))
        return bt_err(BT_E_LIMIT);
  }
  return bt_set_build(cx, cells.items, cells.n);
}

BT_PRIM(tk_toobject) {
  bt_value g = a[1], e;
  int64_t h, w;
  if (bt_is_err(e = grid_hw(g, &h, &w))) return e;
  bt_value idx = tk_call1(cx, BT_P_tk_toindices, a[0]);
  if (bt_is_err(idx)) return idx;
  if (!bt_is_coll(idx)) return bt_err(BT_E_TYPE);
  bt_value *items = cells_new(cx, idx.n);
  if (!items) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  for (uint32_t k = 0; k < idx.n; k++) {
    bt_value ij[2];
    if (!unpack_for(idx.u.items[k], 2, ij)) return bt_unpack_err(idx.u.items[k]);
    int in = in_range(ij[0], h);
    if (in > 0) in = in_range(ij[1], w);
    if (in < 0) return bt_err(BT_E_TYPE);
    if (!in) continue;
    bt_value v = grid_at(g, ij[0].u.i, ij[1].u.i);
    if (bt_is_err(v)) return v;
    items[n] = cell_at(items, idx.n, n, ij[0], ij[1], v);
    n++;
  }
  return bt_set_build(cx, items, n);
}

BT_PRIM(tk_recolor_i) { return recolor_pairs(cx, tk_call1(cx, BT_P_tk_toindices_i, a[1]), a[0]); }
BT_PRIM(tk_recolor_o) { return recolor_pairs(cx, tk_call1(cx, BT_P_tk_toindices_o, a[1]), a[0]); }

BT_PRIM(tk_ascell) {
  bt_value i = bt_getitem(a[0], 0), j = bt_getitem(a[0], 1);
  if (bt_is_err(i)) return i;
  if (bt_is_err(j)) return j;
  bt_value *items = bt_items(cx, 3);
  if (!items) return bt_err(BT_E_LIMIT);
  items[0] = i;
  items[1] = j;
  items[2] = a[1];
  return bt_tuple(items, 3);
}

BT_PRIM(tk_celltuple) {
  bt_value x = a[0], y = a[1];
  if (!bt_is_coll(x) || !bt_is_coll(y)) return bt_err(BT_E_TYPE);
  uint32_t n = x.n < y.n ? x.n : y.n;
  bt_value *items = cells_new(cx, n);
  if (!items) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < n; k++) {
    bt_value ij[2];
    if (!unpack_for(x.u.items[k], 2, ij)) return bt_unpack_err(x.u.items[k]);
    items[k] = cell_at(items, n, k, ij[0], ij[1], y.u.items[k]);
  }
  return bt_tuple(items, n);
}

/* ---- painting and filling ----------------------------------------------------------------- */

/* A grid being changed: [list(row) for row in grid] with h, w = len(grid), len(grid[0]), and
 * the background for the under- variants. */
typedef struct canvas {
  bt_value *rows;
  int64_t h, w;
  bool under;
  bt_value bg;
} canvas;

static bt_value canvas_open(bt_ctx *cx, bt_value g, bool under, canvas *cv) {
  bt_value e = grid_hw(g, &cv->h, &cv->w);
  if (bt_is_err(e)) return e;
  cv->under = under;
  if (under && bt_is_err(cv->bg = tk_call1(cx, BT_P_tk_mostcolor_t, g))) return cv->bg;
  if (!(cv->rows = bt_items(cx, g.n))) return bt_err(BT_E_LIMIT);
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value r = g.u.items[i];
    if (!bt_is_coll(r)) return bt_err(BT_E_TYPE);
    if (bt_is_err(cv->rows[i] = bt_tuple_copy(cx, r.u.items, r.n))) return cv->rows[i];
  }
  return bt_none();
}

/* `if 0 <= i < h and 0 <= j < w [and g[i][j] == bg]: g[i][j] = v`. */
static bt_value canvas_put(canvas *cv, bt_value i, bt_value j, bt_value v) {
  int in = in_range(i, cv->h);
  if (in > 0) in = in_range(j, cv->w);
  if (in <= 0) return in < 0 ? bt_err(BT_E_TYPE) : bt_none();
  bt_value row = cv->rows[i.u.i];
  if (j.u.i >= (int64_t)row.n) return bt_err(BT_E_INDEX);
  bt_value *cell = (bt_value *)&row.u.items[j.u.i];
  if (!cv->under || bt_eq(*cell, cv->bg)) *cell = v;
  return bt_none();
}

/* fill / underfill: color at every (i, j) of toindices(patch). */
static bt_value fill_patch(bt_ctx *cx, const bt_value *a, bool under) {
  canvas cv;
  bt_value e = canvas_open(cx, a[0], under, &cv);
  if (bt_is_err(e)) return e;
  bt_value idx = tk_call1(cx, BT_P_tk_toindices, a[2]);
  if (bt_is_err(idx)) return idx;
  if (!bt_is_coll(idx)) return bt_err(BT_E_TYPE);
  for (uint32_t k = 0; k < idx.n; k++) {
    bt_value ij[2];
    if (!unpack_for(idx.u.items[k], 2, ij)) return bt_unpack_err(idx.u.items[k]);
    if (bt_is_err(e = canvas_put(&cv, ij[0], ij[1], a[1]))) return e;
  }
  return bt_tuple(cv.rows, a[0].n);
}

/* paint / underpaint: every cell (i, j, c) of the object, later cells over earlier ones. */
static bt_value paint_object(bt_ctx *cx, const bt_value *a, bool under) {
  canvas cv;
  bt_value obj = a[1], e = canvas_open(cx, a[0], under, &cv);
  if (bt_is_err(e)) return e;
  if (!bt_is_coll(obj)) return bt_err(BT_E_TYPE);
  for (uint32_t k = 0; k < obj.n; k++) {
    bt_value ijc[3];
    if (!unpack_for(obj.u.items[k], 3, ijc)) return bt_unpack_err(obj.u.items[k]);
    if (bt_is_err(e = canvas_put(&cv, ijc[0], ijc[1], ijc[2]))) return e;
  }
  return bt_tuple(cv.rows, a[0].n);
}

BT_PRIM(tk_fill) { return fill_patch(cx, a, false); }
BT_PRIM(tk_underfill) { return fill_patch(cx, a, true); }
BT_PRIM(tk_paint) { return paint_object(cx, a, false); }
BT_PRIM(tk_underpaint) { return paint_object(cx, a, true); }

BT_PRIM(tk_cover) {
  bt_value args[3] = {a[0], tk_call1(cx, BT_P_tk_mostcolor_t, a[0]), tk_call1(cx, BT_P_tk_toindices, a[1])},
           e;
  if (bt_any_err(args, 3, &e)) return e;
  return tk_call(cx, BT_P_tk_fill, args);
}

BT_PRIM(tk_move) {
  bt_value covered = tk_call2(cx, BT_P_tk_cover, a[0], a[1]);
  if (bt_is_err(covered)) return covered;
  bt_value shifted = tk_call2(cx, BT_P_tk_shift, a[1], a[2]);
  if (bt_is_err(shifted)) return shifted;
  return tk_call2(cx, BT_P_tk_paint, covered, shifted);
}

BT_PRIM(tk_index) {
  (void)cx;
  bt_value g = a[0], loc = a[1], ij[2], e;
  if (is_unit(loc)) return tk_ninf();
  if (!unpack_n(loc, 2, ij)) return bt_unpack_err(loc);
  int64_t h, w;
  if (bt_is_err(e = grid_hw(g, &h, &w))) return e;
  int in = in_range(ij[0], h);
  if (in > 0) in = in_range(ij[1], w);
  if (in <= 0) return in < 0 ? bt_err(BT_E_TYPE) : tk_ninf();
  if (loc.kind != BT_TUPLE) return bt_err(BT_E_TYPE); /* loc[0] */
  return grid_at(g, ij[0].u.i, ij[1].u.i);
}

/* ---- moving objects --------------------------------------------------------------------- */

BT_PRIM(tk_gravitate) {
  bt_value src = a[0], dst = a[1], s[2], d[2];
  if (!bt_truth(dst)) return src;
  bt_value cs = tk_call1(cx, BT_P_tk_center, src);
  if (bt_is_err(cs)) return cs;
  if (!unpack_n(cs, 2, s)) return bt_unpack_err(cs);
  bt_value cd = tk_call1(cx, BT_P_tk_center, dst);
  if (bt_is_err(cd)) return cd;
  if (!unpack_n(cd, 2, d)) return bt_unpack_err(cd);
  bt_value vm = tk_call2(cx, BT_P_tk_vmatching, src, dst);
  if (bt_is_err(vm)) return vm;
  int axis = bt_truth(vm) ? 0 : 1, lt = bt_py_lt(s[axis], d[axis]);
  if (lt < 0) return bt_err(BT_E_TYPE);
  int64_t di = axis ? 0 : lt ? 1 : -1, dj = axis ? (lt ? 1 : -1) : 0, gi = di, gj = dj;
  bt_value dir = bt_ipair(cx, di, dj), cur = src;
  if (bt_is_err(dir)) return dir;
  for (int c = 0;; c++) {
    bt_value adj = tk_call2(cx, BT_P_tk_adjacent, cur, dst);
    if (bt_is_err(adj)) return adj;
    if (bt_truth(adj) || c >= 42) break;
    gi += di;
    gj += dj;
    if (bt_is_err(cur = tk_call2(cx, BT_P_tk_shift, cur, dir))) return cur;
  }
  return bt_ipair(cx, gi - di, gj - dj);
}

/* Whether every cell (a, b, v) of cells lies inside the grid with grid[a][b] == v (Python's
 * all(), stopping at the first that does not): 1, 0 or an error in *err. */
static int cells_match(bt_value g, int64_t h, int64_t w, bt_value cells, bt_value *err) {
  if (!bt_is_coll(cells)) return *err = bt_err(BT_E_TYPE), -1;
  for (uint32_t k = 0; k < cells.n; k++) {
    bt_value abv[3];
    if (!unpack_for(cells.u.items[k], 3, abv)) return *err = bt_unpack_err(cells.u.items[k]), -1;
    int in = in_range(abv[0], h);
    if (in > 0) in = in_range(abv[1], w);
    if (in < 0) return *err = bt_err(BT_E_TYPE), -1;
    if (!in) return 0;
    bt_value v = grid_at(g, abv[0].u.i, abv[1].u.i);
    if (bt_is_err(v)) return *err = v, -1;
    if (!bt_eq(v, abv[2])) return 0;
  }
  return 1;
}

/* Whether the cells of normed are int cells (a, b, v): shifting them is adding to a and b. */
static bool plain_cells(bt_value normed) {
  if (!bt_is_coll(normed)) return false;
  for (uint32_t k = 0; k < normed.n; k++) {
    bt_value c = normed.u.items[k];
    if (!tk_is_tuple_n(c, 3) || !bt_is_int(c.u.items[0]) || !bt_is_int(c.u.items[1])) return false;
    if (c.u.items[0].u.i < -(1 << 30) || c.u.items[0].u.i > (1 << 30)) return false;
    if (c.u.items[1].u.i < -(1 << 30) || c.u.items[1].u.i > (1 << 30)) return false;
  }
  return true;
}

BT_PRIM(tk_occurrences) {
  bt_value g = a[0], obj = a[1], e, hw[2];
  bt_value normed = tk_call1(cx, BT_P_tk_normalize, obj);
  if (bt_is_err(normed)) return normed;
  int64_t h, w, h2, w2;
  if (bt_is_err(e = grid_hw(g, &h, &w))) return e;
  bt_value shape = tk_call1(cx, BT_P_tk_shape_f, obj);
  if (bt_is_err(shape)) return shape;
  if (!unpack_n(shape, 2, hw)) return bt_unpack_err(shape);
  if (!bt_is_int(hw[0]) || !bt_is_int(hw[1])) return bt_err(BT_E_TYPE);
  if (__builtin_sub_overflow(h + 1, hw[0].u.i, &h2) || __builtin_sub_overflow(w + 1, hw[1].u.i, &w2))
    return bt_err(BT_E_OVERFLOW);
  if (h2 <= 0 || w2 <= 0) return tk_empty_set();
  if (h2 > (int64_t)cx->lim.max_elems / w2) return bt_err(BT_E_LIMIT);
  int64_t *ij = bt_ints_new(cx, 2 * (size_t)(h2 * w2));
  if (!ij) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  bool plain = plain_cells(normed);
  for (int64_t i = 0; i < h2; i++)
    for (int64_t j = 0; j < w2; j++) {
      int ok = 1;
      if (plain) { /* shift(normed, (i, j)) read in place */
        for (uint32_t k = 0; k < normed.n && ok; k++) {
          const bt_value *c = normed.u.items[k].u.items;
          int64_t r = c[0].u.i + i, s = c[1].u.i + j;
          if (r < 0 || r >= h || s < 0 || s >= w) {
            ok = 0;
            break;
          }
          bt_value v = grid_at(g, r, s);
          if (bt_is_err(v)) return v;
          ok = bt_eq(v, c[2]);
        }
      } else {
        bt_mark m = bt_arena_mark(cx);
        bt_value d = bt_ipair(cx, i, j), moved = bt_is_err(d) ? d : tk_call2(cx, BT_P_tk_shift, normed, d);
        if (bt_is_err(moved)) return moved;
        if ((ok = cells_match(g, h, w, moved, &e)) < 0) return e;
        bt_arena_release(cx, m);
      }
      if (ok) {
        ij[2 * n] = i;
        ij[2 * n++ + 1] = j;
      }
    }
  return bt_index_set_sorted(cx, ij, n);
}

/* ---- lines ---------------------------------------------------------------------------- */

BT_PRIM(tk_connect) {
  bt_value p[4];
  if (is_unit(a[0]) || is_unit(a[1])) return tk_empty_set();
  if (unpack_n(a[0], 2, p) && unpack_n(a[1], 2, p + 2)) {
    /* float ends (nan, the infinities): every test below fails for nan, and a line would
     * take a range() of floats */
    double d[4];
    bool fl = false, num = true;
    for (int k = 0; k < 4; k++) {
      fl = fl || p[k].kind == BT_FLOAT;
      num = num && (bt_is_int(p[k]) || p[k].kind == BT_FLOAT);
      d[k] = p[k].kind == BT_FLOAT ? p[k].u.f : (double)p[k].u.i;
    }
    if (fl && num) {
      bool line = d[0] == d[2] || d[1] == d[3] || d[2] - d[0] == d[3] - d[1] || d[2] - d[0] == d[1] - d[3];
      return line ? bt_err(BT_E_TYPE) : tk_empty_set();
    }
  }
  return bt_p_connect(cx, a);
}

static bool is_empty_end(bt_value v) { return bt_is_coll(v) && v.n == 0; } /* == () or frozenset() */

BT_PRIM(tk_shoot) {
  if (is_empty_end(a[0]) || is_empty_end(a[1])) return tk_empty_set();
  bt_value end[2];
  for (int k = 0; k < 2; k++) {
    bt_value s = bt_getitem(a[0], k), d = bt_getitem(a[1], k);
    if (bt_is_err(s)) return s;
    if (bt_is_err(d)) return d;
    if (!bt_is_int(s) || !bt_is_int(d)) return bt_err(BT_E_TYPE);
    bt_value step = bt_int_mul(42, d.u.i);
    if (bt_is_err(step)) return step;
    if (bt_is_err(end[k] = bt_int_add(s.u.i, step.u.i))) return end[k];
  }
  bt_value target = bt_pair(cx, end[0], end[1]);
  return bt_is_err(target) ? target : tk_call2(cx, BT_P_tk_connect, a[0], target);
}

/* hfrontier (axis 0: (location[0], j)) / vfrontier (axis 1: (i, location[1])), 30 long. */
static bt_value frontier_line(bt_ctx *cx, bt_value loc, int axis) {
  bt_value fixed = bt_getitem(loc, axis);
  if (bt_is_err(fixed)) return fixed;
  bt_value *items = bt_items_parts(cx, 30, 60);
  if (!items) return bt_err(BT_E_LIMIT);
  for (int k = 0; k < 30; k++)
    items[k] = axis ? bt_pair_at(items + 30 + 2 * k, bt_int(k), fixed)
                    : bt_pair_at(items + 30 + 2 * k, fixed, bt_int(k));
  return bt_set_sorted(items, 30);
}

BT_PRIM(tk_hfrontier) { return is_unit(a[0]) ? tk_empty_set() : frontier_line(cx, a[0], 0); }
BT_PRIM(tk_vfrontier) { return frontier_line(cx, a[0], 1); }

/* hline / vline: along(patch) == len(patch) and across(patch) == 1. */
static bt_value line_test(bt_ctx *cx, bt_value p, int along, int across) {
  bt_value x = tk_call1(cx, along, p);
  if (bt_is_err(x)) return x;
  int64_t n = bt_len(p);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (!bt_eq(x, bt_int(n))) return bt_bool(false);
  bt_value y = tk_call1(cx, across, p);
  return bt_is_err(y) ? y : bt_bool(bt_eq(y, bt_int(1)));
}

BT_PRIM(tk_hline_i) { return line_test(cx, a[0], BT_P_tk_width_i, BT_P_tk_height_i); }
BT_PRIM(tk_hline_o) { return line_test(cx, a[0], BT_P_tk_width_o, BT_P_tk_height_o); }
BT_PRIM(tk_vline_i) { return line_test(cx, a[0], BT_P_tk_height_i, BT_P_tk_width_i); }
BT_PRIM(tk_vline_o) { return line_test(cx, a[0], BT_P_tk_height_o, BT_P_tk_width_o); }

/* ---- samples ------------------------------------------------------------------------------- */

/* c_iz / c_zo: the values function yields over the inputs (outputs) of S that it yields over
 * no output (input), deduplicated in order. */
static bt_value sample_diff(bt_ctx *cx, bt_value S, bt_value f, bool outputs) {
  bt_value side[2];
  for (int k = 0; k < 2; k++) {
    bt_value grids = tk_call2(cx, BT_P_tk_apply, bt_prim_value(k ? BT_P_tk_second : BT_P_tk_first), S);
    if (bt_is_err(grids)) return grids;
    bt_value vals = tk_call2(cx, BT_P_tk_mapply_t, f, grids);
    if (bt_is_err(vals)) return vals;
    if (bt_is_err(side[k] = tk_call1(cx, BT_P_tk_dedupe, vals))) return side[k];
  }
  return tk_call2(cx, BT_P_tk_difference_tuple, side[outputs], side[!outputs]);
}

BT_PRIM(tk_c_iz) { return sample_diff(cx, a[0], a[1], false); }
BT_PRIM(tk_c_zo) { return sample_diff(cx, a[0], a[1], true); }

static bt_value pick_diff(bt_ctx *cx, const bt_value *a, int prim) {
  bt_value r = tk_call2(cx, prim, a[0], a[1]);
  return bt_is_err(r) ? r : bt_call1(cx, a[2], r);
}

BT_PRIM(tk_c_iz_n) { return pick_diff(cx, a, BT_P_tk_c_iz); }
BT_PRIM(tk_c_zo_n) { return pick_diff(cx, a, BT_P_tk_c_zo); }
