/* tk_rank.c: primitives of the tokpidjin dialect (docs/tokpidjin.md): commonness, ranks and
 * n-th elements, colour counts and palettes, size and colour filters. */
#include <stdlib.h>
#include <string.h>

#include "tk.h"

/* ---- shared helpers ----------------------------------------------------------------------- */

/* Python's `-n <= rank < n` followed by seq[rank]: 1 with *k the position, 0 out of range,
 * -1 for TypeError (a rank that is no number, or a float that passes the test). */
static int rank_index(bt_value rank, uint32_t n, int64_t *k) {
  if (bt_is_int(rank)) {
    if (rank.u.i < -(int64_t)n || rank.u.i >= (int64_t)n) return 0;
    *k = rank.u.i < 0 ? rank.u.i + n : rank.u.i;
    return 1;
  }
  if (rank.kind == BT_FLOAT) return -(double)n <= rank.u.f && rank.u.f < (double)n ? -1 : 0;
  return -1;
}

/* Python's `x == y`: as bt_eq, but NaN is unequal to itself. */
static bool py_eq(bt_value x, bt_value y) {
  if ((x.kind == BT_FLOAT && x.u.f != x.u.f) || (y.kind == BT_FLOAT && y.u.f != y.u.f)) return false;
  return bt_eq(x, y);
}

/* The values a colour list holds: `[v for r in e for v in r]` (rows) or `[c for _, _, c in e]`
 * (cells); an error where Python's iteration or unpacking raises. */
static bt_value color_values(bt_ctx *cx, bt_value e, bool cells, bt_vec *vals) {
  if (!bt_is_coll(e)) return bt_err(BT_E_TYPE);
  for (uint32_t k = 0; k < e.n; k++) {
    bt_value x = e.u.items[k];
    if (!bt_is_coll(x)) return bt_err(BT_E_TYPE);
    if (cells && x.n != 3) return bt_err(BT_E_VALUE);
    for (uint32_t m = cells ? 2 : 0; m < x.n; m++)
      if (!bt_vec_push(cx, vals, x.u.items[m])) return bt_err(BT_E_LIMIT);
  }
  return bt_none();
}

/* A distinct value, how often it occurs, where it occurs first and its place in the set. */
typedef struct tally {
  bt_value v;
  uint32_t count, first, pos;
} tally;

/* The distinct values of vals[0..n) in canonical order (the set Python builds, the first
 * inserted of equal values kept), each with its count (Python's list.count); NULL when a
 * limit is hit. */
static tally *tally_of(bt_ctx *cx, const bt_value *vals, uint32_t n, uint32_t *nd) {
  bt_value *copy = bt_items(cx, n ? n : 1);
  if (!copy) return NULL;
  if (n) memcpy(copy, vals, n * sizeof *copy);
  bt_value set = bt_set_build(cx, copy, n);
  tally *t = bt_is_err(set) ? NULL : bt_alloc(cx, (set.n ? set.n : 1) * sizeof *t);
  if (!t) return NULL;
  for (uint32_t k = 0; k < set.n; k++)
    t[k] = (tally){set.u.items[k], 0, 0, k};
  for (uint32_t k = 0; k < n; k++) {
    tally *s = &t[bt_set_find(set, vals[k])];
    if (s->count++ == 0) s->first = k;
  }
  *nd = set.n;
  return t;
}

/* By ascending count, ties in set order. */
static int by_count_asc(const void *x, const void *y) {
  const tally *a = x, *b = y;
  if (a->count != b->count) return a->count < b->count ? -1 : 1;
  return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* By descending count, ties by first occurrence (Counter.most_common). */
static int by_count_desc(const void *x, const void *y) {
  const tally *a = x, *b = y;
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  return a->first < b->first ? -1 : a->first > b->first;
}

/* What a commonness primitive asks of the tallies of a list of values. */
typedef enum common_op {
  C_MOST,      /* max(set(vals), key=vals.count) */
  C_LEAST,     /* min(...) */
  C_RANK_ASC,  /* sorted(set(vals), key=vals.count)[rank] */
  C_RANK_COLOR /* Counter(vals).most_common()[rank][0] */
} common_op;

/* The commonness op over vals[0..n): the value chosen, `miss` for a rank out of range, an
 * error for an empty max/min or a bad rank. */
static bt_value common_of(bt_ctx *cx, const bt_value *vals, uint32_t n, common_op op, bt_value rank,
                          bt_value miss) {
  if (n == 0 && (op == C_MOST || op == C_LEAST)) return bt_err(BT_E_VALUE);
  bt_mark m = bt_arena_mark(cx);
  uint32_t nd = 0;
  tally *t = tally_of(cx, vals, n, &nd);
  bt_value r = bt_err(BT_E_LIMIT);
  if (t && (op == C_MOST || op == C_LEAST)) {
    uint32_t best = 0;
    for (uint32_t k = 1; k < nd; k++)
      if (op == C_MOST ? t[k].count > t[best].count : t[k].count < t[best].count) best = k;
    r = t[best].v;
  } else if (t) {
    qsort(t, nd, sizeof *t, op == C_RANK_ASC ? by_count_asc : by_count_desc);
    int64_t k = 0;
    int in = rank_index(rank, nd, &k);
    r = in < 0 ? bt_err(BT_E_TYPE) : in ? t[k].v : miss;
  }
  bt_arena_release(cx, m); /* r is one of vals, not data of this call */
  return r;
}

/* Commonness over a container's items: set(container) then container.count, so a set
 * argument (no .count) fails unless as_list (list(container) first). */
static bt_value common_items(bt_ctx *cx, bt_value c, bool as_list, common_op op, bt_value rank,
                             bt_value miss) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  if (bt_is_set(c) && !as_list) return bt_err(BT_E_ATTR);
  return common_of(cx, c.u.items, c.n, op, rank, miss);
}

