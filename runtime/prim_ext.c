/* prim_ext.c: the batt extensions (DESIGN.md, "Batt extensions"; exact definitions in
 * docs/extensions.md). Each is defined on top of arc-dsl primitives and calls them, so the
 * extensions inherit their semantics (duck typing, errors, canonical set order). */
#include <string.h>

#include "batt.h"
#include "bt_prims.h"

static bt_value empty_tuple(void) { return bt_tuple(NULL, 0); }

/* A StopIteration escaping a generator expression surfaces as RuntimeError (PEP 479). */
static bt_value in_generator(bt_value r) {
  return r.kind == BT_ERR && r.errc == BT_E_STOP ? bt_err(BT_E_RUNTIME) : r;
}

/* Python's seq[rank] on a sequence of n items: the position, or -1 (IndexError). */
static int64_t seq_index(int64_t rank, uint32_t n) {
  int64_t k = rank < 0 ? rank + (int64_t)n : rank;
  return k >= 0 && k < (int64_t)n ? k : -1;
}

/* An int mode argument in 0..top: TypeError if not an int, ValueError out of range. */
static bt_value mode_arg(bt_value v, int64_t top, int *mode) {
  if (!bt_is_int(v)) return bt_err(BT_E_TYPE);
  if (v.u.i < 0 || v.u.i > top) return bt_err(BT_E_VALUE);
  *mode = (int)v.u.i;
  return bt_none();
}

/* ---- o_g: objects by mode -------------------------------------------------------------- */

/* objects(grid, k & 4, k & 2, k & 1): univalued, diagonal, without_bg. */
BT_PRIM(o_g) {
  int k;
  bt_value e = mode_arg(a[1], 7, &k);
  if (bt_is_err(e)) return e;
  bt_value args[4] = {a[0], bt_bool(k & 4), bt_bool(k & 2), bt_bool(k & 1)};
  return bt_p_objects(cx, args);
}

/* ---- palettes as tuples ------------------------------------------------------------------ */

/* totuple(palette(x)): the palette set's items are already in canonical (ascending) order. */
static bt_value palette_tuple(bt_ctx *cx, const bt_value *a) {
  bt_value pal = bt_p_palette(cx, a);
  if (bt_is_err(pal)) return pal;
  return bt_tuple(pal.n ? pal.u.items : NULL, pal.n);
}

BT_PRIM(p_g) { return palette_tuple(cx, a); }
BT_PRIM(p_o) { return palette_tuple(cx, a); }

/* ---- reading containers by position --------------------------------------------------- */

/* it = iter(c); next(it); next(it) */
BT_PRIM(second) {
  (void)cx;
  if (!bt_is_coll(a[0])) return bt_err(BT_E_TYPE);
  return a[0].n >= 2 ? a[0].u.items[1] : bt_err(BT_E_STOP);
}

/* tuple(c)[rank] */
static bt_value nth(bt_value c, bt_value rank) {
  if (!bt_is_coll(c) || !bt_is_int(rank)) return bt_err(BT_E_TYPE);
  int64_t k = seq_index(rank.u.i, c.n);
  return k < 0 ? bt_err(BT_E_INDEX) : c.u.items[k];
}

BT_PRIM(get_nth_t) {
  (void)cx;
  return nth(a[0], a[1]);
}

BT_PRIM(get_nth_f) {
  (void)cx;
  return nth(a[0], a[1]);
}

/* ---- difference_tuple ------------------------------------------------------------------- */

/* Answers `x in c` as Python does for a tuple or set c, by binary search where c is sorted
 * (a set, or a sorted copy of a long tuple). */
typedef struct membership {
  bt_value sorted; /* a set, or BT_NONE to scan the tuple */
  bt_value tuple;
} membership;

static bool membership_init(bt_ctx *cx, bt_value c, membership *m) {
  m->tuple = c;
  m->sorted = bt_is_set(c) ? c : bt_none();
  if (bt_is_set(c) || c.n <= 16) return true;
  bt_value *copy = bt_items(cx, c.n);
  if (!copy) return false;
  memcpy(copy, c.u.items, c.n * sizeof *copy);
  m->sorted = bt_set_build(cx, copy, c.n); /* canonical equality is Python's == */
  return !bt_is_err(m->sorted);
}

static bool member(const membership *m, bt_value x) {
  if (m->sorted.kind == BT_SET) return bt_set_find(m->sorted, x) >= 0;
  return bt_contains(m->tuple, x) > 0;
}

