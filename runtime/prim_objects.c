/* prim_objects.c: colors and objects — color counts, palettes, partitions, the
 * connected-component labelling behind objects(), conversions between grids and
 * objects, and the searches over objects (occurrences, periods, frontiers). */
#include <stdlib.h>
#include <string.h>

#include "batt.h"
#include "bt_prims.h"
#include "patch.h"

enum { SMALL_COLORS = 10 };

/* ---- the colors of an element -------------------------------------------------- */

/* Counts of colors 0..9 of an element (grid or object) when every color is a plain
 * int in 0..9; false otherwise (the caller takes the general path). */
static bool small_color_counts(bt_value element, int64_t counts[SMALL_COLORS]) {
  memset(counts, 0, SMALL_COLORS * sizeof *counts);
  if (element.kind == BT_PGRID) {
    uint64_t all[256];
    bt_byte_counts(element.u.pg->c, (size_t)(element.u.pg->h * element.u.pg->w), all);
    for (int k = SMALL_COLORS; k < 256; k++)
      if (all[k]) return false;
    for (int k = 0; k < SMALL_COLORS; k++)
      counts[k] = (int64_t)all[k];
    return true;
  }
  if (element.kind == BT_TUPLE) {
    for (uint32_t r = 0; r < element.n; r++) {
      bt_value row = element.u.items[r];
      if (row.kind != BT_TUPLE) return false;
      for (uint32_t k = 0; k < row.n; k++) {
        bt_value v = row.u.items[k];
        if (v.kind != BT_INT || (uint64_t)v.u.i >= SMALL_COLORS) return false;
        counts[v.u.i]++;
      }
    }
    return true;
  }
  if (element.kind != BT_SET) return false;
  for (uint32_t k = 0; k < element.n; k++) {
    bt_value cell = element.u.items[k];
    if (cell.kind != BT_TUPLE || cell.n != 2) return false;
    bt_value v = cell.u.items[0];
    if (v.kind != BT_INT || (uint64_t)v.u.i >= SMALL_COLORS) return false;
    counts[v.u.i]++;
  }
  return true;
}

/* Python's list of an element's colors: [v for r in element for v in r] for a tuple,
 * [v for v, _ in element] otherwise. Returns none or Python's error. */
static bt_value element_values(bt_ctx *cx, bt_value element, bt_vec *out) {
  bt_vec_init(out);
  if (!bt_is_coll(element)) return bt_err(BT_E_TYPE);
  for (uint32_t r = 0; r < element.n; r++) {
    bt_value item = element.u.items[r], v, rest;
    if (element.kind == BT_TUPLE) {
      if (!bt_is_coll(item)) return bt_err(BT_E_TYPE);
      for (uint32_t k = 0; k < item.n; k++)
        if (!bt_vec_push(cx, out, item.u.items[k])) return bt_err(BT_E_LIMIT);
      continue;
    }
    if (!bt_unpack2(item, &v, &rest)) return bt_unpack_err(item);
    if (!bt_vec_push(cx, out, v)) return bt_err(BT_E_LIMIT);
  }
  return bt_none();
}

/* The distinct values of vals (first occurrence kept) and how often each occurs. */
static bt_value count_distinct(bt_ctx *cx, const bt_vec *vals, int64_t **counts) {
  bt_value *copy = bt_items(cx, vals->n);
  if (!copy && vals->n) return bt_err(BT_E_LIMIT);
  if (vals->n) memcpy(copy, vals->items, vals->n * sizeof *copy);
  bt_value distinct = bt_set_build(cx, copy, vals->n);
  if (bt_is_err(distinct)) return distinct;
  *counts = bt_ints_new(cx, distinct.n + 1);
  if (!*counts) return bt_err(BT_E_LIMIT);
  memset(*counts, 0, (distinct.n + 1) * sizeof **counts);
  for (size_t k = 0; k < vals->n; k++)
    (*counts)[bt_set_find(distinct, vals->items[k])]++;
  return distinct;
}

/* mostcolor / leastcolor: max/min(set(values), key=values.count); ties go to the
 * first value in canonical order. */
static bt_value extreme_color(bt_ctx *cx, bt_value element, bool most) {
  int64_t small[SMALL_COLORS];
  if (small_color_counts(element, small)) {
    int best = -1;
    for (int c = 0; c < SMALL_COLORS; c++)
      if (small[c] > 0 && (best < 0 || (most ? small[c] > small[best] : small[c] < small[best]))) best = c;
    return best < 0 ? bt_err(BT_E_VALUE) : bt_int(best);
  }
  if (bt_is_err(element = bt_unpack(cx, element))) return element;
  bt_vec vals;
  bt_value r = element_values(cx, element, &vals);
  if (bt_is_err(r)) return r;
  if (vals.n == 0) return bt_err(BT_E_VALUE);
  int64_t *counts;
  bt_value distinct = count_distinct(cx, &vals, &counts);
  if (bt_is_err(distinct)) return distinct;
  uint32_t best = 0;
  for (uint32_t k = 1; k < distinct.n; k++)
    if (most ? counts[k] > counts[best] : counts[k] < counts[best]) best = k;
  return distinct.u.items[best];
}

BT_PRIM(mostcolor) { BT_MEMOIZED(cx, BT_P_mostcolor, a[0], extreme_color(cx, a[0], true)); }
BT_PRIM(leastcolor) { BT_MEMOIZED(cx, BT_P_leastcolor, a[0], extreme_color(cx, a[0], false)); }

/* palette: the set of an element's colors. */
static bt_value element_palette(bt_ctx *cx, bt_value element) {
  int64_t small[SMALL_COLORS];
  if (small_color_counts(element, small)) {
    bt_value *items = bt_items(cx, SMALL_COLORS);
    if (!items) return bt_err(BT_E_LIMIT);
    size_t n = 0;
    for (int c = 0; c < SMALL_COLORS; c++)
      if (small[c]) items[n++] = bt_int(c);
    return bt_set_sorted(items, n);
  }
  if (bt_is_err(element = bt_unpack(cx, element))) return element;
  bt_vec vals;
  bt_value r = element_values(cx, element, &vals);
  if (bt_is_err(r)) return r;
  return bt_set_build(cx, vals.items, vals.n);
}

BT_PRIM(palette) { return element_palette(cx, a[0]); }

static bt_value element_numcolors(bt_ctx *cx, bt_value element) {
  bt_value p = element_palette(cx, element);
  return bt_is_err(p) ? p : bt_int(p.n);
}

BT_PRIM(numcolors) { BT_MEMOIZED(cx, BT_P_numcolors, a[0], element_numcolors(cx, a[0])); }

BT_PRIM(colorcount) {
  (void)cx;
  bt_value element = a[0], value = a[1];
  int64_t n = 0;
  if (!bt_is_coll(element)) return bt_err(BT_E_TYPE);
  for (uint32_t r = 0; r < element.n; r++) {
    bt_value item = element.u.items[r], v, rest;
    if (element.kind == BT_TUPLE) {
      if (item.kind != BT_TUPLE) return bt_err(BT_E_ATTR);
      for (uint32_t k = 0; k < item.n; k++)
        n += bt_eq(item.u.items[k], value);
      continue;
    }
    if (!bt_unpack2(item, &v, &rest)) return bt_unpack_err(item);
    n += bt_eq(v, value);
  }
  return bt_int(n);
}

BT_PRIM(color) {
  (void)cx;
  if (!bt_is_coll(a[0])) return bt_err(BT_E_TYPE);
  if (a[0].n == 0) return bt_err(BT_E_STOP);
  return bt_getitem(a[0].u.items[0], 0);
}

/* ---- filters over containers ------------------------------------------------------ */

