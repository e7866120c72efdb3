/* Unit tests of the value model: canonical order, equality, hashing, sets, Python
 * integer semantics, arena marks and the runtime limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "batt.h"
#include "bt_prims.h"

static bt_ctx cx;

static int setup(void **state) {
  (void)state;
  bt_ctx_init(&cx, NULL);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bt_ctx_free(&cx);
  return 0;
}

static bt_value tup3(int64_t a, int64_t b, int64_t c) {
  bt_value *it = bt_items(&cx, 3);
  it[0] = bt_int(a);
  it[1] = bt_int(b);
  it[2] = bt_int(c);
  return bt_tuple(it, 3);
}

static bt_value set_of(int n, const bt_value *vals) {
  bt_value *it = bt_items(&cx, (size_t)n);
  for (int k = 0; k < n; k++)
    it[k] = vals[k];
  return bt_set_build(&cx, it, (size_t)n);
}

static void test_kind_order(void **state) {
  (void)state;
  bt_value ordered[] = {bt_none(),         bt_int(-5),    bt_bool(false),         bt_int(3),
                        bt_tuple(NULL, 0), tup3(0, 0, 0), bt_set_sorted(NULL, 0), bt_prim_value(BT_P_add)};
  int n = (int)(sizeof ordered / sizeof *ordered);
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++) {
      int c = bt_cmp(ordered[a], ordered[b]);
      assert_int_equal(c, a < b ? -1 : a > b ? 1 : 0);
    }
}

static void test_tuple_order_is_lexicographic_prefix_first(void **state) {
  (void)state;
  bt_value short_t = bt_ipair(&cx, 1, 2);
  assert_true(bt_cmp(short_t, tup3(1, 2, 0)) < 0);
  assert_true(bt_cmp(tup3(1, 2, 0), tup3(1, 3, -9)) < 0);
  assert_true(bt_cmp(tup3(2, 0, 0), short_t) > 0);
}

static void test_bool_equals_int_but_not_same(void **state) {
  (void)state;
  assert_true(bt_eq(bt_bool(true), bt_int(1)));
  assert_false(bt_eq(bt_bool(true), bt_int(2)));
  assert_false(bt_same(bt_bool(true), bt_int(1)));
  assert_int_equal(bt_cmp(bt_bool(false), bt_int(0)), 0);
  assert_true(bt_hash(bt_bool(true)) == bt_hash(bt_int(1)));
  assert_false(bt_eq(bt_int(1), bt_ipair(&cx, 1, 0)));
}

static void test_set_build_sorts_dedups_keeps_first(void **state) {
  (void)state;
  bt_value vals[] = {bt_int(3), bt_bool(true), bt_int(1), bt_int(-2), bt_int(3)};
  bt_value s = set_of(5, vals);
  assert_int_equal(s.kind, BT_SET);
  assert_int_equal(s.n, 3);
  assert_int_equal(s.u.items[0].u.i, -2);
  assert_int_equal(s.u.items[1].kind, BT_BOOL); /* True was inserted before 1 */
  assert_int_equal(s.u.items[2].u.i, 3);
  assert_true(bt_set_find(s, bt_int(1)) == 1);
  assert_true(bt_set_find(s, bt_int(2)) == -1);
}

static void test_sets_compare_as_sorted_sequences(void **state) {
  (void)state;
  bt_value a_vals[] = {bt_int(5), bt_int(1)}, b_vals[] = {bt_int(2)};
  bt_value a = set_of(2, a_vals), b = set_of(1, b_vals);
  assert_true(bt_cmp(a, b) < 0);       /* (1, 5) < (2,) */
  assert_int_equal(bt_py_lt(a, b), 0); /* but not a subset in Python's sense */
  bt_value c_vals[] = {bt_int(1), bt_int(5), bt_int(7)};
  assert_int_equal(bt_py_lt(a, set_of(3, c_vals)), 1);
  assert_int_equal(bt_py_lt(a, bt_int(1)), -1);
}

static void test_large_set_build_matches_insertion_sort(void **state) {
  (void)state;
  enum { N = 1000 };
  bt_value *it = bt_items(&cx, N);
  uint64_t x = 12345;
  for (int k = 0; k < N; k++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    it[k] = bt_ipair(&cx, (int64_t)(x >> 60), (int64_t)((x >> 40) & 7));
  }
  bt_value s = bt_set_build(&cx, it, N);
  assert_true(s.n <= 128 && s.n > 0);
  for (uint32_t k = 1; k < s.n; k++)
    assert_true(bt_cmp(s.u.items[k - 1], s.u.items[k]) < 0);
}

/* The set of v[0..n) as Python builds it, in place: a stable insertion sort by bt_cmp,
 * the first of equal items kept. The number kept. */
static size_t reference_set(bt_value *v, size_t n) {
  for (size_t k = 1; k < n; k++)
    for (size_t m = k; m > 0 && bt_cmp(v[m - 1], v[m]) > 0; m--) {
      bt_value x = v[m];
      v[m] = v[m - 1];
      v[m - 1] = x;
    }
  size_t kept = 0;
  for (size_t k = 0; k < n; k++)
    if (k == 0 || bt_cmp(v[kept - 1], v[k]) != 0) v[kept++] = v[k];
  return kept;
}

/* Sets of pairs and cells past the table's range, in windows small and large (the window
 * build and the radix sort): in canonical order, duplicates dropped, of equal items (a bool
 * coordinate and its int) the first inserted kept, as Python keeps it. */
static void test_keyed_sets_keep_the_first_of_equal_items(void **state) {
  (void)state;
  uint64_t x = 777;
  for (int round = 0; round < 40; round++) {
    bt_mark m = bt_arena_mark(&cx);
    bool cells = round % 2;
    int n = 64 + round * 37;
    int64_t spread = round % 3 == 0 ? 5000 : 9, base = 200 + round;
    bt_value *it = bt_items(&cx, (size_t)n);
    bool *was_bool = bt_alloc(&cx, (size_t)n);
    for (int k = 0; k < n; k++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      int64_t i = base + (int64_t)((x >> 20) % (uint64_t)spread), j = 1 - (int64_t)((x >> 40) % 2);
      was_bool[k] = (x >> 60) % 2;
      bt_value jv = was_bool[k] ? bt_bool(j) : bt_int(j); /* (i, True) equals (i, 1) */
      bt_value pair = bt_pair(&cx, bt_int(i), jv);
      it[k] = cells ? bt_pair(&cx, bt_int((int64_t)((x >> 50) % 3)), pair) : pair;
    }
    bt_value *twin = bt_items(&cx, (size_t)n);
    memcpy(twin, it, (size_t)n * sizeof *twin);
    bt_value s = bt_set_build(&cx, it, (size_t)n);
    for (uint32_t k = 1; k < s.n; k++)
      assert_true(bt_cmp(s.u.items[k - 1], s.u.items[k]) < 0);
    /* each kept item is the first of the input equal to it, and every input has one */
    for (int k = 0; k < n; k++) {
      int64_t at = bt_set_find(s, twin[k]);
      assert_true(at >= 0);
      int first = 0;
      while (!bt_eq(twin[first], twin[k]))
        first++;
      assert_true(bt_same(s.u.items[at], twin[first]));
    }
    bt_arena_release(&cx, m);
  }
}

/* Sets of ints and sets of patches of interned pairs or cells sort by packed keys (ties
 * of patches by their table positions): the same sets as the comparison sort of their
 * boxed twins (tuples of boxed pairs take the general path), duplicates dropped, the
 * first of equal ints kept. */
