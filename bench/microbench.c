/* microbench: replays every conformance case many times and prints ns/call per
 * primitive (slowest first) and over all cases, beside the cost of the cheapest call
 * (identity) measured in the same run as the dispatch baseline.
 *
 *   microbench [--top N] [--ms MS] [--arc TASKDIR] DIR...
 *
 * --arc: also objects() in each of its 8 modes on every input grid of the tasks in
 * TASKDIR, in ns per call and per cell (the reference Python takes about 300 us for
 * objects(I, T, F, T) on a 175-cell grid).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "batt.h"
#include "bt_prims.h"
#include "tasks.h"
#include "value_json.h"

typedef struct bench_case {
  bt_value args[4];
} bench_case;

typedef struct prim_bench {
  int prim;
  bench_case *cases;
  int n;
  double ns_per_call;
} prim_bench;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Reads the successful cases of one vector file, decoding their arguments into keep. */
static void load_file(bt_ctx *keep, const char *path, int prim, prim_bench *pb) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t cap = 1 << 20;
  char *line = malloc(cap);
  while (fgets(line, (int)cap, f)) {
    json_error_t jerr;
    json_t *c = json_loads(line, 0, &jerr);
    if (!c) continue;
    const json_t *args = json_object_get(c, "args");
    bool ok = !json_object_get(c, "error") && !json_object_get(c, "calls") &&
              (int)json_array_size(args) == bt_prims[prim].arity;
    bench_case bc;
    char why[256];
    for (int k = 0; ok && k < bt_prims[prim].arity; k++) {
      bc.args[k] = bt_from_json(keep, json_array_get(args, (size_t)k), why, sizeof why);
      ok = !bt_is_err(bc.args[k]);
    }
    if (ok) {
      pb->cases = realloc(pb->cases, (size_t)(pb->n + 1) * sizeof *pb->cases);
      pb->cases[pb->n++] = bc;
    }
    json_decref(c);
  }
  free(line);
  fclose(f);
}

/* Runs all cases of pb for about ms milliseconds; returns ns per call. */
static double time_prim(bt_ctx *cx, prim_bench *pb, double ms) {
  if (pb->n == 0) return 0;
  long calls = 0;
  double start = now_ns(), elapsed = 0;
  do {
    for (int k = 0; k < pb->n; k++) {
      bt_mark m = bt_arena_mark(cx);
      bt_ctx_begin(cx);
      bt_value r = bt_call_prim(cx, pb->prim, pb->cases[k].args);
      (void)r;
      bt_arena_release(cx, m);
    }
    calls += pb->n;
    elapsed = now_ns() - start;
  } while (elapsed < ms * 1e6);
  return elapsed / (double)calls;
}

/* objects() in every mode over every input grid of the tasks in dir. */
static void bench_objects(const char *dir, double ms) {
  bt_taskset ts;
  const char *paths[1] = {dir};
  bt_tasks_load(&ts, paths, 1, stderr);
  long grids = 0, cells = 0;
  for (int k = 0; k < ts.n; k++)
    for (int j = 0; j < ts.tasks[k].n_train; j++) {
      bt_value g = ts.tasks[k].train[j].input;
      grids++;
      cells += (long)g.n * g.u.items[0].n;
    }
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  printf("objects() on the %ld demonstration inputs of %s (mean %.0f cells):\n", grids, dir,
         grids ? (double)cells / (double)grids : 0);
  for (int mode = 0; mode < 8; mode++) {
    long calls = 0;
    double start = now_ns(), elapsed;
    do {
      for (int k = 0; k < ts.n; k++)
        for (int j = 0; j < ts.tasks[k].n_train; j++) {
          bt_value a[4] = {ts.tasks[k].train[j].input, bt_bool(mode & 4), bt_bool(mode & 2),
                           bt_bool(mode & 1)};
          bt_mark m = bt_arena_mark(&cx);
          bt_call_prim(&cx, BT_P_objects, a);
          bt_arena_release(&cx, m);
          calls++;
        }
      elapsed = now_ns() - start;
    } while (elapsed < ms * 1e6);
    double per_call = elapsed / (double)calls;
    printf("  objects(I, %s, %s, %s) %10.0f ns/call %6.2f ns/cell\n", mode & 4 ? "T" : "F",
           mode & 2 ? "T" : "F", mode & 1 ? "T" : "F", per_call, per_call * (double)grids / (double)cells);
  }
  bt_ctx_free(&cx);
  bt_tasks_free(&ts);
}