/* Commonness over a grid's (cells false) or an object's (cells true) colours; NaN when there
 * are none (mostcolor and leastcolor). */
static bt_value common_colors(bt_ctx *cx, bt_value e, bool cells, common_op op, bt_value rank,
                              bt_value miss) {
  bt_mark m = bt_arena_mark(cx);
  bt_vec vals;
  bt_vec_init(&vals);
  bt_value r = color_values(cx, e, cells, &vals);
  if (!bt_is_err(r))
    r = vals.n == 0 && (op == C_MOST || op == C_LEAST) ? tk_nan()
                                                       : common_of(cx, vals.items, vals.n, op, rank, miss);
  bt_arena_release(cx, m); /* r is a value of e */
  return r;
}

/* tuple(sorted(c, key=key)) (key None: no key); reverse as Python does it: the reversed
 * list sorted stably, read backwards by the caller. */
static bt_value sorted_of(bt_ctx *cx, bt_value c, bt_value key, bool reverse) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_value input = c;
  if (reverse && c.n > 1) {
    bt_value *rev = bt_items(cx, c.n);
    if (!rev) return bt_err(BT_E_LIMIT);
    for (uint32_t k = 0; k < c.n; k++)
      rev[k] = c.u.items[c.n - 1 - k];
    input = bt_tuple(rev, c.n);
  }
  bt_value args[2] = {input, key};
  return bt_p_order(cx, args);
}

/* sorted(c, key=key, reverse=reverse)[rank]: *found false when out of range. */
static bt_value sorted_pick(bt_ctx *cx, bt_value c, bt_value key, bool reverse, bt_value rank, bool *found) {
  *found = false;
  bt_mark m = bt_arena_mark(cx);
  bt_value s = sorted_of(cx, c, key, reverse), r = s;
  if (!bt_is_err(s)) {
    int64_t k = 0;
    int in = rank_index(rank, s.n, &k);
    r = in < 0 ? bt_err(BT_E_TYPE) : in ? s.u.items[reverse ? s.n - 1 - k : k] : bt_none();
    *found = in > 0;
  }
  bt_arena_release(cx, m); /* r is an item of c */
  return r;
}

/* ---- commonness ------------------------------------------------------------------------- */

BT_PRIM(tk_mostcommon) { return common_items(cx, a[0], false, C_MOST, bt_none(), bt_none()); }
BT_PRIM(tk_mostcommon_t) { return common_items(cx, a[0], false, C_MOST, bt_none(), bt_none()); }
BT_PRIM(tk_mostcommon_f) { return common_items(cx, a[0], true, C_MOST, bt_none(), bt_none()); }
BT_PRIM(tk_leastcommon) { return common_items(cx, a[0], false, C_LEAST, bt_none(), bt_none()); }
BT_PRIM(tk_leastcommon_t) { return common_items(cx, a[0], false, C_LEAST, bt_none(), bt_none()); }
BT_PRIM(tk_leastcommon_f) { return common_items(cx, a[0], true, C_LEAST, bt_none(), bt_none()); }

/* sorted(set(c), key=c.count)[rank], else the empty container */
BT_PRIM(tk_get_common_rank) { return common_items(cx, a[0], false, C_RANK_ASC, a[1], tk_empty_tuple()); }
BT_PRIM(tk_get_common_rank_t) { return common_items(cx, a[0], false, C_RANK_ASC, a[1], tk_empty_tuple()); }
BT_PRIM(tk_get_common_rank_f) { return common_items(cx, a[0], true, C_RANK_ASC, a[1], tk_empty_set()); }

