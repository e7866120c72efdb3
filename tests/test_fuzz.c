/* test_fuzz.c: every primitive, and function values, called on random arguments of any type.
 *
 * A program search runs mutated solvers: any argument of any type can reach any primitive,
 * and ints can be absurd. The argument pool is the recorded arguments of the conformance
 * vectors (real ARC grids, objects, closures), absurd ints and pairs, edge containers, and
 * results of earlier calls fed back, so calls nest the way long programs do. Each call must
 * return a well-formed value (kinds, bools 0/1, sets strictly ascending in canonical order, no
 * error inside a container, sizes within the limits), stay within the memory limit, equal a
 * deep copy of itself (eq, hash, cmp) and be the same when the call is repeated in another
 * context. A failure prints the primitive and its arguments as JSON, a ready conformance case.
 * Crashes and memory errors are caught by the sanitizer and valgrind runs of the suite.
 *
 * usage: test_fuzz [--rounds N] [--seed S] VECTOR_DIR...
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batt.h"
#include "value_json.h"

static long rounds = 60000;
static uint64_t seed = 1;
static char **dirs;
static int n_dirs;

static const bt_limits fuzz_limits = {
    .max_steps = 20000,
    .max_elems = 1u << 14,
    .max_depth = 60,
    .max_bytes = (size_t)32 << 20,
    .max_walk = (uint64_t)1 << 22,
};

/* ---- random numbers (xorshift64*) ------------------------------------------------ */

static uint64_t rng_state;
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}
static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }

/* ---- the pool ------------------------------------------------------------------------ */

#define POOL_CAP 8192
#define FED_CAP 1024 /* slots for results fed back, replaced at random once full */

typedef struct pool {
  bt_ctx cx; /* owns every pool value; never released */
  bt_value fixed[POOL_CAP];
  int n_fixed;
  bt_value fed[FED_CAP];
  int n_fed;
  bt_value fns[POOL_CAP]; /* function values among fixed and fed */
  int n_fns;
  /* The recorded arguments of each primitive by position: combined across cases they
   * make type-correct calls no case made. */
  bt_value *at[512][4];
  int n_at[512][4];
} pool;

static void pool_add(pool *p, bt_value v) {
  if (p->n_fixed < POOL_CAP) p->fixed[p->n_fixed++] = v;
  if (bt_is_fn(v) && p->n_fns < POOL_CAP) p->fns[p->n_fns++] = v;
}

static void pool_feed(pool *p, bt_value v) {
  bt_value c = bt_copy(&p->cx, v);
  if (bt_is_err(c)) return;
  if (p->n_fed < FED_CAP)
    p->fed[p->n_fed++] = c;
  else
    p->fed[rnd_below(FED_CAP)] = c;
  if (bt_is_fn(c) && p->n_fns < POOL_CAP) p->fns[p->n_fns++] = c;
}

static const int64_t absurd_ints[] = {
    0,
    1,
    2,
    3,
    4,
    5,
    9,
    10,
    29,
    30,
    31,
    32,
    64,
    1000,
    65535,
    1 << 20,
    (int64_t)1 << 31,
    -1,
    -2,
    -3,
    -30,
    -1000,
    INT64_MAX,
    INT64_MIN,
    INT64_MIN + 1,
    INT64_MAX / 2,
    INT64_MAX / 30,
    -(INT64_MAX / 2),
};
#define N_ABSURD (sizeof absurd_ints / sizeof absurd_ints[0])

static bt_value absurd_int(void) { return bt_int(absurd_ints[rnd_below(N_ABSURD)]); }

/* Values no recorded case has: absurd pairs, empty and one-element containers, extreme
 * grids, every primitive as a function value and closures around absurd counts. */
