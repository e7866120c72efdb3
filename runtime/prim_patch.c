/* prim_patch.c: geometry of patches — toindices, corners and extremes, sizes, shifts,
 * neighbourhoods, lines, boxes, distances. Each primitive follows arc-dsl's Python
 * over any value (duck typing included), with int fast paths inside the loops. */
#include <stdlib.h>
#include <string.h>

#include "batt.h"
#include "bt_prims.h"
#include "patch.h"

/* The unions of mapply (bt_shift_union, bt_ray_union) and connect over many pairs: on, or
 * off for tests (the calls made one by one). */
static bool shift_union_on = true;

/* What a way that computes many calls at once counts once done, as the calls would: their
 * steps, the bytes they keep (used from before) and the most they would use. */
static void calls_counted(bt_ctx *cx, uint64_t steps, size_t before, uint64_t keeps, uint64_t peak) {
  cx->steps += steps;
  cx->arena.used = before + keeps;
  bt_arena_peak(cx, before + peak);
}

/* ---- Python operators on values ------------------------------------------------ */

/* Python a < b with a fast path for ints: 1, 0, or -1 (TypeError). */
static inline int lt(bt_value a, bt_value b) {
  if (bt_is_int(a) && bt_is_int(b)) return a.u.i < b.u.i;
  return bt_py_lt(a, b);
}

/* Python a + b for ints and tuples (concatenation); TypeError otherwise. */
static bt_value py_add(bt_ctx *cx, bt_value a, bt_value b) {
  if (bt_is_int(a) && bt_is_int(b)) return bt_int_add(a.u.i, b.u.i);
  if (a.kind != BT_TUPLE || b.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  return bt_tuple_concat(cx, a, b);
}

/* Python a - b and a + k for ints (the only operands geometry meets that succeed). */
static bt_value py_sub(bt_value a, bt_value b) {
  if (!bt_is_int(a) || !bt_is_int(b)) return bt_err(BT_E_TYPE);
  return bt_int_sub(a.u.i, b.u.i);
}

static bt_value py_add_int(bt_value a, int64_t k) {
  if (!bt_is_int(a)) return bt_err(BT_E_TYPE);
  return bt_int_add(a.u.i, k);
}

/* Python min(a, b) / max(a, b) of two values: a unless b beats it. */
static bt_value min2(bt_value a, bt_value b, bool want_max, bool *type_err) {
  int r = want_max ? lt(a, b) : lt(b, a);
  if (r < 0) *type_err = true;
  return r > 0 ? b : a;
}

/* ---- reading patches ------------------------------------------------------------- */

/* Python's min/max over the d-th item of every index of a non-empty patch of that
 * kind; the indices must be containers of more than d items. */
static bt_value index_column_extreme(bt_value patch, int kind, uint32_t d, bool want_max) {
  /* ints (the usual column): compared as such, the first extreme kept as min/max do */
  bt_value best = bt_patch_index(patch.u.items[0], kind).u.items[d];
  bool ints = bt_is_int(best);
  for (uint32_t k = 1; ints && k < patch.n; k++) {
    bt_value v = bt_patch_index(patch.u.items[k], kind).u.items[d];
    ints = bt_is_int(v);
    if (ints && (want_max ? v.u.i > best.u.i : v.u.i < best.u.i)) best = v;
  }
  if (ints) return best;
  best = bt_none();
  for (uint32_t k = 0; k < patch.n; k++) {
    bt_value v = bt_patch_index(patch.u.items[k], kind).u.items[d];
    if (k == 0) {
      best = v;
      continue;
    }
    int r = want_max ? lt(best, v) : lt(v, best);
    if (r < 0) return bt_err(BT_E_TYPE);
    if (r) best = v;
  }
  return best;
}

/* uppermost / lowermost / leftmost / rightmost: min or max of i (axis 0) or j (axis 1)
 * over `for i, j in toindices(patch)`. */
static bt_value patch_extreme(bt_value patch, int axis, bool want_max) {
  int64_t b[4];
  if (bt_patch_interned_bounds(patch, b)) return bt_int(b[axis + 2 * want_max]);
  int kind = bt_patch_kind(patch);
  if (kind < 0) return bt_patch_kind_err(patch);
  if (kind == BT_PATCH_EMPTY) return bt_err(BT_E_VALUE);
  for (uint32_t k = 0; k < patch.n; k++) {
    bt_value index = bt_patch_index(patch.u.items[k], kind);
    if (bt_is_err(index)) return index;
    if (!bt_is_coll(index) || index.n != 2) return bt_unpack_err(index);
  }
  return index_column_extreme(patch, kind, (uint32_t)axis, want_max);
}

/* The corners: tuple(map(pick, zip(*toindices(patch)))), where pick is min or max per
 * column; urcorner/llcorner pick from a dict of two columns (KeyError on a third). */
static bt_value patch_corner(bt_ctx *cx, bt_value patch, bool max_row, bool max_col) {
  int64_t b[4];
  if (bt_patch_interned_bounds(patch, b)) return bt_ipair(cx, b[2 * max_row], b[1 + 2 * max_col]);
  int kind = bt_patch_kind(patch);
  if (kind < 0) return bt_patch_kind_err(patch);
  uint32_t ncols = kind == BT_PATCH_EMPTY ? 0 : UINT32_MAX;
  for (uint32_t k = 0; k < patch.n; k++) {
    bt_value index = bt_patch_index(patch.u.items[k], kind);
    if (bt_is_err(index)) return index;
    if (!bt_is_coll(index)) return bt_err(BT_E_TYPE);
    if (index.n < ncols) ncols = index.n;
  }
  if (ncols == 0) return bt_tuple(NULL, 0);
  if (ncols > 2 && max_row != max_col) return bt_err(BT_E_KEY);
  bt_value *out = bt_items(cx, ncols);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t d = 0; d < ncols; d++) {
    out[d] = index_column_extreme(patch, kind, d, d == 1 ? max_col : max_row);
    if (bt_is_err(out[d])) return out[d];
  }
  return bt_tuple(out, ncols);
}

/* height (axis 0) / width (axis 1) of a piece: a tuple's length (of its first item for
 * width), else the extent of its indices. */
static bt_value piece_extent(bt_value piece, int axis) {
  if (piece.kind == BT_PGRID) return bt_int(axis == 0 ? piece.u.pg->h : piece.u.pg->w);
  int64_t n = bt_len(piece);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (n == 0) return bt_int(0);
  if (piece.kind == BT_TUPLE) {
    int64_t len = axis == 0 ? n : bt_len(piece.u.items[0]);
    return len < 0 ? bt_err(BT_E_TYPE) : bt_int(len);
  }
  int64_t b[4];
  if (bt_patch_interned_bounds(piece, b)) return bt_int(b[axis + 2] - b[axis] + 1);
  bt_value hi = patch_extreme(piece, axis, true);
  if (bt_is_err(hi)) return hi;
  bt_value lo = patch_extreme(piece, axis, false);
  if (bt_is_err(lo)) return lo;
  bt_value d = py_sub(hi, lo);
  return bt_is_err(d) ? d : py_add_int(d, 1);
}

/* ---- corners, extremes, toindices ------------------------------------------------- */

BT_PRIM(toindices) { return bt_toindices(cx, a[0]); }
BT_PRIM(ulcorner) { BT_MEMOIZED(cx, BT_P_ulcorner, a[0], patch_corner(cx, a[0], false, false)); }
BT_PRIM(urcorner) { BT_MEMOIZED(cx, BT_P_urcorner, a[0], patch_corner(cx, a[0], false, true)); }
BT_PRIM(llcorner) { BT_MEMOIZED(cx, BT_P_llcorner, a[0], patch_corner(cx, a[0], true, false)); }
BT_PRIM(lrcorner) { BT_MEMOIZED(cx, BT_P_lrcorner, a[0], patch_corner(cx, a[0], true, true)); }

BT_PRIM(uppermost) { BT_MEMOIZED(cx, BT_P_uppermost, a[0], patch_extreme(a[0], 0, false)); }
BT_PRIM(lowermost) { BT_MEMOIZED(cx, BT_P_lowermost, a[0], patch_extreme(a[0], 0, true)); }
BT_PRIM(leftmost) { BT_MEMOIZED(cx, BT_P_leftmost, a[0], patch_extreme(a[0], 1, false)); }
BT_PRIM(rightmost) { BT_MEMOIZED(cx, BT_P_rightmost, a[0], patch_extreme(a[0], 1, true)); }

BT_PRIM(corners) {
  static const bool picks[4][2] = {{false, false}, {false, true}, {true, false}, {true, true}};
  bt_value *out = bt_items(cx, 4);
  if (!out) return bt_err(BT_E_LIMIT);
  for (int k = 0; k < 4; k++) {
    out[k] = patch_corner(cx, a[0], picks[k][0], picks[k][1]);
    if (bt_is_err(out[k])) return out[k];
  }
  return bt_set_build(cx, out, 4);
}

/* ---- sizes and shapes --------------------------------------------------------------- */

BT_PRIM(height) { BT_MEMOIZED(cx, BT_P_height, a[0], piece_extent(a[0], 0)); }
BT_PRIM(width) { BT_MEMOIZED(cx, BT_P_width, a[0], piece_extent(a[0], 1)); }

static bt_value piece_shape(bt_ctx *cx, const bt_value *a) {
  int64_t b[4]; /* a set of interned pairs or cells: both extents from one pass */
  if (a[0].kind == BT_SET && bt_patch_interned_bounds(a[0], b))
    return bt_pair(cx, bt_int(b[2] - b[0] + 1), bt_int(b[3] - b[1] + 1));
  bt_value h = piece_extent(a[0], 0);
  if (bt_is_err(h)) return h;
  bt_value w = piece_extent(a[0], 1);
  if (bt_is_err(w)) return w;
  return bt_pair(cx, h, w);
}

BT_PRIM(shape) { BT_MEMOIZED(cx, BT_P_shape, a[0], piece_shape(cx, a)); }

BT_PRIM(portrait) {
  (void)cx;
  bt_value h = piece_extent(a[0], 0);
  if (bt_is_err(h)) return h;
  bt_value w = piece_extent(a[0], 1);
  if (bt_is_err(w)) return w;
  return bt_bool(h.u.i > w.u.i);
}

BT_PRIM(square) {
  (void)cx;
  bt_value p = a[0];
  if (p.kind == BT_TUPLE) {
    bt_value row = bt_getitem(p, 0);
    if (bt_is_err(row)) return row;
    int64_t w = bt_len(row);
    return w < 0 ? bt_err(BT_E_TYPE) : bt_bool(w == (int64_t)p.n);
  }
  bt_value h = piece_extent(p, 0);
  if (bt_is_err(h)) return h;
  bt_value w = piece_extent(p, 1);
  if (bt_is_err(w)) return w;
  bt_value area = bt_int_mul(h.u.i, w.u.i);
  if (bt_is_err(area)) return area;
  return bt_bool(area.u.i == bt_len(p) && h.u.i == w.u.i);
}

