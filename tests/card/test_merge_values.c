/* Merge soundness by value, and the emitted code: every solver of a library gives, on
 * every item of every task (the cross product), the same outcome from the merged and
 * fused program as from a program merged from that solver alone; the fused and the
 * unfused merged programs write byte-identical results files; the emitted C is
 * deterministic and equals the golden copy for a fixed solver set.
 *
 * usage: test_merge_values CATALOG MANIFEST ARC_AGI_1_DIR TEMPLATES GOLDEN_DIR
 * BATT_REGEN_GOLDEN=1 rewrites GOLDEN_DIR/batt.c.expected from GOLDEN_DIR/solvers.py.
 * BATT_SOUNDNESS_TASKS=N compares on the first N tasks only (the valgrind run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card.h"
#include "emit.h"
#include "interp.h"
#include "report.h"
#include "manifest.h"
#include "run.h"
#include "tasks.h"

static const char *catalog_path, *manifest_path, *arc_dir, *templates_dir, *golden_dir;

/* Parses and checks files into prog; fails the test on any error. */
static void load_program(card_program *prog, catalog *cat, char **files, int n) {
  char err[1024];
  assert_true(catalog_load(catalog_path, cat, err, sizeof err));
  program_init(prog);
  card_diag d = {0};
  for (int k = 0; k < n; k++)
    program_add_file(prog, files[k], &d);
  bool ok = check_program(prog, cat, &d);
  char *msgs = diag_render(&d);
  if (!ok) fail_msg("%s", msgs);
  free(msgs);
  diag_free(&d);
}

/* Runs the merged program of prog's solvers [first, first + n) over ts, fused or not;
 * with results_path, writes its results file there. */
static void run_solvers(card_program *prog, int first, int n, const bt_taskset *ts, bt_run *run, bool fuse,
                        const char *results_path) {
  card_solver **all = prog->solvers;
  int n_all = prog->nsolvers;
  prog->solvers = all + first;
  prog->nsolvers = n;
  card_merged *m = merge_program(prog);
  if (fuse) fuse_program(m);
  bt_program *p = interp_program(m);
  assert_non_null(p);
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  assert_true(bt_run_program(run, p, ts, &o));
  if (results_path) assert_true(bt_write_results(run, results_path, stderr));
  prog->solvers = all;
  prog->nsolvers = n_all;
  run->prog = NULL; /* p goes now; the results only need the solver count, passed along */
  interp_free(p);
  fusion_free(m->fusion);
  merged_free(m);
}

/* The outcome of solver s on item j of task k as text: the exception's name or the output. */
static const char *outcome(const bt_run *run, int n_solvers, int k, int j, int s) {
  const bt_task_result *tr = &run->by_task[k];
  const bt_result *r = &tr->results[(size_t)j * (size_t)n_solvers + (size_t)s];
  return r->verdict == BT_V_ERROR ? bt_errc_name((bt_errc)r->errc) : tr->items[j].outputs[r->out];
}

/* The shipped library (the manifest's sources), parsed and checked. */
static void load_library(card_manifest *mf, catalog *cat, card_program *prog) {
  char err[1024];
  assert_true(manifest_load(manifest_path, mf, err, sizeof err));
  load_program(prog, cat, mf->sources, mf->n_sources);
}

/* ARC-AGI-1 training and evaluation into ts; with BATT_SOUNDNESS_TASKS=N only the first
 * N count (ts->n), the rest stay loaded. Returns the number loaded (restore before free). */
static int load_tasks(bt_taskset *ts) {
  char train[1024], eval[1024];
  snprintf(train, sizeof train, "%s/training", arc_dir);
  snprintf(eval, sizeof eval, "%s/evaluation", arc_dir);
  const char *paths[2] = {train, eval};
  assert_int_equal(bt_tasks_load(ts, paths, 2, stderr), 0);
  const char *cap = getenv("BATT_SOUNDNESS_TASKS");
  int loaded = ts->n;
  if (cap && atoi(cap) > 0 && atoi(cap) < ts->n) ts->n = atoi(cap);
  return loaded;
}

static void test_each_solver_alone_equals_merged(void **state) {
  (void)state;
  card_manifest mf;
  catalog cat;
  card_program prog;
  load_library(&mf, &cat, &prog);
  bt_taskset ts;
  int loaded = load_tasks(&ts);
  bt_run merged;
  run_solvers(&prog, 0, prog.nsolvers, &ts, &merged, true, NULL);
  long comparisons = 0, differences = 0, items = 0;
  for (int k = 0; k < ts.n; k++)
    items += merged.by_task[k].n_items;
  for (int s = 0; s < prog.nsolvers; s++) {
    bt_run alone;
    run_solvers(&prog, s, 1, &ts, &alone, false, NULL);
    for (int k = 0; k < ts.n; k++)
      for (int j = 0; j < merged.by_task[k].n_items; j++) {
        const char *a = outcome(&merged, prog.nsolvers, k, j, s), *b = outcome(&alone, 1, k, j, 0);
        comparisons++;
        if (strcmp(a, b) != 0 && differences++ < 10)
          printf("difference: %s on %s item %d: merged %.80s, alone %.80s\n", prog.solvers[s]->name,
                 ts.tasks[k].id, j, a, b);
      }
    bt_run_free(&alone);
  }
  printf("soundness: %d solvers x %ld items = %ld comparisons, %ld differences\n", prog.nsolvers, items,
         comparisons, differences);
  bt_run_free(&merged);
  ts.n = loaded;
  bt_tasks_free(&ts);
  program_free(&prog);
  catalog_free(&cat);
  manifest_free(&mf);
  assert_int_equal(differences, 0);
}