/* tuple(e for e in a if e not in b) */
BT_PRIM(difference_tuple) {
  bt_value x = a[0], y = a[1];
  if (!bt_is_coll(x)) return bt_err(BT_E_TYPE);
  if (x.n == 0) return empty_tuple();
  if (!bt_is_coll(y)) return bt_err(BT_E_TYPE); /* raised by the first `in` */
  bt_value *out = bt_items(cx, x.n);
  if (!out) return bt_err(BT_E_LIMIT);
  bt_mark mk = bt_arena_mark(cx);
  membership m;
  if (!membership_init(cx, y, &m)) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < x.n; k++)
    if (!member(&m, x.u.items[k])) out[n++] = x.u.items[k];
  bt_arena_release(cx, mk);
  return bt_tuple(n ? out : NULL, n);
}

/* ---- ranks by key ------------------------------------------------------------------------ */

/* sorted(c, key=key, reverse=descending)[rank], and key(that) when want_key. Python's
 * reverse=True sorts the reversed list and reverses the result; order() is Python's
 * sorted(), so the pick is exact even for partial orders (set keys). */
static bt_value ranked(bt_ctx *cx, bt_value c, bt_value key, bt_value rank, bool descending, bool want_key) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_mark mk = bt_arena_mark(cx);
  bt_value input = c;
  if (descending && c.n > 1) {
    bt_value *rev = bt_items(cx, c.n);
    if (!rev) {
      bt_arena_release(cx, mk);
      return bt_err(BT_E_LIMIT);
    }
    for (uint32_t k = 0; k < c.n; k++)
      rev[k] = c.u.items[c.n - 1 - k];
    input = bt_tuple(rev, c.n);
  }
  bt_value args[2] = {input, key};
  bt_value sorted = bt_p_order(cx, args);
  bt_value pick = sorted;
  if (!bt_is_err(sorted)) {
    int64_t k = bt_is_int(rank) ? seq_index(rank.u.i, sorted.n) : -1;
    if (!bt_is_int(rank))
      pick = bt_err(BT_E_TYPE);
    else if (k < 0)
      pick = bt_err(BT_E_INDEX);
    else
      pick = sorted.u.items[descending ? sorted.n - 1 - k : k];
  }
  bt_arena_release(cx, mk); /* pick is an item of c, not arena data of this call */
  if (bt_is_err(pick) || !want_key) return pick;
  return bt_call1(cx, key, pick);
}

BT_PRIM(get_arg_rank_t) { return ranked(cx, a[0], a[1], a[2], true, false); }
BT_PRIM(get_arg_rank_f) { return ranked(cx, a[0], a[1], a[2], true, false); }
BT_PRIM(get_val_rank_t) { return ranked(cx, a[0], a[1], a[2], false, true); }
BT_PRIM(get_val_rank_f) { return ranked(cx, a[0], a[1], a[2], false, true); }

/* ---- colors ranked by count -------------------------------------------------------------- */

enum { SMALL_COLORS = 16 };

/* Counts of the colors 0..15 of a proper grid or an object of int cells: false when some
 * value is outside that range or the element is neither. rep[c] is the first value seen of
 * color c (a bool or an int, as the set would keep). */
static bool small_color_counts(bt_value e, uint32_t *count, bt_value *rep) {
  memset(count, 0, SMALL_COLORS * sizeof *count);
  int64_t h, w;
  bool grid = bt_grid_dims(e, &h, &w);
  if (!grid && !bt_is_set(e)) return false;
  uint32_t n = grid ? (uint32_t)(h * w) : e.n;
  for (uint32_t k = 0; k < n; k++) {
    bt_value v;
    if (grid) {
      v = e.u.items[k / w].u.items[k % w];
    } else {
      bt_value cell = e.u.items[k];
      if (cell.kind != BT_TUPLE || cell.n != 2) return false;
      v = cell.u.items[0];
    }
    if (!bt_is_int(v) || v.u.i < 0 || v.u.i >= SMALL_COLORS) return false;
    if (count[v.u.i]++ == 0) rep[v.u.i] = v;
  }
  return true;
}

/* The values mostcolor counts: every v of every row of a tuple, or the v of every
 * `v, _` of a set; an error where Python's unpacking or iteration raises. */
static bt_value color_values(bt_ctx *cx, bt_value e, bt_vec *vals) {
  if (!bt_is_coll(e)) return bt_err(BT_E_TYPE);
  for (uint32_t k = 0; k < e.n; k++) {
    bt_value x = e.u.items[k];
    if (!bt_is_coll(x)) return bt_err(BT_E_TYPE);
    if (bt_is_set(e) && x.n != 2) return bt_err(BT_E_VALUE);
    uint32_t take = bt_is_set(e) ? 1 : x.n;
    for (uint32_t m = 0; m < take; m++)
      if (!bt_vec_push(cx, vals, x.u.items[m])) return bt_err(BT_E_LIMIT);
  }
  return bt_none();
}

/* A color and how often it occurs. */
typedef struct counted {
  bt_value color;
  uint32_t count;
} counted;

/* Sorts v[0..n) by count descending, stably (equal counts keep their ascending colors):
 * a merge sort through tmp, as the general path may see many distinct values. */