static void pool_edges(pool *p) {
  bt_ctx *cx = &p->cx;
  for (size_t k = 0; k < N_ABSURD; k++)
    pool_add(p, bt_int(absurd_ints[k]));
  pool_add(p, bt_bool(true));
  pool_add(p, bt_bool(false));
  pool_add(p, bt_none());
  pool_add(p, bt_tuple(NULL, 0));
  pool_add(p, bt_set_build(cx, NULL, 0));
  for (int k = 0; k < 40; k++)
    pool_add(p, bt_pair(cx, absurd_int(), absurd_int()));
  for (int k = 0; k < 10; k++)
    pool_add(p, bt_cell(cx, (int64_t)rnd_below(12) - 1, absurd_ints[rnd_below(N_ABSURD)], 3));
  static const int64_t dims[][2] = {{1, 1}, {1, 30}, {30, 1}, {30, 30}, {31, 31}, {2, 64}, {100, 100}};
  for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
    int64_t h = dims[d][0], w = dims[d][1];
    int64_t *cells = malloc((size_t)(h * w) * sizeof *cells);
    assert_non_null(cells);
    for (int variant = 0; variant < 3; variant++) {
      for (int64_t k = 0; k < h * w; k++)
        cells[k] = variant == 0 ? 0 : variant == 1 ? ((k / w + k % w) & 1) * 7 : (int64_t)rnd_below(10);
      pool_add(p, bt_grid_from(cx, h, w, cells));
    }
    free(cells);
  }
  bt_value one = bt_int(1);
  pool_add(p, bt_tuple_copy(cx, &one, 1));
  /* nested 30, just within BT_MAX_NEST and past it; a value sharing its halves 64 deep
   * (2^64 values written out); a tuple of 2^14 copies of a tuple of 2^14 pairs */
  bt_value nested = bt_tuple(NULL, 0);
  for (int k = 0; k <= BT_MAX_NEST + 5; k++) {
    nested = bt_tuple_copy(cx, &nested, 1);
    if (k == 30 || k == BT_MAX_NEST - 2 || k == BT_MAX_NEST + 5) pool_add(p, nested);
  }
  bt_value dag = bt_ipair(cx, 1, 2);
  for (int k = 0; k < 64; k++)
    dag = bt_pair(cx, dag, dag);
  pool_add(p, dag);
  bt_value *wide = bt_items(cx, 1u << 14), *row = bt_items(cx, 1u << 14);
  assert_true(wide && row);
  for (uint32_t k = 0; k < 1u << 14; k++)
    row[k] = bt_ipair(cx, 0, (int64_t)k);
  for (uint32_t k = 0; k < 1u << 14; k++)
    wide[k] = bt_tuple(row, 1u << 14);
  pool_add(p, bt_tuple(wide, 1u << 14));
  for (int prim = 0; prim < bt_n_prims; prim++)
    pool_add(p, bt_prim_value(prim));
  int power = bt_prim_lookup("power"), rbind = bt_prim_lookup("rbind"), add = bt_prim_lookup("add");
  assert_true(power >= 0 && rbind >= 0 && add >= 0);
  bt_value inc_args[2] = {bt_prim_value(add), bt_int(1)};
  bt_value inc = bt_call_prim(cx, rbind, inc_args);
  pool_add(p, inc);
  for (int k = 0; k < 6; k++) {
    bt_value pargs[2] = {k < 3 ? inc : bt_prim_value(bt_prim_lookup("double")), absurd_int()};
    bt_value pw = bt_call_prim(cx, power, pargs);
    if (!bt_is_err(pw)) pool_add(p, pw);
  }
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Arguments of the recorded cases of every file under dir, at most per_file cases each. */
static void pool_vectors(pool *p, const char *dir, int per_file) {
  assert_true(bt_n_prims <= 512);
  DIR *d = opendir(dir);
  if (!d) fail_msg("cannot open %s", dir);
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 7 || strcmp(e->d_name + len - 6, ".jsonl") != 0) continue;
    names = realloc(names, (n + 1) * sizeof *names);
    assert_non_null(names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names);
  for (size_t k = 0; k < n; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[k]);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    int taken = 0;
    char prim_name[256];
    snprintf(prim_name, sizeof prim_name, "%.*s", (int)(strlen(names[k]) - 6), names[k]);
    int prim = bt_prim_lookup(prim_name);
    while (getline(&line, &cap, f) > 0) {
      json_error_t jerr;
      json_t *c = json_loads(line, 0, &jerr);
      if (!c) fail_msg("%s: bad JSON: %s", path, jerr.text);
      json_t *args = json_object_get(c, "args");
      for (size_t a = 0; a < json_array_size(args); a++) {
        char msg[256];
        bt_value v = bt_from_json(&p->cx, json_array_get(args, a), msg, sizeof msg);
        if (bt_is_err(v)) continue;
        if (taken < per_file) pool_add(p, v);
        if (prim >= 0 && a < 4) {
          bt_value **at = &p->at[prim][a];
          *at = realloc(*at, (size_t)(p->n_at[prim][a] + 1) * sizeof **at);
          assert_non_null(*at);
          (*at)[p->n_at[prim][a]++] = v;
        }
      }
      json_decref(c);
      taken++;
    }
    free(line);
    fclose(f);
    free(names[k]);
  }
  free(names);
}

