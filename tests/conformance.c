/* conformance: replays the reference vectors (one JSON case per line, one file per
 * primitive) against the runtime. Every case must pass, except the documented
 * divergences, which must be exactly the cases that differ, and every primitive of the
 * catalogue must have a vector file.
 *
 *   conformance [--prim NAME] [--divergences FILE] [--quiet] DIR...
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batt.h"
#include "bt_prims.h"
#include "spec.h"
#include "value_json.h"

typedef struct divergence {
  char prim[64];
  int line;
  bool seen;
} divergence;

typedef struct vector_file {
  char path[1024];
  char prim[64];
} vector_file;

static divergence *divs;
static int n_divs;
static bool quiet;
static long total_cases, passed_cases, diverged_cases, errclass_mismatch;
static int n_files;

static void load_divergences(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "conformance: cannot open %s\n", path);
    exit(2);
  }
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    divs = realloc(divs, (size_t)(n_divs + 1) * sizeof *divs);
    divergence *d = &divs[n_divs];
    memset(d, 0, sizeof *d);
    if (sscanf(line, "%63s %d", d->prim, &d->line) == 2) n_divs++;
  }
  fclose(f);
}

static divergence *find_divergence(const char *prim, int line) {
  for (int k = 0; k < n_divs; k++)
    if (divs[k].line == line && strcmp(divs[k].prim, prim) == 0) return &divs[k];
  return NULL;
}

static char *show(bt_value v) {
  json_t *j = bt_to_json(v);
  char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(j);
  if (s && strlen(s) > 300) strcpy(s + 290, "...");
  return s;
}

/* Checks result r against the expectation in case (out/error, or their canonical
 * variants when order_sensitive); writes a reason into why on mismatch. */
static bool check_outcome(bt_ctx *cx, const json_t *c, bt_value r, char *why, size_t whylen) {
  bool os = json_is_true(json_object_get(c, "order_sensitive"));
  const json_t *out = json_object_get(c, os ? "out_canonical" : "out");
  const json_t *err = json_object_get(c, os ? "error_canonical" : "error");
  if (os && !out && !err) {
    out = json_object_get(c, "out");
    err = json_object_get(c, "error");
  }
  if (err) {
    if (!bt_is_err(r)) {
      char *got = show(r);
      snprintf(why, whylen, "expected %s, got %s", json_string_value(err), got);
      free(got);
      return false;
    }
    if (strcmp(json_string_value(err), bt_errc_name((bt_errc)r.errc)) != 0) {
      /* the exception a solver ends with is part of its outcome: the class must agree */
      errclass_mismatch++;
      snprintf(why, whylen, "expected %s, got %s", json_string_value(err), bt_errc_name((bt_errc)r.errc));
      return false;
    }
    return true;
  }
  char msg[256] = "";
  bt_value want = bt_from_json(cx, out, msg, sizeof msg);
  if (bt_is_err(want)) {
    snprintf(why, whylen, "cannot decode expected value: %s", msg);
    return false;
  }
  if (bt_same(r, want)) return true;
  char *got = show(r), *exp = show(want);
  snprintf(why, whylen, "expected %s\n      got %s", exp, got);
  free(got);
  free(exp);
  return false;
}

static bool decode_args(bt_ctx *cx, const json_t *args, bt_value *out, int *n, char *why, size_t whylen) {
  *n = (int)json_array_size(args);
  if (*n > 8) *n = 8;
  for (int k = 0; k < *n; k++) {
    char msg[256] = "";
    out[k] = bt_from_json(cx, json_array_get(args, (size_t)k), msg, sizeof msg);
    if (bt_is_err(out[k])) {
      snprintf(why, whylen, "cannot decode argument %d: %s", k + 1, msg);
      return false;
    }
  }
  return true;
}

static long text_checked;

/* bt_json_text(v) is exactly what jansson writes for bt_to_json(v) (results files use it). */
static bool same_text(bt_value v, char *why, size_t whylen) {
  json_t *j = bt_to_json(v);
  char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY), *got = bt_json_text(v);
  json_decref(j);
  bool same = want && got && strcmp(want, got) == 0;
  if (!same)
    snprintf(why, whylen, "bt_json_text wrote %.200s\n      jansson %.200s", got ? got : "NULL", want);
  free(want);
  free(got);
  text_checked++;
  return same;
}

