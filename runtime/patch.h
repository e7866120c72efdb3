/* patch.h: helpers shared by the primitives that read patches (index sets and
 * objects) and build index sets. Internal to the runtime. */
#ifndef BATT_PATCH_H
#define BATT_PATCH_H

#include "batt.h"

/* What toindices sees in a patch (the first element decides, as in arc-dsl). */
enum { BT_PATCH_EMPTY = 0, BT_PATCH_INDICES = 1, BT_PATCH_OBJECT = 2 };

/* Python's toindices dispatch: 0 empty, 1 indices (elements are (i, j)), 2 object
 * (elements are (c, (i, j))), -1 when the patch is not a container or its first
 * element cannot be indexed with [1] (bt_patch_kind_err gives Python's error). */
int bt_patch_kind(bt_value patch);
/* The error toindices raises on a patch of kind -1: TypeError or IndexError. */
bt_value bt_patch_kind_err(bt_value patch);

/* The (i, j) of an int pair; false if v is not a 2-tuple of ints (or bools). */
static inline bool bt_ipair_get(bt_value v, int64_t *i, int64_t *j) {
  if (v.kind != BT_TUPLE || v.n != 2 || !bt_is_int(v.u.items[0]) || !bt_is_int(v.u.items[1])) return false;
  *i = v.u.items[0].u.i;
  *j = v.u.items[1].u.i;
  return true;
}

/* The (i, j) of one element of a patch of that kind; false if it is not a pair of
 * ints (resp. a cell (c, (i, j)) with an int pair at [1]). */
static inline bool bt_patch_ij(bt_value elem, int kind, int64_t *i, int64_t *j) {
  if (kind == BT_PATCH_OBJECT) {
    if (elem.kind != BT_TUPLE || elem.n != 2) return false;
    elem = elem.u.items[1];
  }
  return bt_ipair_get(elem, i, j);
}

/* The cell (c, (i, j)) with int c, i, j; false otherwise. */
static inline bool bt_cell_get(bt_value elem, int64_t *c, int64_t *i, int64_t *j) {
  if (elem.kind != BT_TUPLE || elem.n != 2 || !bt_is_int(elem.u.items[0])) return false;
  *c = elem.u.items[0].u.i;
  return bt_ipair_get(elem.u.items[1], i, j);
}

/* Python's `x, y = v`: a tuple or a set of two items (a set in canonical order). */
static inline bool bt_unpack2(bt_value v, bt_value *x, bt_value *y) {
  if (!bt_is_coll(v) || v.n != 2) return false;
  *x = v.u.items[0];
  *y = v.u.items[1];
  return true;
}
/* The error that unpacking v into two raises: ValueError for a container of another
 * length, TypeError for a non-iterable. */
static inline bt_value bt_unpack_err(bt_value v) { return bt_err(bt_is_coll(v) ? BT_E_VALUE : BT_E_TYPE); }

/* The pair (a, b) and the cell (c, (i, j)) written into caller-provided arena memory
 * (2 resp. 4 values), for building many at once without one allocation each. */
static inline bt_value bt_pair_at(bt_value *mem, bt_value a, bt_value b) {
  const bt_value *in = bt_intern_of(a, b);
  if (in) return bt_tuple(in, 2);
  mem[0] = a;
  mem[1] = b;
  return bt_tuple(mem, 2);
}
/* The arena values bt_pair_at(mem, a, b) / bt_cell_at(mem, c, i, j) write: none when the
 * pair (the cell) is interned. */
static inline size_t bt_pair_parts(bt_value a, bt_value b) { return bt_intern_of(a, b) ? 0 : 2; }
static inline size_t bt_cell_parts(bt_value c, bt_value i, bt_value j) {
  const bt_value *ij = bt_intern_of(i, j);
  if (!ij) return 4;
  return bt_intern_of(c, bt_tuple(ij, 2)) ? 0 : 2;
}
static inline bt_value bt_cell_at(bt_value *mem, bt_value c, bt_value i, bt_value j) {
  bt_value ij = bt_pair_at(mem + 2, i, j);
  const bt_value *in = bt_intern_of(c, ij);
  if (in) return bt_tuple(in, 2);
  mem[0] = c;
  mem[1] = ij;
  return bt_tuple(mem, 2);
}

/* The index toindices takes from one element of a patch of that kind: the element
 * itself (indices) or its second item (object); Python's error if it cannot unpack. */
static inline bt_value bt_patch_index(bt_value elem, int kind) {
  bt_value value, index;
  if (kind != BT_PATCH_OBJECT) return elem;
  if (!bt_unpack2(elem, &value, &index)) return bt_unpack_err(elem);
  return index;
}

/* The int (i, j) of every element of a patch (any container toindices accepts, each
 * index unpacked as Python does) into a new arena array of 2 * *n int64, in element
 * order, duplicates kept. Returns none, or the error Python (or a limit) raises;
 * non-int coordinates give TypeError. */
bt_value bt_patch_points(bt_ctx *cx, bt_value patch, int64_t **ij, size_t *n);
/* bt_patch_points into buf (room for cap points) when the patch has no more: nothing
 * allocated; else as bt_patch_points. */
bt_value bt_patch_points_in(bt_ctx *cx, bt_value patch, int64_t *buf, size_t cap, int64_t **ij, size_t *n);

/* Bounding box of a non-empty patch: min/max row and column; false if the patch is
 * empty or not a proper patch (some element is not an int pair / cell). */