static void sort_by_count_desc(counted *v, counted *tmp, size_t n) {
  if (n < 2) return;
  size_t mid = n / 2;
  sort_by_count_desc(v, tmp, mid);
  sort_by_count_desc(v + mid, tmp, n - mid);
  memcpy(tmp, v, mid * sizeof *v);
  size_t i = 0, j = mid, k = 0;
  while (i < mid && j < n)
    v[k++] = v[j].count > tmp[i].count ? v[j++] : tmp[i++];
  while (i < mid)
    v[k++] = tmp[i++];
}

/* Python's seq[rank] over the d ranked colors. */
static bt_value pick_rank(const counted *ranked, size_t d, bt_value rank) {
  if (!bt_is_int(rank)) return bt_err(BT_E_TYPE);
  int64_t k = seq_index(rank.u.i, (uint32_t)d);
  return k < 0 ? bt_err(BT_E_INDEX) : ranked[k].color;
}

/* The color at `rank` when colors are ordered by count descending, ties by ascending
 * color (canonical order), for values of any kind. */
static bt_value color_rank_general(bt_ctx *cx, bt_value e, bt_value rank) {
  bt_vec vals;
  bt_vec_init(&vals);
  bt_value r = color_values(cx, e, &vals);
  if (bt_is_err(r)) return r;
  bt_value *copy = bt_items(cx, vals.n ? vals.n : 1);
  if (!copy) return bt_err(BT_E_LIMIT);
  if (vals.n) memcpy(copy, vals.items, vals.n * sizeof *copy);
  bt_value set = bt_set_build(cx, copy, vals.n);
  if (bt_is_err(set)) return set;
  counted *ranked = bt_alloc(cx, (2 * (size_t)set.n + 1) * sizeof *ranked);
  if (!ranked) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < set.n; k++)
    ranked[k] = (counted){set.u.items[k], 0};
  for (size_t k = 0; k < vals.n; k++)
    ranked[bt_set_find(set, vals.items[k])].count++;
  sort_by_count_desc(ranked, ranked + set.n, set.n);
  return pick_rank(ranked, set.n, rank);
}

static bt_value color_rank(bt_ctx *cx, bt_value e, bt_value rank) {
  uint32_t count[SMALL_COLORS];
  bt_value rep[SMALL_COLORS];
  if (!small_color_counts(e, count, rep)) {
    bt_mark mk = bt_arena_mark(cx);
    bt_value r = color_rank_general(cx, e, rank);
    bt_arena_release(cx, mk); /* r is a value of e, not arena data of this call */
    return r;
  }
  counted ranked[SMALL_COLORS], tmp[SMALL_COLORS];
  size_t d = 0;
  for (int c = 0; c < SMALL_COLORS; c++)
    if (count[c]) ranked[d++] = (counted){rep[c], count[c]};
  sort_by_count_desc(ranked, tmp, d);
  return pick_rank(ranked, d, rank);
}

BT_PRIM(get_color_rank_t) { return color_rank(cx, a[0], a[1]); }
BT_PRIM(get_color_rank_f) { return color_rank(cx, a[0], a[1]); }

/* ---- mirrors and rotations ---------------------------------------------------------------- */

enum { MR_IDENTITY = 7 };

/* The transform of mode a: 0 hmirror, 1 dmirror, 2 vmirror, 3 cmirror, 4 rot90, 5 rot180,
 * 6 rot270, 7 identity; the arc-dsl primitive itself, so any argument behaves as there. */
static bt_value mir_rot(bt_ctx *cx, bt_value x, int mode) {
  static const bt_prim_fn transform[MR_IDENTITY] = {bt_p_hmirror, bt_p_dmirror, bt_p_vmirror, bt_p_cmirror,
                                                    bt_p_rot90,   bt_p_rot180,  bt_p_rot270};
  return mode == MR_IDENTITY ? x : transform[mode](cx, &x);
}

BT_PRIM(mir_rot_t) {
  int mode;
  bt_value e = mode_arg(a[1], MR_IDENTITY, &mode);
  return bt_is_err(e) ? e : mir_rot(cx, a[0], mode);
}

/* The four mirrors for 0..3, identity for any other int. */
BT_PRIM(mir_rot_f) {
  if (!bt_is_int(a[1])) return bt_err(BT_E_TYPE);
  int64_t mode = a[1].u.i;
  return mode >= 0 && mode <= 3 ? mir_rot(cx, a[0], (int)mode) : a[0];
}

/* ---- a_mr: the mirror or rotation the samples show ------------------------------------ */

/* Whether mir_rot_t(g, mode) == o for a proper h x w grid g (h, w >= 1), cell by cell
 * without building the transform: o[i][j] is g at the source position of (i, j). */
