/* The shipped program (solvers/batt.c, as card emitted it) over every ARC-AGI-1 task:
 * every solver solve_X solves task X, the whole solved set equals the reviewed list in
 * tests/data/runner/shipped_solved.txt, and 1 and 2 threads give the same results file.
 *
 * usage: test_shipped ARC_AGI_1_DIR EXPECTED_SOLVED */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "results_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "run.h"
#include "tasks.h"

extern const bt_program batt_program;

static const char *arc_dir, *expected_path;
static bt_taskset tasks;

static int setup(void **state) {
  (void)state;
  char train[1024], eval[1024];
  snprintf(train, sizeof train, "%s/training", arc_dir);
  snprintf(eval, sizeof eval, "%s/evaluation", arc_dir);
  const char *paths[2] = {train, eval};
  return bt_tasks_load(&tasks, paths, 2, stderr) == 0 && tasks.n == 800 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bt_tasks_free(&tasks);
  return 0;
}

/* "task solver" lines of every solved pair, sorted, as one string. */
static char *solved_pairs(const bt_run *run) {
  size_t cap = 1 << 16, len = 0;
  char *s = malloc(cap);
  s[0] = '\0';
  for (int k = 0; k < run->tasks->n; k++)
    for (int v = 0; v < run->prog->n_solvers; v++) {
      if (!run->by_task[k].solved[v]) continue;
      char line[256];
      int n = snprintf(line, sizeof line, "%s %s\n", run->tasks->tasks[k].id, run->prog->solvers[v].name);
      if (len + (size_t)n + 1 > cap) s = realloc(s, cap *= 2);
      memcpy(s + len, line, (size_t)n + 1);
      len += (size_t)n;
    }
  return s;
}

static void test_every_solver_solves_its_task_and_the_solved_set_is_known(void **state) {
  (void)state;
  bt_run_opts o;
  bt_run_opts_default(&o);
  bt_run run;
  assert_true(bt_run_program(&run, &batt_program, &tasks, &o));
  for (int v = 0; v < batt_program.n_solvers; v++) {
    const char *name = batt_program.solvers[v].name;
    const bt_task *t = bt_tasks_find(&tasks, name + strlen("solve_"));
    if (!t) fail_msg("%s: no task %s in %s", name, name + 6, arc_dir);
    if (!run.by_task[t - tasks.tasks].solved[v]) fail_msg("%s does not solve its task", name);
  }
  char *got = solved_pairs(&run), *want = read_text(expected_path);
  if (strcmp(got, want) != 0) fail_msg("solved pairs differ from %s; now:\n%s", expected_path, got);
  free(got);
  free(want);
  bt_run_free(&run);
}

static char *results_with(int threads, int tile) {
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.threads = threads;
  o.tile = tile;
  o.keep_outputs = true;
  bt_run run;
  assert_true(bt_run_program(&run, &batt_program, &tasks, &o));
  char *text = results_file_text(&run);
  bt_run_free(&run);
  return text;
}

static void test_one_and_two_threads_identical(void **state) {
  (void)state;
  char *one = results_with(1, 1), *two = results_with(2, 16);
  assert_true(strlen(one) > 1000);
  assert_string_equal(one, two);
  free(one);
  free(two);
}

/* --own on the emitted code, which passes over the blocks of statements that hold no line
 * a task's own solvers read: each own solver gets exactly the outcome and output of the
 * full run, the others are skipped. */
static void test_own_run_as_full_run(void **state) {
  (void)state;
  assert_true(batt_program.n_blocks > 0 && batt_program.line_block);
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  bt_run full, own;
  assert_true(bt_run_program(&full, &batt_program, &tasks, &o));
  o.own = true;
  assert_true(bt_run_program(&own, &batt_program, &tasks, &o));
  long compared = 0;
  const int ns = batt_program.n_solvers;
  for (int k = 0; k < tasks.n; k++) {
    const bt_task_result *a = &full.by_task[k], *b = &own.by_task[k];
    for (int j = 0; j < a->n_items; j++)
      for (int s = 0; s < ns; s++) {
        const bt_result *x = &a->results[(size_t)j * ns + s], *y = &b->results[(size_t)j * ns + s];
        if (!bt_is_own_solver(batt_program.solvers[s].name, tasks.tasks[k].id)) {
          assert_int_equal(y->verdict, BT_V_SKIPPED);
          continue;
        }
        const char *ox = x->out >= 0 ? a->items[j].outputs[x->out] : "",
                   *oy = y->out >= 0 ? b->items[j].outputs[y->out] : "";
        if (x->verdict != y->verdict || x->errc != y->errc || strcmp(ox, oy) != 0)
          fail_msg("%s on %s, item %d: %d/%d %s, own run %d/%d %s", batt_program.solvers[s].name,
                   tasks.tasks[k].id, j, x->verdict, x->errc, ox, y->verdict, y->errc, oy);
        compared++;
      }
  }
  printf("own: %ld outcomes equal to the full run's\n", compared);
  assert_true(compared > 200);
  bt_run_free(&full);
  bt_run_free(&own);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_shipped ARC_AGI_1_DIR EXPECTED_SOLVED\n");
    return 2;
  }
  arc_dir = argv[1];
  expected_path = argv[2];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_solver_solves_its_task_and_the_solved_set_is_known),
      cmocka_unit_test(test_own_run_as_full_run),
      cmocka_unit_test(test_one_and_two_threads_identical),
  };
  return cmocka_run_group_tests_name("shipped", tests, setup, teardown);
}