static long twins_checked;
static long packed_checked; /* cases run again with their grids packed */
static long quick_checked;  /* cases a specialised closure's inline code computes (spec.h) */
static long qeval_checked;  /* cases a quick evaluation computes (spec.h) */

/* The dispatch of a quick evaluation over primitives only (the vectors' function arguments
 * are primitives). */
static bool q_prims_only(bt_qctx *q, const bt_value *f, const bt_value *x, int m, int d, bt_value *r) {
  return f->kind == BT_FN && !f->u.clo && bt_q_prim_value(q, f->prim, x, m, d, q_prims_only, r);
}

/* Where the quick evaluation of the call (spec.h: bt_q_prim_value) computes it, it gives the
 * value the specialised call (bt_sp_prim) gives, with the same steps, the same bytes left in
 * use and the same peak; where the call fails, it gives up. */
static bool check_quick_eval(bt_ctx *cx, int prim, const bt_value *args, int n, char *why, size_t whylen) {
  if (n != bt_prims[prim].arity || bt_prims[prim].dflt || !bt_q_has(prim)) return true;
  bt_ctx_begin(cx);
  cx->steps = 0;
  size_t used = cx->arena.used;
  cx->arena.peak = used;
  bt_walk_reset(cx->lim.max_walk);
  bt_value g = bt_walk_end(bt_sp_prim(cx, prim, bt_prims[prim].fn, args, n));
  uint64_t steps = cx->steps;
  size_t bytes = cx->arena.used - used, peak = cx->arena.peak - used;
  bt_qctx q;
  bt_value r;
  bt_q_start(&q, cx);
  if (!bt_q_prim_value(&q, prim, args, n, 0, q_prims_only, &r)) return true;
  qeval_checked++;
  if (bt_is_err(g) || !bt_eq(g, r)) {
    snprintf(why, whylen, "the quick evaluation gives a value where the call gives %s",
             bt_is_err(g) ? "an error" : "another value");
    return false;
  }
  if (q.steps != steps || q.bytes != bytes || q.peak != peak) {
    snprintf(why, whylen,
             "the quick evaluation counts %llu steps, %zu bytes, peak %zu; the call %llu, %zu, %zu",
             (unsigned long long)q.steps, q.bytes, q.peak, (unsigned long long)steps, bytes, peak);
    return false;
  }
  return true;
}

/* v and its boxed twin (no interned part) are one value to equality, order and hashing. */
static bool same_as_twin(bt_ctx *cx, bt_value v, bt_value *twin, const char *what, char *why, size_t whylen) {
  *twin = bt_copy_boxed(cx, v);
  twins_checked++;
  if (!bt_is_err(v) && bt_is_err(*twin)) {
    snprintf(why, whylen, "%s: no boxed twin", what);
    return false;
  }
  if (bt_same(v, *twin) && bt_eq(v, *twin) && bt_cmp(v, *twin) == 0 && bt_cmp(*twin, v) == 0 &&
      bt_hash(v) == bt_hash(*twin))
    return true;
  snprintf(why, whylen, "%s: the boxed twin is another value (same %d eq %d cmp %d hash %d)", what,
           bt_same(v, *twin), bt_eq(v, *twin), bt_cmp(v, *twin), bt_hash(v) == bt_hash(*twin));
  return false;
}