static bool maps_to(bt_value g, int64_t h, int64_t w, int mode, bt_value o) {
  int64_t oh, ow;
  bool swap = mode == 1 || mode == 3 || mode == 4 || mode == 6;
  if (!bt_grid_dims(o, &oh, &ow) || oh != (swap ? w : h) || ow != (swap ? h : w)) return false;
  for (int64_t i = 0; i < oh; i++)
    for (int64_t j = 0; j < ow; j++) {
      int64_t si, sj;
      switch (mode) {
      case 0:
        si = h - 1 - i;
        sj = j;
        break;
      case 1:
        si = j;
        sj = i;
        break;
      case 2:
        si = i;
        sj = w - 1 - j;
        break;
      case 3:
        si = h - 1 - j;
        sj = w - 1 - i;
        break;
      case 4:
        si = h - 1 - j;
        sj = i;
        break;
      case 5:
        si = h - 1 - i;
        sj = w - 1 - j;
        break;
      case 6:
        si = j;
        sj = w - 1 - i;
        break;
      default:
        si = i;
        sj = j;
        break;
      }
      if (BT_GCELL(o, i, j) != BT_GCELL(g, si, sj)) return false;
    }
  return true;
}

/* `i, o = pair` as Python unpacks it: ValueError for a container of another length. */
static bt_value unpack_pair(bt_value pair, bt_value *in, bt_value *out) {
  if (!bt_is_coll(pair)) return bt_err(BT_E_TYPE);
  if (pair.n != 2) return bt_err(BT_E_VALUE);
  *in = pair.u.items[0];
  *out = pair.u.items[1];
  return bt_none();
}

/* all(mir_rot_t(i, mode) == o for i, o in S) */
static bt_value all_map(bt_ctx *cx, bt_value S, int mode) {
  for (uint32_t k = 0; k < S.n; k++) {
    bt_value in, out;
    bt_value e = unpack_pair(S.u.items[k], &in, &out);
    if (bt_is_err(e)) return e;
    int64_t h, w;
    bool same;
    if (bt_grid_dims(in, &h, &w) && w > 0) {
      same = maps_to(in, h, w, mode, out);
    } else {
      bt_mark mk = bt_arena_mark(cx);
      bt_value t = mir_rot(cx, in, mode);
      if (bt_is_err(t)) return in_generator(t);
      same = bt_eq(t, out);
      bt_arena_release(cx, mk);
    }
    if (!same) return bt_bool(false);
  }
  return bt_bool(true);
}

/* The smallest mode whose mir_rot_t maps every input to its output; ValueError if none. */
BT_PRIM(a_mr) {
  bt_value S = a[0];
  if (!bt_is_coll(S)) return bt_err(BT_E_TYPE);
  for (int mode = 0; mode <= MR_IDENTITY; mode++) {
    bt_value r = all_map(cx, S, mode);
    if (bt_is_err(r) || r.u.i) return bt_is_err(r) ? r : bt_int(mode);
  }
  return bt_err(BT_E_VALUE);
}

/* ---- c_iz / c_zo: what the inputs have that the outputs lack, and back ---------------- */

/* dedupe(mapply(f, apply(side, S))) with side first (inputs) or second (outputs). */
static bt_value sample_side(bt_ctx *cx, bt_value S, bt_value f, int side) {
  bt_value args[2] = {bt_prim_value(side), S};
  bt_value xs = bt_p_apply(cx, args);
  if (bt_is_err(xs)) return xs;
  args[0] = f;
  args[1] = xs;
  bt_value merged = bt_p_mapply(cx, args);
  return bt_is_err(merged) ? merged : bt_p_dedupe(cx, &merged);
}

/* difference_tuple(sample_side(from), sample_side(other side)) */
static bt_value sample_diff(bt_ctx *cx, bt_value S, bt_value f, bool inputs_first) {
  bt_value args[2];
  args[0] = sample_side(cx, S, f, inputs_first ? BT_P_first : BT_P_second);
  if (bt_is_err(args[0])) return args[0];
  args[1] = sample_side(cx, S, f, inputs_first ? BT_P_second : BT_P_first);
  if (bt_is_err(args[1])) return args[1];
  return bt_p_difference_tuple(cx, args);
}

/* pick(sample_diff(...)) */
static bt_value picked_diff(bt_ctx *cx, const bt_value *a, bool inputs_first) {
  bt_value d = sample_diff(cx, a[0], a[1], inputs_first);
  return bt_is_err(d) ? d : bt_call1(cx, a[2], d);
}

BT_PRIM(c_iz) { return sample_diff(cx, a[0], a[1], true); }
BT_PRIM(c_zo) { return sample_diff(cx, a[0], a[1], false); }
BT_PRIM(c_iz_n) { return picked_diff(cx, a, true); }
BT_PRIM(c_zo_n) { return picked_diff(cx, a, false); }