/* Argument `pos` of a call to prim (-1: a function value). */
static bt_value pick(pool *p, int prim, int pos) {
  size_t r = rnd_below(20);
  if (r == 0) return absurd_int();
  if (r >= 10 && prim >= 0 && pos < 4 && p->n_at[prim][pos])
    return p->at[prim][pos][rnd_below((size_t)p->n_at[prim][pos])];
  if (r < 7 && p->n_fed) return p->fed[rnd_below((size_t)p->n_fed)];
  return p->fixed[rnd_below((size_t)p->n_fixed)];
}

/* ---- checks --------------------------------------------------------------------------- */

static char why[512];

/* Well-formedness of a result; false with `why` set when it is not. */
static bool well_formed(bt_value v, const bt_limits *lim, bool inside) {
  switch ((bt_kind)v.kind) {
  case BT_ERR:
    if (inside) return snprintf(why, sizeof why, "an error value inside a container"), false;
    if (v.errc < 1 || v.errc >= BT_E_COUNT) return snprintf(why, sizeof why, "error code %d", v.errc), false;
    return true;
  case BT_NONE:
  case BT_INT:
  case BT_FLOAT: return true;
  case BT_BOOL:
    if (v.u.i != 0 && v.u.i != 1)
      return snprintf(why, sizeof why, "bool holding %lld", (long long)v.u.i), false;
    return true;
  case BT_PGRID: /* results of calls are boxed */
    return snprintf(why, sizeof why, "a packed grid %s",
                    inside ? "inside a container" : "returned by a call"),
           false;
  case BT_TUPLE:
  case BT_SET:
    if (v.n > lim->max_elems)
      return snprintf(why, sizeof why, "%u elements past the limit %u", v.n, lim->max_elems), false;
    if (v.n && !v.u.items) return snprintf(why, sizeof why, "%u elements and no storage", v.n), false;
    for (uint32_t k = 0; k < v.n; k++) {
      if (!well_formed(v.u.items[k], lim, true)) return false;
      if (v.kind == BT_SET && k > 0 && bt_cmp(v.u.items[k - 1], v.u.items[k]) >= 0)
        return snprintf(why, sizeof why, "set elements %u and %u not strictly ascending", k - 1, k), false;
    }
    return true;
  case BT_FN:
    if (!v.u.clo) {
      if (v.prim >= bt_n_prims) return snprintf(why, sizeof why, "primitive id %d", v.prim), false;
      return true;
    }
    if (v.u.clo->ctor >= bt_n_prims || v.u.clo->nargs > 3)
      return snprintf(why, sizeof why, "closure ctor %d with %d arguments", v.u.clo->ctor, v.u.clo->nargs),
             false;
    for (int k = 0; k < v.u.clo->nargs; k++)
      if (!well_formed(v.u.clo->args[k], lim, true)) return false;
    return true;
  }
  return snprintf(why, sizeof why, "kind %d", v.kind), false;
}