static void test_patch_and_int_sets_sort_as_boxed(void **state) {
  (void)state;
  uint64_t r = 99;
  size_t dropped = 0;
  for (int round = 0; round < 40; round++) {
    size_t n = round < 20 ? 5 + (size_t)round : 200 + 13 * (size_t)round; /* both key sorts */
    bool cells = round % 2, tuples = round % 5 == 0;
    bt_value *in = bt_items(&cx, n), *bx = bt_items(&cx, n);
    for (size_t k = 0; k < n; k++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      /* patches alike in their first elements: runs from a few starts, of a few lengths */
      uint32_t len = (uint32_t)(r >> 59) % 9, start = (uint32_t)(r >> 50) % 3;
      bt_value *e = bt_items(&cx, len ? len : 1), *eb = bt_items(&cx, len ? len : 1);
      for (uint32_t m = 0; m < len; m++) {
        int64_t i = start + (m % 3 == 2 && (r >> 40) % 2 ? 1 : 0), j = m;
        e[m] = cells ? bt_cell(&cx, (int64_t)(r >> 30) % 2, i, j) : bt_ipair(&cx, i, j);
        eb[m] = bt_copy_boxed(&cx, e[m]);
      }
      in[k] = tuples ? bt_tuple(len ? e : NULL, len) : bt_set_build(&cx, e, len);
      bx[k] = tuples ? bt_tuple(len ? eb : NULL, len) : bt_set_build(&cx, eb, len);
    }
    bt_value s = bt_set_build(&cx, in, n), sb = bt_set_build(&cx, bx, n);
    assert_int_equal(s.kind, BT_SET);
    dropped += n - s.n;
    assert_true(bt_same(s, sb));
    for (uint32_t k = 1; k < s.n; k++)
      assert_true(bt_cmp(s.u.items[k - 1], s.u.items[k]) < 0);
  }
  assert_true(dropped > 100); /* duplicates were met */
  for (int round = 0; round < 20; round++) {
    size_t n = round < 10 ? 20 : 500;
    bt_value *in = bt_items(&cx, n), *ref = bt_items(&cx, n);
    for (size_t k = 0; k < n; k++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      int64_t v = (int64_t)(r >> 58) - 30 + (round % 3 ? 0 : INT64_MIN / 2);
      in[k] = (r >> 20) % 7 == 0 ? bt_bool(v & 1) : bt_int(v);
      ref[k] = in[k];
    }
    size_t kept = reference_set(ref, n);
    bt_value s = bt_set_build(&cx, in, n);
    assert_int_equal(s.n, kept);
    for (size_t k = 0; k < kept; k++)
      assert_true(bt_same(s.u.items[k], ref[k]));
  }
}

/* Sets of patches of pairs or cells past the table (boxed, and some interned among them),
 * as sets and as tuples, with bool coordinates, empty patches, prefixes of one another and
 * duplicates: in the canonical order of a stable insertion sort by bt_cmp, the first of
 * equal items kept, spending no comparison budget; a patch with an element of no packed
 * key (a big int) leaves the whole set to the comparison sort, which agrees too. */
static void test_boxed_patch_sets_sort_as_compared(void **state) {
  (void)state;
  uint64_t r = 4242;
  size_t dropped = 0;
  for (int round = 0; round < 60; round++) {
    size_t n = round % 3 == 0 ? 3 + (size_t)round % 5 : round % 3 == 1 ? 30 + (size_t)round : 240;
    bool cells = round % 2, tuples = round % 7 == 3, big = round % 10 == 9;
    bt_value *in = bt_items(&cx, n), *ref = bt_items(&cx, n);
    for (size_t k = 0; k < n; k++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      uint32_t len = (uint32_t)(r >> 59) % 6;
      int64_t i0 = (r >> 40) % 2 ? 100 + (int64_t)(r >> 52) % 3 : -40 - (int64_t)(r >> 52) % 2;
      bt_value *e = bt_items(&cx, len ? len : 1);
      for (uint32_t m = 0; m < len; m++) {
        int64_t i = i0 + (m % 3 == 2 && (r >> 33) % 2 ? 1 : 0), j = m < 2 && (r >> 35) % 4 == 0 ? 5 : m;
        bt_value jv = m == 1 && (r >> 37) % 3 == 0 ? bt_bool(j & 1) : bt_int(j); /* True: 1 */
        if (big && k == n / 2 && m == 0) i = INT64_MAX / 4;
        bt_value ij = (r >> 38) % 5 == 0 && j >= 0 && j < 40 && i < 90 ? bt_ipair(&cx, 5, j)
                                                                       : bt_pair(&cx, bt_int(i), jv);
        e[m] = cells ? bt_pair(&cx, bt_int((int64_t)(r >> 44) % 2), ij) : ij;
      }
      in[k] = tuples ? bt_tuple(len ? e : NULL, len) : bt_set_build(&cx, e, len);
      ref[k] = in[k];
    }
    size_t kept = reference_set(ref, n);
    int64_t before = bt_walk_left = 1 << 20;
    bt_value s = bt_set_build(&cx, in, n);
    if (!big) assert_int_equal(bt_walk_left, before);
    bt_walk_left = INT64_MAX;
    assert_int_equal(s.kind, BT_SET);
    assert_int_equal(s.n, kept);
    dropped += n - kept;
    for (size_t k = 0; k < kept; k++)
      if (!bt_same(s.u.items[k], ref[k])) fail_msg("round %d: item %zu of %zu differs", round, k, kept);
  }
  assert_true(dropped > 200);
}

/* The union of sets of patches (mapply's merge) built from the sets as ascending runs:
 * the set the items' concatenation makes (a stable insertion sort by bt_cmp, the first of
 * equal items kept), for boxes of interned pairs or cells sharing corners (patches alike
 * far past their first elements), duplicates across runs, empty patches, and patches that
 * stop the merge (an element past the table's range, boxed or not at the front, tuples
 * among sets): no comparison budget spent when every element is interned. */
static void test_set_of_runs_as_set_build(void **state) {
  (void)state;
  uint64_t r = 99;
  for (int round = 0; round < 80; round++) {
    uint32_t runs = round % 4 == 0 ? 2 + (uint32_t)round % 3 : 5 + (uint32_t)round % 40;
    bool cells = round % 2, odd = round % 8 == 5; /* odd: one patch the merge cannot order */
    bt_value *sets = bt_items(&cx, runs);
    size_t total = 0;
    for (uint32_t s = 0; s < runs; s++) {
      uint32_t n = (uint32_t)(r >> 60) % 9;
      bt_value *ps = bt_items(&cx, n ? n : 1);
      for (uint32_t k = 0; k < n; k++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        int64_t h = (int64_t)(r >> 40) % 4, w = 1 + (int64_t)(r >> 44) % 7;
        int64_t i0 = (int64_t)(r >> 48) % 3, j0 = (int64_t)(r >> 52) % 3, c = (int64_t)(r >> 56) % 2;
        bt_value *e = bt_items(&cx, (size_t)(h * w) + 1);
        for (int64_t m = 0; m < h * w; m++) {
          int64_t i = i0 + m / w, j = j0 + m % w;
          e[m] = cells ? bt_cell(&cx, c, i, j) : bt_ipair(&cx, i, j);
        }
        if (odd && k == 0 && s == runs / 2 && h * w > 5) /* past the range: boxed */
          e[h * w - 1] = cells ? bt_cell(&cx, c, 500, j0) : bt_ipair(&cx, 500, j0);
        if (odd && k == 0 && s == runs / 3 && h * w > 1 && (r >> 38) % 2)
          e[0] = bt_copy_boxed(&cx, e[0]); /* an interned value's boxed twin, in front */
        bt_value p = bt_set_build(&cx, e, (size_t)(h * w));
        ps[k] = odd && s == 1 && k == 0 && (r >> 39) % 3 == 0
                    ? bt_tuple(p.n ? (bt_value *)p.u.items : NULL, p.n)
                    : p;
      }
      sets[s] = bt_set_build(&cx, ps, n);
      total += sets[s].n;
      r = r * 6364136223846793005ull + 1442695040888963407ull;
    }
    bt_value *in = bt_items(&cx, total ? total : 1), *ref = bt_items(&cx, total ? total : 1);
    size_t at = 0;
    for (uint32_t s = 0; s < runs; s++)
      for (uint32_t k = 0; k < sets[s].n; k++)
        in[at++] = sets[s].u.items[k];
    memcpy(ref, in, total * sizeof *ref);
    bt_walk_left = INT64_MAX;
    size_t kept = total ? reference_set(ref, total) : 0;
    int64_t before = bt_walk_left = 1 << 20;
    bt_value u = bt_set_of_runs(&cx, in, total, sets, runs);
    if (!odd) assert_int_equal(bt_walk_left, before);
    bt_walk_left = INT64_MAX;
    assert_int_equal(u.kind, BT_SET);
    assert_int_equal(u.n, kept);
    for (size_t k = 0; k < kept; k++)
      if (!bt_same(u.u.items[k], ref[k])) fail_msg("round %d: item %zu of %zu differs", round, k, kept);
  }
}

