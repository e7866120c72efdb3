/* patch.c: reading patches (toindices dispatch, element unpacking, bounds) and
 * building index sets and objects, shared by the patch and grid primitives. */
#include <string.h>

#include "patch.h"

int bt_patch_kind(bt_value patch) {
  if (!bt_is_coll(patch)) return -1;
  if (patch.n == 0) return BT_PATCH_EMPTY;
  bt_value first = patch.u.items[0];
  if (first.kind != BT_TUPLE || first.n < 2) return -1;
  return first.u.items[1].kind == BT_TUPLE ? BT_PATCH_OBJECT : BT_PATCH_INDICES;
}

bt_value bt_patch_kind_err(bt_value patch) {
  if (bt_is_coll(patch) && patch.n > 0) {
    bt_value first = patch.u.items[0];
    if (first.kind == BT_TUPLE && first.n < 2) return bt_err(BT_E_INDEX);
  }
  return bt_err(BT_E_TYPE);
}

bool bt_patch_bounds(bt_value patch, int64_t *i0, int64_t *j0, int64_t *i1, int64_t *j1) {
  int kind = bt_patch_kind(patch);
  if (kind <= 0) return false;
  int64_t i, j;
  if (!bt_patch_ij(patch.u.items[0], kind, &i, &j)) return false;
  *i0 = *i1 = i;
  *j0 = *j1 = j;
  for (uint32_t k = 1; k < patch.n; k++) {
    if (!bt_patch_ij(patch.u.items[k], kind, &i, &j)) return false;
    if (i < *i0) *i0 = i;
    if (i > *i1) *i1 = i;
    if (j < *j0) *j0 = j;
    if (j > *j1) *j1 = j;
  }
  return true;
}

bt_value bt_toindices(bt_ctx *cx, bt_value patch) {
  int kind = bt_patch_kind(patch);
  if (kind < 0) return bt_patch_kind_err(patch);
  if (kind == BT_PATCH_EMPTY) return bt_set_sorted(NULL, 0);
  if (kind == BT_PATCH_INDICES) return patch;
  bt_value *items = bt_items(cx, patch.n);
  if (!items) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < patch.n; k++) {
    bt_value e = patch.u.items[k], value;
    if (!bt_unpack2(e, &value, &items[k])) return bt_unpack_err(e);
  }
  return bt_set_build(cx, items, patch.n);
}

static bt_value index_set(bt_ctx *cx, const int64_t *ij, size_t n, bool ascending) {
  if (n == 0) return bt_set_sorted(NULL, 0);
  if (n > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  size_t boxed = 0;
  for (size_t k = 0; k < n; k++)
    boxed += !bt_intern_pair(ij[2 * k], ij[2 * k + 1]);
  bt_value *items = bt_items_parts(cx, n, 2 * boxed);
  if (!items) return bt_err(BT_E_LIMIT);
  bt_value *pairs = items + n;
  for (size_t k = 0; k < n; k++) {
    const bt_value *in = bt_intern_pair(ij[2 * k], ij[2 * k + 1]);
    if (!in) {
      pairs[0] = bt_int(ij[2 * k]);
      pairs[1] = bt_int(ij[2 * k + 1]);
      in = pairs;
      pairs += 2;
    }
    items[k] = bt_tuple(in, 2);
  }
  return ascending ? bt_set_sorted(items, n) : bt_set_build(cx, items, n);
}

bt_value bt_index_set(bt_ctx *cx, const int64_t *ij, size_t n) { return index_set(cx, ij, n, false); }
bt_value bt_index_set_sorted(bt_ctx *cx, const int64_t *ij, size_t n) { return index_set(cx, ij, n, true); }

bt_value bt_cell_set(bt_ctx *cx, const int64_t *c, const int64_t *ij, size_t n) {
  if (n == 0) return bt_set_sorted(NULL, 0);
  if (n > cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  size_t boxed = 0;
  for (size_t k = 0; k < n; k++)
    boxed += !bt_intern_cell(c[k], ij[2 * k], ij[2 * k + 1]);
  bt_value *items = bt_items_parts(cx, n, 4 * boxed);
  if (!items) return bt_err(BT_E_LIMIT);
  bt_value *cells = items + n;
  for (size_t k = 0; k < n; k++) {
    const bt_value *in = bt_intern_cell(c[k], ij[2 * k], ij[2 * k + 1]);
    items[k] =
        in ? bt_tuple(in, 2) : bt_cell_at(cells, bt_int(c[k]), bt_int(ij[2 * k]), bt_int(ij[2 * k + 1]));
    cells += in ? 0 : 4;
  }
  return bt_set_build(cx, items, n);
}

bool bt_ijvec_push(bt_ctx *cx, bt_ijvec *v, int64_t i, int64_t j) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 16;
    if (cap > cx->lim.max_elems) cap = cx->lim.max_elems;
    if (cap <= v->n) return false;
    int64_t *ij = bt_ints_new(cx, 2 * cap);
    if (!ij) return false;
    if (v->n) memcpy(ij, v->ij, 2 * v->n * sizeof *ij);
    v->ij = ij;
    v->cap = cap;
  }
  v->ij[2 * v->n] = i;
  v->ij[2 * v->n + 1] = j;
  v->n++;
  return true;
}

uint8_t *bt_mask_new(bt_ctx *cx, size_t n) {
  uint8_t *m = bt_alloc(cx, n);
  if (m) memset(m, 0, n);
  return m;
}

int64_t *bt_ints_new(bt_ctx *cx, size_t n) {
  if (n > (size_t)4 * cx->lim.max_elems) return NULL;
  return bt_alloc(cx, n * sizeof(int64_t));
}

static bt_value points_into(bt_value patch, int kind, int64_t *ij) {
  for (uint32_t k = 0; k < patch.n; k++) {
    bt_value index = bt_patch_index(patch.u.items[k], kind), i, j;
    if (bt_is_err(index)) return index;
    if (!bt_unpack2(index, &i, &j)) return bt_unpack_err(index);
    if (!bt_is_int(i) || !bt_is_int(j)) return bt_err(BT_E_TYPE);
    ij[2 * k] = i.u.i;
    ij[2 * k + 1] = j.u.i;
  }
  return bt_none();
}

bt_value bt_patch_points(bt_ctx *cx, bt_value patch, int64_t **ij, size_t *n) {
  int kind = bt_patch_kind(patch);
  if (kind < 0) return bt_patch_kind_err(patch);
  *n = patch.n;
  *ij = bt_ints_new(cx, 2 * (size_t)patch.n + 2);
  if (!*ij) return bt_err(BT_E_LIMIT);
  return points_into(patch, kind, *ij);
}

bt_value bt_patch_points_in(bt_ctx *cx, bt_value patch, int64_t *buf, size_t cap, int64_t **ij, size_t *n) {
  int kind = bt_patch_kind(patch);
  if (kind < 0) return bt_patch_kind_err(patch);
  if (patch.n > cap) return bt_patch_points(cx, patch, ij, n);
  *n = patch.n;
  *ij = buf;
  return points_into(patch, kind, buf);
}