/* Counter(colours).most_common()[rank][0], else the empty container */
BT_PRIM(tk_get_color_rank_t) { return common_colors(cx, a[0], false, C_RANK_COLOR, a[1], tk_empty_tuple()); }
BT_PRIM(tk_get_color_rank_f) { return common_colors(cx, a[0], true, C_RANK_COLOR, a[1], tk_empty_set()); }

BT_PRIM(tk_mostcolor_t) { return common_colors(cx, a[0], false, C_MOST, bt_none(), bt_none()); }
BT_PRIM(tk_mostcolor_f) { return common_colors(cx, a[0], true, C_MOST, bt_none(), bt_none()); }
BT_PRIM(tk_leastcolor_t) { return common_colors(cx, a[0], false, C_LEAST, bt_none(), bt_none()); }
BT_PRIM(tk_leastcolor_f) { return common_colors(cx, a[0], true, C_LEAST, bt_none(), bt_none()); }

/* ---- ranks by key --------------------------------------------------------------------------- */

/* sorted(c, key=f, reverse=True)[rank], else miss. */
static bt_value arg_rank(bt_ctx *cx, const bt_value *a, bt_value miss) {
  bool found;
  bt_value r = sorted_pick(cx, a[0], a[1], true, a[2], &found);
  return bt_is_err(r) || found ? r : miss;
}

/* out of range: type(c)() */
BT_PRIM(tk_get_arg_rank) { return arg_rank(cx, a, bt_is_set(a[0]) ? tk_empty_set() : tk_empty_tuple()); }
BT_PRIM(tk_get_arg_rank_t) { return arg_rank(cx, a, tk_empty_tuple()); }
BT_PRIM(tk_get_arg_rank_f) { return arg_rank(cx, a, tk_empty_set()); }

/* f(sorted(c, key=f)[rank]), else f(0). */
static bt_value val_rank(bt_ctx *cx, const bt_value *a) {
  bool found;
  bt_value r = sorted_pick(cx, a[0], a[1], false, a[2], &found);
  if (bt_is_err(r)) return r;
  return bt_call1(cx, a[1], found ? r : bt_int(0));
}

BT_PRIM(tk_get_val_rank) { return val_rank(cx, a); }
BT_PRIM(tk_get_val_rank_t) { return val_rank(cx, a); }
BT_PRIM(tk_get_val_rank_f) { return val_rank(cx, a); }

/* sorted(c, reverse=True)[rank], else 0. */
BT_PRIM(tk_get_rank) {
  bool found;
  bt_value r = sorted_pick(cx, a[0], bt_none(), true, a[1], &found);
  return bt_is_err(r) || found ? r : bt_int(0);
}

/* sorted(c, key=key)[rank] when not empty, else None. */
BT_PRIM(tk_get_nth_by_key_t) {
  if (bt_is_coll(a[0]) && a[0].n == 0) return bt_none(); /* sorted([]) calls no key; rank unread */
  bool found;
  bt_value r = sorted_pick(cx, a[0], a[2], false, a[1], &found);
  return bt_is_err(r) || found ? r : bt_err(BT_E_INDEX);
}

/* sorted(c, key=key), skipping max(rank, 0) items: the next, or None past the end. */
BT_PRIM(tk_get_nth_by_key_f) {
  bt_mark m = bt_arena_mark(cx);
  bt_value s = sorted_of(cx, a[0], a[2], false), r = s;
  if (!bt_is_err(s)) {
    if (!bt_is_int(a[1]))
      r = bt_err(BT_E_TYPE);
    else {
      int64_t k = a[1].u.i < 0 ? 0 : a[1].u.i;
      r = k < (int64_t)s.n ? s.u.items[k] : bt_none();
    }
  }
  bt_arena_release(cx, m);
  return r;
}

/* ---- n-th elements ------------------------------------------------------------------------ */

BT_PRIM(tk_get_nth_t) {
  (void)cx;
  bt_value c = a[0];
  if (c.kind != BT_TUPLE) return tk_nan();
  int64_t k = 0;
  int in = rank_index(a[1], c.n, &k);
  return in < 0 ? bt_err(BT_E_TYPE) : in ? c.u.items[k] : tk_nan();
}

/* The rank-th item in iteration order, from the end for a negative rank; frozenset() past
 * the end. */
BT_PRIM(tk_get_nth_f) {
  (void)cx;
  bt_value c = a[0], rank = a[1];
  if (!bt_is_int(rank) || !bt_is_coll(c)) return bt_err(BT_E_TYPE);
  int64_t r = rank.u.i;
  uint64_t skip = r < 0 ? (uint64_t)(-(r + 1)) : (uint64_t)r;
  if (skip >= c.n) return tk_empty_set();
  return c.u.items[r < 0 ? c.n - 1 - skip : skip];
}

/* ---- colours ------------------------------------------------------------------------------ */