/* Sets of interned pairs, or of interned cells, sort by the entries' addresses (the table
 * is in canonical order): the same sets as their boxed twins' (the keyed sort), at the
 * edges of the table's ranges, of a few and of many items, with duplicates, shuffled and
 * already in order; pairs and cells mixed take another path and agree too. */
static void test_interned_sets_sort_as_boxed(void **state) {
  (void)state;
  uint64_t r = 7;
  for (int round = 0; round < 60; round++) {
    size_t n = round % 3 == 0 ? 2 + (size_t)round % 7 : round % 3 == 1 ? 40 + (size_t)round : 300;
    int kind = round % 4; /* 0 pairs, 1 cells, 2 pairs in order, 3 pairs and cells */
    bt_value *in = bt_items(&cx, n), *bx = bt_items(&cx, n);
    for (size_t k = 0; k < n; k++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      int64_t a = round % 5 == 4 ? 2 : (int64_t)(r >> 40) % 3, b = (int64_t)(r >> 50) % 5;
      /* the lowest and highest coordinates each range interns, and a few between (only
         those in one round of five: a narrow extent) */
      int64_t pi = a == 0 ? BT_IPAIR_LO : a == 1 ? BT_IPAIR_LO + BT_IPAIR_SPAN - 1 : b;
      int64_t ci = a == 0 ? BT_ICELL_LO : a == 1 ? BT_ICELL_LO + BT_ICELL_SPAN - 1 : b;
      bool cell = kind == 1 || (kind == 3 && (r >> 30) % 2);
      in[k] = cell ? bt_cell(&cx, (int64_t)(r >> 20) % BT_ICELL_COLORS, ci, b) : bt_ipair(&cx, pi, b);
      if (kind == 2) in[k] = bt_ipair(&cx, (int64_t)(k / 5), (int64_t)(k % 5));
      assert_true(bt_intern_at(in[k]) >= 0);
      bx[k] = bt_copy_boxed(&cx, in[k]);
    }
    bt_value s = bt_set_build(&cx, in, n), sb = bt_set_build(&cx, bx, n);
    assert_int_equal(s.kind, BT_SET);
    assert_int_equal(s.n, sb.n);
    assert_true(bt_same(s, sb));
    for (uint32_t k = 1; k < s.n; k++)
      assert_true(bt_cmp(s.u.items[k - 1], s.u.items[k]) < 0);
    if (kind == 2) assert_int_equal(s.n, n);
  }
}

/* shift of a patch of interned pairs or cells moves each by one distance in the table when
 * every moved one stays in the table's range: the same set as the shift of its boxed twin,
 * for shifts that keep it inside, reach the range's edges and cross them. */
static void test_interned_shift_as_boxed(void **state) {
  (void)state;
  uint64_t r = 3;
  for (int round = 0; round < 200; round++) {
    bool cells = round % 2;
    int64_t lo = cells ? BT_ICELL_LO : BT_IPAIR_LO, span = cells ? BT_ICELL_SPAN : BT_IPAIR_SPAN;
    size_t n = 1 + (size_t)round % 12;
    bt_value *e = bt_items(&cx, n), *eb = bt_items(&cx, n);
    for (size_t k = 0; k < n; k++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      int64_t i = (int64_t)(r >> 40) % 6, j = (int64_t)(r >> 50) % 6;
      e[k] = cells ? bt_cell(&cx, (int64_t)(r >> 20) % BT_ICELL_COLORS, i, j) : bt_ipair(&cx, i, j);
      eb[k] = bt_copy_boxed(&cx, e[k]);
    }
    bt_value p = bt_set_build(&cx, e, n), pb = bt_set_build(&cx, eb, n);
    /* to the lowest and the highest interned coordinates, one past them, and between */
    int64_t far[] = {lo, lo - 1, lo + span - 6, lo + span - 5, 2, -3};
    int64_t di = far[round % 6], dj = far[(round / 6) % 6];
    bt_value by[2] = {p, bt_pair(&cx, bt_int(di), bt_int(dj))}, byb[2] = {pb, by[1]};
    bt_ctx_begin(&cx);
    bt_value s = bt_call_prim(&cx, BT_P_shift, by);
    bt_value sb = bt_call_prim(&cx, BT_P_shift, byb);
    assert_int_equal(s.kind, BT_SET);
    assert_true(bt_eq(s, sb) && bt_cmp(s, sb) == 0);
    for (uint32_t k = 1; k < s.n; k++)
      assert_true(bt_cmp(s.u.items[k - 1], s.u.items[k]) < 0);
  }
}

static void test_hash_consistent_with_eq(void **state) {
  (void)state;
  bt_value a = bt_cell(&cx, 3, 1, 2);
  bt_value b = bt_pair(&cx, bt_int(3), bt_ipair(&cx, 1, 2));
  assert_true(bt_eq(a, b));
  assert_true(bt_hash(a) == bt_hash(b));
  assert_false(bt_hash(a) == bt_hash(bt_cell(&cx, 3, 2, 1)));
}

static void test_python_integers(void **state) {
  (void)state;
  assert_int_equal(bt_int_floordiv(-7, 2).u.i, -4);
  assert_int_equal(bt_int_floordiv(7, -2).u.i, -4);
  assert_int_equal(bt_int_floordiv(-8, 2).u.i, -4);
  assert_int_equal(bt_int_mod(-7, 2).u.i, 1);
  assert_int_equal(bt_int_mod(7, -2).u.i, -1);
  assert_int_equal(bt_int_floordiv(1, 0).errc, BT_E_ZERODIV);
  assert_int_equal(bt_int_add(INT64_MAX, 1).errc, BT_E_OVERFLOW);
  assert_int_equal(bt_int_mul(INT64_MIN, -1).errc, BT_E_OVERFLOW);
  assert_int_equal(bt_int_floordiv(INT64_MIN, -1).errc, BT_E_OVERFLOW);
}

static void test_getitem_and_len(void **state) {
  (void)state;
  bt_value t = tup3(4, 5, 6);
  assert_int_equal(bt_getitem(t, -1).u.i, 6);
  assert_int_equal(bt_getitem(t, 3).errc, BT_E_INDEX);
  assert_int_equal(bt_getitem(bt_set_sorted(NULL, 0), 0).errc, BT_E_TYPE);
  assert_int_equal(bt_len(bt_int(3)), -1);
  assert_false(bt_truth(bt_tuple(NULL, 0)));
  assert_true(bt_truth(bt_prim_value(BT_P_identity)));
}

