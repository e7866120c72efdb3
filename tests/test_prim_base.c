/* Unit tests of prim_base.c beyond the conformance vectors: int64 edges, runtime limits,
 * floor division, Python's sort on a partial order, which of equal bool/int values
 * survives, and StopIteration inside a generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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

static bt_value tuple_of(int n, const bt_value *vals) { return bt_tuple_copy(&cx, vals, (size_t)n); }

static bt_value set_of(int n, const bt_value *vals) {
  bt_value *it = bt_items(&cx, (size_t)(n ? n : 1));
  for (int k = 0; k < n; k++)
    it[k] = vals[k];
  return bt_set_build(&cx, it, (size_t)n);
}

static bt_value ints(int n, const int64_t *v) {
  bt_value *it = bt_items(&cx, (size_t)(n ? n : 1));
  for (int k = 0; k < n; k++)
    it[k] = bt_int(v[k]);
  return bt_tuple(it, (uint32_t)n);
}

static bt_value int_set(int n, const int64_t *v) {
  bt_value t = ints(n, v);
  return bt_set_build(&cx, (bt_value *)t.u.items, t.n);
}

static bt_value call2(int prim, bt_value x, bt_value y) {
  bt_value args[2] = {x, y};
  return bt_call_prim(&cx, prim, args);
}

static bt_value call_interval(int64_t start, int64_t stop, int64_t step) {
  bt_value args[3] = {bt_int(start), bt_int(stop), bt_int(step)};
  return bt_call_prim(&cx, BT_P_interval, args);
}

static bt_value call1(int prim, bt_value x) { return bt_call_prim(&cx, prim, &x); }

static bt_value call2_in(bt_ctx *c, int prim, bt_value x, bt_value y) {
  bt_value args[2] = {x, y};
  return bt_call_prim(c, prim, args);
}

static void assert_err(bt_value v, bt_errc c) {
  assert_int_equal(v.kind, BT_ERR);
  assert_int_equal(v.errc, c);
}

static void assert_int_value(bt_value v, int64_t i) {
  assert_int_equal(v.kind, BT_INT);
  assert_true(v.u.i == i);
}

static void assert_same(bt_value got, bt_value want) { assert_true(bt_same(got, want)); }

/* intersection and difference of a few items against many (each looked up) and of sets of
 * like sizes (one walk): against membership tested item by item; of equal items, the
 * intersection keeps the first set's. */
static void test_set_algebra_few_against_many(void **state) {
  (void)state;
  uint64_t x = 99;
  for (int round = 0; round < 200; round++) {
    bt_mark m = bt_arena_mark(&cx);
    int nx = 1 + round % 9, ny = round % 2 ? 300 + round : 1 + round % 20;
    bt_value *a = bt_items(&cx, (size_t)nx), *b = bt_items(&cx, (size_t)ny);
    for (int k = 0; k < nx + ny; k++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      int64_t i = (int64_t)((x >> 20) % 40), j = (int64_t)((x >> 40) % 40);
      bt_value v = round % 3 == 0 ? bt_int(i * 40 + j) : bt_ipair(&cx, i, round % 5 == 0 ? j + 200 : j);
      if (k < nx)
        a[k] = v;
      else
        b[k - nx] = v;
    }
    if (round % 4 == 0) b[0] = a[0]; /* at least one in common */
    bt_value sa = bt_set_build(&cx, a, (size_t)nx), sb = bt_set_build(&cx, b, (size_t)ny);
    bt_value both = bt_call_prim(&cx, BT_P_intersection, (bt_value[]){sa, sb});
    bt_value only = bt_call_prim(&cx, BT_P_difference, (bt_value[]){sa, sb});
    uint32_t nb = 0, no = 0;
    for (uint32_t k = 0; k < sa.n; k++) {
      bool in = bt_set_find(sb, sa.u.items[k]) >= 0;
      bt_value want = sa.u.items[k];
      if (in) {
        assert_true(nb < both.n);
        assert_true(bt_same(both.u.items[nb++], want));
      } else {
        assert_true(no < only.n);
        assert_true(bt_same(only.u.items[no++], want));
      }
    }
    assert_int_equal(nb, both.n);
    assert_int_equal(no, only.n);
    bt_arena_release(&cx, m);
  }
}