static void report(const char *what, const char *name, const bt_value *args, int n, bt_value r) {
  json_t *ja = json_array();
  for (int k = 0; k < n; k++)
    json_array_append_new(ja, bt_to_json(args[k]));
  char *as = json_dumps(ja, JSON_COMPACT);
  char *rs = json_dumps(bt_to_json(r), JSON_COMPACT | JSON_ENCODE_ANY);
  if (as && strlen(as) > 4000) strcpy(as + 3990, "...");
  if (rs && strlen(rs) > 2000) strcpy(rs + 1990, "...");
  fail_msg("%s: %s\n  args %s\n  result %s", name, what, as ? as : "?", rs ? rs : "?");
}

/* ---- the test ----------------------------------------------------------------------------- */

typedef struct tally {
  long calls, ok, errs[BT_E_COUNT];
} tally;

static void test_fuzz_calls(void **state) {
  (void)state;
  rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
  static pool p;
  memset(&p, 0, sizeof p);
  bt_ctx_init(&p.cx, NULL);
  pool_edges(&p);
  for (int d = 0; d < n_dirs; d++)
    pool_vectors(&p, dirs[d], 6);
  bt_ctx cx, twin;
  bt_ctx_init(&cx, &fuzz_limits);
  bt_ctx_init(&twin, &fuzz_limits);
  tally *per = calloc((size_t)bt_n_prims + 1, sizeof *per); /* last: calls of function values */
  assert_non_null(per);
  long large = 0;        /* results too large to walk whole */
  long packed_calls = 0; /* calls repeated with their grids packed */
  for (long r = 0; r < rounds; r++) {
    bool via_fn = rnd_below(5) == 0 && p.n_fns;
    bt_value f =
        via_fn ? p.fns[rnd_below((size_t)p.n_fns)] : bt_prim_value((int)rnd_below((size_t)bt_n_prims));
    int arity = via_fn ? bt_arity(f) : bt_prims[f.prim].arity;
    if (arity < 0) arity = 1;
    if (via_fn && rnd_below(10) == 0) arity = (int)rnd_below(4); /* a wrong count now and then */
    bt_value args[4];
    for (int k = 0; k < arity; k++)
      args[k] = pick(&p, via_fn ? -1 : f.prim, k);
    const char *name = via_fn ? (f.u.clo ? "a closure" : bt_prims[f.prim].name) : bt_prims[f.prim].name;

    bt_mark m = bt_arena_mark(&cx), mt = bt_arena_mark(&twin);
    bt_ctx_begin(&cx);
    bt_value v = via_fn ? bt_call_line(&cx, f, args, arity) : bt_call_prim(&cx, f.prim, args);
    tally *t = &per[via_fn ? bt_n_prims : f.prim];
    t->calls++;
    if (bt_is_err(v) && v.errc < BT_E_COUNT)
      t->errs[v.errc]++;
    else
      t->ok++;

    /* a result may share its parts or nest past BT_MAX_NEST (astuple of a deep value):
     * the checks below walk it whole, so only results that written out are not huge */
    uint64_t size = bt_tree_size(v, 200000);
    if (size <= 200000) {
      if (!well_formed(v, &fuzz_limits, false)) report(why, name, args, arity, v);
    } else
      large++;
    if (cx.arena.used > fuzz_limits.max_bytes) report("arena past max_bytes", name, args, arity, v);
    /* the second call takes the boxed twins of the arguments (no interned pair or cell) */
    bt_value targs[4];
    for (int k = 0; k < arity; k++) {
      targs[k] = bt_tree_size(args[k], 20000) <= 20000 ? bt_copy_boxed(&twin, args[k]) : args[k];
      if (bt_is_err(targs[k])) targs[k] = args[k];
    }
    bt_ctx_begin(&twin);
    bt_value again = via_fn ? bt_call_line(&twin, f, targs, arity) : bt_call_prim(&twin, f.prim, targs);
    if (size <= 200000 && (!bt_same(v, again) || (bt_is_err(v) && v.errc != again.errc)))
      report("a second call in another context, on the boxed twins of the arguments, differs", name, args,
             arity, v);
    /* a third on packed twins of the grids among the arguments, through the lines' entry
       (whose result may be packed): the same value, or a value where the boxed forms met a
       limit (a packed grid takes fewer bytes) */
    bt_value pargs[4];
    bool any_packed = false;
    for (int k = 0; k < arity; k++)
      any_packed |= (pargs[k] = bt_pack(&twin, args[k])).kind == BT_PGRID;
    if (any_packed && size <= 200000) {
      packed_calls++;
      bt_ctx_begin(&twin);
      bt_value pv = via_fn ? bt_call_line(&twin, f, pargs, arity)
                           : bt_unpack(&twin, bt_call_prim_line(&twin, f.prim, pargs));
      bool limit_only = bt_is_err(v) && v.errc == BT_E_LIMIT;
      if (!limit_only && (!bt_same(v, pv) || (bt_is_err(v) && v.errc != pv.errc)))
        report("a call on packed grids differs", name, args, arity, v);
    }
    if (size <= 200000 && !bt_is_err(v)) {
      bt_value c = bt_copy(&twin, v);
      if (bt_is_err(c) || !bt_eq(v, c) || bt_cmp(v, c) != 0 || bt_hash(v) != bt_hash(c))
        report("differs from its own deep copy (eq, cmp or hash)", name, args, arity, v);
      if (rnd_below(3) == 0 && size < 5000) pool_feed(&p, v);
    }
    bt_arena_release(&cx, m);
    bt_arena_release(&twin, mt);
  }

  long calls = 0, ok = 0, errs[BT_E_COUNT] = {0};
  int never_ok = 0;
  for (int k = 0; k <= bt_n_prims; k++) {
    calls += per[k].calls;
    ok += per[k].ok;
    for (int e = 0; e < BT_E_COUNT; e++)
      errs[e] += per[k].errs[e];
    if (k < bt_n_prims && per[k].ok == 0) never_ok++;
  }
  printf("fuzz: %ld calls (seed %llu, %d pool values, %d fed back), %ld values, errors:", calls,
         (unsigned long long)seed, p.n_fixed, p.n_fed, ok);
  for (int e = 1; e < BT_E_COUNT; e++)
    if (errs[e]) printf(" %s %ld", bt_errc_name((bt_errc)e), errs[e]);
  printf("\nfuzz: %d of %d primitives never returned a value; %ld values too large to check whole\n",
         never_ok, bt_n_prims, large);
  printf("fuzz: %ld calls repeated on packed grids\n", packed_calls);
  /* The pool has to reach the primitives: each is called, and nearly all return values. */
  for (int k = 0; k < bt_n_prims; k++)
    if (per[k].calls == 0) fail_msg("%s never called: raise --rounds", bt_prims[k].name);
  assert_true(never_ok * 10 < bt_n_prims);
  free(per);
  for (int k = 0; k < bt_n_prims; k++)
    for (int a = 0; a < 4; a++)
      free(p.at[k][a]);
  bt_ctx_free(&cx);
  bt_ctx_free(&twin);
  bt_ctx_free(&p.cx);
}

int main(int argc, char **argv) {
  dirs = calloc((size_t)argc, sizeof *dirs);
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--rounds") && k + 1 < argc)
      rounds = atol(argv[++k]);
    else if (!strcmp(argv[k], "--seed") && k + 1 < argc)
      seed = strtoull(argv[++k], NULL, 10);
    else
      dirs[n_dirs++] = argv[k];
  }
  if (!n_dirs || rounds <= 0) {
    fprintf(stderr, "usage: test_fuzz [--rounds N] [--seed S] VECTOR_DIR...\n");
    return 2;
  }
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_fuzz_calls)};
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  free(dirs);
  return rc;
}