BT_PRIM(colorfilter) {
  bt_value objs = a[0];
  if (!bt_is_coll(objs)) return bt_err(BT_E_TYPE);
  bt_value *kept = bt_items(cx, objs.n);
  if (!kept && objs.n) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  for (uint32_t k = 0; k < objs.n; k++) {
    bt_value obj = objs.u.items[k];
    if (!bt_is_coll(obj)) return bt_err(BT_E_TYPE);
    if (obj.n == 0) return bt_err(BT_E_RUNTIME); /* StopIteration inside a generator */
    bt_value c = bt_getitem(obj.u.items[0], 0);
    if (bt_is_err(c)) return c;
    if (bt_eq(c, a[1])) kept[n++] = obj;
  }
  return bt_is_set(objs) ? bt_set_sorted(kept, n) : bt_set_build(cx, kept, n);
}

BT_PRIM(sizefilter) {
  bt_value items = a[0];
  if (!bt_is_coll(items)) return bt_err(BT_E_TYPE);
  bt_value *kept = bt_items(cx, items.n);
  if (!kept && items.n) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  for (uint32_t k = 0; k < items.n; k++) {
    int64_t len = bt_len(items.u.items[k]);
    if (len < 0) return bt_err(BT_E_TYPE);
    if (bt_eq(bt_int(len), a[1])) kept[n++] = items.u.items[k];
  }
  return bt_is_set(items) ? bt_set_sorted(kept, n) : bt_set_build(cx, kept, n);
}

/* ---- grids to indices and objects ------------------------------------------------ */

BT_PRIM(asindices) {
  bool packed = a[0].kind == BT_PGRID;
  int64_t h = packed ? a[0].u.pg->h : bt_len(a[0]), w;
  if (h < 0) return bt_err(BT_E_TYPE);
  if (h == 0) return bt_set_sorted(NULL, 0);
  if (packed)
    w = a[0].u.pg->w;
  else {
    bt_value row = bt_getitem(a[0], 0);
    if (bt_is_err(row)) return row;
    w = bt_len(row);
  }
  if (w < 0) return bt_err(BT_E_TYPE);
  if (w > 0 && h > (int64_t)cx->lim.max_elems / w) return bt_err(BT_E_LIMIT);
  int64_t *ij = bt_ints_new(cx, 2 * (size_t)(h * w) + 2);
  if (!ij) return bt_err(BT_E_LIMIT);
  for (int64_t k = 0; k < h * w; k++) {
    ij[2 * k] = k / w;
    ij[2 * k + 1] = k % w;
  }
  return bt_index_set_sorted(cx, ij, (size_t)(h * w));
}

/* Cells of `for i, r in enumerate(grid) for j, v in enumerate(r)` that keep(v):
 * pairs (i, j) (as_cells false) or cells (v, (i, j)); an unsorted arena array. */
typedef bool (*cell_test)(bt_value v, const void *arg);

static bool equals_value(bt_value v, const void *arg);

/* The value at row i, column j of grid (packed: rows of w cells). */
static inline bt_value grid_at(bt_value grid, bool packed, uint32_t i, uint32_t j, uint32_t w) {
  return packed ? bt_int(grid.u.pg->c[(size_t)i * w + j]) : grid.u.items[i].u.items[j];
}

/* The arena values a kept cell at (i, j) of value v takes beyond its item. */
static inline size_t cell_parts(bool as_cells, bt_value v, int64_t i, int64_t j) {
  return as_cells ? bt_cell_parts(v, bt_int(i), bt_int(j)) : bt_pair_parts(bt_int(i), bt_int(j));
}

static bt_value grid_cells(bt_ctx *cx, bt_value grid, bool as_cells, cell_test keep, const void *arg,
                           bt_vec *out) {
  bt_vec_init(out);
  bool packed = grid.kind == BT_PGRID; /* then every row has w cells */
  if (!packed && !bt_is_coll(grid)) return bt_err(BT_E_TYPE);
  size_t total = packed ? (size_t)(grid.u.pg->h * grid.u.pg->w) : 0;
  for (uint32_t i = 0; !packed && i < grid.n; i++) {
    if (!bt_is_coll(grid.u.items[i])) return bt_err(BT_E_TYPE);
    total += grid.u.items[i].n;
  }
  if (total > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  /* what the cells take, counted first when keeping a cell is a comparison of plain ints
     (or every cell is kept), so that only that is allocated */
  const bt_value *want = arg;
  bool counted = !keep || (keep == equals_value && want->kind == BT_INT);
  size_t n = 0, parts = 0;
  for (uint32_t i = 0; counted && i < grid.n; i++) {
    uint32_t w = packed ? (uint32_t)grid.u.pg->w : grid.u.items[i].n;
    for (uint32_t j = 0; j < w && counted; j++) {
      bt_value v = grid_at(grid, packed, i, j, w);
      if (keep && (counted = v.kind == BT_INT) && v.u.i != want->u.i) continue;
      n++;
      parts += cell_parts(as_cells, v, i, j);
    }
  }
  bt_value *mem;
  if (counted) {
    bt_value *items = bt_items_parts(cx, n, parts);
    if (!items) return bt_err(BT_E_LIMIT);
    out->items = items;
    out->cap = n;
    mem = items + n;
  } else {
    mem = bt_items_parts(cx, 0, 4 * total + 1);
    if (!mem || !bt_vec_reserve(cx, out, total)) return bt_err(BT_E_LIMIT);
  }
  for (uint32_t i = 0; i < grid.n; i++) { /* a packed grid's n is its height */
    uint32_t w = packed ? (uint32_t)grid.u.pg->w : grid.u.items[i].n;
    for (uint32_t j = 0; j < w; j++) {
      bt_value v = grid_at(grid, packed, i, j, w);
      if (keep && !keep(v, arg)) continue;
      out->items[out->n++] =
          as_cells ? bt_cell_at(mem, v, bt_int(i), bt_int(j)) : bt_pair_at(mem, bt_int(i), bt_int(j));
      mem += counted ? cell_parts(as_cells, v, i, j) : 4;
    }
  }
  return bt_none();
}

static bool equals_value(bt_value v, const void *arg) {
  const bt_value *want = arg;
  if (v.kind == BT_INT && want->kind == BT_INT) return v.u.i == want->u.i;
  return bt_eq(v, *want);
}

BT_PRIM(ofcolor) {
  bt_vec cells;
  bt_value r = grid_cells(cx, a[0], false, equals_value, &a[1], &cells);
  if (bt_is_err(r)) return r;
  return bt_set_sorted(cells.items, cells.n); /* enumerate order is row-major */
}

/* Sorts cells of colors 0..9 (plain ints) by color, keeping the order within a color;
 * false (nothing changed) if some color is not. Makes bt_set_build's check O(n). */
static bool sort_small_colors(bt_ctx *cx, bt_value *cells, size_t n) {
  size_t start[SMALL_COLORS + 1] = {0};
  if (n < 2) return true;
  for (size_t k = 0; k < n; k++) {
    bt_value c = cells[k].u.items[0];
    if (c.kind != BT_INT || (uint64_t)c.u.i >= SMALL_COLORS) return false;
    start[c.u.i + 1]++;
  }
  for (int c = 0; c < SMALL_COLORS; c++) {
    if (start[c + 1] == n) return true; /* one color: in order already */
    start[c + 1] += start[c];
  }
  bt_value *tmp = bt_items(cx, n);
  if (!tmp) return false;
  memcpy(tmp, cells, n * sizeof *cells);
  for (size_t k = 0; k < n; k++)
    cells[start[tmp[k].u.items[0].u.i]++] = tmp[k];
  return true;
}

/* The rows of a boxed grid of ints (bt_grid_dims), in rows or allocated when more. */
static const bt_value *const *grid_rows(bt_ctx *cx, bt_value grid, const bt_value *small[64]) {
  const bt_value **rows = grid.n <= 64 ? small : bt_alloc(cx, (size_t)grid.n * sizeof *rows);
  if (!rows) return NULL;
  for (uint32_t i = 0; i < grid.n; i++)
    rows[i] = grid.u.items[i].u.items;
  return rows;
}

/* asobject of an h x w grid of ints (boxed rows, or packed bytes) whose cells are all
 * interned: the cells counted by color, then written once each in canonical order (color,
 * then row-major, as enumerate finds them). False, nothing allocated, when some cell is
 * past the table or no color below BT_ICELL_COLORS, or a limit would be met (the own code
 * then runs and meets it). */
static bool interned_object(bt_ctx *cx, const bt_value *const *rows, const uint8_t *bytes, int64_t h,
                            int64_t w, bt_value *out) {
  enum { SIDE = BT_ICELL_LO + BT_ICELL_SPAN };
  if (h > SIDE || w > SIDE || (uint64_t)(h * w) > cx->lim.max_elems) return false;
  size_t at[BT_ICELL_COLORS + 1] = {0};
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w; j++) {
      int64_t c = bytes ? bytes[i * w + j] : rows[i][j].u.i;
      if ((uint64_t)c >= BT_ICELL_COLORS || (!bytes && rows[i][j].kind != BT_INT)) return false;
      at[c + 1]++;
    }
  for (int c = 0; c < BT_ICELL_COLORS; c++)
    at[c + 1] += at[c];
  bt_value *items = bt_items(cx, (size_t)(h * w));
  if (!items) return false;
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w; j++) {
      int64_t c = bytes ? bytes[i * w + j] : rows[i][j].u.i;
      items[at[c]++] = bt_tuple(bt_intern_cell(c, i, j), 2);
    }
  *out = bt_set_sorted(items, (size_t)(h * w));
  return true;
}