static void test_int64_overflow_is_an_error(void **state) {
  (void)state;
  assert_err(call2(BT_P_add, bt_int(INT64_MAX), bt_int(1)), BT_E_OVERFLOW);
  assert_err(call2(BT_P_subtract, bt_int(INT64_MIN), bt_bool(true)), BT_E_OVERFLOW);
  assert_err(call2(BT_P_multiply, bt_int(INT64_MIN), bt_int(-1)), BT_E_OVERFLOW);
  assert_err(call2(BT_P_divide, bt_int(INT64_MIN), bt_int(-1)), BT_E_OVERFLOW);
  assert_err(call1(BT_P_invert, bt_int(INT64_MIN)), BT_E_OVERFLOW);
  assert_err(call1(BT_P_crement, bt_int(INT64_MAX)), BT_E_OVERFLOW);
  int64_t v[2] = {0, INT64_MAX};
  assert_err(call1(BT_P_double, ints(2, v)), BT_E_OVERFLOW);
  assert_int_value(call2(BT_P_add, bt_int(INT64_MAX), bt_int(INT64_MIN)), -1);
}

/* Coordinates at the ends of int64: rectangles and distances there are values or
 * OverflowErrors, never an overflow inside (the UBSan run of the suite checks that). */
static void test_patches_at_the_int64_ends(void **state) {
  (void)state;
  bt_value cells[2] = {bt_ipair(&cx, INT64_MAX - 1, INT64_MAX - 1), bt_ipair(&cx, INT64_MAX, INT64_MAX)};
  bt_value patch = bt_set_build(&cx, cells, 2);
  bt_value back = call1(BT_P_backdrop, patch), box = call1(BT_P_box, patch), delta = call1(BT_P_delta, patch);
  assert_int_equal(back.kind, BT_SET);
  assert_int_equal(back.n, 4);
  assert_int_equal(box.kind, BT_SET);
  assert_int_equal(box.n, 4);
  assert_int_equal(delta.kind, BT_SET);
  assert_int_equal(delta.n, 2);
  assert_true(bt_eq(back.u.items[3], cells[1]));
  bt_value far = bt_set_build(&cx, (bt_value[]){bt_ipair(&cx, INT64_MIN, 0)}, 1);
  assert_err(call2(BT_P_manhattan, patch, far), BT_E_OVERFLOW);
}

static void test_floor_division_rounds_down(void **state) {
  (void)state;
  assert_int_value(call2(BT_P_divide, bt_int(-7), bt_int(2)), -4);
  assert_int_value(call2(BT_P_divide, bt_int(7), bt_int(-2)), -4);
  assert_int_value(call2(BT_P_divide, bt_int(-8), bt_int(-2)), 4);
  assert_int_value(call1(BT_P_halve, bt_int(-3)), -2);
  int64_t n[2] = {-7, 7}, d[2] = {2, -2}, q[2] = {-4, -4};
  assert_same(call2(BT_P_divide, ints(2, n), ints(2, d)), ints(2, q));
  assert_err(call2(BT_P_divide, bt_int(1), bt_int(0)), BT_E_ZERODIV);
  assert_err(call2(BT_P_divide, ints(2, n), bt_bool(false)), BT_E_ZERODIV);
  /* Python's -3 % 2 is 1: odd */
  assert_same(call1(BT_P_even, bt_int(-3)), bt_bool(false));
}

static void test_arithmetic_results_are_ints_not_bools(void **state) {
  (void)state;
  assert_same(call2(BT_P_add, bt_bool(true), bt_bool(true)), bt_int(2));
  assert_same(call2(BT_P_multiply, bt_bool(true), bt_bool(true)), bt_int(1));
  assert_same(call1(BT_P_invert, bt_bool(true)), bt_int(-1));
  assert_same(call1(BT_P_sign, bt_bool(true)), bt_int(1));
  assert_same(call1(BT_P_crement, bt_bool(false)), bt_int(0));
  assert_same(call2(BT_P_intersection, bt_bool(true), bt_bool(true)), bt_bool(true));
  assert_same(call2(BT_P_intersection, bt_bool(true), bt_int(3)), bt_int(1));
}