/* vline (long axis 0) / hline (long axis 1): extent along it == len(patch) and the
 * other extent is 1, short-circuiting as Python's `and` does. */
static bt_value is_line(bt_value patch, int long_axis) {
  bt_value along = piece_extent(patch, long_axis);
  if (bt_is_err(along)) return along;
  if (along.u.i != bt_len(patch)) return bt_bool(false);
  bt_value across = piece_extent(patch, 1 - long_axis);
  if (bt_is_err(across)) return across;
  return bt_bool(across.u.i == 1);
}

BT_PRIM(vline) {
  (void)cx;
  return is_line(a[0], 0);
}
BT_PRIM(hline) {
  (void)cx;
  return is_line(a[0], 1);
}

/* center: (uppermost + height // 2, leftmost + width // 2). */
static bt_value patch_center(bt_ctx *cx, bt_value patch) {
  int64_t b[4];
  if (patch.kind == BT_SET && bt_patch_interned_bounds(patch, b))
    return bt_ipair(cx, b[0] + (b[2] - b[0] + 1) / 2, b[1] + (b[3] - b[1] + 1) / 2);
  bt_value c[2];
  for (int axis = 0; axis < 2; axis++) {
    bt_value low = patch_extreme(patch, axis, false);
    if (bt_is_err(low)) return low;
    bt_value ext = piece_extent(patch, axis);
    if (bt_is_err(ext)) return ext;
    bt_value half = bt_int_floordiv(ext.u.i, 2);
    c[axis] = py_add(cx, low, half);
    if (bt_is_err(c[axis])) return c[axis];
  }
  return bt_pair(cx, c[0], c[1]);
}

BT_PRIM(center) { BT_MEMOIZED(cx, BT_P_center, a[0], patch_center(cx, a[0])); }

BT_PRIM(centerofmass) {
  bt_value idx = bt_toindices(cx, a[0]);
  if (bt_is_err(idx)) return idx;
  uint32_t ncols = idx.n ? UINT32_MAX : 0;
  for (uint32_t k = 0; k < idx.n; k++) {
    bt_value index = idx.u.items[k];
    if (!bt_is_coll(index)) return bt_err(BT_E_TYPE);
    if (index.n < ncols) ncols = index.n;
  }
  if (ncols == 0) return bt_tuple(NULL, 0);
  bt_value *out = bt_items(cx, ncols);
  if (!out) return bt_err(BT_E_LIMIT);
  for (uint32_t d = 0; d < ncols; d++) {
    int64_t sum = 0;
    for (uint32_t k = 0; k < idx.n; k++) {
      bt_value v = idx.u.items[k].u.items[d];
      if (!bt_is_int(v)) return bt_err(BT_E_TYPE);
      if (__builtin_add_overflow(sum, v.u.i, &sum)) return bt_err(BT_E_OVERFLOW);
    }
    out[d] = bt_int_floordiv(sum, a[0].n);
  }
  return bt_tuple(out, ncols);
}

/* ---- moving and recolouring ------------------------------------------------------- */

BT_PRIM(recolor) {
  bt_value idx = bt_toindices(cx, a[1]);
  if (bt_is_err(idx)) return idx;
  size_t parts = 0; /* what the cells that are not interned take */
  for (uint32_t k = 0; k < idx.n; k++)
    parts += bt_pair_parts(a[0], idx.u.items[k]);
  bt_value *items = bt_items_parts(cx, idx.n, parts), *mem = items + idx.n;
  if (!items && idx.n) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < idx.n; k++) {
    items[k] = bt_pair_at(mem, a[0], idx.u.items[k]);
    mem += bt_pair_parts(a[0], idx.u.items[k]);
  }
  /* one value paired with ascending distinct indices stays ascending */
  return bt_is_set(idx) ? bt_set_sorted(items, idx.n) : bt_set_build(cx, items, idx.n);
}

/* (i + di, j + dj) for the index pair `index`, written into mem (2 values); *ints
 * turns false if some addition was not of two ints. */
static bt_value shift_index(bt_ctx *cx, bt_value *mem, bt_value index, bt_value di, bt_value dj, bool *ints) {
  bt_value i, j;
  if (!bt_unpack2(index, &i, &j)) return bt_unpack_err(index);
  if (index.kind != BT_TUPLE || !bt_is_int(i) || !bt_is_int(j) || !bt_is_int(di) || !bt_is_int(dj))
    *ints = false;
  bt_value si = py_add(cx, i, di);
  if (bt_is_err(si)) return si;
  bt_value sj = py_add(cx, j, dj);
  if (bt_is_err(sj)) return sj;
  return bt_pair_at(mem, si, sj);
}

/* shift_by of a patch of interned pairs (or of interned cells) by ints, when every moved
 * element is interned too: no part is made and a set keeps its order. False otherwise (the
 * general path gives the same value). */
static bool shift_interned(bt_ctx *cx, bt_value patch, bt_value di, bt_value dj, bt_value *out) {
  enum { FAR = 1 << 10 };
  if (!bt_is_int(di) || !bt_is_int(dj) || di.u.i < -FAR || di.u.i > FAR || dj.u.i < -FAR || dj.u.i > FAR)
    return false;
  int64_t b[4]; /* every item interned, of one region, and every one moved stays in its range */
  if (!bt_patch_interned_bounds(patch, b)) return false;
  bool cells = bt_intern_at(patch.u.items[0]) >= BT_INTERN_PAIRS;
  int64_t lo = cells ? BT_ICELL_LO : BT_IPAIR_LO, span = cells ? BT_ICELL_SPAN : BT_IPAIR_SPAN;
  if (b[0] + di.u.i < lo || b[2] + di.u.i >= lo + span || b[1] + dj.u.i < lo || b[3] + dj.u.i >= lo + span)
    return false;
  /* then each moves by one distance in the table, whose rows are span entries long */
  ptrdiff_t by = 2 * (ptrdiff_t)(di.u.i * span + dj.u.i);
  bt_value *items = bt_items(cx, patch.n);
  if (!items) return false;
  for (uint32_t k = 0; k < patch.n; k++)
    items[k] = bt_tuple(patch.u.items[k].u.items + by, 2);
  *out = bt_is_set(patch) ? bt_set_sorted(items, patch.n) : bt_set_build(cx, items, patch.n);
  return true;
}

/* shift: every index moved by (di, dj); an empty patch is returned as is. */
static bt_value shift_by(bt_ctx *cx, bt_value patch, bt_value di, bt_value dj) {
  bt_value fast;
  /* moved by nothing, a set of interned pairs or cells (plain ints) is itself: the same value
     as the set of its moved items, and values are immutable */
  int64_t b[4];
  if (patch.kind == BT_SET && di.kind == BT_INT && dj.kind == BT_INT && di.u.i == 0 && dj.u.i == 0 &&
      bt_patch_interned_bounds(patch, b))
    return patch;
  if (bt_is_coll(patch) && patch.n > 0 && shift_interned(cx, patch, di, dj, &fast)) return fast;
  int kind = bt_patch_kind(patch);
  if (kind < 0) return bt_patch_kind_err(patch);
  if (kind == BT_PATCH_EMPTY) return patch;
  size_t n = patch.n;
  bool ints = true;
  bt_value *items = bt_items_parts(cx, n, 4 * n);
  if (!items) return bt_err(BT_E_LIMIT);
  for (size_t k = 0; k < n; k++) {
    bt_value e = patch.u.items[k], *mem = items + n + 4 * k;
    if (kind == BT_PATCH_INDICES) {
      items[k] = shift_index(cx, mem, e, di, dj, &ints);
    } else {
      bt_value value, index;
      if (!bt_unpack2(e, &value, &index)) return bt_unpack_err(e);
      if (e.kind != BT_TUPLE) ints = false;
      bt_value moved = shift_index(cx, mem + 2, index, di, dj, &ints);
      items[k] = bt_is_err(moved) ? moved : bt_pair_at(mem, value, moved);
    }
    if (bt_is_err(items[k])) return items[k];
  }
  /* a translation by ints keeps a set's canonical order */
  return ints && bt_is_set(patch) ? bt_set_sorted(items, n) : bt_set_build(cx, items, n);
}

BT_PRIM(shift) {
  int64_t n = bt_len(a[0]);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (n == 0) return a[0];
  bt_value di, dj;
  if (!bt_unpack2(a[1], &di, &dj)) return bt_unpack_err(a[1]);
  return shift_by(cx, a[0], di, dj);
}

static bt_value py_neg(bt_value v) { return bt_is_int(v) ? bt_int_sub(0, v.u.i) : bt_err(BT_E_TYPE); }

BT_PRIM(normalize) {
  int64_t n = bt_len(a[0]);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (n == 0) return a[0];
  int64_t b[4]; /* interned pairs or cells: both extremes from one pass */
  bool interned = bt_patch_interned_bounds(a[0], b);
  bt_value top = interned ? bt_int(b[0]) : patch_extreme(a[0], 0, false);
  if (bt_is_err(top)) return top;
  bt_value left = interned ? bt_int(b[1]) : patch_extreme(a[0], 1, false);
  if (bt_is_err(left)) return left;
  bt_value di = py_neg(top), dj = py_neg(left);
  if (bt_is_err(di)) return di;
  if (bt_is_err(dj)) return dj;
  return shift_by(cx, a[0], di, dj);
}

/* ---- neighbourhoods, lines, frontiers ------------------------------------------------ */

/* The neighbours of loc: the 4 orthogonal, the 4 diagonal or all 8. A coordinate that
 * does not move stays the value Python keeps (loc[0] itself, a bool stays a bool). */