BT_PRIM(asobject) {
  int64_t h, w;
  bt_value r;
  const bt_value *small[64];
  const bt_value *const *rows;
  if (a[0].kind == BT_PGRID ? interned_object(cx, NULL, a[0].u.pg->c, a[0].u.pg->h, a[0].u.pg->w, &r)
                            : bt_grid_dims(a[0], &h, &w) && h <= 64 && (rows = grid_rows(cx, a[0], small)) &&
                                  interned_object(cx, rows, NULL, h, w, &r))
    return r;
  bt_vec cells;
  r = grid_cells(cx, a[0], true, NULL, NULL, &cells);
  if (bt_is_err(r)) return r;
  /* enumerate order is row-major, so cells sorted by color are in canonical order */
  if (sort_small_colors(cx, cells.items, cells.n)) return bt_set_sorted(cells.items, cells.n);
  return bt_set_build(cx, cells.items, cells.n);
}

BT_PRIM(toobject) {
  bt_value grid = a[1];
  bool packed = grid.kind == BT_PGRID;
  int64_t h = packed ? grid.u.pg->h : bt_len(grid), w;
  if (h < 0) return bt_err(BT_E_TYPE);
  if (packed)
    w = grid.u.pg->w;
  else {
    bt_value row0 = bt_getitem(grid, 0);
    if (bt_is_err(row0)) return row0;
    w = bt_len(row0);
  }
  if (w < 0) return bt_err(BT_E_TYPE);
  bt_value idx = bt_toindices(cx, bt_unpack(cx, a[0]));
  if (bt_is_err(idx)) return idx;
  size_t parts = 0; /* at most what the cells that are not interned take */
  for (uint32_t k = 0; k < idx.n; k++) {
    int64_t at = bt_intern_at(idx.u.items[k]), i, j;
    if (at < 0 || at >= BT_INTERN_PAIRS) {
      parts += 4;
      continue;
    }
    bt_intern_ij(at, &i, &j);
    if (i < 0 || i >= h || j < 0 || j >= w) continue; /* left out below */
    bt_value v = packed ? bt_int(grid.u.pg->c[i * w + j]) : bt_getitem(bt_getitem(grid, i), j);
    parts += bt_cell_parts(v, bt_int(i), bt_int(j));
  }
  bt_value *items = bt_items_parts(cx, (size_t)idx.n, parts), *mem = items + idx.n;
  if (!items) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  bool pairs = true; /* every index a tuple: distinct indices give distinct cells */
  for (uint32_t k = 0; k < idx.n; k++) {
    bt_value index = idx.u.items[k], i, j;
    if (!bt_unpack2(index, &i, &j)) return bt_unpack_err(index);
    pairs = pairs && index.kind == BT_TUPLE;
    if (!bt_is_int(i)) return bt_err(BT_E_TYPE);
    if (i.u.i < 0 || i.u.i >= h) continue;
    if (!bt_is_int(j)) return bt_err(BT_E_TYPE);
    if (j.u.i < 0 || j.u.i >= w) continue;
    bt_value v =
        packed ? bt_int(grid.u.pg->c[i.u.i * w + j.u.i]) : bt_getitem(bt_getitem(grid, i.u.i), j.u.i);
    if (bt_is_err(v)) return v;
    items[n] = bt_cell_at(mem, v, i, j);
    mem += bt_cell_parts(v, i, j);
    n++;
  }
  /* ascending distinct indices, grouped by color, are in canonical order */
  if (sort_small_colors(cx, items, n) && bt_is_set(idx) && pairs) return bt_set_sorted(items, n);
  return bt_set_build(cx, items, n);
}

/* partition / fgpartition: one object per palette color (without the most common one
 * for fgpartition), cells in `enumerate` order. */
static bt_value color_partition(bt_ctx *cx, bt_value grid, bool without_bg) {
  bt_value pal = element_palette(cx, grid);
  if (bt_is_err(pal)) return pal;
  if (without_bg) {
    bt_value bg = extreme_color(cx, grid, true);
    if (bt_is_err(bg)) return bg;
    int64_t at = bt_set_find(pal, bg);
    if (at >= 0) {
      bt_value *rest = bt_items(cx, pal.n);
      if (!rest) return bt_err(BT_E_LIMIT);
      memcpy(rest, pal.u.items, at * sizeof *rest);
      memcpy(rest + at, pal.u.items + at + 1, (pal.n - at - 1) * sizeof *rest);
      pal = bt_set_sorted(rest, pal.n - 1);
    }
  }
  if (pal.n == 0) return pal;
  bt_vec cells;
  bt_value r = grid_cells(cx, grid, true, NULL, NULL, &cells);
  if (bt_is_err(r)) return r;
  /* group the cells by palette color: count, then place in enumerate order */
  int64_t *slot = bt_ints_new(cx, cells.n + pal.n + 1), *start = slot + cells.n;
  bt_value *grouped = bt_items(cx, cells.n + pal.n + 1), *objs = grouped + cells.n;
  if (!slot || !grouped) return bt_err(BT_E_LIMIT);
  memset(start, 0, (pal.n + 1) * sizeof *start);
  for (size_t k = 0; k < cells.n; k++) {
    slot[k] = bt_set_find(pal, cells.items[k].u.items[0]);
    if (slot[k] >= 0) start[slot[k] + 1]++;
  }
  for (uint32_t c = 0; c < pal.n; c++)
    start[c + 1] += start[c];
  for (uint32_t c = 0; c < pal.n; c++)
    objs[c] = bt_set_sorted(grouped + start[c], (size_t)(start[c + 1] - start[c]));
  for (size_t k = 0; k < cells.n; k++)
    if (slot[k] >= 0) grouped[start[slot[k]]++] = cells.items[k];
  return bt_set_build(cx, objs, pal.n);
}

BT_PRIM(partition) { return color_partition(cx, a[0], false); }
BT_PRIM(fgpartition) { return color_partition(cx, a[0], true); }

/* ---- connected components ------------------------------------------------------------ */

enum { UNSEEN = -2, BACKGROUND = -1, WALL = -3 };

/* Flood fill over a grid padded with a WALL border, so neighbours need no bounds
 * checks: lab[] and val[] are (h + 2) x (w + 2), row stride w + 2. */
/* Cell k of the padded values: bytes (a packed grid's) or int64s. */
static inline int64_t val_at(const void *val, bool bytes, int64_t k) {
  return bytes ? ((const uint8_t *)val)[k] : ((const int64_t *)val)[k];
}