/* (a[0] * b, a[1] * b) with tuple items: Python repeats them. */
static void test_duck_typed_sequence_arithmetic(void **state) {
  (void)state;
  int64_t p[2] = {1, 2}, one[1] = {3};
  bt_value items[2] = {ints(2, p), ints(1, one)};
  bt_value x = tuple_of(2, items);
  int64_t p2[4] = {1, 2, 1, 2}, one2[2] = {3, 3};
  bt_value want_items[2] = {ints(4, p2), ints(2, one2)};
  assert_same(call2(BT_P_multiply, x, bt_int(2)), tuple_of(2, want_items));
  assert_same(call1(BT_P_double, x), tuple_of(2, want_items));
  int64_t cat[3] = {1, 2, 3};
  bt_value sums[2] = {ints(3, cat), ints(3, cat)};
  bt_value swapped[2] = {ints(1, one), ints(2, p)};
  bt_value y = tuple_of(2, swapped);
  int64_t cat2[3] = {3, 1, 2};
  sums[1] = ints(3, cat2);
  assert_same(call2(BT_P_add, x, y), tuple_of(2, sums));
  assert_err(call2(BT_P_multiply, x, bt_int(INT64_MAX)), BT_E_LIMIT);
  assert_same(call2(BT_P_multiply, x, bt_int(-5)),
              tuple_of(2, (bt_value[]){bt_tuple(NULL, 0), bt_tuple(NULL, 0)}));
  assert_err(call1(BT_P_halve, x), BT_E_TYPE);
}

static void test_interval_bounds(void **state) {
  (void)state;
  assert_err(call_interval(0, INT64_MAX, 1), BT_E_LIMIT);
  assert_err(call_interval(INT64_MAX, INT64_MIN, -1), BT_E_LIMIT);
  int64_t three[3] = {INT64_MIN, -1, INT64_MAX - 1};
  assert_same(call_interval(INT64_MIN, INT64_MAX, INT64_MAX), ints(3, three));
  int64_t down[3] = {5, 3, 1};
  assert_same(call_interval(5, 0, -2), ints(3, down));
  assert_same(call_interval(0, 5, -1), bt_tuple(NULL, 0));
  assert_err(call_interval(0, 5, 0), BT_E_VALUE);
}

static void test_repeat_counts(void **state) {
  (void)state;
  assert_err(call2(BT_P_repeat, bt_int(7), bt_int(INT64_MAX)), BT_E_LIMIT);
  assert_same(call2(BT_P_repeat, bt_int(7), bt_int(INT64_MIN)), bt_tuple(NULL, 0));
  int64_t two[2] = {7, 7};
  assert_same(call2(BT_P_repeat, bt_int(7), bt_int(2)), ints(2, two));
  assert_err(call2(BT_P_repeat, bt_int(7), bt_tuple(NULL, 0)), BT_E_TYPE);
}

/* Sets ordered by inclusion: Python's sorted() result depends on its algorithm. */
static void test_order_on_a_partial_order_matches_cpython(void **state) {
  (void)state;
  int64_t s12[2] = {1, 2}, s3[1] = {3}, s1[1] = {1}, s2[1] = {2};
  bt_value a[3] = {int_set(2, s12), int_set(1, s3), int_set(1, s1)};
  bt_value id = bt_prim_value(BT_P_identity);
  assert_same(call2(BT_P_order, tuple_of(3, a), id), tuple_of(3, a));
  bt_value b[5] = {int_set(1, s3), int_set(2, s12), int_set(1, s1), set_of(0, NULL), int_set(1, s2)};
  bt_value want[5] = {b[3], b[0], b[2], b[4], b[1]};
  assert_same(call2(BT_P_order, tuple_of(5, b), id), tuple_of(5, want));
  bt_value c[3] = {int_set(1, s1), int_set(1, s2), int_set(2, s12)};
  assert_same(call2(BT_P_argmax, tuple_of(3, c), id), c[2]);
  bt_value d[3] = {int_set(2, s12), int_set(1, s2), int_set(1, s1)};
  assert_same(call2(BT_P_argmin, tuple_of(3, d), id), d[1]);
  bt_value mixed[2] = {bt_int(1), int_set(1, s1)};
  assert_err(call2(BT_P_order, tuple_of(2, mixed), id), BT_E_TYPE);
}

/* Past 64 items the sort merges runs; it must stay stable. */
static void test_order_is_stable_on_long_input(void **state) {
  (void)state;
  enum { N = 300 };
  int64_t v[N], want[N];
  for (int k = 0; k < N; k++)
    v[k] = (k * 37) % N;
  int m = 0;
  for (int k = 0; k < N; k++)
    if (v[k] % 2) want[m++] = v[k];
  for (int k = 0; k < N; k++)
    if (!(v[k] % 2)) want[m++] = v[k];
  assert_same(call2(BT_P_order, ints(N, v), bt_prim_value(BT_P_even)), ints(N, want));
  int64_t sorted[N];
  for (int k = 0; k < N; k++)
    sorted[k] = k;
  assert_same(call2(BT_P_order, ints(N, v), bt_prim_value(BT_P_identity)), ints(N, sorted));
}