static void test_limits_turn_runaway_values_into_errors(void **state) {
  (void)state;
  bt_limits lim = bt_default_limits;
  lim.max_elems = 100;
  lim.max_bytes = 1 << 16;
  bt_ctx small;
  bt_ctx_init(&small, &lim);
  assert_null(bt_items(&small, 101));
  assert_non_null(bt_items(&small, 100));
  bt_value *cells;
  assert_int_equal(bt_grid_new(&small, 20, 20, &cells).errc, BT_E_LIMIT);
  assert_int_equal(bt_grid_new(&small, INT64_MAX / 2, 3, &cells).errc, BT_E_LIMIT);
  bt_vec v;
  bt_vec_init(&v);
  int pushed = 0;
  while (bt_vec_push(&small, &v, bt_int(pushed)))
    pushed++;
  assert_int_equal(pushed, 100);
  /* max_bytes: 64 KiB of arena, then allocation fails instead of growing */
  int blocks = 0;
  while (bt_alloc(&small, 1024))
    blocks++;
  assert_true(blocks < 64);
  bt_ctx_free(&small);
}

static void test_step_limit_stops_runaway_calls(void **state) {
  (void)state;
  bt_limits lim = bt_default_limits;
  lim.max_steps = 50;
  bt_ctx small;
  bt_ctx_init(&small, &lim);
  bt_value args[2] = {bt_prim_value(BT_P_identity), bt_int(900)};
  bt_value f = bt_call_prim(&small, BT_P_power, args);
  assert_int_equal(f.kind, BT_FN);
  bt_ctx_begin(&small);
  bt_value r = bt_call1(&small, f, bt_int(1));
  assert_int_equal(r.errc, BT_E_LIMIT);
  bt_ctx_free(&small);
}

static void test_arena_release_reuses_memory(void **state) {
  (void)state;
  bt_mark m = bt_arena_mark(&cx);
  size_t before = cx.arena.used;
  for (int k = 0; k < 10000; k++)
    assert_non_null(bt_items(&cx, 16));
  assert_true(cx.arena.used > before);
  bt_arena_release(&cx, m);
  assert_int_equal(cx.arena.used, before);
}

/* An index patch of n cells in row r, columns c0.. (made in the arena, so that a later one
 * made after releasing it lies at the same address). */
static bt_value row_patch(int n, int64_t r, int64_t c0) {
  bt_value *it = bt_items(&cx, (size_t)n);
  for (int k = 0; k < n; k++)
    it[k] = bt_ipair(&cx, r, c0 + k);
  return bt_set_build(&cx, it, (size_t)n);
}

/* The memo of one-argument primitives: a value that shares an earlier one's address and
 * size is looked up only when the earlier one is still alive. */
static void test_memo_never_answers_for_memory_reused(void **state) {
  (void)state;
  bt_mark m = bt_arena_mark(&cx);
  /* made during the evaluation: never entered, so a value made at its address is computed */
  bt_ctx_begin(&cx);
  bt_mark inner = bt_arena_mark(&cx);
  bt_value a = row_patch(9, 2, 0);
  assert_true(bt_same(bt_p_center(&cx, &a), bt_ipair(&cx, 2, 4)));
  bt_arena_release(&cx, inner);
  bt_value b = row_patch(9, 7, 10);
  assert_ptr_equal(a.u.items, b.u.items);
  assert_true(bt_same(bt_p_center(&cx, &b), bt_ipair(&cx, 7, 14)));
  assert_true(bt_same(bt_p_lrcorner(&cx, &b), bt_ipair(&cx, 7, 18)));
  /* made before it: entered, and answered while the evaluation lasts */
  bt_ctx_begin(&cx);
  assert_true(bt_same(bt_p_center(&cx, &b), bt_ipair(&cx, 7, 14)));
  bt_value hit;
  assert_true(bt_memo_get(&cx, BT_P_center, b, &hit));
  assert_true(bt_same(hit, bt_ipair(&cx, 7, 14)));
  assert_false(bt_memo_get(&cx, BT_P_ulcorner, b, &hit)); /* per primitive */
  /* the next evaluation forgets it: its memory may be reused in between */
  bt_ctx_begin(&cx);
  assert_false(bt_memo_get(&cx, BT_P_center, b, &hit));
  assert_true(bt_same(bt_p_center(&cx, &b), bt_ipair(&cx, 7, 14)));
  bt_arena_release(&cx, inner);
  bt_ctx_begin(&cx);
  bt_value c = row_patch(9, 1, 3);
  assert_ptr_equal(c.u.items, b.u.items);
  assert_true(bt_same(bt_p_center(&cx, &c), bt_ipair(&cx, 1, 7)));
  /* releasing memory made before the evaluation began forgets it, within the evaluation */
  bt_mark before = bt_arena_mark(&cx);
  bt_value d = row_patch(9, 4, 20);
  bt_ctx_begin(&cx);
  assert_true(bt_same(bt_p_center(&cx, &d), bt_ipair(&cx, 4, 24)));
  assert_true(bt_memo_get(&cx, BT_P_center, d, &hit));
  bt_arena_release(&cx, before);
  bt_value e = row_patch(9, 6, 30);
  assert_ptr_equal(d.u.items, e.u.items);
  assert_true(bt_same(bt_p_center(&cx, &e), bt_ipair(&cx, 6, 34)));
  /* results that hold arena memory are not entered */
  bt_value far = row_patch(9, 1000, 0);
  bt_ctx_begin(&cx);
  assert_true(bt_same(bt_p_center(&cx, &far), bt_ipair(&cx, 1000, 4)));
  assert_false(bt_memo_get(&cx, BT_P_center, far, &hit));
  bt_arena_release(&cx, m);
}

/* One line's call of apply(fork(astuple, lbind(apply, f), compose(lbind(apply, f),
 * identity)), rows) in a context of limits lim, f a line's closure made before the call (so
 * its calls inside, the second time one call deeper, go through the call memo when it is
 * on): the result (copied into cx), the steps and the bytes left in use. */
typedef bt_value (*make_fn)(bt_ctx *c);

static bt_value memo_line(make_fn make, bt_limits lim, bool memo, uint64_t *steps, size_t *used) {
  bt_ctx c;
  bt_ctx_init(&c, NULL); /* the values are made without limits */
  bt_ctx_begin(&c);
  bt_value f = make(&c);
  bt_value row[4][6] = {{bt_int(1), bt_int(2), bt_int(3), bt_int(1), bt_int(2), bt_int(3)},
                        {bt_int(2), bt_int(3), bt_int(4), bt_int(1), bt_int(4), bt_int(4)},
                        {bt_int(1), bt_int(1), bt_int(1), bt_int(2), bt_int(9), bt_int(1)},
                        {bt_int(3), bt_int(2), bt_int(1), bt_int(3), bt_int(2), bt_int(1)}};
  bt_value *rs = bt_items(&c, 4);
  for (int k = 0; k < 4; k++) {
    bt_value *it = bt_items(&c, 6);
    memcpy(it, row[k], sizeof row[k]);
    rs[k] = bt_tuple(it, 6);
  }
  bt_value rows = bt_tuple(rs, 4);
  assert_int_equal(f.kind, BT_FN);
  ((bt_closure *)f.u.clo)->line = 1; /* as the program marks a line's closure */
  bt_value each = bt_call_prim(&c, BT_P_lbind, (bt_value[]){bt_prim_value(BT_P_apply), f});
  bt_value deeper = bt_call_prim(&c, BT_P_compose, (bt_value[]){each, bt_prim_value(BT_P_identity)});
  bt_value outer = bt_call_prim(&c, BT_P_fork, (bt_value[]){bt_prim_value(BT_P_astuple), each, deeper});
  c.lim = lim;
  bt_call_memo_use(memo);
  bt_ctx_begin(&c);
  size_t u0 = c.arena.used;
  bt_value r = bt_call_prim_line(&c, BT_P_apply, (bt_value[]){outer, rows});
  bt_call_memo_use(true);
  *steps = c.steps;
  *used = c.arena.used - u0;
  r = bt_is_err(r) ? r : bt_copy_boxed(&cx, bt_unpack(&c, r));
  bt_ctx_free(&c);
  return r;
}

static bt_value prim2(bt_ctx *c, int prim, bt_value x, bt_value y) {
  return bt_call_prim(c, prim, (bt_value[]){x, y});
}