static inline __attribute__((always_inline)) void flood(int32_t *lab, const void *val, bool bytes, int64_t h,
                                                        int64_t w, bt_label_rule rule, int32_t *stack,
                                                        int32_t *size, int32_t *count) {
  const int64_t stride = w + 2;
  const int64_t steps[8] = {-stride, stride, -1, 1, -stride - 1, -stride + 1, stride - 1, stride + 1};
  const int nsteps = rule.diagonal ? 8 : 4;
  for (int64_t i = 1; i <= h; i++)
    for (int64_t seed = i * stride + 1; seed <= i * stride + w; seed++) {
      if (lab[seed] != UNSEEN) continue;
      if (rule.has_bg && val_at(val, bytes, seed) == rule.bg) {
        lab[seed] = BACKGROUND;
        continue;
      }
      int32_t id = (*count)++, top = 0, cells = 0;
      lab[seed] = id;
      stack[top++] = (int32_t)seed;
      while (top > 0) {
        int64_t c = stack[--top];
        cells++;
        for (int s = 0; s < nsteps; s++) {
          int64_t nc = c + steps[s];
          if (lab[nc] != UNSEEN) continue;
          int64_t v = val_at(val, bytes, nc);
          if (rule.univalued ? v != val_at(val, bytes, seed) : rule.has_bg && v == rule.bg) continue;
          lab[nc] = id;
          stack[top++] = (int32_t)nc;
        }
      }
      size[id] = cells;
    }
}

/* The flood for int64 values and for bytes, each compiled for its type. */
static void flood_padded(int32_t *lab, const int64_t *val, int64_t h, int64_t w, bt_label_rule rule,
                         int32_t *stack, int32_t *size, int32_t *count) {
  flood(lab, val, false, h, w, rule, stack, size, count);
}
static void flood_padded8(int32_t *lab, const uint8_t *val, int64_t h, int64_t w, bt_label_rule rule,
                          int32_t *stack, int32_t *size, int32_t *count) {
  flood(lab, val, true, h, w, rule, stack, size, count);
}

bool bt_label_grid(bt_ctx *cx, bt_value g, int64_t h, int64_t w, bt_label_rule rule, bt_labels *out) {
  const int64_t stride = w + 2;
  size_t n = (size_t)(h * w), padded = (size_t)((h + 2) * stride);
  bool bytes = g.kind == BT_PGRID; /* a packed grid's values stay bytes */
  int64_t *val = bytes ? NULL : bt_ints_new(cx, padded);
  uint8_t *val8 = bytes ? bt_alloc(cx, padded) : NULL;
  int32_t *lab = bt_alloc(cx, (padded + 2 * n + 1) * sizeof(int32_t));
  int32_t *size = bt_alloc(cx, (n + 1) * sizeof(int32_t));
  if ((!val && !val8) || !lab || !size) return false;
  int32_t *label = lab + padded, *stack = label + n;
  for (size_t c = 0; c < padded; c++)
    lab[c] = WALL;
  for (int64_t i = 0; i < h; i++) {
    if (bytes)
      memcpy(val8 + (i + 1) * stride + 1, g.u.pg->c + i * w, (size_t)w);
    else {
      const bt_value *row = g.u.items[i].u.items;
      for (int64_t j = 0; j < w; j++)
        val[(i + 1) * stride + j + 1] = row[j].u.i;
    }
    for (int64_t j = 0; j < w; j++)
      lab[(i + 1) * stride + j + 1] = UNSEEN;
  }
  int32_t count = 0;
  if (bytes)
    flood_padded8(lab, val8, h, w, rule, stack, size, &count);
  else
    flood_padded(lab, val, h, w, rule, stack, size, &count);
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w; j++)
      label[i * w + j] = lab[(i + 1) * stride + j + 1];
  *out = (bt_labels){h, w, label, count, size};
  return true;
}

/* The canonical position of an object among objects: its first cell (color, i, j). */
typedef struct object_key {
  int64_t c, i, j;
  bt_value obj;
} object_key;

static int cmp_object_key(const void *x, const void *y) {
  const object_key *p = x, *q = y;
  if (p->c != q->c) return p->c < q->c ? -1 : 1;
  if (p->i != q->i) return p->i < q->i ? -1 : 1;
  return (p->j > q->j) - (p->j < q->j);
}

/* One component's cells (row-major) in canonical order: already so when it has one
 * color; sorted by color (counting sort, or the general sort) otherwise. */
static bt_value component_set(bt_ctx *cx, bt_value *cells, size_t n, bool one_color) {
  if (one_color || sort_small_colors(cx, cells, n)) return bt_set_sorted(cells, n);
  return bt_set_build(cx, cells, n);
}

/* The set of the nobj components whose cells lie in items (row-major within each:
 * component id from start[id], size[id] cells), each its cells in canonical order (one_color:
 * already so), the objects in canonical order: by their first cells' ints when int_values
 * (the cells' colors are plain ints), else by the general sort. */
static bt_value objects_of_components(bt_ctx *cx, bt_value *items, const int64_t *start, const int32_t *size,
                                      const uint8_t *one_color, size_t nobj, bool int_values) {
  object_key *keys = bt_alloc(cx, (nobj + 1) * sizeof *keys);
  bt_value *objs = bt_items(cx, nobj + 1);
  if (!keys || !objs) return bt_err(BT_E_LIMIT);
  for (size_t id = 0; id < nobj; id++) {
    objs[id] = component_set(cx, items + start[id], (size_t)size[id], one_color[id]);
    if (bt_is_err(objs[id])) return objs[id];
    const bt_value *first = objs[id].u.items[0].u.items;
    if (int_values)
      keys[id] = (object_key){first[0].u.i, first[1].u.items[0].u.i, first[1].u.items[1].u.i, objs[id]};
  }
  if (!int_values) return bt_set_build(cx, objs, nobj);
  qsort(keys, nobj, sizeof *keys, cmp_object_key);
  for (size_t id = 0; id < nobj; id++)
    objs[id] = keys[id].obj;
  return bt_set_sorted(objs, nobj);
}

/* The objects of a labelling of the int grid ig: cell values come from vals (ig
 * itself, or the values ig numbers), colors compare as ig's ints; when vals are ig
 * the objects are ordered by their first cells' ints, else by the general sort. */
static bt_value objects_of_labels(bt_ctx *cx, bt_value ig, bt_value vals, const bt_labels *lab) {
  size_t n = (size_t)(lab->h * lab->w), total = 0;
  size_t nobj = (size_t)lab->n;
  int64_t *start = bt_ints_new(cx, 3 * nobj + 1), *fill = start + nobj, *color0 = fill + nobj;
  uint8_t *one_color = bt_mask_new(cx, nobj + 1);
  if (!start || !one_color) return bt_err(BT_E_LIMIT);
  for (size_t id = 0; id < nobj; id++) {
    start[id] = fill[id] = (int64_t)total;
    total += (size_t)lab->size[id];
    one_color[id] = true;
  }
  bool packed = ig.kind == BT_PGRID; /* then vals is ig */
  size_t parts = 0;                  /* what the cells that are not interned take */
  for (size_t c = 0; c < n; c++) {
    int64_t i = (int64_t)c / lab->w, j = (int64_t)c % lab->w;
    if (lab->label[c] >= 0)
      parts += cell_parts(true, packed ? bt_int(ig.u.pg->c[c]) : vals.u.items[i].u.items[j], i, j);
  }
  bt_value *items = bt_items_parts(cx, total, parts), *mem = items + total;
  if (!items) return bt_err(BT_E_LIMIT);
  for (size_t c = 0; c < n; c++) {
    int32_t id = lab->label[c];
    if (id < 0) continue;
    int64_t i = (int64_t)c / lab->w, j = (int64_t)c % lab->w, at = fill[id]++;
    int64_t color = packed ? ig.u.pg->c[c] : BT_GCELL(ig, i, j);
    if (at == start[id])
      color0[id] = color;
    else if (color != color0[id])
      one_color[id] = false;
    bt_value v = packed ? bt_int(color) : vals.u.items[i].u.items[j];
    items[at] = bt_cell_at(mem, v, bt_int(i), bt_int(j));
    mem += cell_parts(true, v, i, j);
  }
  bool int_values = packed || ig.u.items == vals.u.items;
  return objects_of_components(cx, items, start, lab->size, one_color, nobj, int_values);
}

/* ---- objects of a packed grid, by runs ---------------------------------------------------- */