/* Python's set keeps the first inserted of equal values (True == 1). */
static void test_bool_int_survivors(void **state) {
  (void)state;
  bt_value t[3] = {bt_bool(true), bt_int(1), bt_int(2)};
  assert_same(call1(BT_P_mostcommon, tuple_of(3, t)), bt_bool(true));
  assert_same(call1(BT_P_dedupe, tuple_of(3, t)), tuple_of(2, (bt_value[]){bt_bool(true), bt_int(2)}));
  bt_value one_b = set_of(1, (bt_value[]){bt_bool(true)}), one_i = set_of(1, (bt_value[]){bt_int(1)});
  assert_same(call2(BT_P_intersection, one_b, one_i), one_i); /* equal sizes: b's elements */
  bt_value big = set_of(2, (bt_value[]){bt_int(1), bt_int(5)});
  assert_same(call2(BT_P_intersection, big, one_b), one_b);
  assert_same(call2(BT_P_intersection, one_b, big), one_b); /* b larger: a's elements */
  assert_same(call2(BT_P_combine, one_b, one_i), one_b);
  assert_same(call2(BT_P_insert, bt_int(1), one_b), one_b);
}

static void test_stop_iteration_inside_a_generator(void **state) {
  (void)state;
  bt_value empty = bt_tuple(NULL, 0);
  bt_value c = tuple_of(1, &empty);
  bt_value first = bt_prim_value(BT_P_first);
  assert_err(call2(BT_P_extract, c, first), BT_E_RUNTIME);
  assert_err(call2(BT_P_sfilter, c, first), BT_E_RUNTIME);
  assert_err(call2(BT_P_apply, first, c), BT_E_RUNTIME);
  assert_err(call2(BT_P_argmax, c, first), BT_E_STOP); /* max() is no generator */
  assert_err(call2(BT_P_extract, c, bt_prim_value(BT_P_size)), BT_E_STOP);
}

static void test_valmax_default_goes_through_compfunc(void **state) {
  (void)state;
  bt_value empty = bt_tuple(NULL, 0);
  assert_err(call2(BT_P_valmax, empty, bt_prim_value(BT_P_first)), BT_E_TYPE);
  assert_same(call2(BT_P_valmin, empty, bt_prim_value(BT_P_invert)), bt_int(0));
  assert_err(call2(BT_P_argmax, empty, bt_prim_value(BT_P_invert)), BT_E_VALUE);
}

static void test_large_containers_take_the_fast_paths(void **state) {
  (void)state;
  enum { N = 200 };
  int64_t v[N], evens[N / 2], odds[N / 2];
  for (int k = 0; k < N; k++)
    v[k] = k % 2 ? N - k : k;
  for (int k = 0; k < N / 2; k++)
    evens[k] = 2 * k;
  int m = 0;
  for (int k = 0; k < N; k++)
    if (v[k] % 2) odds[m++] = v[k];
  assert_same(call2(BT_P_difference, ints(N, v), ints(N / 2, evens)), ints(m, odds));
  bt_value doubled = call2(BT_P_combine, ints(N, v), ints(N, v));
  int64_t firsts[N];
  for (int k = 0; k < N; k++)
    firsts[k] = v[k];
  assert_same(call1(BT_P_dedupe, doubled), ints(N, firsts));
  assert_same(call2(BT_P_remove, bt_int(0), int_set(N, v)),
              call2(BT_P_difference, int_set(N, v), int_set(1, v)));
}

/* sfilter(c, cond) in a fresh context with max_steps: the kept items (copied out) and the
 * steps counted, with the pair keys on or off. */
static bt_value filter_in_fresh(bt_value c, bt_value cond, bool keyed, uint64_t max_steps, uint64_t *steps) {
  bt_limits lim = bt_default_limits;
  lim.max_steps = max_steps;
  bt_ctx f;
  bt_ctx_init(&f, &lim);
  bt_ctx_begin(&f);
  bt_pair_keys_use(keyed);
  bt_value r = call2_in(&f, BT_P_sfilter, c, cond);
  bt_pair_keys_use(true);
  *steps = f.steps;
  r = bt_is_err(r) ? r : bt_copy_boxed(&cx, r);
  bt_ctx_free(&f);
  return r;
}

/* sfilter over pairs with a condition comparing a key of each pair's first item with one of
 * its last (06df4c85's fork(equality, power(first, TWO), compose(first, last)), and others):
 * the same kept pairs and the same steps as calling the condition on every pair, also when
 * max_steps stops it part way, when a key is an error for some pairs, and when an item is
 * no pair. */
