/* fusion: the fused program against the unfused one, in one process, over the same
 * tasks. Both are the same merged program run through the runtime's line loop (card's
 * interpreter); only the fused calls differ. Prints, per fused group, the time of its
 * lines unfused against the time of its one call fused, then the whole sweep in
 * evaluations/s; every ratio is unfused time / fused time (above 1: fusion wins).
 * Checks that both programs agree on every outcome.
 *
 *   fusion [--reps N] [--threads N] [--catalog PATH] (--manifest M | FILE...) [-- PATH...]
 *
 * Tasks default to ARC-AGI-1 training and evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "interp.h"
#include "manifest.h"
#include "run.h"
#include "tasks.h"

#ifndef BATT_DATA_DIR
#define BATT_DATA_DIR "data"
#endif
#ifndef BATT_CATALOG
#define BATT_CATALOG "runtime/dsl.yaml"
#endif

static bool same_outcomes(const bt_run *a, const bt_run *b) {
  for (int k = 0; k < a->tasks->n; k++) {
    const bt_task_result *x = &a->by_task[k], *y = &b->by_task[k];
    for (int j = 0; j < x->n_items; j++)
      for (int s = 0; s < a->prog->n_solvers; s++) {
        const bt_result *p = &x->results[(size_t)j * (size_t)a->prog->n_solvers + (size_t)s];
        const bt_result *q = &y->results[(size_t)j * (size_t)a->prog->n_solvers + (size_t)s];
        if (p->verdict != q->verdict || p->errc != q->errc) return false;
        if (p->out >= 0 && x->items[j].outputs[p->out] &&
            strcmp(x->items[j].outputs[p->out], y->items[j].outputs[q->out]) != 0)
          return false;
      }
  }
  return true;
}

int main(int argc, char **argv) {
  const char *catalog_path = BATT_CATALOG, *manifest = NULL;
  int reps = 3, threads = 0;
  const char **files = calloc((size_t)argc + 1, sizeof *files),
             **paths = calloc((size_t)argc + 3, sizeof *paths);
  int n_files = 0, n_paths = 0;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--reps") && k + 1 < argc)
      reps = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--threads") && k + 1 < argc)
      threads = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--catalog") && k + 1 < argc)
      catalog_path = argv[++k];
    else if (!strcmp(argv[k], "--manifest") && k + 1 < argc)
      manifest = argv[++k];
    else if (!strcmp(argv[k], "--")) {
      for (k++; k < argc; k++)
        paths[n_paths++] = argv[k];
    } else
      files[n_files++] = argv[k];
  }
  if (reps < 1 || (!manifest && n_files == 0)) {
    fprintf(
        stderr,
        "usage: fusion [--reps N] [--threads N] [--catalog PATH] (--manifest M | FILE...) [-- PATH...]\n");
    return 2;
  }
  if (n_paths == 0) {
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/training";
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/evaluation";
  }
  char err[1024];
  catalog cat;
  card_manifest mf = {0};
  if (!catalog_load(catalog_path, &cat, err, sizeof err) ||
      (manifest && !manifest_load(manifest, &mf, err, sizeof err))) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  card_program prog;
  program_init(&prog);
  card_diag d = {0};
  int nf = manifest ? mf.n_sources : n_files;
  for (int k = 0; k < nf; k++)
    program_add_file(&prog, manifest ? mf.sources[k] : files[k], &d);
  bool ok = check_program(&prog, &cat, &d);
  char *msgs = diag_render(&d);
  fputs(msgs, stderr);
  free(msgs);
  diag_free(&d);
  if (!ok) return 1;
  card_merged *plain = merge_program(&prog), *fused = merge_program(&prog);
  int groups = fuse_program(fused);
  bt_program *pp = interp_program(plain), *pf = interp_program(fused);
  if (!pp || !pf) {
    fprintf(stderr, "fusion: the runtime lacks a primitive the program uses\n");
    return 1;
  }
  bt_taskset ts;
  bt_tasks_load(&ts, paths, n_paths, stderr);
  long items = 0;
  for (int k = 0; k < ts.n; k++)
    items += ts.tasks[k].n_train + ts.tasks[k].n_test;
  printf("fusion: %d solvers, %d lines, %d fused calls; %ld items (%d tasks), %d reps, best of each\n",
         pp->n_solvers, pp->n_lines, groups, items, ts.n, reps);

  bt_run_opts o;
  bt_run_opts_default(&o);
  o.threads = threads;
  o.profile = true;
  size_t nl = (size_t)pp->n_lines + 1;
  uint64_t *best_p = calloc(nl, sizeof *best_p), *best_f = calloc(nl, sizeof *best_f);
  double sec_p = 0, sec_f = 0;
  bool agree = true;
  { /* outputs compared once, untimed (encoding them would dominate the timed runs) */
    bt_run_opts keep = o;
    keep.keep_outputs = true;
    keep.profile = false;
    bt_run a, b;
    bt_run_program(&a, pp, &ts, &keep);
    bt_run_program(&b, pf, &ts, &keep);
    agree &= same_outcomes(&a, &b);
    bt_run_free(&a);
    bt_run_free(&b);
  }
  for (int r = 0; r < reps; r++) {
    bt_run a, b; /* alternate, so that drift hits both alike */
    bt_run_program(&a, pp, &ts, &o);
    bt_run_program(&b, pf, &ts, &o);
    agree &= same_outcomes(&a, &b);
    if (r == 0 || a.seconds < sec_p) sec_p = a.seconds;
    if (r == 0 || b.seconds < sec_f) sec_f = b.seconds;
    for (size_t t = 1; t < nl; t++) {
      if (r == 0 || a.line_ns[t] < best_p[t]) best_p[t] = a.line_ns[t];
      if (r == 0 || b.line_ns[t] < best_f[t]) best_f[t] = b.line_ns[t];
    }
    bt_run_free(&a);
    bt_run_free(&b);
  }
  printf("%-8s %-14s %6s %12s %12s %7s\n", "pattern", "shared", "lines", "unfused ms", "fused ms", "ratio");
  double per_kind[CARD_N_PATTERNS][2] = {{0}};
  for (int j = 0; j < groups; j++) {
    const card_group *g = &fused->fusion->groups[j];
    uint64_t u = 0, f = best_f[g->lines[0] + 1];
    for (int i = 0; i < g->nlines; i++)
      u += best_p[g->lines[i] + 1];
    strbuf sh = {0};
    if (g->kind == PAT_SAMPLE)
      sb_puts(&sh, "S");
    else
      opnd_print(&sh, &g->shared);
    printf("%-8s %-14s %6d %12.3f %12.3f %7.2f\n", pattern_name(g->kind), sh.buf, g->nlines, (double)u * 1e-6,
           (double)f * 1e-6, f ? (double)u / (double)f : 0);
    sb_free(&sh);
    per_kind[g->kind][0] += (double)u;
    per_kind[g->kind][1] += (double)f;
  }
  for (int k = 0; k < CARD_N_PATTERNS; k++)
    if (per_kind[k][1] > 0)
      printf("all %-8s %34.3f %12.3f %7.2f\n", pattern_name((card_pattern)k), per_kind[k][0] * 1e-6,
             per_kind[k][1] * 1e-6, per_kind[k][0] / per_kind[k][1]);
  double evals = (double)items * pp->n_solvers;
  printf("sweep: unfused %.3f s (%.0f evals/s), fused %.3f s (%.0f evals/s), ratio %.3f\n", sec_p,
         evals / sec_p, sec_f, evals / sec_f, sec_p / sec_f);
  printf("outcomes: %s\n", agree ? "identical" : "DIFFERENT");
  free(best_p);
  free(best_f);
  bt_tasks_free(&ts);
  interp_free(pp);
  interp_free(pf);
  merged_free(plain);
  fusion_free(fused->fusion);
  merged_free(fused);
  program_free(&prog);
  catalog_free(&cat);
  manifest_free(&mf);
  free(files);
  free(paths);
  return agree ? 0 : 1;
}