/* A run: cells [j0, j1) of one row that join along the row (under the rule) and are not
 * background. While the runs are joined, up is the union-find parent (an index of runs);
 * then the component's id. */
typedef struct cell_run {
  int32_t j0, j1, up;
} cell_run;

static int32_t run_root(cell_run *r, int32_t k) {
  int32_t root = k;
  while (r[root].up != root)
    root = r[root].up;
  while (r[k].up != root) {
    int32_t next = r[k].up;
    r[k].up = root;
    k = next;
  }
  return root;
}

/* The end of the stretch of bytes equal to v from j (exclusive), or of bytes unequal to bg
 * when !same; eight at a time where they allow. */
static int64_t stretch_end(const uint8_t *row, int64_t j, int64_t w, uint8_t v, bool same) {
  uint64_t rep = 0x0101010101010101ull * v;
  if (same) {
    while (j + 8 <= w) {
      uint64_t word;
      memcpy(&word, row + j, 8);
      if (word != rep) break;
      j += 8;
    }
    while (j < w && row[j] == v)
      j++;
    return j;
  }
  while (j < w && row[j] != v)
    j++;
  return j;
}

/* The runs of row (w bytes) under rule into out (NULL: only counted); their count. */
static int64_t row_runs(const uint8_t *row, int64_t w, bt_label_rule rule, cell_run *out) {
  int64_t n = 0, j = 0;
  while (j < w) {
    if (rule.has_bg && row[j] == rule.bg) {
      j = stretch_end(row, j, w, (uint8_t)rule.bg, true);
      continue;
    }
    int64_t j0 = j;
    if (rule.univalued)
      j = stretch_end(row, j, w, row[j], true);
    else if (rule.has_bg)
      j = stretch_end(row, j, w, (uint8_t)rule.bg, false);
    else
      j = w;
    if (out) out[n] = (cell_run){(int32_t)j0, (int32_t)j, 0};
    n++;
  }
  return n;
}

/* objects(g, ...) of a packed grid: the components found from the runs of its rows joined by
 * union-find, the same components, numbered in the same order (their first cells'), as the
 * flood of bt_label_grid finds; cells of the background are never visited one by one. */
static bt_value objects_runs(bt_ctx *cx, const bt_pgrid *g, bt_label_rule rule) {
  int64_t h = g->h, w = g->w;
  if (rule.has_bg && (rule.bg < 0 || rule.bg > 255)) rule.has_bg = false; /* no byte equals it */
  if (w > INT32_MAX - 2) return bt_decline();
  int64_t *row_first = bt_ints_new(cx, (size_t)h + 1);
  if (!row_first) return bt_err(BT_E_LIMIT);
  int64_t nruns = 0;
  for (int64_t i = 0; i < h; i++) {
    row_first[i] = nruns;
    nruns += row_runs(g->c + i * w, w, rule, NULL);
  }
  row_first[h] = nruns;
  if (nruns > INT32_MAX) return bt_decline();
  cell_run *runs = bt_alloc(cx, ((size_t)nruns + 1) * sizeof *runs);
  if (!runs) return bt_err(BT_E_LIMIT);
  const int64_t reach = rule.diagonal ? 1 : 0;
  for (int64_t i = 0; i < h; i++) {
    const uint8_t *row = g->c + i * w;
    cell_run *cur = runs + row_first[i];
    int64_t n = row_runs(row, w, rule, cur);
    for (int64_t k = 0; k < n; k++)
      cur[k].up = (int32_t)(row_first[i] + k);
    if (i == 0) continue;
    const uint8_t *above = row - w;
    int64_t p = row_first[i - 1], end = row_first[i];
    for (int64_t k = 0; k < n; k++) {
      cell_run *b = &cur[k];
      while (p < end && runs[p].j1 + reach <= b->j0)
        p++;
      for (int64_t q = p; q < end && runs[q].j0 <= b->j1 - 1 + reach; q++) {
        if (rule.univalued && above[runs[q].j0] != row[b->j0]) continue;
        int32_t x = run_root(runs, (int32_t)q), y = run_root(runs, (int32_t)(row_first[i] + k));
        if (x != y) runs[x > y ? x : y].up = x < y ? x : y;
      }
    }
  }
  /* A root is the first run of its component (a union keeps the lower root), and runs are
     in row-major order: numbering roots as they come numbers components by first cells. */
  int32_t *id = bt_alloc(cx, ((size_t)nruns + 1) * sizeof *id);
  int32_t *size = bt_alloc(cx, ((size_t)nruns + 1) * sizeof *size);
  if (!id || !size) return bt_err(BT_E_LIMIT);
  size_t nobj = 0, total = 0;
  for (int64_t k = 0; k < nruns; k++) {
    int32_t root = run_root(runs, (int32_t)k);
    if (root == k)
      size[nobj] = 0, id[k] = (int32_t)nobj++;
    else
      id[k] = id[root];
    size[id[k]] += runs[k].j1 - runs[k].j0;
    total += (size_t)(runs[k].j1 - runs[k].j0);
  }
  int64_t *start = bt_ints_new(cx, 3 * nobj + 1), *fill = start + nobj, *color0 = fill + nobj;
  uint8_t *one_color = bt_mask_new(cx, nobj + 1);
  if (!start || !one_color) return bt_err(BT_E_LIMIT);
  for (size_t k = 0, at = 0; k < nobj; k++) {
    start[k] = fill[k] = (int64_t)at;
    at += (size_t)size[k];
    one_color[k] = true;
  }
  size_t parts = 0; /* what the cells that are not interned take */
  for (int64_t i = 0; i < h; i++)
    for (int64_t k = row_first[i]; k < row_first[i + 1]; k++)
      for (int64_t j = runs[k].j0; j < runs[k].j1; j++)
        parts += cell_parts(true, bt_int(g->c[i * w + j]), i, j);
  bt_value *items = bt_items_parts(cx, total, parts), *mem = items + total;
  if (!items) return bt_err(BT_E_LIMIT);
  for (int64_t i = 0; i < h; i++) {
    const uint8_t *row = g->c + i * w;
    for (int64_t k = row_first[i]; k < row_first[i + 1]; k++) {
      int32_t c = id[k];
      for (int64_t j = runs[k].j0; j < runs[k].j1; j++) {
        int64_t at = fill[c]++;
        if (at == start[c])
          color0[c] = row[j];
        else if (row[j] != color0[c])
          one_color[c] = false;
        items[at] = bt_cell_at(mem, bt_int(row[j]), bt_int(i), bt_int(j));
        mem += cell_parts(true, bt_int(row[j]), i, j);
      }
    }
  }
  return objects_of_components(cx, items, start, size, one_color, nobj, true);
}

bt_value bt_labels_objects(bt_ctx *cx, bt_value g, const bt_labels *lab) {
  return objects_of_labels(cx, g, g, lab);
}

/* objects() of a grid of any values: number the distinct values (Python's == is
 * canonical equality here), label the grid of numbers, give the cells their values. */
static bt_value objects_general(bt_ctx *cx, bt_value g, bt_label_rule rule, bt_value bg) {
  int64_t h = bt_len(g);
  if (h < 0) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  int64_t w = bt_len(row0);
  if (w < 0) return bt_err(BT_E_TYPE);
  if (w > 0 && h > (int64_t)cx->lim.max_elems / w) return bt_err(BT_E_LIMIT);
  bt_value *cells, *numbers;
  bt_value vals = bt_grid_new(cx, h, w, &cells);
  if (bt_is_err(vals)) return vals;
  bt_vec flat = {cells, (size_t)(h * w), (size_t)(h * w)};
  for (int64_t c = 0; c < h * w; c++) {
    cells[c] = bt_getitem(bt_getitem(g, c / w), c % w);
    if (bt_is_err(cells[c])) return cells[c];
  }
  int64_t *counts;
  bt_value distinct = count_distinct(cx, &flat, &counts);
  if (bt_is_err(distinct)) return distinct;
  bt_value ig = bt_grid_new(cx, h, w, &numbers);
  if (bt_is_err(ig)) return ig;
  for (int64_t c = 0; c < h * w; c++)
    numbers[c].u.i = bt_set_find(distinct, cells[c]);
  if (rule.has_bg) rule.bg = bt_set_find(distinct, bg);
  bt_labels lab;
  if (!bt_label_grid(cx, ig, h, w, rule, &lab)) return bt_err(BT_E_LIMIT);
  return objects_of_labels(cx, ig, vals, &lab);
}