static bool run_case(bt_ctx *cx, int prim, const json_t *c, char *why, size_t whylen) {
  bt_value args[8], twins[8];
  int n;
  if (!decode_args(cx, json_object_get(c, "args"), args, &n, why, whylen)) return false;
  for (int k = 0; k < n; k++)
    if (!same_text(args[k], why, whylen) || !same_as_twin(cx, args[k], &twins[k], "argument", why, whylen))
      return false;
  bt_ctx_begin(cx);
  bt_value r = n == bt_prims[prim].arity ? bt_call_prim(cx, prim, args) : bt_err(BT_E_TYPE);
  if (!bt_is_err(r) && !same_text(r, why, whylen)) return false;
  if (!check_outcome(cx, c, r, why, whylen)) return false;
  /* the inline code of specialised closures, where it computes the call, gives the same */
  bt_value rq;
  if (n == bt_prims[prim].arity && bt_sp_quick(prim, args, &rq)) {
    quick_checked++;
    if (!check_outcome(cx, c, rq, why, whylen)) {
      char sub[1800];
      snprintf(sub, sizeof sub, "by bt_sp_quick: %s", why);
      snprintf(why, whylen, "%s", sub);
      return false;
    }
  }
  if (!check_quick_eval(cx, prim, args, n, why, whylen)) return false;
  /* the same call on the boxed twins of the arguments gives the same outcome */
  bt_ctx_begin(cx);
  bt_value rt = n == bt_prims[prim].arity ? bt_call_prim(cx, prim, twins) : bt_err(BT_E_TYPE);
  bt_value rtwin;
  if (!bt_is_err(r) && !same_as_twin(cx, r, &rtwin, "result", why, whylen)) return false;
  if (!check_outcome(cx, c, rt, why, whylen)) {
    char sub[1800];
    snprintf(sub, sizeof sub, "on the boxed twins: %s", why);
    snprintf(why, whylen, "%s", sub);
    return false;
  }
  /* and on packed twins of the grids among the arguments */
  bt_value packed[8];
  bool any_packed = false;
  for (int k = 0; k < n; k++)
    any_packed |= (packed[k] = bt_pack(cx, args[k])).kind == BT_PGRID;
  if (any_packed) {
    packed_checked++;
    bt_ctx_begin(cx);
    bt_value rp = n == bt_prims[prim].arity ? bt_call_prim(cx, prim, packed) : bt_err(BT_E_TYPE);
    if (rp.kind == BT_PGRID) {
      snprintf(why, whylen, "bt_call_prim returned a packed grid");
      return false;
    }
    if (!check_outcome(cx, c, rp, why, whylen)) {
      char sub[1800];
      snprintf(sub, sizeof sub, "on packed grids: %s", why);
      snprintf(why, whylen, "%s", sub);
      return false;
    }
  }
  const json_t *calls = json_object_get(c, "calls");
  for (size_t k = 0; k < json_array_size(calls); k++) {
    const json_t *call = json_array_get(calls, k);
    bt_value cargs[8];
    int cn;
    if (!decode_args(cx, json_object_get(call, "args"), cargs, &cn, why, whylen)) return false;
    bt_ctx_begin(cx);
    bt_value cr = bt_call(cx, r, cargs, cn);
    char sub[1200];
    if (!check_outcome(cx, call, cr, sub, sizeof sub)) {
      snprintf(why, whylen, "call %zu of the closure: %s", k + 1, sub);
      return false;
    }
  }
  return true;
}

static bool allowed_divergence(const json_t *c) {
  bool ill = json_is_true(json_object_get(c, "ill_typed")) && !json_object_get(c, "error");
  return ill || json_is_true(json_object_get(c, "set_compare"));
}

static void test_file(void **state) {
  const vector_file *vf = *state;
  int prim = bt_prim_lookup(vf->prim);
  if (prim < 0) fail_msg("%s: no primitive '%s' in the runtime", vf->path, vf->prim);
  FILE *f = fopen(vf->path, "r");
  assert_non_null(f);
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  size_t cap = 1 << 16;
  char *line = malloc(cap);
  int lineno = 0, failures = 0, cases = 0;
  while (fgets(line, (int)cap, f)) {
    while (!strchr(line, '\n') && !feof(f)) {
      line = realloc(line, cap * 2);
      if (!fgets(line + strlen(line), (int)cap, f)) break;
      cap *= 2;
    }
    lineno++;
    json_error_t jerr;
    json_t *c = json_loads(line, 0, &jerr);
    if (!c) fail_msg("%s:%d: bad JSON: %s", vf->path, lineno, jerr.text);
    cases++;
    char why[2048] = "";
    bt_mark m = bt_arena_mark(&cx);
    bool ok = run_case(&cx, prim, c, why, sizeof why);
    bt_arena_release(&cx, m);
    divergence *d = find_divergence(vf->prim, lineno);
    if (d) {
      d->seen = true;
      if (ok) {
        printf("%s:%d: listed as a divergence but passes: remove it from the list\n", vf->path, lineno);
        failures++;
      } else if (!allowed_divergence(c)) {
        printf("%s:%d: listed as a divergence but is neither ill_typed with a result nor set_compare\n",
               vf->path, lineno);
        failures++;
      } else {
        diverged_cases++;
      }
    } else if (ok) {
      passed_cases++;
    } else {
      failures++;
      if (!quiet) {
        char *args = json_dumps(json_object_get(c, "args"), JSON_COMPACT);
        if (args && strlen(args) > 300) strcpy(args + 290, "...");
        printf("%s:%d: %s%s\n      args %s\n      %s\n", vf->path, lineno, vf->prim,
               json_is_true(json_object_get(c, "ill_typed")) ? " (ill_typed)" : "", args ? args : "?", why);
        free(args);
      }
    }
    json_decref(c);
  }
  total_cases += cases;
  free(line);
  fclose(f);
  bt_ctx_free(&cx);
  if (failures) fail_msg("%s: %d of %d cases fail", vf->prim, failures, cases);
}