static bt_value twenty_more(bt_ctx *c) {
  return prim2(c, BT_P_power, bt_prim_value(BT_P_increment), bt_int(20));
}

/* first((x, 1000)): a tuple made by each call and left in use */
static bt_value first_of_made(bt_ctx *c) {
  bt_value made = prim2(c, BT_P_rbind, bt_prim_value(BT_P_astuple), bt_int(1000));
  return prim2(c, BT_P_compose, bt_prim_value(BT_P_first), made);
}

/* f(x) = x + 20, by increments of first((x, 1000)): ints in, ints out, bytes left in use */
static bt_value make_counting(bt_ctx *c) { return prim2(c, BT_P_compose, twenty_more(c), first_of_made(c)); }

/* f(x) = 20 increments of first((x, 7)), with g (what takes the pair) the line's closure:
 * the pair is made anew by each call, and the memo keys g's calls by its items */
static bt_value make_on_pairs(bt_ctx *c) {
  bt_value pairs = prim2(c, BT_P_rbind, bt_prim_value(BT_P_astuple), bt_int(7));
  bt_value g = prim2(c, BT_P_compose, twenty_more(c), bt_prim_value(BT_P_first));
  bt_value f = prim2(c, BT_P_compose, g, pairs);
  ((bt_closure *)g.u.clo)->line = 1;
  return f;
}

/* f(x) = 20 increments of whether (x, 7) is among 20 pairs (1..9, 100..119): comparisons
 * that spend the comparison budget */
static bt_value make_comparing(bt_ctx *c) {
  bt_value *it = bt_items(c, 20);
  for (int k = 0; k < 20; k++)
    it[k] = bt_ipair(c, k % 9 + 1, 100 + k);
  bt_value among = prim2(c, BT_P_rbind, bt_prim_value(BT_P_contained), bt_tuple(it, 20));
  bt_value g = prim2(c, BT_P_compose, twenty_more(c), among);
  bt_value f = prim2(c, BT_P_compose, g, prim2(c, BT_P_rbind, bt_prim_value(BT_P_astuple), bt_int(7)));
  ((bt_closure *)g.u.clo)->line = 1;
  return f;
}

/* f(x) = 20 increments of matcher(first((x, 1000)), 3): the tuple is released inside, so
 * the bytes at the call's peak pass what it leaves in use */
static bt_value make_matching(bt_ctx *c) {
  return prim2(c, BT_P_compose, twenty_more(c), prim2(c, BT_P_matcher, first_of_made(c), bt_int(3)));
}

/* The call memo changes nothing but the time: the same results, errors, steps and bytes as
 * calling, under every max_steps, max_depth, max_walk and max_bytes around what the calls
 * take; and it answers calls where no limit is near. */
static void test_call_memo_as_calling(void **state) {
  (void)state;
  make_fn makes[] = {make_counting, make_on_pairs, make_comparing, make_matching};
  for (size_t mk = 0; mk < sizeof makes / sizeof *makes; mk++) {
    uint64_t steps[2];
    size_t used[2];
    uint64_t hits = bt_call_memo_hits();
    bt_value free_run = memo_line(makes[mk], bt_default_limits, true, &steps[1], &used[1]);
    assert_true(bt_call_memo_hits() > hits);
    assert_int_equal(free_run.kind, BT_TUPLE);
    uint64_t all_steps = steps[1];
    size_t all_bytes = used[1];
    for (int v = 0; v < 4; v++) {
      uint64_t top = v == 0 ? all_steps + 3 : v == 1 ? 12 : v == 2 ? 200 : all_bytes / 16 + 64;
      for (uint64_t q = 0; q <= top; q++) {
        bt_limits lim = bt_default_limits;
        if (v == 0) lim.max_steps = q;
        if (v == 1) lim.max_depth = (uint32_t)q;
        if (v == 2) lim.max_walk = q;
        if (v == 3) lim.max_bytes = (size_t)q * 16;
        bt_value got[2];
        for (int memo = 0; memo < 2; memo++)
          got[memo] = memo_line(makes[mk], lim, memo, &steps[memo], &used[memo]);
        if (got[0].kind != got[1].kind || steps[0] != steps[1] || used[0] != used[1] ||
            (bt_is_err(got[0]) ? got[0].errc != got[1].errc : !bt_eq(got[0], got[1])))
          fail_msg("closure %zu, limit %d at %llu: kinds %d/%d, steps %llu/%llu, bytes %zu/%zu", mk, v,
                   (unsigned long long)q, got[0].kind, got[1].kind, (unsigned long long)steps[0],
                   (unsigned long long)steps[1], used[0], used[1]);
      }
    }
  }
}

/* Released chunks are kept for reuse, counted, and trimmed down to what is asked. */
static void test_arena_trim_keeps_at_most_what_is_asked(void **state) {
  (void)state;
  bt_ctx c2;
  bt_ctx_init(&c2, NULL);
  bt_mark m = bt_arena_mark(&c2);
  for (int k = 0; k < 20; k++)
    assert_non_null(bt_alloc(&c2, 100 << 10));
  assert_int_equal(c2.arena.spare_bytes, 0);
  bt_arena_release(&c2, m);
  size_t all = c2.arena.spare_bytes;
  assert_true(all >= (size_t)20 * (100 << 10));
  bt_arena_trim(&c2, all); /* room for everything: nothing goes */
  assert_int_equal(c2.arena.spare_bytes, all);
  bt_arena_trim(&c2, 300 << 10);
  size_t kept = c2.arena.spare_bytes;
  assert_true(kept > 0 && kept <= (300 << 10));
  assert_non_null(bt_alloc(&c2, 100 << 10)); /* taken from the spare chunks */
  assert_true(c2.arena.spare_bytes < kept);
  bt_arena_trim(&c2, 0);
  assert_int_equal(c2.arena.spare_bytes, 0);
  bt_ctx_free(&c2);
}

static void test_grid_dims(void **state) {
  (void)state;
  int64_t cells[6] = {1, 2, 3, 4, 5, 6}, h, w;
  bt_value g = bt_grid_from(&cx, 2, 3, cells);
  assert_true(bt_grid_dims(g, &h, &w));
  assert_int_equal(h, 2);
  assert_int_equal(w, 3);
  assert_int_equal(BT_GCELL(g, 1, 2), 6);
  assert_false(bt_grid_dims(bt_tuple(NULL, 0), &h, &w));
  bt_value ragged_rows[2] = {tup3(1, 2, 3), bt_ipair(&cx, 1, 2)};
  assert_false(bt_grid_dims(bt_tuple(ragged_rows, 2), &h, &w));
}

static void test_closure_arity_rules(void **state) {
  (void)state;
  bt_value args[2] = {bt_prim_value(BT_P_fill), bt_int(3)};
  bt_value f = bt_call_prim(&cx, BT_P_rbind, args); /* fill has 3 parameters */
  assert_int_equal(bt_arity(f), 2);
  args[0] = bt_prim_value(BT_P_size); /* 1 parameter: a 3-argument closure that fails */
  f = bt_call_prim(&cx, BT_P_lbind, args);
  assert_int_equal(bt_arity(f), 3);
  bt_value three[3] = {bt_int(1), bt_int(2), bt_int(3)};
  assert_int_equal(bt_call(&cx, f, three, 3).errc, BT_E_TYPE);
  args[0] = bt_int(7);
  assert_int_equal(bt_call_prim(&cx, BT_P_rbind, args).errc, BT_E_ATTR);
  /* every constructor with a fixed arity in the catalogue makes closures of that arity */
  int fixed = 0;
  for (int p = 0; p < bt_n_prims; p++) {
    if (bt_prims[p].makes <= 0) continue;
    bt_value fa[3] = {bt_prim_value(BT_P_identity), bt_prim_value(BT_P_identity),
                      bt_prim_value(BT_P_identity)};
    bt_value c = bt_call_prim(&cx, p, fa);
    assert_int_equal(bt_arity(c), bt_prims[p].makes);
    fixed++;
  }
  assert_int_equal(fixed, 8); /* compose, chain, fork, matcher, in both dialects */
  bt_value pw[2] = {bt_prim_value(BT_P_fill), bt_int(2)}; /* power(f, 2) is compose's lambda */
  assert_int_equal(bt_arity(bt_call_prim(&cx, BT_P_power, pw)), bt_prims[BT_P_compose].makes);
  pw[1] = bt_int(1); /* power(f, 1) is f */
  assert_int_equal(bt_arity(bt_call_prim(&cx, BT_P_power, pw)), 3);
  assert_int_equal(bt_prims[BT_P_rbind].makes, BT_MAKES_BIND);
  assert_int_equal(bt_prims[BT_P_power].makes, BT_MAKES_SAME);
}