bool bt_patch_bounds(bt_value patch, int64_t *i0, int64_t *j0, int64_t *i1, int64_t *j1);

/* Python's toindices: the patch itself for an index patch (a tuple stays a tuple),
 * the set of the [1] of every element for an object, the empty set for an empty
 * container; an error value where Python raises. */
bt_value bt_toindices(bt_ctx *cx, bt_value patch);

/* The bounds of a non-empty patch whose elements are all interned pairs or all interned
 * cells (one pass over their addresses, nothing read through them): b = {min i, min j,
 * max i, max j}. False when the patch is anything else (the caller takes the general
 * path, which gives the same values). */
static inline bool bt_patch_interned_bounds(bt_value patch, int64_t b[4]) {
  if (!bt_is_coll(patch) || patch.n == 0) return false;
  const bt_value *items = patch.u.items;
  int64_t first = bt_intern_at(items[0]);
  if (first < 0) return false;
  bool cells = first >= BT_INTERN_PAIRS;
  int64_t i0 = INT64_MAX, j0 = INT64_MAX, i1 = INT64_MIN, j1 = INT64_MIN;
  for (uint32_t k = 0; k < patch.n; k++) {
    int64_t at = bt_intern_at(items[k]), i, j;
    if (at < 0 || (at >= BT_INTERN_PAIRS) != cells) return false;
    bt_intern_ij(at, &i, &j);
    i0 = i < i0 ? i : i0;
    i1 = i > i1 ? i : i1;
    j0 = j < j0 ? j : j0;
    j1 = j > j1 ? j : j1;
  }
  b[0] = i0;
  b[1] = j0;
  b[2] = i1;
  b[3] = j1;
  return true;
}

/* The set of the n index pairs ij[2k], ij[2k+1] (any order, duplicates dropped). */
bt_value bt_index_set(bt_ctx *cx, const int64_t *ij, size_t n);
/* The same for pairs already strictly ascending (row-major order, no duplicates). */
bt_value bt_index_set_sorted(bt_ctx *cx, const int64_t *ij, size_t n);
/* The object of the n cells (c[k], (ij[2k], ij[2k+1])). */
bt_value bt_cell_set(bt_ctx *cx, const int64_t *c, const int64_t *ij, size_t n);

/* Growable array of index pairs (2 int64 per pair) in the arena. */
typedef struct bt_ijvec {
  int64_t *ij;
  size_t n, cap;
} bt_ijvec;
static inline void bt_ijvec_init(bt_ijvec *v) {
  v->ij = NULL;
  v->n = v->cap = 0;
}
/* false when a limit is hit. */
bool bt_ijvec_push(bt_ctx *cx, bt_ijvec *v, int64_t i, int64_t j);
/* The set of the pairs pushed so far. */
static inline bt_value bt_ijvec_set(bt_ctx *cx, const bt_ijvec *v) { return bt_index_set(cx, v->ij, v->n); }

/* n zeroed bytes in the arena (a visited mask of h*w cells); NULL past a limit. */
uint8_t *bt_mask_new(bt_ctx *cx, size_t n);
/* n uninitialised int64 in the arena; NULL past a limit. */
int64_t *bt_ints_new(bt_ctx *cx, size_t n);

/* ---- grids ------------------------------------------------------------------------- */

/* Python's clamped slice bounds [*lo, *hi) of s[start:stop] on a sequence of length n. */
static inline void bt_slice_bounds(int64_t n, int64_t start, int64_t stop, int64_t *lo, int64_t *hi) {
  if (start < 0) start = start + n < 0 ? 0 : start + n;
  if (stop < 0) stop = stop + n < 0 ? 0 : stop + n;
  if (start > n) start = n;
  if (stop > n) stop = n;
  *lo = start;
  *hi = stop > start ? stop : start;
}

/* A grid transform (the rotations and mirrors) as steps: reverse the row order, reverse each
 * row (rows must be tuples: Python slices them), transpose (zip), then the same two after. */
enum {
  BT_PRE_ROWS = 1,  /* grid[::-1] */
  BT_PRE_EACH = 2,  /* row[::-1] for each row */
  BT_TRANSPOSE = 4, /* zip(*rows) */
  BT_POST_EACH = 8,
  BT_POST_ROWS = 16,
};

/* How often each byte value occurs among the n bytes at c. */
void bt_byte_counts(const uint8_t *c, size_t n, uint64_t counts[256]);

/* ---- connected components (objects) ---------------------------------------------- */

/* A labelling of a proper grid into the components objects() finds. */
typedef struct bt_labels {
  int64_t h, w;
  int32_t *label; /* per cell, row-major: its component, or -1 (background) */
  int32_t n;      /* components, numbered in the row-major order of their first cell */
  int32_t *size;  /* cells of each component */
} bt_labels;

/* The rule that joins neighbouring cells into one component. */
typedef struct bt_label_rule {
  bool univalued; /* join equal values only (else any two non-background values) */
  bool diagonal;  /* 8-connectivity (else 4) */
  bool has_bg;    /* cells equal to bg belong to no component */
  int64_t bg;
} bt_label_rule;

/* Labels the proper h x w grid g (bt_grid_dims) under rule; false past a limit. */
bool bt_label_grid(bt_ctx *cx, bt_value g, int64_t h, int64_t w, bt_label_rule rule, bt_labels *out);
/* The set of components as objects: cells (value, (i, j)) in canonical order, the
 * objects sorted canonically; an error value past a limit. */
bt_value bt_labels_objects(bt_ctx *cx, bt_value g, const bt_labels *lab);

#endif