BT_PRIM(objects) {
  bt_value g = a[0], bg = bt_none();
  bt_label_rule rule = {bt_truth(a[1]), bt_truth(a[2]), bt_truth(a[3]), 0};
  if (rule.has_bg) {
    bg = extreme_color(cx, g, true);
    if (bt_is_err(bg)) return bg;
    rule.bg = bg.u.i;
  }
  int64_t h, w;
  if (g.kind == BT_PGRID) {
    bt_value r = objects_runs(cx, g.u.pg, rule);
    if (!bt_declined(r)) return r;
    h = g.u.pg->h;
    w = g.u.pg->w;
  } else if (!bt_grid_dims(g, &h, &w))
    return objects_general(cx, g, rule, bg);
  bt_labels lab;
  if (!bt_label_grid(cx, g, h, w, rule, &lab)) return bt_err(BT_E_LIMIT);
  return bt_labels_objects(cx, g, &lab);
}

/* objects with background removed, from the same grid's objects with it kept
 * (univalued only): the objects whose color is bg dropped, the order unchanged. */
static bt_value without_color(bt_ctx *cx, bt_value objs, int64_t bg) {
  bt_value *kept = bt_items(cx, objs.n + 1);
  if (!kept) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < objs.n; k++) {
    int64_t c, i, j;
    if (!bt_cell_get(objs.u.items[k].u.items[0], &c, &i, &j)) return bt_err(BT_E_RUNTIME);
    if (c != bg) kept[n++] = objs.u.items[k];
  }
  return bt_set_sorted(kept, n);
}

void bt_objects_many(bt_ctx *cx, bt_value g, int n, const int32_t *modes, bt_value *out) {
  int64_t h, w;
  bool proper = g.kind == BT_PGRID || (!bt_is_err(g) && bt_grid_dims(g, &h, &w));
  bool wanted[8] = {false};
  for (int k = 0; k < n; k++)
    wanted[modes[k] & 7] = true;
  bt_value by_mode[8], bg = bt_none();
  bool done[8] = {false};
  for (int k = 0; k < n; k++) {
    int mode = modes[k] & 7;
    if (bt_is_err(g)) {
      out[k] = g;
      continue;
    }
    if (cx->lim.max_steps < 1) {
      out[k] = bt_err(BT_E_LIMIT);
      continue;
    }
    bt_value args[4] = {g, bt_bool(mode & 4), bt_bool(mode & 2), bt_bool(mode & 1)};
    if (!proper) {
      out[k] = bt_p_objects(cx, args);
      continue;
    }
    if (!done[mode]) {
      bool univalued = mode & 4, diagonal = mode & 2, has_bg = mode & 1;
      bool derived = univalued && has_bg && wanted[mode & ~1];
      if (derived && bg.kind == BT_NONE) bg = extreme_color(cx, g, true);
      if (derived && bt_is_err(bg))
        by_mode[mode] = bg;
      else if (derived) {
        /* the same connectivity with background kept: label once, filter */
        int base = mode & ~1;
        if (!done[base]) {
          bt_value kept_args[4] = {g, bt_bool(true), bt_bool(diagonal), bt_bool(false)};
          by_mode[base] = bt_p_objects(cx, kept_args);
          done[base] = true;
        }
        by_mode[mode] =
            bt_is_err(by_mode[base]) ? bt_p_objects(cx, args) : without_color(cx, by_mode[base], bg.u.i);
      } else
        by_mode[mode] = bt_p_objects(cx, args);
      done[mode] = true;
    }
    out[k] = by_mode[mode];
  }
}

/* ---- searches over objects ------------------------------------------------------------- */

/* A cell (color, i, j) with int parts. */
typedef struct int_cell {
  int64_t c, i, j;
} int_cell;

/* The cells of obj as int triples; false if some element is not (int, (int, int)). */
static bool int_cells(bt_ctx *cx, bt_value obj, int_cell **out) {
  if (!bt_is_coll(obj)) return false;
  *out = bt_alloc(cx, ((size_t)obj.n + 1) * sizeof(int_cell));
  if (!*out) return false;
  for (uint32_t k = 0; k < obj.n; k++) {
    int_cell *x = &(*out)[k];
    if (!bt_cell_get(obj.u.items[k], &x->c, &x->i, &x->j)) return false;
  }
  return true;
}

static bt_value occurrences_general(bt_ctx *cx, bt_value grid, bt_value normed, int64_t h, int64_t w,
                                    int64_t h2, int64_t w2);

enum { RECT_SIDE = 64 }; /* rect_occurrences' grids: at most this many rows and columns */

/* The int at (i, j) of a grid of ints: its boxed rows, or its packed bytes (w a row). */
static inline int64_t grid_int(const bt_value *const *rows, const uint8_t *bytes, int64_t w, int64_t i,
                               int64_t j) {
  return bytes ? bytes[i * w + j] : rows[i][j].u.i;
}

/* The table of running sums of one color's cells in a grid (sum[i][j]: the cells above and
 * left of (i, j)), kept for the next search in the same grid: solvers look for rectangles of
 * every size in one grid (argmax over the sizes), each search a call of its own. The grid is
 * known by the identity of its memory (id), which is neither released nor reused while the
 * evaluation that made the table runs, when it was made before that evaluation began (the
 * memo's rule, bt_memo_get): the table serves that evaluation alone (gen). */
typedef struct rect_sums {
  bt_kept_key key;
  int64_t h, w, c;
  int32_t sum[(RECT_SIDE + 1) * (RECT_SIDE + 1)];
} rect_sums;

static _Thread_local rect_sums rect_table;

/* The running sums of color c over the h x w grid of ints (grid_int's) whose memory is id
 * (NULL: none that lasts), from the table when it holds them. */
static const int32_t *rect_sums_of(bt_ctx *cx, const void *id, const bt_value *const *rows,
                                   const uint8_t *bytes, int64_t h, int64_t w, int64_t c) {
  rect_sums *t = &rect_table;
  if (bt_kept_for(cx, &t->key, id) && t->h == h && t->w == w && t->c == c) return t->sum;
  int32_t *sum = t->sum;
  const int64_t sw = w + 1;
  for (int64_t j = 0; j <= w; j++)
    sum[j] = 0;
  for (int64_t i = 0; i < h; i++) {
    int32_t run = 0;
    sum[(i + 1) * sw] = 0;
    for (int64_t j = 0; j < w; j++) {
      run += grid_int(rows, bytes, w, i, j) == c;
      sum[(i + 1) * sw + j + 1] = sum[i * sw + j + 1] + run;
    }
  }
  bt_kept_set(cx, &t->key, id);
  t->h = h;
  t->w = w;
  t->c = c;
  return sum;
}

/* occurrences of an object that fills its oh x ow box in one color (a canvas made an object,
 * the solvers' way of looking for empty rectangles), in a grid of h x w ints (grid_int's) of
 * at most RECT_SIDE rows and columns, whose memory is id: a count of that color's cells over
 * every rectangle from one table of running sums (rect_sums_of), instead of a walk over the
 * object at each place. Found in the order the walk finds them, into found. False when the
 * object is not such a rectangle. */