/* Functions order by Python's __name__, and every closure's is "<lambda>" (before any
 * primitive's name): arc-dsl's first({identity, rbind(add, 1)}) applied to 5 gives 6.
 * Closures among themselves order by constructor, then captured values. */
static void test_closures_order_as_lambda(void **state) {
  (void)state;
  bt_value args[2] = {bt_prim_value(BT_P_add), bt_int(1)};
  bt_value inc = bt_call_prim(&cx, BT_P_rbind, args);
  args[1] = bt_int(2);
  bt_value inc2 = bt_call_prim(&cx, BT_P_rbind, args);
  bt_value two[2] = {bt_prim_value(BT_P_identity), bt_prim_value(BT_P_add)};
  bt_value comp = bt_call_prim(&cx, BT_P_compose, two);
  bt_value ordered[] = {comp, inc, inc2, bt_prim_value(BT_P_add), bt_prim_value(BT_P_identity)};
  int n = (int)(sizeof ordered / sizeof *ordered);
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++)
      assert_int_equal(bt_cmp(ordered[a], ordered[b]), a < b ? -1 : a > b ? 1 : 0);
  bt_value both[2] = {bt_prim_value(BT_P_identity), inc};
  bt_value s = set_of(2, both);
  bt_value f = bt_call_prim(&cx, BT_P_first, &s);
  assert_int_equal(bt_call1(&cx, f, bt_int(5)).u.i, 6);
}

/* Interned pairs and cells are their boxed twins to every comparison, including the
 * comparison budget each spends (a spent budget turns a line into a LimitError, so the
 * shortcuts over the table must spend exactly what the walk spends). */
/* product's pairs, x-major, of sets x and y: built by bt_set_of_product (the check that
 * they ascend counted, not made) and by bt_set_build (the check made) give the same set
 * and leave the same comparison budget, for elements of every shape (ints, pairs in and
 * past the table, objects, nested tuples) and budgets that run out on the way. */
static void test_product_check_counted(void **state) {
  (void)state;
  uint64_t seed = 0x853c49e6748fea9bull;
  int counted = 0;
  for (int g = 0; g < 400; g++) {
    bt_mark m = bt_arena_mark(&cx);
    bt_value sets[2];
    for (int s = 0; s < 2; s++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      int n = 1 + (int)((seed >> 10) % 12), shape = (int)((seed >> 20) % 4 + g) % 4;
      bt_value *it = bt_items(&cx, (size_t)n);
      for (int k = 0; k < n; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int64_t a = (int64_t)(seed >> 40) % 7, b = (int64_t)(seed >> 50) % 7;
        bt_value *cells = bt_items(&cx, 2); /* a set built of them keeps them */
        cells[0] = bt_cell(&cx, a % 3, a, b);
        cells[1] = bt_cell(&cx, 1, b, a);
        it[k] = shape == 0   ? bt_int(a * 7 + b)
                : shape == 1 ? bt_ipair(&cx, a * 40, b)
                : shape == 2
                    ? bt_set_build(&cx, cells, 1 + (size_t)(b % 2))
                    : bt_pair(&cx, bt_ipair(&cx, a, b), bt_tuple_copy(&cx, cells, 1 + (size_t)(a % 2)));
      }
      sets[s] = bt_set_build(&cx, it, (size_t)n);
    }
    bt_value x = sets[0], y = sets[g % 3 == 0 ? 0 : 1];
    size_t n = (size_t)x.n * y.n;
    for (int tight = 0; tight < 2; tight++) {
      bt_value got[2];
      int64_t left[2];
      for (int way = 0; way < 2; way++) {
        bt_value *items = bt_items(&cx, n);
        for (size_t k = 0; k < n; k++)
          items[k] = bt_pair(&cx, x.u.items[k / y.n], y.u.items[k % y.n]);
        bt_walk_reset(tight ? (uint64_t)(g % 40) : 1u << 20);
        got[way] = way ? bt_set_of_product(&cx, items, x, y) : bt_set_build(&cx, items, n);
        left[way] = bt_walk_left;
      }
      bt_walk_reset(1u << 20);
      if (!bt_same(got[0], got[1]) || left[0] != left[1])
        fail_msg("case %d%s: %u vs %u items, budget left %lld vs %lld", g, tight ? " (tight budget)" : "",
                 got[0].n, got[1].n, (long long)left[0], (long long)left[1]);
      counted += !tight && left[0] < (1 << 20);
    }
    bt_arena_release(&cx, m);
  }
  printf("product checks: %d spent budget and were counted alike\n", counted);
  assert_true(counted > 100);
}

static void test_interned_values_compare_as_boxed(void **state) {
  (void)state;
  bt_value v[128], boxed[128];
  int n = 0;
  for (int k = 0; k < 32; k++) { /* pairs and cells with coordinates that tie and differ */
    int64_t i = k % 3, j = (k / 3) % 4, c = k % 2;
    v[n] = bt_ipair(&cx, i - 1, j);
    assert_true(bt_interned(v[n].u.items));
    n++;
    v[n] = bt_cell(&cx, c, i, j - 1);
    assert_true(bt_interned(v[n].u.items));
    n++;
  }
  for (int k = 0; k < n; k++) {
    boxed[k] = bt_copy_boxed(&cx, v[k]);
    assert_false(bt_interned(boxed[k].u.items));
  }
  for (int k = 0; k < n; k++) { /* inside a container too: elements compare through other paths */
    v[n + k] = bt_tuple_copy(&cx, &v[k], 1);
    boxed[n + k] = bt_tuple_copy(&cx, &boxed[k], 1);
  }
  for (int a = 0; a < 2 * n; a++)
    for (int b = (a / n) * n; b < (a / n + 1) * n; b++) {
      bt_walk_reset(1000);
      int c_in = bt_cmp(v[a], v[b]);
      int64_t left_in = bt_walk_left;
      bt_walk_reset(1000);
      int c_box = bt_cmp(boxed[a], boxed[b]);
      assert_int_equal(c_in, c_box);
      assert_int_equal(left_in, bt_walk_left);
      bt_walk_reset(1000);
      bool e_in = bt_eq(v[a], v[b]);
      left_in = bt_walk_left;
      bt_walk_reset(1000);
      assert_int_equal(e_in, bt_eq(boxed[a], boxed[b]));
      assert_int_equal(left_in, bt_walk_left);
      bt_walk_reset(1000);
      assert_int_equal(bt_cmp(v[a], boxed[b]), c_box);
      assert_true(bt_hash(v[a]) == bt_hash(boxed[a]));
    }
  /* sets of them sort and compare as their boxed twins do */
  bt_walk_reset(INT64_MAX);
  bt_value *in = bt_items(&cx, (size_t)n), *bx = bt_items(&cx, (size_t)n);
  for (int k = 0; k < n; k++) {
    in[k] = v[n - 1 - k];
    bx[k] = boxed[n - 1 - k];
  }
  bt_value s_in = bt_set_build(&cx, in, (size_t)n), s_box = bt_set_build(&cx, bx, (size_t)n);
  assert_int_equal(s_in.n, s_box.n);
  bt_walk_reset(100000);
  assert_int_equal(bt_cmp(s_in, s_box), 0);
  assert_true(bt_same(s_in, s_box));
  bt_walk_reset(INT64_MAX);
  /* large sets (the bitmap path for interned items, the radix path for boxed ones) */
  for (int cells = 0; cells < 2; cells++) {
    size_t big = 700;
    bt_value *bi = bt_items(&cx, big), *bb = bt_items(&cx, big);
    uint64_t r = 12345;
    for (size_t k = 0; k < big; k++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      int64_t i = (int64_t)(r >> 33) % 40 - 8, j = (int64_t)(r >> 45) % 40 - 8, c = (int64_t)(r >> 20) % 10;
      bi[k] = cells ? bt_cell(&cx, c, i, j) : bt_ipair(&cx, i, j);
      assert_true(bt_interned(bi[k].u.items));
      bb[k] = bt_copy_boxed(&cx, bi[k]);
    }
    bt_value si = bt_set_build(&cx, bi, big), sb = bt_set_build(&cx, bb, big);
    assert_true(si.n < big); /* duplicates were dropped */
    assert_true(bt_same(si, sb));
    for (uint32_t k = 1; k < si.n; k++)
      assert_true(bt_cmp(si.u.items[k - 1], si.u.items[k]) < 0);
  }
  /* out of range: boxed, and still the same value */
  bt_value far = bt_ipair(&cx, 1000, -1000), twin = bt_copy_boxed(&cx, far);
  assert_false(bt_interned(far.u.items));
  assert_true(bt_same(far, twin));
  /* a shorter view of an interned pair ((3, 2)[:1] shares its items) is no pair */
  bt_value view = bt_tuple(bt_ipair(&cx, 3, 2).u.items, 1), vec = bt_pair(&cx, bt_int(0), view);
  assert_int_equal(vec.u.items[1].n, 1);
  assert_true(bt_same(vec, bt_copy_boxed(&cx, vec)));
  bt_value truth = bt_pair(&cx, bt_bool(true), bt_int(0));
  assert_false(bt_interned(truth.u.items)); /* (True, 0) is no int pair */
}