static int cmp_files(const void *a, const void *b) {
  return strcmp(((const vector_file *)a)->path, ((const vector_file *)b)->path);
}

static vector_file *collect(char **dirs, int n_dirs, const char *only) {
  vector_file *files = NULL;
  for (int d = 0; d < n_dirs; d++) {
    DIR *dir = opendir(dirs[d]);
    if (!dir) {
      fprintf(stderr, "conformance: cannot open directory %s\n", dirs[d]);
      exit(2);
    }
    struct dirent *e;
    while ((e = readdir(dir))) {
      size_t len = strlen(e->d_name);
      if (len < 7 || strcmp(e->d_name + len - 6, ".jsonl") != 0 || len - 6 >= 64) continue;
      vector_file vf;
      snprintf(vf.path, sizeof vf.path, "%s/%s", dirs[d], e->d_name);
      snprintf(vf.prim, sizeof vf.prim, "%.*s", (int)(len - 6), e->d_name);
      if (only && strcmp(only, vf.prim) != 0) continue;
      files = realloc(files, (size_t)(n_files + 1) * sizeof *files);
      files[n_files++] = vf;
    }
    closedir(dir);
  }
  qsort(files, (size_t)n_files, sizeof *files, cmp_files);
  return files;
}

int main(int argc, char **argv) {
  const char *only = NULL;
  char **dirs = calloc((size_t)argc, sizeof *dirs);
  int n_dirs = 0;
  for (int k = 1; k < argc; k++) {
    if (strcmp(argv[k], "--prim") == 0 && k + 1 < argc)
      only = argv[++k];
    else if (strcmp(argv[k], "--divergences") == 0 && k + 1 < argc)
      load_divergences(argv[++k]);
    else if (strcmp(argv[k], "--quiet") == 0)
      quiet = true;
    else
      dirs[n_dirs++] = argv[k];
  }
  vector_file *files = collect(dirs, n_dirs, only);
  if (n_files == 0) {
    fprintf(stderr, "conformance: no vector files found\n");
    return 2;
  }
  struct CMUnitTest *tests = calloc((size_t)n_files, sizeof *tests);
  for (int k = 0; k < n_files; k++) {
    tests[k].name = files[k].prim;
    tests[k].test_func = test_file;
    tests[k].initial_state = &files[k];
  }
  int failed = _cmocka_run_group_tests("conformance", tests, (size_t)n_files, NULL, NULL);
  int stale = 0;
  for (int k = 0; k < n_divs; k++)
    if (!divs[k].seen && (!only || strcmp(only, divs[k].prim) == 0)) {
      printf("divergence list names %s case %d, which no vector file has\n", divs[k].prim, divs[k].line);
      stale++;
    }
  /* every primitive of the catalogue has its vectors */
  int missing = 0;
  for (int p = 0; p < bt_n_prims && !only; p++) {
    if (bt_prims[p].dialect != BT_DIALECT_ARCDSL) continue; /* the other dialects have their own */
    bool found = false;
    for (int k = 0; k < n_files && !found; k++)
      found = strcmp(files[k].prim, bt_prims[p].name) == 0;
    if (!found) {
      printf("conformance: primitive %s has no vector file (%s.jsonl)\n", bt_prims[p].name, bt_prims[p].name);
      missing++;
    }
  }
  printf("json text: %ld values (arguments and results) written as jansson writes them\n", text_checked);
  printf(
      "boxed twins: %ld values (arguments and results) equal to their twins; every call repeated on them\n",
      twins_checked);
  printf("packed grids: %ld calls repeated with their grid arguments packed\n", packed_checked);
  printf("inline code: %ld calls repeated through specialised closures' inline code\n", quick_checked);
  printf("quick evaluations: %ld calls repeated through them, steps and bytes compared\n", qeval_checked);
  printf("conformance: %ld/%ld cases passed (%d primitives), %ld documented divergences, "
         "%ld errors of another exception class\n",
         passed_cases, total_cases, n_files, diverged_cases, errclass_mismatch);
  free(tests);
  free(files);
  free(dirs);
  free(divs);
  return failed || stale || missing ? 1 : 0;
}