static bool rect_occurrences(bt_ctx *cx, const void *id, const bt_value *const *rows, const uint8_t *bytes,
                             int64_t h, int64_t w, const int_cell *cells, uint32_t n, int64_t oh, int64_t ow,
                             bt_ijvec *found, bool *limit) {
  if (h > RECT_SIDE || w > RECT_SIDE || oh < 1 || ow < 1 || oh > h || ow > w ||
      (uint64_t)oh * (uint64_t)ow != n)
    return false;
  uint64_t covered[RECT_SIDE * RECT_SIDE / 64] = {0};
  for (uint32_t k = 0; k < n; k++) { /* one color, and every place of the box once */
    if (cells[k].c != cells[0].c || cells[k].i < 0 || cells[k].i >= oh || cells[k].j < 0 || cells[k].j >= ow)
      return false;
    uint64_t at = (uint64_t)(cells[k].i * ow + cells[k].j);
    if (covered[at / 64] >> (at % 64) & 1) return false;
    covered[at / 64] |= (uint64_t)1 << (at % 64);
  }
  const int32_t *sum = rect_sums_of(cx, id, rows, bytes, h, w, cells[0].c);
  const int64_t sw = w + 1;
  const int32_t area = (int32_t)n;
  for (int64_t i = 0; i + oh <= h; i++)
    for (int64_t j = 0; j + ow <= w; j++) {
      int32_t inside =
          sum[(i + oh) * sw + j + ow] - sum[i * sw + j + ow] - sum[(i + oh) * sw + j] + sum[i * sw + j];
      if (inside == area && !bt_ijvec_push(cx, found, i, j)) {
        *limit = true;
        return true;
      }
    }
  return true;
}

/* Whether the search of an object of n cells over h2 x w2 places is past what occurrences
 * takes on (the reference would run for hours): a LimitError. */
static bool too_many_places(int64_t h2, int64_t w2, uint64_t n) {
  return h2 > 0 && w2 > 0 && (uint64_t)h2 * (uint64_t)w2 * (n + 1) > (1ull << 34);
}

/* The places (i, j), row-major, where the normalized object of n int cells occurs in the
 * h x w grid of ints (boxed rows or packed bytes); h2, w2: the places' extent. */
static bt_value int_occurrences(bt_ctx *cx, const void *id, const bt_value *const *rows, const uint8_t *bytes,
                                int64_t h, int64_t w, int64_t h2, int64_t w2, const int_cell *cells,
                                uint32_t n, int64_t oh, int64_t ow) {
  /* a normalized object's cells lie in [0, its height) x [0, its width), so at every
     (i, j) of the search they are inside the grid: no bounds to test */
  bt_ijvec found;
  bt_ijvec_init(&found);
  bool limit = false;
  if (h2 > 0 && w2 > 0 && rect_occurrences(cx, id, rows, bytes, h, w, cells, n, oh, ow, &found, &limit))
    return limit ? bt_err(BT_E_LIMIT) : bt_index_set_sorted(cx, found.ij, found.n);
  for (int64_t i = 0; i < h2; i++)
    for (int64_t j = 0; j < w2; j++) {
      uint32_t k = 0;
      while (k < n && grid_int(rows, bytes, w, i + cells[k].i, j + cells[k].j) == cells[k].c)
        k++;
      if (k == n && !bt_ijvec_push(cx, &found, i, j)) return bt_err(BT_E_LIMIT);
    }
  return bt_index_set_sorted(cx, found.ij, found.n);
}

/* The cells of an object of interned cells moved to the origin (what normalize gives, in
 * its order), and its height and width: one pass over it for its bounds, one for the
 * cells. False (nothing allocated) when obj is empty or some element is no interned cell. */
static bool interned_normed_cells(bt_ctx *cx, bt_value obj, int_cell **out, int64_t *oh, int64_t *ow) {
  int64_t b[4];
  if (!bt_patch_interned_bounds(obj, b) || bt_intern_at(obj.u.items[0]) < BT_INTERN_PAIRS) return false;
  int_cell *cells = bt_alloc(cx, ((size_t)obj.n + 1) * sizeof *cells);
  if (!cells) return false;
  for (uint32_t k = 0; k < obj.n; k++) {
    int64_t at = bt_intern_at(obj.u.items[k]), i, j;
    bt_intern_ij(at, &i, &j);
    cells[k] = (int_cell){bt_intern_color(at), i - b[0], j - b[1]};
  }
  *out = cells;
  *oh = b[2] - b[0] + 1;
  *ow = b[3] - b[1] + 1;
  return true;
}

/* bt_grid_dims of a boxed grid, kept for the next call in the same grid under rect_sums'
 * rule (the searches of one evaluation look in one grid). */
static bool lasting_grid_dims(bt_ctx *cx, bt_value grid, int64_t *h, int64_t *w) {
  static _Thread_local struct {
    bt_kept_key key;
    int64_t h, w;
  } last;
  if (grid.kind == BT_TUPLE && grid.n && bt_kept_for(cx, &last.key, grid.u.items) && last.h == grid.n) {
    *h = last.h;
    *w = last.w;
    return true;
  }
  if (!bt_grid_dims(grid, h, w)) return false;
  bt_kept_set(cx, &last.key, grid.u.items);
  last.h = *h;
  last.w = *w;
  return true;
}

BT_PRIM(occurrences) {
  bt_value grid = a[0], obj = a[1];
  int64_t gh, gw, oh, ow;
  int_cell *cells;
  bt_mark m = bt_arena_mark(cx);
  bool ints = lasting_grid_dims(cx, grid, &gh, &gw); /* a grid of ints, gh x gw */
  if (ints && interned_normed_cells(cx, obj, &cells, &oh, &ow)) {
    /* an object of interned cells in a grid of ints: normalize's checks all pass */
    int64_t h2 = gh - oh + 1, w2 = gw - ow + 1;
    const bt_value *small[64];
    const bt_value *const *rows;
    if (!too_many_places(h2, w2, obj.n) && (rows = grid_rows(cx, grid, small)))
      return int_occurrences(cx, grid.u.items, rows, NULL, gh, gw, h2, w2, cells, obj.n, oh, ow);
    bt_arena_release(cx, m);
  }
  bt_value normed = bt_p_normalize(cx, &obj);
  if (bt_is_err(normed)) return normed;
  int64_t h = bt_len(grid);
  if (h < 0) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(grid, 0);
  if (bt_is_err(row0)) return row0;
  int64_t w = bt_len(row0);
  if (w < 0) return bt_err(BT_E_TYPE);
  bt_value shape = bt_p_shape(cx, &obj);
  if (bt_is_err(shape)) return shape;
  int64_t h2 = h - shape.u.items[0].u.i + 1, w2 = w - shape.u.items[1].u.i + 1;
  if (too_many_places(h2, w2, normed.n)) return bt_err(BT_E_LIMIT);
  if (!ints || !int_cells(cx, normed, &cells)) return occurrences_general(cx, grid, normed, h, w, h2, w2);
  const bt_value *small[64];
  const bt_value *const *rows = grid_rows(cx, grid, small);
  if (!rows) return occurrences_general(cx, grid, normed, h, w, h2, w2);
  return int_occurrences(cx, grid.u.items, rows, NULL, h, w, h2, w2, cells, normed.n, shape.u.items[0].u.i,
                         shape.u.items[1].u.i);
}

/* occurrences in a packed grid, read as it is; declined (the grid is boxed and the
 * primitive's code runs) for anything but a found set: an error, an object of other
 * values, a limit on the way. */
bt_value bt_fast_occurrences(bt_ctx *cx, const bt_value *a) {
  bt_value grid = a[0], obj = a[1];
  if (grid.kind != BT_PGRID || obj.kind == BT_PGRID) return bt_decline();
  bt_mark m = bt_arena_mark(cx);
  int64_t h = grid.u.pg->h, w = grid.u.pg->w, oh, ow;
  int_cell *cells;
  uint32_t n = obj.n;
  bool known = interned_normed_cells(cx, obj, &cells, &oh, &ow);
  if (!known) { /* any other object of int cells: normalized and measured as the own code does */
    bt_value normed = bt_p_normalize(cx, &obj), shape = bt_p_shape(cx, &obj);
    known = !bt_is_err(normed) && !bt_is_err(shape) && int_cells(cx, normed, &cells);
    if (known) n = normed.n, oh = shape.u.items[0].u.i, ow = shape.u.items[1].u.i;
  }
  bt_value r = bt_decline();
  if (known && !too_many_places(h - oh + 1, w - ow + 1, n))
    r = int_occurrences(cx, grid.u.pg, NULL, grid.u.pg->c, h, w, h - oh + 1, w - ow + 1, cells, n, oh, ow);
  if (!bt_is_err(r)) return r;
  bt_arena_release(cx, m);
  return bt_decline();
}