/* Compaction moves a large grid's chunk instead of copying it; a copy that fails gives the
 * chunk back, so the values it left where they were still read as before. */
static void test_copy_out_moves_large_grids(void **state) {
  (void)state;
  bt_ctx from, to;
  bt_ctx_init(&from, NULL);
  bt_ctx_init(&to, NULL);
  bt_value *cells;
  bt_value g = bt_grid_new(&from, 300, 200, &cells); /* 960 KiB in one chunk */
  for (int k = 0; k < 300 * 200; k++)
    cells[k] = bt_int(k % 10);
  bt_value small = bt_tuple_copy(&from, cells, 7), vals[2] = {g, small};
  size_t from_used = from.arena.used;
  assert_true(bt_copy_out(&to, &from, vals, 2));
  assert_ptr_equal(vals[0].u.items, g.u.items); /* moved, not copied */
  assert_ptr_not_equal(vals[1].u.items, small.u.items);
  assert_true(from.arena.used < from_used - 300 * 200 * sizeof(bt_value));
  assert_true(to.arena.used >= 300 * 200 * sizeof(bt_value));
  bt_arena_release(&from, (bt_mark){NULL, 0, 0}); /* the nursery emptied, as compaction does */
  bt_arena_trim(&from, 0);
  for (int i = 0; i < 300; i++)
    for (int j = 0; j < 200; j++)
      assert_int_equal(BT_GCELL(vals[0], i, j), (i * 200 + j) % 10);
  assert_int_equal(vals[1].u.items[6].u.i, 6);

  /* a copy past the limits fails: the grid's chunk goes back to the arena it came from */
  bt_limits tight = bt_default_limits;
  tight.max_bytes = 4096;
  bt_ctx small_to;
  bt_ctx_init(&small_to, &tight);
  bt_value big = bt_grid_new(&from, 300, 200, &cells), tup[600];
  for (int k = 0; k < 600; k++)
    tup[k] = bt_int(k);
  bt_value two[2] = {big, bt_tuple_copy(&from, tup, 600)}; /* 9.6 KiB: past 4 KiB */
  size_t before = from.arena.used;
  assert_false(bt_copy_out(&small_to, &from, two, 2));
  assert_int_equal(from.arena.used, before);
  assert_int_equal(small_to.arena.used, 0);
  bt_arena_release(&small_to, (bt_mark){NULL, 0, 0});
  bt_arena_trim(&small_to, 0);
  assert_int_equal(BT_GCELL(big, 299, 199), 0); /* still in from, still readable */
  bt_ctx_free(&small_to);
  bt_ctx_free(&from);
  bt_ctx_free(&to);
}

/* Packed grids: the boxed twin of a packed grid is the grid it packed (equal rows share their
 * cells); what does not pack stays as it is; copies keep the bytes (a shared block once, a
 * large one by moving its chunk). */
static void test_packed_grids(void **state) {
  (void)state;
  bt_ctx cx, to;
  bt_ctx_init(&cx, NULL);
  bt_ctx_init(&to, NULL);
  int64_t cells[12] = {0, 1, 2, 255, 0, 1, 2, 255, 9, 9, 9, 9};
  bt_value g = bt_grid_from(&cx, 3, 4, cells), p = bt_pack(&cx, g);
  assert_int_equal(p.kind, BT_PGRID);
  assert_int_equal(p.n, 3);
  assert_int_equal(p.u.pg->w, 4);
  assert_int_equal(p.u.pg->c[3], 255);
  bt_value b = bt_unpack(&cx, p);
  assert_int_equal(b.kind, BT_TUPLE);
  assert_true(bt_same(b, g));
  assert_ptr_equal(b.u.items[0].u.items, b.u.items[1].u.items); /* equal rows share */
  assert_ptr_not_equal(b.u.items[1].u.items, b.u.items[2].u.items);
  assert_true(bt_same(bt_unpack(&cx, bt_int(5)), bt_int(5)));
  bt_gview v;
  assert_true(bt_gview_of(&cx, g, &v) && v.h == 3 && v.w == 4 && v.c[11] == 9);
  assert_true(bt_gview_of(&cx, p, &v) && v.c == p.u.pg->c);

  /* no packed form: a cell past 255, a negative one, a bool, ragged rows, an empty grid */
  int64_t big[2] = {1, 256}, neg[2] = {-1, 0};
  bt_value no[5] = {bt_grid_from(&cx, 1, 2, big), bt_grid_from(&cx, 1, 2, neg),
                    bt_grid_from(&cx, 1, 2, cells), bt_tuple(NULL, 0), bt_tuple(NULL, 0)};
  bt_value *it = (bt_value *)no[2].u.items[0].u.items;
  it[0] = bt_bool(false);
  bt_value rows[2] = {bt_tuple_copy(&cx, (bt_value[]){bt_int(1), bt_int(2)}, 2),
                      bt_tuple_copy(&cx, (bt_value[]){bt_int(1)}, 1)};
  no[4] = bt_tuple_copy(&cx, rows, 2);
  for (int k = 0; k < 5; k++) {
    assert_int_not_equal(bt_pack(&cx, no[k]).kind, BT_PGRID);
    assert_false(bt_gview_of(&cx, no[k], &v));
  }

  /* the context's input: its bytes made once, outside the arena; a new input (even at the
     same address, as in a reused arena) is read again; a grid that does not pack is
     refused as any other */
  bt_ctx in;
  bt_ctx_init(&in, NULL);
  bt_mark m0 = bt_arena_mark(&in);
  bt_value input = bt_grid_from(&in, 3, 4, cells);
  size_t used = in.arena.used;
  bt_ctx_set_input(&in, input);
  bt_gview v1, v2;
  assert_true(bt_gview_of(&in, input, &v1) && v1.h == 3 && v1.w == 4);
  assert_memory_equal(v1.c, p.u.pg->c, 12);
  assert_true(bt_gview_of(&in, input, &v2) && v2.c == v1.c);
  assert_int_equal(in.arena.used, used);
  assert_true(bt_gview_of(&in, g, &v2) && v2.c != v1.c); /* another grid: the arena's copy */
  bt_arena_release(&in, m0);
  int64_t other[12] = {7, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5};
  bt_value again = bt_grid_from(&in, 3, 4, other);
  assert_ptr_equal(again.u.items, input.u.items);
  bt_ctx_set_input(&in, again);
  assert_true(bt_gview_of(&in, again, &v1) && v1.c[0] == 7 && v1.c[11] == 5);
  bt_ctx_set_input(&in, no[0]);
  assert_false(bt_gview_of(&in, no[0], &v1));
  bt_ctx_free(&in);

  /* copies: one block for two references; bt_copy_boxed gives the twin */
  bt_value two[2] = {p, p};
  assert_true(bt_copy_many(&to, two, 2));
  assert_ptr_not_equal(two[0].u.pg, p.u.pg);
  assert_ptr_equal(two[0].u.pg, two[1].u.pg);
  assert_memory_equal(two[0].u.pg->c, p.u.pg->c, 12);
  assert_true(bt_same(bt_copy_boxed(&to, p), g));

  /* a large packed grid alone in its chunk moves with it */
  bt_ctx from;
  bt_ctx_init(&from, NULL);
  uint8_t *c;
  bt_value large = bt_pgrid_new(&from, 1000, 1000, &c);
  memset(c, 7, 1000 * 1000);
  bt_value moved = large;
  assert_true(bt_copy_out(&to, &from, &moved, 1));
  assert_ptr_equal(moved.u.pg, large.u.pg);
  assert_true(from.arena.used < 1000 * 1000);
  assert_int_equal(moved.u.pg->c[999999], 7);
  bt_ctx_free(&from);
  bt_ctx_free(&to);
  bt_ctx_free(&cx);
}