static void test_pair_keyed_filter_as_the_calls(void **state) {
  (void)state;
  enum { N = 70 };
  bt_value cells[N], mixed[N];
  for (int k = 0; k < N; k++) {
    int64_t i = (k * 7) % 13 + (k % 9 == 0 ? 200 : 0), j = (k * 5) % 11 - (k % 10 == 0 ? 100 : 0);
    cells[k] = bt_cell(&cx, k % 4, i, j);
    mixed[k] = k % 17 == 5 ? bt_int(k) : cells[k]; /* first() of an int: TypeError */
  }
  bt_value a = set_of(N, cells), b = set_of(N / 2, cells + N / 3);
  bt_value first = bt_prim_value(BT_P_first), last = bt_prim_value(BT_P_last);
  bt_value first2 = call2(BT_P_power, first, bt_int(2)), last2 = call2(BT_P_power, last, bt_int(2));
  bt_value color_of_last = call2(BT_P_compose, first, last),
           color_of_first = call2(BT_P_compose, first, first);
  bt_value i_of_first =
      bt_call_prim(&cx, BT_P_chain, (bt_value[]){first, last, call2(BT_P_compose, first, first)});
  bt_value conds[] = {
      bt_call_prim(&cx, BT_P_fork, (bt_value[]){bt_prim_value(BT_P_equality), first2, color_of_last}),
      bt_call_prim(&cx, BT_P_fork, (bt_value[]){bt_prim_value(BT_P_greater), color_of_last, color_of_first}),
      bt_call_prim(&cx, BT_P_fork,
                   (bt_value[]){bt_prim_value(BT_P_equality), i_of_first, call2(BT_P_compose, first, last2)}),
  };
  bt_value pairs[] = {call2(BT_P_product, a, a), call2(BT_P_product, a, b),
                      call2(BT_P_product, set_of(N, mixed), b)};
  /* a tuple of the pairs with a 3-tuple part way */
  bt_value *odd = bt_items(&cx, pairs[1].n);
  for (uint32_t k = 0; k < pairs[1].n; k++)
    odd[k] =
        k == pairs[1].n / 2 ? tuple_of(3, (bt_value[]){cells[0], cells[1], cells[2]}) : pairs[1].u.items[k];
  bt_value with_odd = bt_tuple(odd, pairs[1].n);
  int kept_some = 0;
  uint64_t done = bt_pair_keys_done();
  for (size_t ci = 0; ci < sizeof conds / sizeof *conds; ci++)
    for (int pi = 0; pi < 4; pi++) {
      bt_value c = pi < 3 ? pairs[pi] : with_odd;
      uint64_t all[2];
      bt_value got[2];
      for (int way = 0; way < 2; way++)
        got[way] = filter_in_fresh(c, conds[ci], way == 0, UINT64_MAX / 2, &all[way]);
      assert_true(bt_same(got[0], got[1]));
      assert_true(all[0] == all[1]);
      kept_some += !bt_is_err(got[0]) && got[0].n > 0 && got[0].n < c.n;
      for (uint64_t cap = all[1] / 3; cap < all[1]; cap += all[1] / 3 + 1) { /* stopped part way */
        uint64_t s[2];
        for (int way = 0; way < 2; way++)
          got[way] = filter_in_fresh(c, conds[ci], way == 0, cap, &s[way]);
        assert_true(bt_same(got[0], got[1]));
        assert_true(s[0] == s[1]);
        assert_err(got[0], BT_E_LIMIT);
      }
    }
  assert_true(kept_some >= 6);                               /* the conditions do sort the pairs */
  assert_true(bt_pair_keys_done() - done > 12u * N * N / 2); /* and the keys decided most */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_algebra_few_against_many),
      cmocka_unit_test(test_int64_overflow_is_an_error),
      cmocka_unit_test(test_patches_at_the_int64_ends),
      cmocka_unit_test(test_floor_division_rounds_down),
      cmocka_unit_test(test_arithmetic_results_are_ints_not_bools),
      cmocka_unit_test(test_duck_typed_sequence_arithmetic),
      cmocka_unit_test(test_interval_bounds),
      cmocka_unit_test(test_repeat_counts),
      cmocka_unit_test(test_order_on_a_partial_order_matches_cpython),
      cmocka_unit_test(test_order_is_stable_on_long_input),
      cmocka_unit_test(test_bool_int_survivors),
      cmocka_unit_test(test_stop_iteration_inside_a_generator),
      cmocka_unit_test(test_valmax_default_goes_through_compfunc),
      cmocka_unit_test(test_large_containers_take_the_fast_paths),
      cmocka_unit_test(test_pair_keyed_filter_as_the_calls),
  };
  return cmocka_run_group_tests_name("prim_base", tests, setup, teardown);
}