/* occurrences over any values, as the reference loops: shift, unpack, compare. */
static bt_value occurrences_general(bt_ctx *cx, bt_value grid, bt_value normed, int64_t h, int64_t w,
                                    int64_t h2, int64_t w2) {
  bt_ijvec found;
  bt_ijvec_init(&found);
  for (int64_t i = 0; i < h2; i++)
    for (int64_t j = 0; j < w2; j++) {
      bt_value by[2] = {normed, bt_none()};
      by[1] = bt_ipair(cx, i, j);
      bt_value moved = bt_is_err(by[1]) ? by[1] : bt_p_shift(cx, by);
      if (bt_is_err(moved)) return moved;
      bool occurs = true;
      for (uint32_t k = 0; k < moved.n && occurs; k++) {
        bt_value e = moved.u.items[k], v, index, ci, cj;
        if (!bt_unpack2(e, &v, &index)) return bt_unpack_err(e);
        if (!bt_unpack2(index, &ci, &cj)) return bt_unpack_err(index);
        if (!bt_is_int(ci) || !bt_is_int(cj)) return bt_err(BT_E_TYPE);
        occurs = ci.u.i >= 0 && ci.u.i < h && cj.u.i >= 0 && cj.u.i < w;
        if (!occurs) break;
        bt_value gv = bt_getitem(bt_getitem(grid, ci.u.i), cj.u.i);
        if (bt_is_err(gv)) return gv;
        occurs = bt_eq(gv, v);
      }
      if (occurs && !bt_ijvec_push(cx, &found, i, j)) return bt_err(BT_E_LIMIT);
    }
  return bt_ijvec_set(cx, &found);
}

/* Whether row k (axis 0: `len(set(r)) == 1`) or column k (axis 1: the k-th items of
 * every row, as zip(*grid) gives them) of a tuple of containers holds one value. */
static bool uniform_line(bt_value g, int axis, uint32_t k) {
  uint32_t n = axis == 0 ? g.u.items[k].n : g.n;
  if (n == 0) return false;
  bt_value first = axis == 0 ? g.u.items[k].u.items[0] : g.u.items[0].u.items[k];
  for (uint32_t t = 1; t < n; t++) {
    bt_value here = axis == 0 ? g.u.items[k].u.items[t] : g.u.items[t].u.items[k];
    if (!bt_eq(here, first)) return false;
  }
  return true;
}

/* The object {(grid[i][j], (i, j))} of row k (axis 0, n = len(grid[0]) cells) or
 * column k (axis 1, n = len(grid) cells). */
static bt_value line_object(bt_ctx *cx, bt_value g, int axis, int64_t k, int64_t n) {
  size_t parts = 0; /* what the cells that are not interned take */
  for (int64_t t = 0; t < n; t++) {
    int64_t i = axis == 0 ? k : t, j = axis == 0 ? t : k;
    parts += bt_cell_parts(bt_getitem(bt_getitem(g, i), j), bt_int(i), bt_int(j));
  }
  bt_value *items = bt_items_parts(cx, (size_t)n, parts), *mem = items + n;
  if (!items) return bt_err(BT_E_LIMIT);
  for (int64_t t = 0; t < n; t++) {
    int64_t i = axis == 0 ? k : t, j = axis == 0 ? t : k;
    bt_value v = bt_getitem(bt_getitem(g, i), j);
    if (bt_is_err(v)) return v;
    items[t] = bt_cell_at(mem, v, bt_int(i), bt_int(j));
    mem += bt_cell_parts(v, bt_int(i), bt_int(j));
  }
  return bt_set_sorted(items, (size_t)n); /* one value, positions ascending */
}

BT_PRIM(frontiers) {
  bt_value g = a[0];
  int64_t h = bt_len(g);
  if (h < 0) return bt_err(BT_E_TYPE);
  bt_value row0 = bt_getitem(g, 0);
  if (bt_is_err(row0)) return row0;
  int64_t w = bt_len(row0);
  if (w < 0) return bt_err(BT_E_TYPE);
  uint32_t ncols = UINT32_MAX;
  for (uint32_t i = 0; i < g.n; i++) {
    if (!bt_is_coll(g.u.items[i])) return bt_err(BT_E_TYPE);
    if (g.u.items[i].n < ncols) ncols = g.u.items[i].n;
  }
  bt_vec lines;
  bt_vec_init(&lines);
  for (int axis = 0; axis < 2; axis++)
    for (uint32_t k = 0; k < (axis == 0 ? g.n : ncols); k++) {
      if (!uniform_line(g, axis, k)) continue;
      bt_value line = line_object(cx, g, axis, k, axis == 0 ? w : h);
      if (bt_is_err(line)) return line;
      if (!bt_vec_push(cx, &lines, line)) return bt_err(BT_E_LIMIT);
    }
  return bt_set_build(cx, lines.items, lines.n);
}

static int cmp_cell(const void *x, const void *y) {
  const int_cell *p = x, *q = y;
  if (p->i != q->i) return p->i < q->i ? -1 : 1;
  if (p->j != q->j) return p->j < q->j ? -1 : 1;
  return (p->c > q->c) - (p->c < q->c);
}

/* The period search for colors of any kind: every element must be (c, (i, j)) with
 * int i, j (Python unpacks them all at p = 1); membership by lookup in the set. */
static bt_value period_general(bt_value normed, int axis, int64_t extent) {
  for (uint32_t k = 0; k < normed.n; k++) {
    bt_value e = normed.u.items[k], c, index, i, j;
    if (!bt_unpack2(e, &c, &index)) return bt_unpack_err(e);
    if (!bt_unpack2(index, &i, &j)) return bt_unpack_err(index);
    if (!bt_is_int(i) || !bt_is_int(j)) return bt_err(BT_E_TYPE);
  }
  for (int64_t p = 1; p < extent; p++) {
    bool inside = true;
    for (uint32_t k = 0; k < normed.n && inside; k++) {
      bt_value e = normed.u.items[k], c = e.u.items[0], index = e.u.items[1], probe[4];
      int64_t i = index.u.items[0].u.i, j = index.u.items[1].u.i, *along = axis == 1 ? &j : &i;
      if (*along < p) continue;
      *along -= p;
      inside = bt_set_find(normed, bt_cell_at(probe, c, bt_int(i), bt_int(j))) >= 0;
    }
    if (inside) return bt_int(p);
  }
  return bt_int(extent);
}

/* hperiod (axis 1) / vperiod (axis 0): the least p in 1..extent-1 such that the
 * normalized object moved back by p (cells that stay at >= 0) lies within itself. */
static bt_value object_period(bt_ctx *cx, bt_value obj, int axis) {
  bt_value normed = bt_p_normalize(cx, &obj);
  if (bt_is_err(normed)) return normed;
  bt_value extent = axis == 1 ? bt_p_width(cx, &normed) : bt_p_height(cx, &normed);
  if (bt_is_err(extent) || extent.u.i <= 1) return extent;
  size_t n = normed.n;
  if ((uint64_t)extent.u.i * n > (uint64_t)64 * cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  int_cell *cells;
  if (!int_cells(cx, normed, &cells)) return period_general(normed, axis, extent.u.i);
  qsort(cells, n, sizeof *cells, cmp_cell);
  for (int64_t p = 1; p < extent.u.i; p++) {
    bool inside = true;
    for (size_t k = 0; k < n && inside; k++) {
      int_cell moved = cells[k];
      int64_t *along = axis == 1 ? &moved.j : &moved.i;
      if (*along < p) continue;
      *along -= p;
      inside = bsearch(&moved, cells, n, sizeof *cells, cmp_cell) != NULL;
    }
    if (inside) return bt_int(p);
  }
  return extent;
}

BT_PRIM(hperiod) { return object_period(cx, a[0], 1); }
BT_PRIM(vperiod) { return object_period(cx, a[0], 0); }