/* hsplit / vsplit of a packed grid give what the boxed grid gives, for every number of
 * parts (those that divide, those that leave a separator, those past the last whole part);
 * equal rows of the parts share their cells. */
static void test_packed_split_as_boxed(void **state) {
  (void)state;
  bt_ctx sc;
  bt_ctx_init(&sc, NULL);
  int64_t cells[5 * 11];
  for (int k = 0; k < 5 * 11; k++)
    cells[k] = k / 11 == 2 ? k % 3 : (k % 11 == 4 ? 8 : 0);
  bt_value g = bt_grid_from(&sc, 5, 11, cells), p = bt_pack(&sc, g);
  assert_int_equal(p.kind, BT_PGRID);
  for (int vertical = 0; vertical < 2; vertical++)
    for (int64_t n = 1; n <= 12; n++) {
      int prim = vertical ? BT_P_vsplit : BT_P_hsplit;
      bt_value a[2] = {g, bt_int(n)}, b[2] = {p, bt_int(n)};
      bt_value want = bt_call_prim(&sc, prim, a), got = bt_call_prim(&sc, prim, b);
      assert_int_equal(want.kind, got.kind);
      if (want.kind == BT_ERR) {
        assert_int_equal(want.errc, got.errc);
        continue;
      }
      assert_true(bt_same(want, got));
    }
  int64_t blank[3 * 12] = {0};
  bt_value z = bt_pack(&sc, bt_grid_from(&sc, 3, 12, blank)), za[2] = {z, bt_int(4)};
  bt_value parts = bt_call_prim(&sc, BT_P_hsplit, za);
  assert_int_equal(parts.n, 4);
  assert_ptr_equal(parts.u.items[0].u.items[0].u.items, parts.u.items[3].u.items[2].u.items);
  bt_ctx_free(&sc);
}

/* bt_cmp_quick gives bt_cmp's answer and spends the comparison budget as it does: interned
 * pairs and cells (same and other rows, colors, regions), their boxed twins, ints, with a
 * budget that is plenty, about to run out, and spent. */
static void test_cmp_quick_as_cmp(void **state) {
  (void)state;
  bt_ctx qc;
  bt_ctx_init(&qc, NULL);
  bt_value v[14] = {bt_ipair(&qc, 0, 0),
                    bt_ipair(&qc, 0, 5),
                    bt_ipair(&qc, 3, 1),
                    bt_ipair(&qc, -20, 90),
                    bt_cell(&qc, 2, 0, 0),
                    bt_cell(&qc, 2, 0, 7),
                    bt_cell(&qc, 2, 4, 0),
                    bt_cell(&qc, 7, 0, 0),
                    bt_cell(&qc, 0, 40, 40),
                    bt_int(3),
                    bt_ipair(&qc, 500, 0),
                    bt_cell(&qc, 12, 0, 0),
                    bt_int(-1),
                    bt_ipair(&qc, 0, 5)};
  v[13] = bt_copy_boxed(&qc, v[13]); /* a boxed twin of v[1] */
  const int64_t budgets[] = {INT64_MAX / 2, 5, 4, 3, 2, 1, 0, -1};
  for (int a = 0; a < 14; a++)
    for (int b = 0; b < 14; b++)
      for (size_t k = 0; k < sizeof budgets / sizeof *budgets; k++) {
        bt_walk_left = budgets[k];
        int want = bt_cmp(v[a], v[b]);
        int64_t left = bt_walk_left;
        bt_walk_left = budgets[k];
        int got = bt_cmp_quick(v[a], v[b]);
        assert_int_equal(got, want);
        assert_int_equal(bt_walk_left, left);
      }
  bt_walk_left = INT64_MAX;
  bt_ctx_free(&qc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kind_order),
      cmocka_unit_test(test_tuple_order_is_lexicographic_prefix_first),
      cmocka_unit_test(test_bool_equals_int_but_not_same),
      cmocka_unit_test(test_set_build_sorts_dedups_keeps_first),
      cmocka_unit_test(test_sets_compare_as_sorted_sequences),
      cmocka_unit_test(test_large_set_build_matches_insertion_sort),
      cmocka_unit_test(test_keyed_sets_keep_the_first_of_equal_items),
      cmocka_unit_test(test_patch_and_int_sets_sort_as_boxed),
      cmocka_unit_test(test_boxed_patch_sets_sort_as_compared),
      cmocka_unit_test(test_set_of_runs_as_set_build),
      cmocka_unit_test(test_interned_sets_sort_as_boxed),
      cmocka_unit_test(test_interned_shift_as_boxed),
      cmocka_unit_test(test_hash_consistent_with_eq),
      cmocka_unit_test(test_python_integers),
      cmocka_unit_test(test_getitem_and_len),
      cmocka_unit_test(test_limits_turn_runaway_values_into_errors),
      cmocka_unit_test(test_step_limit_stops_runaway_calls),
      cmocka_unit_test(test_arena_trim_keeps_at_most_what_is_asked),
      cmocka_unit_test(test_arena_release_reuses_memory),
      cmocka_unit_test(test_memo_never_answers_for_memory_reused),
      cmocka_unit_test(test_grid_dims),
      cmocka_unit_test(test_closure_arity_rules),
      cmocka_unit_test(test_closures_order_as_lambda),
      cmocka_unit_test(test_interned_values_compare_as_boxed),
      cmocka_unit_test(test_copy_out_moves_large_grids),
      cmocka_unit_test(test_packed_grids),
      cmocka_unit_test(test_packed_split_as_boxed),
      cmocka_unit_test(test_cmp_quick_as_cmp),
      cmocka_unit_test(test_call_memo_as_calling),
      cmocka_unit_test(test_product_check_counted),
  };
  return cmocka_run_group_tests_name("value", tests, setup, teardown);
}