/* frozenset of a grid's (cells false) or an object's (cells true) colours. */
static bt_value palette(bt_ctx *cx, bt_value e, bool cells) {
  bt_vec vals;
  bt_vec_init(&vals);
  bt_value r = color_values(cx, e, cells, &vals);
  return bt_is_err(r) ? r : bt_set_build(cx, vals.items, vals.n);
}

BT_PRIM(tk_palette_t) { return palette(cx, a[0], false); }
BT_PRIM(tk_palette_f) { return palette(cx, a[0], true); }

/* len(palette(e)) through the wrapped palette, which defaults to frozenset(). */
static bt_value numcolors(bt_ctx *cx, bt_value e, int prim) {
  bt_mark m = bt_arena_mark(cx);
  bt_value p = tk_call1(cx, prim, e);
  bt_arena_release(cx, m);
  return bt_is_err(p) ? p : bt_int(p.n);
}

BT_PRIM(tk_numcolors_t) { return numcolors(cx, a[0], BT_P_tk_palette_t); }
BT_PRIM(tk_numcolors_f) { return numcolors(cx, a[0], BT_P_tk_palette_f); }

/* sum(row.count(color) for row in grid) */
BT_PRIM(tk_colorcount_t) {
  (void)cx;
  bt_value g = a[0];
  if (!bt_is_coll(g)) return bt_err(BT_E_TYPE);
  int64_t n = 0;
  for (uint32_t k = 0; k < g.n; k++) {
    bt_value row = g.u.items[k];
    if (row.kind != BT_TUPLE) return bt_err(row.kind == BT_SET ? BT_E_ATTR : BT_E_TYPE);
    for (uint32_t m = 0; m < row.n; m++)
      n += bt_eq(row.u.items[m], a[1]);
  }
  return bt_int(n);
}

/* sum(c == color for _, _, c in obj) */
BT_PRIM(tk_colorcount_f) {
  bt_mark m = bt_arena_mark(cx);
  bt_vec vals;
  bt_vec_init(&vals);
  bt_value r = color_values(cx, a[0], true, &vals);
  int64_t n = 0;
  for (size_t k = 0; !bt_is_err(r) && k < vals.n; k++)
    n += py_eq(vals.items[k], a[1]);
  bt_arena_release(cx, m);
  return bt_is_err(r) ? r : bt_int(n);
}

/* ---- filters ------------------------------------------------------------------------------ */

/* The items of c kept by test (1 keep, 0 drop, -errc for an error): a frozenset, or a tuple
 * in order when as_tuple. */
static bt_value filter_items(bt_ctx *cx, bt_value c, bool as_tuple, int (*test)(bt_value x, bt_value arg),
                             bt_value arg) {
  if (!bt_is_coll(c)) return bt_err(BT_E_TYPE);
  bt_value *out = bt_items(cx, c.n ? c.n : 1);
  if (!out) return bt_err(BT_E_LIMIT);
  uint32_t n = 0;
  for (uint32_t k = 0; k < c.n; k++) {
    int t = test(c.u.items[k], arg);
    if (t < 0) return bt_err((bt_errc)-t);
    if (t) out[n++] = c.u.items[k];
  }
  if (as_tuple) return bt_tuple(n ? out : NULL, n);
  return bt_is_set(c) ? bt_set_sorted(out, n) : bt_set_build(cx, out, n);
}

/* len(x) == n */
static int size_is(bt_value x, bt_value n) {
  if (!bt_is_coll(x)) return -BT_E_TYPE;
  if (bt_is_int(n)) return (int64_t)x.n == n.u.i;
  return n.kind == BT_FLOAT && (double)x.n == n.u.f;
}

/* next(iter(obj))[2] == color */
static int first_color_is(bt_value obj, bt_value color) {
  if (!bt_is_coll(obj)) return -BT_E_TYPE;
  if (obj.n == 0) return -BT_E_RUNTIME; /* StopIteration inside a generator */
  bt_value c = bt_getitem(obj.u.items[0], 2);
  return bt_is_err(c) ? -c.errc : py_eq(c, color);
}

/* obj[0][2] == color */
static int head_color_is(bt_value obj, bt_value color) {
  bt_value x = bt_getitem(obj, 0);
  bt_value c = bt_is_err(x) ? x : bt_getitem(x, 2);
  return bt_is_err(c) ? -c.errc : py_eq(c, color);
}

BT_PRIM(tk_sizefilter) { return filter_items(cx, a[0], false, size_is, a[1]); }
BT_PRIM(tk_sizefilter_t) { return filter_items(cx, a[0], true, size_is, a[1]); }
BT_PRIM(tk_colorfilter) { return filter_items(cx, a[0], false, first_color_is, a[1]); }
BT_PRIM(tk_colorfilter_t) { return filter_items(cx, a[0], true, head_color_is, a[1]); }