static void test_fused_results_equal_unfused(void **state) {
  (void)state;
  card_manifest mf;
  catalog cat;
  card_program prog;
  load_library(&mf, &cat, &prog);
  card_merged *m = merge_program(&prog);
  int groups = fuse_program(m), fused_lines = 0;
  for (int j = 0; j < groups; j++)
    fused_lines += m->fusion->groups[j].nlines;
  fusion_free(m->fusion);
  merged_free(m);
  bt_taskset ts;
  int loaded = load_tasks(&ts);
  char fused_path[] = "/tmp/batt-fused-XXXXXX", plain_path[] = "/tmp/batt-unfused-XXXXXX";
  int fd1 = mkstemp(fused_path), fd2 = mkstemp(plain_path);
  assert_true(fd1 >= 0 && fd2 >= 0);
  close(fd1);
  close(fd2);
  bt_run a, b;
  run_solvers(&prog, 0, prog.nsolvers, &ts, &a, true, fused_path);
  run_solvers(&prog, 0, prog.nsolvers, &ts, &b, false, plain_path);
  char *x = read_text(fused_path), *y = read_text(plain_path);
  assert_non_null(x);
  assert_non_null(y);
  printf(
      "fused vs unfused: %d fused calls replace %d lines; results files of %d tasks: %zu and %zu bytes, %s\n",
      groups, fused_lines, ts.n, strlen(x), strlen(y), strcmp(x, y) ? "DIFFERENT" : "identical");
  assert_true(groups > 0);
  assert_string_equal(x, y);
  free(x);
  free(y);
  remove(fused_path);
  remove(plain_path);
  bt_run_free(&a);
  bt_run_free(&b);
  ts.n = loaded;
  bt_tasks_free(&ts);
  program_free(&prog);
  catalog_free(&cat);
  manifest_free(&mf);
}

/* The C card emits for files, through the project's template (fused, as by default). */
static char *emit_text(char **files, int n, const char *sources) {
  catalog cat;
  card_program prog;
  load_program(&prog, &cat, files, n);
  card_merged *m = merge_program(&prog);
  fuse_program(m);
  char path[1024], err[512];
  snprintf(path, sizeof path, "%s/batt.c.tmpl", templates_dir);
  char *tmpl = read_text(path);
  assert_non_null(tmpl);
  strbuf out = {0};
  assert_true(emit_program(m, tmpl, sources, &out, err, sizeof err));
  free(tmpl);
  fusion_free(m->fusion);
  merged_free(m);
  program_free(&prog);
  catalog_free(&cat);
  return sb_take(&out);
}

static void test_emit_is_deterministic(void **state) {
  (void)state;
  card_manifest mf;
  char err[1024];
  assert_true(manifest_load(manifest_path, &mf, err, sizeof err));
  char *a = emit_text(mf.sources, mf.n_sources, "manifest"),
       *b = emit_text(mf.sources, mf.n_sources, "manifest");
  assert_string_equal(a, b);
  free(a);
  free(b);
  manifest_free(&mf);
}

static void test_emit_matches_golden(void **state) {
  (void)state;
  /* relative to the golden directory, so the file names in the output do not depend on
   * where the test runs */
  assert_int_equal(chdir(golden_dir), 0);
  const char *golden = "batt.c.expected";
  char *files[1] = {(char *)"solvers.py"};
  char *got = emit_text(files, 1, "tests/card/golden/solvers.py");
  if (getenv("BATT_REGEN_GOLDEN")) {
    FILE *f = fopen(golden, "wb");
    assert_non_null(f);
    fputs(got, f);
    fclose(f);
  }
  char *want = read_text(golden);
  assert_non_null(want);
  assert_string_equal(got, want);
  free(got);
  free(want);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: test_merge_values CATALOG MANIFEST ARC_AGI_1_DIR TEMPLATES GOLDEN_DIR\n");
    return 2;
  }
  catalog_path = argv[1];
  manifest_path = argv[2];
  arc_dir = argv[3];
  templates_dir = argv[4];
  golden_dir = argv[5];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_solver_alone_equals_merged),
      cmocka_unit_test(test_fused_results_equal_unfused),
      cmocka_unit_test(test_emit_is_deterministic),
      cmocka_unit_test(test_emit_matches_golden),
  };
  return cmocka_run_group_tests_name("merge_values", tests, NULL, NULL);
}