static int by_cost(const void *a, const void *b) {
  double x = ((const prim_bench *)a)->ns_per_call, y = ((const prim_bench *)b)->ns_per_call;
  return x < y ? 1 : x > y ? -1 : 0;
}

int main(int argc, char **argv) {
  int top = 10;
  double ms = 20;
  const char *arc = NULL;
  bt_ctx keep, cx;
  bt_ctx_init(&keep, NULL);
  bt_ctx_init(&cx, NULL);
  prim_bench *pbs = calloc((size_t)bt_n_prims, sizeof *pbs);
  for (int k = 0; k < bt_n_prims; k++)
    pbs[k].prim = k;
  for (int k = 1; k < argc; k++) {
    if (strcmp(argv[k], "--top") == 0 && k + 1 < argc) {
      top = atoi(argv[++k]);
      continue;
    }
    if (strcmp(argv[k], "--ms") == 0 && k + 1 < argc) {
      ms = atof(argv[++k]);
      continue;
    }
    if (strcmp(argv[k], "--arc") == 0 && k + 1 < argc) {
      arc = argv[++k];
      continue;
    }
    DIR *dir = opendir(argv[k]);
    if (!dir) {
      fprintf(stderr, "microbench: cannot open %s\n", argv[k]);
      return 2;
    }
    struct dirent *e;
    while ((e = readdir(dir))) {
      size_t len = strlen(e->d_name);
      if (len < 7 || strcmp(e->d_name + len - 6, ".jsonl") != 0) continue;
      char name[128], path[2048];
      snprintf(name, sizeof name, "%.*s", (int)(len - 6), e->d_name);
      snprintf(path, sizeof path, "%s/%s", argv[k], e->d_name);
      int prim = bt_prim_lookup(name);
      if (prim >= 0) load_file(&keep, path, prim, &pbs[prim]);
    }
    closedir(dir);
  }
  double total_ns = 0;
  long total_cases = 0;
  int measured = 0;
  for (int k = 0; k < bt_n_prims; k++) {
    pbs[k].ns_per_call = time_prim(&cx, &pbs[k], ms);
    total_ns += pbs[k].ns_per_call * pbs[k].n;
    total_cases += pbs[k].n;
    measured += pbs[k].n > 0;
  }
  double baseline = pbs[bt_prim_lookup("identity")].ns_per_call;
  qsort(pbs, (size_t)bt_n_prims, sizeof *pbs, by_cost);
  printf("%-18s %8s %12s %10s\n", "primitive", "cases", "ns/call", "x identity");
  for (int k = 0; k < top && k < bt_n_prims; k++)
    printf("%-18s %8d %12.1f %10.1f\n", bt_prims[pbs[k].prim].name, pbs[k].n, pbs[k].ns_per_call,
           baseline > 0 ? pbs[k].ns_per_call / baseline : 0);
  printf("all: %d primitives, %ld cases, one pass over all cases %.1f us, mean %.1f ns/call, "
         "identity (dispatch baseline) %.1f ns/call\n",
         measured, total_cases, total_ns / 1e3, total_cases ? total_ns / (double)total_cases : 0, baseline);
  if (arc) bench_objects(arc, ms * 10);
  for (int k = 0; k < bt_n_prims; k++)
    free(pbs[k].cases);
  free(pbs);
  bt_ctx_free(&cx);
  bt_ctx_free(&keep);
  return 0;
}