static bt_value loc_neighbors(bt_ctx *cx, bt_value loc, bool orthogonal, bool diagonal) {
  static const int8_t offsets[8][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
  bt_value c[2];
  for (int d = 0; d < 2; d++) {
    c[d] = bt_getitem(loc, d);
    if (bt_is_err(c[d])) return c[d];
    if (!bt_is_int(c[d])) return bt_err(BT_E_TYPE);
  }
  bt_value *items = bt_items(cx, 3 * 8);
  if (!items) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  for (int k = orthogonal ? 0 : 4; k < (diagonal ? 8 : 4); k++) {
    bt_value moved[2];
    for (int d = 0; d < 2; d++) {
      moved[d] = offsets[k][d] ? bt_int_add(c[d].u.i, offsets[k][d]) : c[d];
      if (bt_is_err(moved[d])) return moved[d];
    }
    items[n] = bt_pair_at(items + 8 + 2 * n, moved[0], moved[1]);
    n++;
  }
  return bt_set_build(cx, items, n);
}

BT_PRIM(dneighbors) { return loc_neighbors(cx, a[0], true, false); }
BT_PRIM(ineighbors) { return loc_neighbors(cx, a[0], false, true); }
BT_PRIM(neighbors) { return loc_neighbors(cx, a[0], true, true); }

/* The pairs (first[k], second[k]) of two aligned int ranges of length n; a fixed
 * coordinate (a value kept as Python keeps it) is given with step 0 and fixed set. */
typedef struct axis_range {
  int64_t start, step;
  const bt_value *fixed; /* non-NULL: this coordinate is this value */
} axis_range;

static bt_value range_pairs(bt_ctx *cx, axis_range ri, axis_range rj, int64_t n) {
  if (n <= 0) return bt_set_sorted(NULL, 0);
  if (n > (int64_t)cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  bt_value *items = bt_items_parts(cx, (size_t)n, 2 * (size_t)n);
  if (!items) return bt_err(BT_E_LIMIT);
  /* both ends interned: every pair between is, at a fixed stride in the table (the parts
     stay taken, unwritten, so that memory and its limits are as for any segment) */
  int64_t i0 = ri.fixed ? ri.fixed->u.i : ri.start, j0 = rj.fixed ? rj.fixed->u.i : rj.start;
  int64_t di = ri.fixed ? 0 : ri.step, dj = rj.fixed ? 0 : rj.step;
  const bt_value *first = bt_intern_pair(i0, j0);
  if ((!ri.fixed || ri.fixed->kind == BT_INT) && (!rj.fixed || rj.fixed->kind == BT_INT) && first &&
      bt_intern_pair(i0 + (n - 1) * di, j0 + (n - 1) * dj)) {
    ptrdiff_t by = 2 * (ptrdiff_t)(di * BT_IPAIR_SPAN + dj);
    for (int64_t k = 0; k < n; k++, first += by)
      items[k] = bt_tuple(first, 2);
    return bt_set_sorted(items, (size_t)n);
  }
  for (int64_t k = 0; k < n; k++) {
    bt_value i = ri.fixed ? *ri.fixed : bt_int(ri.start + k * ri.step);
    bt_value j = rj.fixed ? *rj.fixed : bt_int(rj.start + k * rj.step);
    items[k] = bt_pair_at(items + n + 2 * k, i, j);
  }
  return bt_set_sorted(items, (size_t)n); /* one coordinate ascends, the other is fixed or follows */
}

/* Python's range(lo, hi) length, with both bounds ints. */
static bool range_len(bt_value lo, bt_value hi, int64_t *n) {
  if (!bt_is_int(lo) || !bt_is_int(hi)) return false;
  uint64_t d = hi.u.i > lo.u.i ? (uint64_t)hi.u.i - (uint64_t)lo.u.i : 0; /* exact in uint64 */
  *n = d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d;
  return true;
}

static bt_value connect_points(bt_ctx *cx, bt_value pa, bt_value pb) {
  bt_value ai, aj, bi, bj;
  if (!bt_unpack2(pa, &ai, &aj)) return bt_unpack_err(pa);
  if (!bt_unpack2(pb, &bi, &bj)) return bt_unpack_err(pb);
  bool type_err = false;
  bt_value si = min2(ai, bi, false, &type_err), ei = min2(ai, bi, true, &type_err);
  bt_value sj = min2(aj, bj, false, &type_err), ej = min2(aj, bj, true, &type_err);
  if (type_err || !bt_is_int(ei) || !bt_is_int(ej)) return bt_err(BT_E_TYPE);
  ei = bt_int_add(ei.u.i, 1);
  ej = bt_int_add(ej.u.i, 1);
  if (bt_is_err(ei)) return ei;
  if (bt_is_err(ej)) return ej;
  int64_t ni, nj;
  if (bt_eq(ai, bi)) {
    if (!range_len(sj, ej, &nj)) return bt_err(BT_E_TYPE);
    return range_pairs(cx, (axis_range){0, 0, &ai}, (axis_range){sj.u.i, 1, NULL}, nj);
  }
  if (bt_eq(aj, bj)) {
    if (!range_len(si, ei, &ni)) return bt_err(BT_E_TYPE);
    return range_pairs(cx, (axis_range){si.u.i, 1, NULL}, (axis_range){0, 0, &aj}, ni);
  }
  if (!range_len(si, ei, &ni) || !range_len(sj, ej, &nj)) return bt_err(BT_E_TYPE);
  bt_value di = bt_int_sub(bi.u.i, ai.u.i), dj = bt_int_sub(bj.u.i, aj.u.i);
  if (bt_is_err(di)) return di;
  if (bt_is_err(dj)) return dj;
  int64_t n = ni < nj ? ni : nj;
  if (di.u.i == dj.u.i)
    return range_pairs(cx, (axis_range){si.u.i, 1, NULL}, (axis_range){sj.u.i, 1, NULL}, n);
  if (dj.u.i != INT64_MIN && di.u.i == -dj.u.i)
    return range_pairs(cx, (axis_range){si.u.i, 1, NULL}, (axis_range){ej.u.i - 1, -1, NULL}, n);
  return bt_set_sorted(NULL, 0);
}

BT_PRIM(connect) { return connect_points(cx, a[0], a[1]); }

/* ---- connect over many pairs ------------------------------------------------------- */

/* The segment connect gives two interned pairs (table entries a, b), as a key: its first
 * pair in canonical order (14 bits), its direction (0 row, 1 antidiagonal, 2 column, 3
 * diagonal; 2 bits) and its length less one (7 bits); 0 for no segment (the points share
 * no line). Two keys are equal exactly when the segments are, and keys ascend as the
 * segments do in canonical order: by their first pair, then by their second, which is (i,
 * j + 1) along a row, (i + 1, j - 1) along an antidiagonal, (i + 1, j) down a column and
 * (i + 1, j + 1) along a diagonal, then the shorter (a prefix) first. *len: its length. */
static uint32_t segment_key(int64_t a, int64_t b, uint32_t *len) {
  int64_t ai, aj, bi, bj;
  bt_intern_ij(a, &ai, &aj);
  bt_intern_ij(b, &bi, &bj);
  int64_t si = ai < bi ? ai : bi, sj = aj < bj ? aj : bj, ej = aj < bj ? bj : aj;
  int64_t di = bi - ai, dj = bj - aj, dir, n, fj = sj;
  if (di == 0) {
    dir = 0, n = ej - sj + 1;
  } else if (dj == 0) {
    dir = 2, n = (di < 0 ? -di : di) + 1;
  } else if (di == dj) {
    dir = 3, n = (di < 0 ? -di : di) + 1;
  } else if (di == -dj) {
    dir = 1, n = (di < 0 ? -di : di) + 1, fj = ej;
  } else {
    *len = 0;
    return 0;
  }
  *len = (uint32_t)n;
  int64_t first = (si - BT_IPAIR_LO) * BT_IPAIR_SPAN + (fj - BT_IPAIR_LO);
  return 1u << 23 | (uint32_t)first << 9 | (uint32_t)dir << 7 | (uint32_t)(n - 1);
}

/* Sorts n keys of `bits` bits (tmp: room for n more). */
static void sort_keys(uint32_t *k, uint32_t *tmp, size_t n, int bits) {
  enum { RADIX = 1 << 12 };
  static _Thread_local uint32_t count[RADIX];
  for (int shift = 0; shift < bits; shift += 12) {
    memset(count, 0, sizeof count);
    for (size_t x = 0; x < n; x++)
      count[(k[x] >> shift) & (RADIX - 1)]++;
    uint32_t at = 0;
    for (int d = 0; d < RADIX; d++) {
      uint32_t c = count[d];
      count[d] = at;
      at += c;
    }
    for (size_t x = 0; x < n; x++)
      tmp[count[(k[x] >> shift) & (RADIX - 1)]++] = k[x];
    memcpy(k, tmp, n * sizeof *k);
  }
}

/* The table entry of point v, or -1 when v is no interned pair. */
static inline int32_t point_entry(bt_value v) {
  int64_t at = bt_intern_at(v);
  return at >= 0 && at < BT_INTERN_PAIRS ? (int32_t)at : -1;
}

/* connect(p, q) for many pairs of points, all interned pairs: for prapply (cross) every p
 * of set x with every q of set y; for apply(fork(connect, first, last), x) each (p, q) of
 * set x. The set of the segments, each made once, with connect's empty set among them when
 * a pair shares no line. recolor: x holds pairs of interned cells (a, b) instead, and each
 * pair gives recolor(color of a, connect(index of a, index of b)) (apply of
 * fork(recolor, color, fork(connect, ...)): the recoloured segments, by color then segment).
 * It counts what calling the function on every pair counts: the steps of the calls (per: of
 * one), the bytes they keep (the array of their results, each segment's pairs with their
 * parts, as range_pairs makes them, and each recoloured segment's cells, as recolor makes
 * them), and at its peak at most what building the set of all the results needs. False when
 * it does not apply or the calls could meet a limit (the caller calls). */
static bool connect_many(bt_ctx *cx, bt_value x, bt_value y, bool cross, bool recolor, uint64_t per,
                         bt_value *out) {
  uint64_t n = cross ? (uint64_t)x.n * y.n : x.n;
  if (n == 0 || n > cx->lim.max_elems || cx->steps > cx->lim.max_steps ||
      per * n > cx->lim.max_steps - cx->steps || cx->depth + 3 >= cx->lim.max_depth || bt_walk_spent())
    return false;
  size_t before = cx->arena.used, na = x.n, nb = cross ? y.n : x.n;
  /* the least the calls need at their peak (their results' array and its sort) must fit
     before anything is made here: then nothing made here (at most 16 bytes a pair before the
     exact count below) is refused */
  if (before > cx->lim.max_bytes || 4 * n * sizeof(bt_value) + 8192 > cx->lim.max_bytes - before)
    return false;
  bt_mark scratch = bt_arena_mark(cx);
  int32_t *pa = bt_alloc(cx, (na + nb) * sizeof *pa), *pb = pa + na;
  uint32_t *keys = bt_alloc(cx, 2 * n * sizeof *keys);
  uint8_t *color = recolor ? bt_alloc(cx, n) : NULL;
  bool points = pa && keys && (color || !recolor);
  for (size_t k = 0; points && k < na; k++) { /* the points' table entries */
    bt_value p = x.u.items[k], q = cross ? bt_none() : p;
    if (!cross) {
      points = p.kind == BT_TUPLE && p.n == 2;
      if (!points) break;
      q = p.u.items[1];
      p = p.u.items[0];
      if (recolor) { /* two interned cells: their indices' entries, and the first one's color */
        int64_t ca = bt_intern_at(p), cb = bt_intern_at(q), i, j;
        points = ca >= BT_INTERN_PAIRS && cb >= BT_INTERN_PAIRS;
        if (!points) break;
        color[k] = (uint8_t)bt_intern_color(ca);
        bt_intern_ij(ca, &i, &j);
        pa[k] = (int32_t)((i - BT_IPAIR_LO) * BT_IPAIR_SPAN + (j - BT_IPAIR_LO));
        bt_intern_ij(cb, &i, &j);
        pb[k] = (int32_t)((i - BT_IPAIR_LO) * BT_IPAIR_SPAN + (j - BT_IPAIR_LO));
        continue;
      }
      points = (pb[k] = point_entry(q)) >= 0;
    }
    points = points && (pa[k] = point_entry(p)) >= 0;
  }
  for (size_t k = 0; points && cross && k < nb; k++)
    points = (pb[k] = point_entry(y.u.items[k])) >= 0;
  if (!points) {
    bt_arena_release(cx, scratch);
    return false;
  }
  /* the keys of the segments (recolor: and their color above them); the bytes the calls keep */
  uint64_t kept = n * sizeof(bt_value);
  size_t m = 0, empty = 0;
  for (uint64_t k = 0; k < n; k++) {
    uint32_t len, key = cross ? segment_key(pa[k % na], pb[k / na], &len) : segment_key(pa[k], pb[k], &len);
    if (!key) {
      empty = 1;
      if (recolor) kept += 16; /* recolor of the empty set: an allocation of nothing */
      continue;
    }
    kept += 3 * (uint64_t)len * sizeof(bt_value);          /* range_pairs: the pairs and their parts */
    if (recolor) kept += (uint64_t)len * sizeof(bt_value); /* the cells, all interned */
    keys[m++] = recolor ? (uint32_t)color[k] << 24 | key : key;
  }
  uint64_t peak = kept + 3 * n * sizeof(bt_value) + 8192; /* the set's sort, at most */
  if (before > cx->lim.max_bytes || peak > cx->lim.max_bytes - before) {
    bt_arena_release(cx, scratch);
    return false;
  }
  sort_keys(keys, keys + n, m, recolor ? 28 : 24);
  size_t d = 0;
  for (size_t k = 0; k < m; k++)
    if (k == 0 || keys[k] != keys[k - 1]) keys[d++] = keys[k];
  /* each distinct segment once, its pairs (cells) in canonical order; then the set of them */
  bt_value *segs = bt_items(cx, d + empty);
  if (!segs) {
    bt_arena_release(cx, scratch);
    return false;
  }
  if (empty) segs[0] = bt_set_sorted(NULL, 0);
  static const int step[4][2] = {{0, 1}, {1, -1}, {1, 0}, {1, 1}};
  int64_t span = recolor ? BT_ICELL_SPAN : BT_IPAIR_SPAN; /* the table the segments are read from */
  for (size_t k = 0; k < d; k++) {
    uint32_t key = keys[k], len = (key & 127) + 1, dir = key >> 7 & 3, first = key >> 9 & 0x3fff;
    bt_value *items = bt_items(cx, len);
    if (!items) {
      bt_arena_release(cx, scratch);
      return false;
    }
    const bt_value *at = bt_intern_tab + 2 * (ptrdiff_t)first;
    if (recolor) /* the cell of the first pair: a cell's entry for every pair, in the cells' window */
      at = bt_intern_cell(key >> 24, BT_IPAIR_LO + (int64_t)first / BT_IPAIR_SPAN,
                          BT_IPAIR_LO + (int64_t)first % BT_IPAIR_SPAN);
    ptrdiff_t by = 2 * (ptrdiff_t)(step[dir][0] * span + step[dir][1]);
    for (uint32_t e = 0; e < len; e++)
      items[e] = bt_tuple(at + by * (ptrdiff_t)e, 2);
    segs[empty + k] = bt_set_sorted(items, len);
  }
  bt_value r = bt_set_sorted(segs, d + empty); /* the keys' order (segment_key, color above) */
  if (cx->arena.used - before > kept) {        /* more than the calls keep: cannot count */
    bt_arena_release(cx, scratch);
    return false;
  }
  calls_counted(cx, per * n, before, kept, peak);
  *out = r;
  return true;
}

bool bt_connect_cross(bt_ctx *cx, bt_value x, bt_value y, bt_value *out) {
  return shift_union_on && bt_is_set(x) && bt_is_set(y) && connect_many(cx, x, y, true, false, 1, out);
}

/* Whether f is the primitive prim. */
static bool is_prim_fn(bt_value f, int prim) { return f.kind == BT_FN && !f.u.clo && f.prim == prim; }

/* Whether c is a closure of constructor ctor, of arity 1, over the nargs values args (each a
 * primitive, by id; -1: anything). */
static bool closure_is(const bt_closure *c, int ctor, int nargs, const int *args) {
  if (!c || c->ctor != ctor || c->nargs != nargs || c->arity != 1) return false;
  for (int k = 0; k < nargs; k++)
    if (args[k] >= 0 && !is_prim_fn(c->args[k], args[k])) return false;
  return true;
}

/* The closure f is when closure_is says so, else NULL. */
static const bt_closure *closure_of(bt_value f, int ctor, int nargs, const int *args) {
  const bt_closure *c = f.kind == BT_FN ? f.u.clo : NULL;
  return closure_is(c, ctor, nargs, args) ? c : NULL;
}

/* Whether f gives last(last(x)) of a pair x: power(last, 2), or compose(last, last). */
static bool last_of_last(bt_value f) {
  const bt_closure *c = f.kind == BT_FN ? f.u.clo : NULL;
  if (!c || c->nargs != 2 || c->arity != 1 || !is_prim_fn(c->args[0], BT_P_last)) return false;
  return c->ctor == BT_P_power ? c->args[1].kind == BT_INT && c->args[1].u.i == 2
                               : c->ctor == BT_P_compose && is_prim_fn(c->args[1], BT_P_last);
}

bool bt_connect_pairs(bt_ctx *cx, bt_value f, bt_value pairs, bt_value *out) {
  if (!shift_union_on || !bt_is_set(pairs)) return false;
  if (closure_of(f, BT_P_fork, 3, (const int[]){BT_P_connect, BT_P_first, BT_P_last}))
    return connect_many(cx, pairs, bt_none(), false, false, 4, out);
  /* fork(recolor, color, fork(connect, compose(last, first), last of last)) on pairs of cells */
  const bt_closure *c = closure_of(f, BT_P_fork, 3, (const int[]){BT_P_recolor, BT_P_color, -1}), *g;
  if (!c || !(g = closure_of(c->args[2], BT_P_fork, 3, (const int[]){BT_P_connect, -1, -1})) ||
      !closure_of(g->args[1], BT_P_compose, 2, (const int[]){BT_P_last, BT_P_first}) ||
      !last_of_last(g->args[2]))
    return false;
  /* the steps of one call: counted by calling it on the first pair (they are the same for
     every pair of interned cells: no call of it depends on the values but for their kinds) */
  if (pairs.n == 0) return false;
  bt_value first = pairs.u.items[0];
  if (first.kind != BT_TUPLE || first.n != 2 || bt_intern_at(first.u.items[0]) < BT_INTERN_PAIRS ||
      bt_intern_at(first.u.items[1]) < BT_INTERN_PAIRS)
    return false;
  uint64_t steps = cx->steps;
  bt_mark m = bt_arena_mark(cx);
  bt_value r = bt_call(cx, f, &first, 1);
  uint64_t per = cx->steps - steps;
  cx->steps = steps;
  bt_arena_release(cx, m);
  return !bt_is_err(r) && connect_many(cx, pairs, bt_none(), false, true, per, out);
}

BT_PRIM(shoot) {
  bt_value end[2];
  for (int k = 0; k < 2; k++) {
    bt_value s = bt_getitem(a[0], k);
    if (bt_is_err(s)) return s;
    bt_value d = bt_getitem(a[1], k);
    if (bt_is_err(d)) return d;
    if (!bt_is_int(s) || !bt_is_int(d)) return bt_err(BT_E_TYPE);
    bt_value step = bt_int_mul(42, d.u.i);
    if (bt_is_err(step)) return step;
    end[k] = bt_int_add(s.u.i, step.u.i);
    if (bt_is_err(end[k])) return end[k];
  }
  bt_value target = bt_pair(cx, end[0], end[1]);
  if (bt_is_err(target)) return target;
  return connect_points(cx, a[0], target);
}

/* vfrontier (axis 0: the column of location) / hfrontier (axis 1: its row), 30 long. */
static bt_value frontier_line(bt_ctx *cx, bt_value location, int axis) {
  bt_value fixed = bt_getitem(location, 1 - axis);
  if (bt_is_err(fixed)) return fixed;
  axis_range along = {0, 1, NULL}, across = {0, 0, &fixed};
  return axis == 0 ? range_pairs(cx, along, across, 30) : range_pairs(cx, across, along, 30);
}

BT_PRIM(vfrontier) { return frontier_line(cx, a[0], 0); }
BT_PRIM(hfrontier) { return frontier_line(cx, a[0], 1); }

/* ---- boxes ---------------------------------------------------------------------------- */

/* The outline {(i, sj), (i, ej)} | {(si, j), (ei, j)} of the rectangle rows si..ei,
 * columns sj..ej (ints, si <= ei, sj <= ej); the bounds keep their values (a bool
 * stays a bool), and of equal pairs the one Python's set union keeps survives. */
static bt_value rect_outline(bt_ctx *cx, bt_value si, bt_value sj, bt_value ei, bt_value ej) {
  int64_t h, w;
  if (__builtin_sub_overflow(ei.u.i, si.u.i, &h) || __builtin_sub_overflow(ej.u.i, sj.u.i, &w) ||
      h >= INT32_MAX || w >= INT32_MAX)
    return bt_err(BT_E_LIMIT);
  size_t n = 2 * (size_t)(h + 1) + 2 * (size_t)(w + 1), k = 0;
  if (n > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  bt_value *items = bt_items_parts(cx, n, 2 * n);
  if (!items) return bt_err(BT_E_LIMIT);
  bt_value *mem = items + n;
  if (si.kind == BT_INT && sj.kind == BT_INT && ei.kind == BT_INT && ej.kind == BT_INT) {
    /* plain ints: the outline row by row is already in canonical order, each pair once;
     * the loops count offsets, as a bound may be INT64_MAX */
    for (int64_t di = 0; di <= h; di++) {
      bool edge_row = di == 0 || di == h;
      for (int64_t dj = 0; dj <= w; dj = edge_row || dj == w ? dj + 1 : w, k++)
        items[k] = bt_pair_at(mem + 2 * k, bt_int(si.u.i + di), bt_int(sj.u.i + dj));
    }
    return bt_set_sorted(items, k);
  }
  for (int64_t di = 0; di <= h; di++, k += 2) {
    items[k] = bt_pair_at(mem + 2 * k, bt_int(si.u.i + di), sj);
    items[k + 1] = bt_pair_at(mem + 2 * k + 2, bt_int(si.u.i + di), ej);
  }
  for (int64_t dj = 0; dj <= w; dj++, k += 2) {
    items[k] = bt_pair_at(mem + 2 * k, si, bt_int(sj.u.i + dj));
    items[k + 1] = bt_pair_at(mem + 2 * k + 2, ei, bt_int(sj.u.i + dj));
  }
  return bt_set_build(cx, items, n);
}

/* The common case in one pass: a non-empty patch whose every index is a pair of plain
 * ints (no bools) gives min i, min j, max i, max j. False for anything else, which then
 * takes the general path (same results, Python's errors). */
static bool int_extremes(bt_value patch, int64_t ext[4]) {
  int kind = bt_patch_kind(patch);
  if (kind <= BT_PATCH_EMPTY || patch.n == 0) return false;
  for (uint32_t k = 0; k < patch.n; k++) {
    bt_value e = patch.u.items[k];
    if (kind == BT_PATCH_OBJECT) {
      if (e.kind != BT_TUPLE || e.n != 2) return false;
      e = e.u.items[1];
    }
    if (e.kind != BT_TUPLE || e.n != 2 || e.u.items[0].kind != BT_INT || e.u.items[1].kind != BT_INT)
      return false;
    int64_t i = e.u.items[0].u.i, j = e.u.items[1].u.i;
    if (k == 0) {
      ext[0] = ext[2] = i;
      ext[1] = ext[3] = j;
      continue;
    }
    if (i < ext[0]) ext[0] = i;
    if (i > ext[2]) ext[2] = i;
    if (j < ext[1]) ext[1] = j;
    if (j > ext[3]) ext[3] = j;
  }
  return true;
}

/* The two ints of a corner pair of patch (ulcorner, or lrcorner when max), unpacked. */
static bt_value corner_pair(bt_ctx *cx, bt_value patch, bool max, bt_value *i, bt_value *j) {
  int64_t ext[4];
  if (int_extremes(patch, ext)) {
    *i = bt_int(ext[max ? 2 : 0]);
    *j = bt_int(ext[max ? 3 : 1]);
    return bt_none();
  }
  bt_value c = patch_corner(cx, patch, max, max);
  if (bt_is_err(c)) return c;
  if (!bt_unpack2(c, i, j)) return bt_unpack_err(c);
  if (!bt_is_int(*i) || !bt_is_int(*j)) return bt_err(BT_E_TYPE);
  return bt_none();
}

/* The extremes uppermost, leftmost, lowermost, rightmost, each moved by `inward`
 * toward the inside (inbox +1, outbox -1). */
static bt_value extremes_moved(bt_value patch, int64_t inward, bt_value e[4]) {
  int64_t ext[4];
  bool fast = int_extremes(patch, ext);
  for (int k = 0; k < 4; k++) {
    bool is_max = k >= 2;
    e[k] = fast ? bt_int(ext[k]) : patch_extreme(patch, k % 2, is_max);
    if (bt_is_err(e[k])) return e[k];
    e[k] = py_add_int(e[k], is_max ? -inward : inward);
    if (bt_is_err(e[k])) return e[k];
  }
  return bt_none();
}

enum box_kind { BOX_IN, BOX_OUT, BOX_ON };

/* inbox / outbox / box: the outline spanned by two opposite corners (ai, aj), (bi, bj). */
static bt_value patch_box(bt_ctx *cx, bt_value patch, enum box_kind kind) {
  bt_value e[4]; /* ai, aj, bi, bj */
  bt_value r;
  if (kind == BOX_ON) {
    int64_t n = bt_len(patch);
    if (n < 0) return bt_err(BT_E_TYPE);
    if (n == 0) return patch;
    r = corner_pair(cx, patch, false, &e[0], &e[1]);
    if (!bt_is_err(r)) r = corner_pair(cx, patch, true, &e[2], &e[3]);
  } else {
    r = extremes_moved(patch, kind == BOX_IN ? 1 : -1, e);
  }
  if (bt_is_err(r)) return r;
  bool type_err = false;
  bt_value si = min2(e[0], e[2], false, &type_err), sj = min2(e[1], e[3], false, &type_err);
  bt_value ei = min2(e[0], e[2], true, &type_err), ej = min2(e[1], e[3], true, &type_err);
  return type_err ? bt_err(BT_E_TYPE) : rect_outline(cx, si, sj, ei, ej);
}

BT_PRIM(inbox) { return patch_box(cx, a[0], BOX_IN); }
BT_PRIM(outbox) { return patch_box(cx, a[0], BOX_OUT); }
BT_PRIM(box) { return patch_box(cx, a[0], BOX_ON); }

static bt_value patch_backdrop(bt_ctx *cx, bt_value patch) {
  bt_value c[4];
  bt_value r = corner_pair(cx, patch, false, &c[0], &c[1]);
  if (bt_is_err(r)) return r;
  r = corner_pair(cx, patch, true, &c[2], &c[3]);
  if (bt_is_err(r)) return r;
  int64_t si = c[0].u.i, sj = c[1].u.i, ei = c[2].u.i, ej = c[3].u.i;
  if (ei < si || ej < sj) return bt_set_sorted(NULL, 0);
  uint64_t h = (uint64_t)ei - (uint64_t)si + 1, w = (uint64_t)ej - (uint64_t)sj + 1;
  if (h > cx->lim.max_elems || w > cx->lim.max_elems || h * w > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  int64_t *ij = bt_ints_new(cx, 2 * h * w);
  if (!ij) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  for (uint64_t di = 0; di < h; di++) /* by count: ei may be INT64_MAX */
    for (uint64_t dj = 0; dj < w; dj++, n++) {
      ij[2 * n] = (int64_t)((uint64_t)si + di);
      ij[2 * n + 1] = (int64_t)((uint64_t)sj + dj);
    }
  return bt_index_set_sorted(cx, ij, n);
}

BT_PRIM(backdrop) {
  int64_t n = bt_len(a[0]);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (n == 0) return bt_set_sorted(NULL, 0);
  return patch_backdrop(cx, a[0]);
}

/* Python's frozenset a - b, both sets sorted canonically. */
static bt_value set_minus(bt_ctx *cx, bt_value sa, bt_value sb) {
  bt_value *out = bt_items(cx, sa.n);
  if (!out && sa.n) return bt_err(BT_E_LIMIT);
  size_t n = 0;
  uint32_t kb = 0;
  for (uint32_t k = 0; k < sa.n; k++) {
    int c = -1;
    while (kb < sb.n && (c = bt_cmp_quick(sb.u.items[kb], sa.u.items[k])) < 0)
      kb++;
    if (kb < sb.n && c == 0) continue;
    out[n++] = sa.u.items[k];
  }
  return bt_set_sorted(out, n);
}

BT_PRIM(delta) {
  int64_t n = bt_len(a[0]);
  if (n < 0) return bt_err(BT_E_TYPE);
  if (n == 0) return bt_set_sorted(NULL, 0);
  bt_value back = patch_backdrop(cx, a[0]);
  if (bt_is_err(back)) return back;
  bt_value idx = bt_toindices(cx, a[0]);
  if (bt_is_err(idx)) return idx;
  if (!bt_is_set(idx)) return bt_err(BT_E_TYPE);
  return set_minus(cx, back, idx);
}

/* ---- the union of boxes over a set of patches ---------------------------------------- */

/* Bits a..b (0 <= a <= b < 64) of a row. */
static inline uint64_t row_bits(int64_t a, int64_t b) { return (~0ull >> (63 - (b - a))) << a; }

/* The outline of rows si..ei, columns sj..ej (window coordinates) into rows. */
static void paint_outline(uint64_t *rows, int64_t si, int64_t sj, int64_t ei, int64_t ej) {
  rows[si] |= row_bits(sj, ej);
  rows[ei] |= row_bits(sj, ej);
  for (int64_t i = si + 1; i < ei; i++)
    rows[i] |= 1ull << sj | 1ull << ej;
}

bool bt_patch_mapply(bt_ctx *cx, int prim, bt_value c, bt_value *out) {
  if (prim != BT_P_delta && prim != BT_P_backdrop && prim != BT_P_box && prim != BT_P_inbox &&
      prim != BT_P_outbox && prim != BT_P_corners)
    return false;
  /* what the calls would meet stays with them: steps, depth, element limits, odd patches */
  if (c.kind != BT_SET || c.n == 0 || c.n > 4096 || cx->steps + c.n > cx->lim.max_steps ||
      cx->depth >= cx->lim.max_depth || ((uint64_t)c.n + 1) * 64 * 64 > cx->lim.max_elems)
    return false;
  int64_t ext_small[4 * 64], *ext = c.n <= 64 ? ext_small : malloc(4 * sizeof *ext * c.n);
  if (!ext) return false;
  int64_t lo_i = INT64_MAX, lo_j = INT64_MAX, hi_i = INT64_MIN, hi_j = INT64_MIN;
  bool ok = true;
  for (uint32_t k = 0; ok && k < c.n; k++) {
    int64_t *e = ext + 4 * k;
    ok = int_extremes(c.u.items[k], e) && e[0] > -(1 << 20) && e[1] > -(1 << 20) && e[2] < 1 << 20 &&
         e[3] < 1 << 20;
    if (!ok) break;
    lo_i = e[0] < lo_i ? e[0] : lo_i, lo_j = e[1] < lo_j ? e[1] : lo_j;
    hi_i = e[2] > hi_i ? e[2] : hi_i, hi_j = e[3] > hi_j ? e[3] : hi_j;
  }
  /* a window one wider than every bounding box on each side, at most 64 x 64 */
  lo_i--, lo_j--, hi_i++, hi_j++;
  ok = ok && hi_i - lo_i < 64 && hi_j - lo_j < 64;
  uint64_t rows[64] = {0}, own[64] = {0};
  for (uint32_t k = 0; ok && k < c.n; k++) {
    const int64_t *e = ext + 4 * k;
    int64_t si = e[0] - lo_i, sj = e[1] - lo_j, ei = e[2] - lo_i, ej = e[3] - lo_j;
    switch (prim) {
    case BT_P_backdrop:
      for (int64_t i = si; i <= ei; i++)
        rows[i] |= row_bits(sj, ej);
      break;
    case BT_P_delta: {
      bt_value p = c.u.items[k];
      bool object = bt_patch_kind(p) == BT_PATCH_OBJECT;
      for (uint32_t m = 0; m < p.n; m++) {
        bt_value ij = object ? p.u.items[m].u.items[1] : p.u.items[m];
        own[ij.u.items[0].u.i - lo_i] |= 1ull << (ij.u.items[1].u.i - lo_j);
      }
      for (int64_t i = si; i <= ei; i++) {
        rows[i] |= row_bits(sj, ej) & ~own[i];
        own[i] = 0;
      }
      break;
    }
    case BT_P_box: paint_outline(rows, si, sj, ei, ej); break;
    case BT_P_outbox: paint_outline(rows, si - 1, sj - 1, ei + 1, ej + 1); break;
    case BT_P_inbox: { /* corners (si + 1, sj + 1), (ei - 1, ej - 1), in either order */
      int64_t ai = si + 1, aj = sj + 1, bi = ei - 1, bj = ej - 1;
      paint_outline(rows, ai < bi ? ai : bi, aj < bj ? aj : bj, ai > bi ? ai : bi, aj > bj ? aj : bj);
      break;
    }
    default: /* corners */
      rows[si] |= 1ull << sj | 1ull << ej;
      rows[ei] |= 1ull << sj | 1ull << ej;
      break;
    }
  }
  if (ext != ext_small) free(ext);
  if (!ok) return false;
  size_t n = 0;
  for (int r = 0; r < 64; r++)
    n += (size_t)__builtin_popcountll(rows[r]);
  int64_t *ij = n ? bt_ints_new(cx, 2 * n) : NULL;
  if (n && !ij) {
    *out = bt_err(BT_E_LIMIT);
    return true;
  }
  size_t k = 0;
  for (int r = 0; r < 64; r++) /* row by row, columns ascending: canonical order */
    for (uint64_t bits = rows[r]; bits; bits &= bits - 1, k++) {
      ij[2 * k] = lo_i + r;
      ij[2 * k + 1] = lo_j + __builtin_ctzll(bits);
    }
  cx->steps += c.n; /* one call per patch, as mapping would count them */
  *out = bt_index_set_sorted(cx, ij, n);
  return true;
}

/* The set of the places whose bits are set in a window of h rows by w columns per color
 * (the colors of planes 0, 1, ...: color[k], ascending, or c0 + k when color is NULL; rows
 * from i0, columns from j0), in canonical order as the bits are laid out (color, then row,
 * then column): cells (cells) or pairs; those in the table's range are its entries, the
 * others are built in one block. False past a limit. */
static bool bits_union(bt_ctx *cx, const uint64_t *bits, uint64_t nc, uint64_t h, uint64_t w, int64_t c0,
                       const int64_t *color, int64_t i0, int64_t j0, bool cells, bt_value *out) {
  uint64_t rows = nc * h, words = (rows * w + 63) / 64; /* nc planes x h rows of w bits */
  int64_t cl = color ? color[0] : c0, ch = color ? color[nc - 1] : c0 + (int64_t)nc - 1;
  /* every place of the window interned: the count is the bits', none boxed */
  bool all_in =
      cells ? bt_intern_cell(cl, i0, j0) && bt_intern_cell(ch, i0 + (int64_t)h - 1, j0 + (int64_t)w - 1)
            : bt_intern_pair(i0, j0) && bt_intern_pair(i0 + (int64_t)h - 1, j0 + (int64_t)w - 1);
  size_t count = 0, boxed = 0;
  if (all_in)
    for (uint64_t wd = 0; wd < words; wd++)
      count += (size_t)__builtin_popcountll(bits[wd]);
  for (int pass = all_in; pass < 2; pass++) {
    bt_value *items = NULL, *parts = NULL;
    if (pass == 1) {
      items = bt_items_parts(cx, count, (cells ? 4 : 2) * boxed);
      if (!items) return false;
      parts = items + count;
    }
    size_t k = 0;
    for (uint64_t rc = 0; rc < rows; rc++) { /* a row: its bits [rc * w, rc * w + w) */
      int64_t i = i0 + (int64_t)(rc % h), c = color ? color[rc / h] : c0 + (int64_t)(rc / h);
      uint64_t lo = rc * w, hi = lo + w;
      for (uint64_t wd = lo / 64; wd * 64 < hi; wd++) {
        uint64_t bit = bits[wd];
        if (wd * 64 < lo) bit &= ~(uint64_t)0 << (lo - wd * 64);
        if (hi - wd * 64 < 64) bit &= ((uint64_t)1 << (hi - wd * 64)) - 1;
        for (; bit; bit &= bit - 1, k++) {
          int64_t j = j0 + (int64_t)(wd * 64 + (uint64_t)__builtin_ctzll(bit) - lo);
          const bt_value *in = cells ? bt_intern_cell(c, i, j) : bt_intern_pair(i, j);
          if (pass == 0) {
            boxed += !in;
            continue;
          }
          if (in)
            items[k] = bt_tuple(in, 2);
          else if (cells) {
            items[k] = bt_cell_at(parts, bt_int(c), bt_int(i), bt_int(j));
            parts += 4;
          } else {
            items[k] = bt_pair_at(parts, bt_int(i), bt_int(j));
            parts += 2;
          }
        }
      }
    }
    if (pass == 0)
      count = k;
    else
      *out = bt_set_sorted(items, count);
  }
  return true;
}

void bt_shift_union_use(bool on) { shift_union_on = on; }

/* Whether f is ctor(prim, value) taking one argument (lbind(shift, p), rbind(shoot, d)), and
 * the unions are on. */
static bool binds_prim(const bt_closure *f, int ctor, int prim) {
  return shift_union_on && closure_is(f, ctor, 2, (const int[]){prim, -1});
}

/* The bytes shift_by takes to move a set p of m plain-int pairs or cells (interned: all in
 * the table, bounds b) by (di, dj): none for no move, an item each when the moved ones are
 * in the table too, else an item and its parts. */
static uint64_t shift_bytes(bool interned, const int64_t b[4], int64_t lo, int64_t span, uint64_t m,
                            int64_t di, int64_t dj) {
  bool table = interned && di >= -(1 << 10) && di <= 1 << 10 && dj >= -(1 << 10) && dj <= 1 << 10 &&
               b[0] + di >= lo && b[2] + di < lo + span && b[1] + dj >= lo && b[3] + dj < lo + span;
  return (interned && di == 0 && dj == 0 ? 0 : table ? 1 : 5) * m * sizeof(bt_value);
}

/* What mapping leaves when an allocation of it is refused after `calls` calls of the
 * closure (two steps each) and `spent` bytes: the LimitError, the bytes in use, the
 * refusal noted (the line may then make room and run again). */
static void mapping_refused(bt_ctx *cx, uint64_t calls, uint64_t spent, bt_value *out) {
  cx->steps += 2 * calls;
  cx->arena.used += spent;
  bt_arena_peak(cx, cx->arena.used);
  cx->out_of_bytes = true;
  *out = bt_err(BT_E_LIMIT);
}

/* mapply(lbind(shift, p), offsets): the union of the set patch p moved by each offset of the
 * set offsets (the pattern of moving an object to every place occurrences found), marked in
 * a bitmap of the window all the moved copies lie in, whose bits come out in canonical order:
 * no moved copy is built, nothing is sorted. False when it does not apply (the caller maps):
 * f not that closure, p or an offset not of plain ints, a window past 2^22 bits, or anything
 * mapping could meet on the way: steps, depth, a spent comparison budget, the element limit
 * of the merged copies, or the bytes mapping would take. Counts the calls' steps. */
bool bt_shift_union(bt_ctx *cx, const bt_closure *f, bt_value offsets, bool results_made, bt_value *out) {
  if (!binds_prim(f, BT_P_lbind, BT_P_shift)) return false;
  bt_value p = f->args[1];
  uint64_t n = offsets.n, m = p.n, total = n * m;
  if (offsets.kind != BT_SET || p.kind != BT_SET || n == 0 || m == 0 || total > cx->lim.max_elems ||
      cx->steps + 2 * n > cx->lim.max_steps || cx->depth + 1 >= cx->lim.max_depth || bt_walk_spent())
    return false;
  int kind = bt_patch_kind(p);
  if (kind <= 0) return false;
  bool cells = kind == BT_PATCH_OBJECT;
  /* every coordinate and offset within keys' range: mapping's union sorts by packed keys
     (no comparison budget spent) */
  const int64_t far = (int64_t)1 << 21;
  int64_t c0 = INT64_MAX, c1 = INT64_MIN, i0 = INT64_MAX, i1 = INT64_MIN, j0 = INT64_MAX, j1 = INT64_MIN;
  for (uint64_t k = 0; k < m; k++) {
    bt_value e = p.u.items[k], ij = e;
    int64_t c = 0;
    if (cells) {
      if (e.kind != BT_TUPLE || e.n != 2 || e.u.items[0].kind != BT_INT) return false;
      c = e.u.items[0].u.i;
      ij = e.u.items[1];
    }
    if (ij.kind != BT_TUPLE || ij.n != 2 || ij.u.items[0].kind != BT_INT || ij.u.items[1].kind != BT_INT)
      return false;
    int64_t i = ij.u.items[0].u.i, j = ij.u.items[1].u.i;
    if (i <= -far || i >= far || j <= -far || j >= far || c <= -(1 << 14) || c >= 1 << 14) return false;
    c0 = c < c0 ? c : c0, c1 = c > c1 ? c : c1;
    i0 = i < i0 ? i : i0, i1 = i > i1 ? i : i1;
    j0 = j < j0 ? j : j0, j1 = j > j1 ? j : j1;
  }
  int64_t di0 = INT64_MAX, di1 = INT64_MIN, dj0 = INT64_MAX, dj1 = INT64_MIN;
  uint64_t moved = 0; /* the bytes the n copies take when mapped (shift_by's two ways) */
  int64_t b[4] = {0};
  bool interned = bt_patch_interned_bounds(p, b);
  int64_t lo = cells ? BT_ICELL_LO : BT_IPAIR_LO, span = cells ? BT_ICELL_SPAN : BT_IPAIR_SPAN;
  for (uint64_t k = 0; k < n; k++) {
    bt_value d = offsets.u.items[k];
    if (d.kind != BT_TUPLE || d.n != 2 || d.u.items[0].kind != BT_INT || d.u.items[1].kind != BT_INT)
      return false;
    int64_t di = d.u.items[0].u.i, dj = d.u.items[1].u.i;
    if (di <= -far || di >= far || dj <= -far || dj >= far) return false;
    di0 = di < di0 ? di : di0, di1 = di > di1 ? di : di1;
    dj0 = dj < dj0 ? dj : dj0, dj1 = dj > dj1 ? dj : dj1;
    moved += shift_bytes(interned, b, lo, span, m, di, dj);
  }
  /* The bytes mapping keeps: its results' array, the copies, the concatenation; and at its
     peak the union's sort. When those could pass max_bytes, mapping goes and meets it. */
  uint64_t keeps = ((results_made ? 0 : n) + total) * sizeof(bt_value) + moved;
  uint64_t peak = keeps + 3 * total * sizeof(bt_value) + 8192;
  if (cx->arena.used > cx->lim.max_bytes || peak > cx->lim.max_bytes - cx->arena.used) {
    if (cx->arena.used <= cx->lim.max_bytes && keeps <= cx->lim.max_bytes - cx->arena.used) return false;
    /* what mapping keeps does not fit: one of its allocations is refused, found here */
    uint64_t room = cx->arena.used <= cx->lim.max_bytes ? cx->lim.max_bytes - cx->arena.used : 0, spent = 0;
    uint64_t calls = 0, need = results_made ? 0 : n * sizeof(bt_value);
    for (uint64_t k = 0; need <= room - spent; k++) {
      spent += need;
      if (k == n) { /* every copy made: the concatenation's array */
        need = total * sizeof(bt_value);
        if (need > room - spent) break;
        return false; /* cannot be: keeps is these bytes */
      }
      const bt_value *d = offsets.u.items[k].u.items;
      calls++;
      need = shift_bytes(interned, b, lo, span, m, d[0].u.i, d[1].u.i);
    }
    mapping_refused(cx, calls, spent, out);
    return true;
  }
  /* the window: a plane per color of p (when they lie within 64 of each other; else per
     color of c0..c1), rows i0 + di0 .. i1 + di1, columns j0 + dj0 .. j1 + dj1 */
  uint64_t present = 0; /* bit c - c0: color c is p's */
  for (uint64_t k = 0; cells && c1 - c0 < 64 && k < m; k++)
    present |= (uint64_t)1 << (p.u.items[k].u.items[0].u.i - c0);
  int64_t color[64];
  int planes = 0;
  for (uint64_t q = present; q; q &= q - 1)
    color[planes++] = c0 + __builtin_ctzll(q);
  uint64_t nc = present ? (uint64_t)planes : (uint64_t)(c1 - c0) + 1, h = (uint64_t)(i1 - i0 + di1 - di0) + 1,
           w = (uint64_t)(j1 - j0 + dj1 - dj0) + 1;
  if (nc > 1u << 22 || h > 1u << 22 || w > 1u << 22 || nc * h * w > 1u << 22) return false;
  uint64_t words = (nc * h * w + 63) / 64;
  /* what this takes besides the union, most often within what mapping keeps besides it:
     counting mapping's bytes (below) must never count less than this took */
  if ((words * 8 + 16) + 2 * (m * 8 + 16) > total * sizeof(bt_value)) return false;
  size_t before = cx->arena.used;
  bt_mark scratch = bt_arena_mark(cx);
  uint64_t *bits = bt_alloc(cx, words * sizeof *bits), *masks = bt_alloc(cx, m * sizeof *masks);
  int64_t *base = bt_ints_new(cx, m);
  if (!bits || !base || !masks) {
    bt_arena_release(cx, scratch);
    return false;
  }
  memset(bits, 0, words * sizeof *bits);
  for (uint64_t k = 0; k < m; k++) { /* each cell's bit when moved by (di0, dj0) */
    bt_value e = p.u.items[k], ij = cells ? e.u.items[1] : e;
    int64_t c = cells ? e.u.items[0].u.i : 0, plane = c - c0;
    if (present) /* the colors of p below c */
      plane = __builtin_popcountll(present & (((uint64_t)1 << (c - c0)) - 1));
    base[k] = (plane * (int64_t)h + (ij.u.items[0].u.i - i0)) * (int64_t)w + (ij.u.items[1].u.i - j0);
  }
  /* the cells come by plane, then row (canonical order): a run of one plane and row within
     64 columns is one mask, or'ed in at each offset (a word or two) instead of a bit a cell */
  uint64_t runs = 0;
  for (uint64_t q = 0; q < m; q++)
    if (q == 0 || base[q] / (int64_t)w != base[q - 1] / (int64_t)w || base[q] - base[runs - 1] >= 64) {
      base[runs] = base[q]; /* base is rewritten in place: runs <= q */
      masks[runs++] = 1;
    } else
      masks[runs - 1] |= (uint64_t)1 << (base[q] - base[runs - 1]);
  for (uint64_t k = 0; k < n; k++) {
    const bt_value *d = offsets.u.items[k].u.items;
    int64_t delta = (d[0].u.i - di0) * (int64_t)w + (d[1].u.i - dj0);
    for (uint64_t q = 0; q < runs; q++) {
      uint64_t at = (uint64_t)(base[q] + delta), mask = masks[q];
      bits[at / 64] |= mask << (at % 64);
      if (at % 64 && mask >> (64 - at % 64)) bits[at / 64 + 1] |= mask >> (64 - at % 64);
    }
  }
  if (!bits_union(cx, bits, nc, h, w, c0, present ? color : NULL, i0 + di0, j0 + dj0, cells, out)) {
    bt_arena_release(cx, scratch);
    return false;
  }
  if (cx->arena.used - before > keeps) { /* more than mapping keeps: counting that would not do */
    bt_arena_release(cx, scratch);
    return false;
  }
  calls_counted(cx, 2 * n, before, keeps, peak); /* the closure's call and its primitive's */
  return true;
}

/* mapply(rbind(shoot, d), starts): the union of the rays shoot draws from every start (a
 * solver's way of drawing lines from many cells), marked in a bitmap of the window they lie
 * in and read out in canonical order, with no ray built and nothing sorted. It counts what
 * mapping counts, as bt_shift_union does: two steps per start, the depth, the element limits,
 * and the bytes mapping keeps (each ray's far end when not interned, its pairs as connect
 * makes them, the concatenation) and needs at its peak. */
bool bt_ray_union(bt_ctx *cx, const bt_closure *f, bt_value starts, bool results_made, bt_value *out) {
  if (!binds_prim(f, BT_P_rbind, BT_P_shoot)) return false;
  bt_value d = f->args[1];
  uint64_t n = starts.n;
  if (starts.kind != BT_SET || n == 0 || d.kind != BT_TUPLE || d.n != 2 || d.u.items[0].kind != BT_INT ||
      d.u.items[1].kind != BT_INT || cx->steps + 2 * n > cx->lim.max_steps ||
      cx->depth + 1 >= cx->lim.max_depth || bt_walk_spent())
    return false;
  const int64_t far = (int64_t)1 << 20;
  int64_t ddi = d.u.items[0].u.i, ddj = d.u.items[1].u.i;
  if (ddi < -far || ddi > far || ddj < -far || ddj > far) return false;
  int64_t si = 42 * ddi, sj = 42 * ddj; /* from a start to its ray's far end */
  /* connect's cases: a row, a column, a diagonal, an antidiagonal, or nothing */
  int line = si == 0 ? 0 : sj == 0 ? 1 : si == sj ? 2 : si == -sj ? 3 : 4;
  uint64_t len = line == 4 ? 0 : (uint64_t)(line == 0 ? (sj < 0 ? -sj : sj) : (si < 0 ? -si : si)) + 1;
  uint64_t total = n * len;
  if (len > cx->lim.max_elems || total > cx->lim.max_elems) return false;
  int64_t i0 = INT64_MAX, i1 = INT64_MIN, j0 = INT64_MAX, j1 = INT64_MIN;
  uint64_t made = 0; /* the bytes the n rays take when mapped */
  for (uint64_t k = 0; k < n; k++) {
    bt_value a = starts.u.items[k];
    if (a.kind != BT_TUPLE || a.n != 2 || a.u.items[0].kind != BT_INT || a.u.items[1].kind != BT_INT)
      return false;
    int64_t ai = a.u.items[0].u.i, aj = a.u.items[1].u.i;
    if (ai < -far || ai > far || aj < -far || aj > far) return false;
    int64_t bi = ai + si, bj = aj + sj;
    made += (bt_intern_pair(bi, bj) ? 0 : 2 * sizeof(bt_value)) + 3 * len * sizeof(bt_value);
    i0 = ai < i0 ? ai : i0, i0 = bi < i0 ? bi : i0, i1 = ai > i1 ? ai : i1, i1 = bi > i1 ? bi : i1;
    j0 = aj < j0 ? aj : j0, j0 = bj < j0 ? bj : j0, j1 = aj > j1 ? aj : j1, j1 = bj > j1 ? bj : j1;
  }
  uint64_t keeps = (results_made ? 0 : n) * sizeof(bt_value) + made + (total ? total * sizeof(bt_value) : 0);
  uint64_t peak = keeps + (total ? 3 * total * sizeof(bt_value) + 8192 : 0);
  if (cx->arena.used > cx->lim.max_bytes || peak > cx->lim.max_bytes - cx->arena.used) return false;
  size_t before = cx->arena.used;
  if (total == 0) { /* every ray empty: mapping merges nothing */
    *out = bt_set_sorted(NULL, 0);
  } else {
    uint64_t h = (uint64_t)(i1 - i0) + 1, w = (uint64_t)(j1 - j0) + 1;
    if (h > 1u << 22 || w > 1u << 22 || h * w > 1u << 22) return false;
    uint64_t words = (h * w + 63) / 64;
    bt_mark scratch = bt_arena_mark(cx);
    uint64_t *bits = bt_alloc(cx, words * sizeof *bits);
    if (!bits) return false;
    memset(bits, 0, words * sizeof *bits);
    for (uint64_t k = 0; k < n; k++) {
      const bt_value *a = starts.u.items[k].u.items;
      int64_t ai = a[0].u.i, aj = a[1].u.i, bi = ai + si, bj = aj + sj;
      int64_t ri = (ai < bi ? ai : bi) - i0, rj = (aj < bj ? aj : bj) - j0; /* si, sj of connect */
      int64_t ej = (aj > bj ? aj : bj) - j0;
      for (uint64_t q = 0; q < len; q++) {
        int64_t i = line == 0 ? ai - i0 : ri + (int64_t)q;
        int64_t j = line == 1 ? aj - j0 : line == 3 ? ej - (int64_t)q : rj + (int64_t)q;
        uint64_t at = (uint64_t)i * w + (uint64_t)j;
        bits[at / 64] |= (uint64_t)1 << (at % 64);
      }
    }
    if (!bits_union(cx, bits, 1, h, w, 0, NULL, i0, j0, false, out) || cx->arena.used - before > keeps) {
      bt_arena_release(cx, scratch);
      return false;
    }
  }
  calls_counted(cx, 2 * n, before, keeps, peak); /* the closure's call and its primitive's */
  return true;
}

/* ---- relations between two patches ----------------------------------------------- */

/* hmatching (axis 0: a shared row) / vmatching (axis 1: a shared column). */
/* Reads the coordinates on the axis of patch p (of that kind), in its order as
 * patches_match reads them: into store (when not NULL), and *meet: whether one is among the
 * n of c. False with *err set when reading p raises, false with *err none when a coordinate
 * is no int (the caller takes the general way). */
static bool read_coords(bt_value p, int kind, int axis, int64_t *store, const int64_t *c, uint32_t n,
                        bool *meet, bt_value *err) {
  *err = bt_none();
  *meet = false;
  for (uint32_t k = 0; k < p.n; k++) {
    bt_value index = bt_patch_index(p.u.items[k], kind), ij[2];
    if (bt_is_err(index)) return *err = index, false;
    if (!bt_unpack2(index, &ij[0], &ij[1])) return *err = bt_unpack_err(index), false;
    if (!bt_is_int(ij[axis])) return false;
    if (store) store[k] = ij[axis].u.i;
    for (uint32_t x = 0; x < n && !*meet; x++)
      *meet = c[x] == ij[axis].u.i;
  }
  return true;
}

/* patches_match when one patch has at most FEW_MATCH indices and every coordinate on the
 * axis is an int: the small one's coordinates read onto the stack and the other's compared
 * with them, nothing allocated. The errors are patches_match's, in its order (pa read
 * whole, then pb). False (nothing decided) when it does not apply. */
enum { FEW_MATCH = 32 };
static bool few_match(bt_value pa, bt_value pb, int axis, bt_value *out) {
  int64_t c[FEW_MATCH];
  int ka = bt_patch_kind(pa);
  if (ka < 0) return *out = bt_patch_kind_err(pa), true;
  bool meet;
  bt_value err;
  if (pa.n <= FEW_MATCH) {
    if (!read_coords(pa, ka, axis, c, NULL, 0, &meet, &err))
      return bt_is_err(err) ? (*out = err, true) : false;
    int kb = bt_patch_kind(pb);
    if (kb < 0) return *out = bt_patch_kind_err(pb), true;
    if (!read_coords(pb, kb, axis, NULL, c, pa.n, &meet, &err))
      return bt_is_err(err) ? (*out = err, true) : false;
    *out = bt_bool(meet);
    return true;
  }
  /* pa is the big one: pb read first (its error kept), then pa in its order */
  int kb = bt_patch_kind(pb);
  if (pb.n > FEW_MATCH && kb >= 0) return false;
  bt_value pb_err = kb < 0 ? bt_patch_kind_err(pb) : bt_none();
  bool pb_ints = kb >= 0 && read_coords(pb, kb, axis, c, NULL, 0, &meet, &pb_err);
  if (!read_coords(pa, ka, axis, NULL, c, pb_ints ? pb.n : 0, &meet, &err))
    return bt_is_err(err) ? (*out = err, true) : false;
  if (bt_is_err(pb_err)) return *out = pb_err, true;
  if (!pb_ints) return false;
  *out = bt_bool(meet);
  return true;
}

static bt_value patches_match(bt_ctx *cx, bt_value pa, bt_value pb, int axis) {
  bt_value few;
  if (few_match(pa, pb, axis, &few)) return few;
  bt_value coords[2];
  const bt_value patches[2] = {pa, pb};
  for (int s = 0; s < 2; s++) {
    bt_value p = patches[s];
    int kind = bt_patch_kind(p);
    if (kind < 0) return bt_patch_kind_err(p);
    bt_value *vals = bt_items(cx, p.n);
    if (!vals && p.n) return bt_err(BT_E_LIMIT);
    for (uint32_t k = 0; k < p.n; k++) {
      bt_value index = bt_patch_index(p.u.items[k], kind), ij[2];
      if (bt_is_err(index)) return index;
      if (!bt_unpack2(index, &ij[0], &ij[1])) return bt_unpack_err(index);
      vals[k] = ij[axis];
    }
    coords[s] = bt_set_build(cx, vals, p.n);
    if (bt_is_err(coords[s])) return coords[s];
  }
  uint32_t ka = 0, kb = 0;
  while (ka < coords[0].n && kb < coords[1].n) {
    int c = bt_cmp_quick(coords[0].u.items[ka], coords[1].u.items[kb]);
    if (c == 0) return bt_bool(true);
    if (c < 0)
      ka++;
    else
      kb++;
  }
  return bt_bool(false);
}

BT_PRIM(hmatching) { return patches_match(cx, a[0], a[1], 0); }
BT_PRIM(vmatching) { return patches_match(cx, a[0], a[1], 1); }

/* |a - b|, or false when it leaves the int64 range. */
static bool abs_diff(int64_t a, int64_t b, int64_t *d) {
  if (__builtin_sub_overflow(a, b, d)) return false;
  if (*d < 0) {
    if (*d == INT64_MIN) return false;
    *d = -*d;
  }
  return true;
}

/* Python's manhattan: the least |ai - bi| + |aj - bj| over all pairs of points. */
static bt_value patches_manhattan(bt_ctx *cx, bt_value pa, bt_value pb) {
  enum { FEW = 16 }; /* patches of up to FEW points are read onto the stack */
  int64_t *ija, *ijb, bufa[2 * FEW], bufb[2 * FEW];
  size_t na, nb;
  bt_value r = bt_patch_points_in(cx, pa, bufa, FEW, &ija, &na);
  if (bt_is_err(r)) return r;
  if (na == 0) return bt_err(BT_E_VALUE);
  r = bt_patch_points_in(cx, pb, bufb, FEW, &ijb, &nb);
  if (bt_is_err(r)) return r;
  if (nb == 0) return bt_err(BT_E_VALUE);
  if ((uint64_t)na * nb > (uint64_t)64 * cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  int64_t best = INT64_MAX;
  for (size_t x = 0; x < na && best > 0; x++)
    for (size_t y = 0; y < nb; y++) {
      int64_t di, dj, d;
      if (!abs_diff(ija[2 * x], ijb[2 * y], &di) || !abs_diff(ija[2 * x + 1], ijb[2 * y + 1], &dj) ||
          __builtin_add_overflow(di, dj, &d))
        return bt_err(BT_E_OVERFLOW);
      if (d < best) best = d;
    }
  return bt_int(best);
}

BT_PRIM(manhattan) { return patches_manhattan(cx, a[0], a[1]); }

BT_PRIM(adjacent) {
  bt_value d = patches_manhattan(cx, a[0], a[1]);
  return bt_is_err(d) ? d : bt_bool(d.u.i == 1);
}

/* len(grid) - 1 (axis 0) or len(grid[0]) - 1 (axis 1): the last row or column. */
static bt_value last_line(bt_value grid, int axis) {
  if (axis == 1) {
    grid = bt_getitem(grid, 0);
    if (bt_is_err(grid)) return grid;
  }
  int64_t len = bt_len(grid);
  return len < 0 ? bt_err(BT_E_TYPE) : bt_int(len - 1);
}

/* Any extreme on the grid's edge, tested in Python's order with short-circuit. */
BT_PRIM(bordering) {
  (void)cx;
  for (int k = 0; k < 4; k++) {
    bool is_max = k >= 2;
    bt_value v = patch_extreme(a[0], k % 2, is_max);
    if (bt_is_err(v)) return v;
    bt_value edge = is_max ? last_line(a[1], k % 2) : bt_int(0);
    if (bt_is_err(edge)) return edge;
    if (bt_eq(v, edge)) return bt_bool(true);
  }
  return bt_bool(false);
}

BT_PRIM(position) {
  bt_value c[2];
  for (int k = 0; k < 2; k++) {
    bt_value idx = bt_toindices(cx, a[k]);
    if (bt_is_err(idx)) return idx;
    c[k] = patch_center(cx, idx);
    if (bt_is_err(c[k])) return c[k];
  }
  int64_t ia = c[0].u.items[0].u.i, ja = c[0].u.items[1].u.i;
  int64_t ib = c[1].u.items[0].u.i, jb = c[1].u.items[1].u.i;
  int64_t dj = ja < jb ? 1 : -1;
  if (ia == ib) return bt_ipair(cx, 0, dj);
  if (ja == jb) return bt_ipair(cx, ia < ib ? 1 : -1, 0);
  return bt_ipair(cx, ia < ib ? 1 : -1, dj);
}

/* ---- gravitate ---------------------------------------------------------------------- */

static int cmp_point(const void *x, const void *y) {
  const int64_t *p = x, *q = y;
  if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
  return (p[1] > q[1]) - (p[1] < q[1]);
}

static bool has_point(const int64_t *sorted, size_t n, int64_t i, int64_t j) {
  const int64_t key[2] = {i, j};
  return bsearch(key, sorted, n, 2 * sizeof(int64_t), cmp_point) != NULL;
}

/* manhattan(src moved by (oi, oj), dst) == 1, with dst's points sorted: no point of
 * the moved source on dst, and one at distance 1. */
static bool adjacent_moved(const int64_t *src, size_t ns, const int64_t *dst, size_t nd, int64_t oi,
                           int64_t oj) {
  static const int8_t steps[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
  bool touch = false;
  for (size_t k = 0; k < ns; k++) {
    int64_t i = src[2 * k] + oi, j = src[2 * k + 1] + oj;
    if (has_point(dst, nd, i, j)) return false;
    for (int s = 0; s < 4 && !touch; s++)
      touch = has_point(dst, nd, i + steps[s][0], j + steps[s][1]);
  }
  return touch;
}

BT_PRIM(gravitate) {
  bt_value src = a[0], dst = a[1];
  bt_value cs = patch_center(cx, src);
  if (bt_is_err(cs)) return cs;
  bt_value cd = patch_center(cx, dst);
  if (bt_is_err(cd)) return cd;
  bt_value match = patches_match(cx, src, dst, 1);
  if (bt_is_err(match)) return match;
  int axis = match.u.i ? 0 : 1;
  int64_t step = cs.u.items[axis].u.i < cd.u.items[axis].u.i ? 1 : -1;
  int64_t *ps, *pd;
  size_t ns, nd;
  bt_value r = bt_patch_points(cx, src, &ps, &ns);
  if (bt_is_err(r)) return r;
  r = bt_patch_points(cx, dst, &pd, &nd);
  if (bt_is_err(r)) return r;
  qsort(pd, nd, 2 * sizeof(int64_t), cmp_point);
  int64_t moved = 0;
  while (moved < 42 &&
         !adjacent_moved(ps, ns, pd, nd, axis == 0 ? moved * step : 0, axis == 1 ? moved * step : 0))
    moved++;
  return axis == 0 ? bt_ipair(cx, moved * step, 0) : bt_ipair(cx, 0, moved * step);
}
