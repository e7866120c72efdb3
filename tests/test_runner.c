/* End-to-end tests of the runner: solver files through card's merge into a program, run
 * over ARC tasks, scored, and written as results files.
 *
 * usage: test_runner CATALOG RUNNER_DATA TASKS_DATA
 *   CATALOG      runtime/dsl.yaml
 *   RUNNER_DATA  tests/data/runner (solver files of these tests)
 *   TASKS_DATA   tests/data/tasks (good/ per-task files and kaggle/ the same tasks) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "results_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "bt_prims.h"
#include "card.h"
#include "interp.h"
#include "report.h"
#include "run.h"
#include "tasks.h"

static const char *catalog_path, *runner_data, *tasks_data, *self_path;

/* A program made from solver files, as `card run` makes it. */
typedef struct test_program {
  catalog cat;
  card_program prog;
  card_merged *merged;
  bt_program *p;
} test_program;

static void program_load(test_program *tp, const char *file) {
  char err[1024], path[1024];
  assert_true(catalog_load(catalog_path, &tp->cat, err, sizeof err));
  program_init(&tp->prog);
  card_diag d = {0};
  snprintf(path, sizeof path, "%s/%s", runner_data, file);
  program_add_file(&tp->prog, path, &d);
  bool ok = check_program(&tp->prog, &tp->cat, &d);
  char *msgs = diag_render(&d);
  if (!ok) fail_msg("%s", msgs);
  free(msgs);
  diag_free(&d);
  tp->merged = merge_program(&tp->prog);
  tp->p = interp_program(tp->merged);
  assert_non_null(tp->p);
}

static void program_unload(test_program *tp) {
  interp_free(tp->p);
  merged_free(tp->merged);
  program_free(&tp->prog);
  catalog_free(&tp->cat);
}

/* bt_tasks_load of the task directory or file sub under dir. */
static int tasks_in(bt_taskset *ts, const char *dir, const char *sub) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, sub);
  const char *paths[1] = {path};
  return bt_tasks_load(ts, paths, 1, stderr);
}

static void load_tasks(bt_taskset *ts, const char *sub) {
  assert_int_equal(tasks_in(ts, tasks_data, sub), 0);
}

/* Runs p over ts with the given threads and tile, writes the results file and returns
 * its text. */
static char *results_text(const bt_program *p, const bt_taskset *ts, int threads, int tile) {
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.threads = threads;
  o.tile = tile;
  o.keep_outputs = true;
  bt_run run;
  assert_true(bt_run_program(&run, p, ts, &o));
  char *text = results_file_text(&run);
  bt_run_free(&run);
  return text;
}

static const bt_task_result *task_result(const bt_run *run, const char *id) {
  for (int k = 0; k < run->tasks->n; k++)
    if (strcmp(run->tasks->tasks[k].id, id) == 0) return &run->by_task[k];
  fail_msg("no task %s", id);
  return NULL;
}

static int solver_index(const bt_program *p, const char *name) {
  for (int s = 0; s < p->n_solvers; s++)
    if (strcmp(p->solvers[s].name, name) == 0) return s;
  fail_msg("no solver %s", name);
  return -1;
}

/* A program, the tasks of tests/data/tasks/good and one run of the first over the second. */
typedef struct fixture {
  test_program tp;
  bt_taskset ts;
  bt_run run;
} fixture;

static void fixture_run(fixture *fx, const char *solvers, const bt_run_opts *o) {
  program_load(&fx->tp, solvers);
  load_tasks(&fx->ts, "good");
  assert_true(bt_run_program(&fx->run, fx->tp.p, &fx->ts, o));
}

static void fixture_free(fixture *fx) {
  bt_run_free(&fx->run);
  bt_tasks_free(&fx->ts);
  program_unload(&fx->tp);
}

/* The solvers of basic.py solve exactly the tasks they are written for, and the scores
 * follow the expected outputs of the task files. */
static void test_solved_set(void **state) {
  (void)state;
  bt_run_opts o;
  bt_run_opts_default(&o);
  fixture fx;
  fixture_run(&fx, "basic.py", &o);
  const bt_program *p = fx.tp.p;
  const bt_taskset *ts = &fx.ts;
  const char *expected[][2] = {{"6150a2bd", "solve_6150a2bd"}, {"d631b094", "solve_d631b094"}};
  for (int k = 0; k < ts->n; k++)
    for (int s = 0; s < p->n_solvers; s++) {
      bool want = false;
      for (size_t e = 0; e < sizeof expected / sizeof *expected; e++)
        want |= !strcmp(ts->tasks[k].id, expected[e][0]) && !strcmp(p->solvers[s].name, expected[e][1]);
      if (fx.run.by_task[k].solved[s] != want)
        fail_msg("%s %s task %s", p->solvers[s].name, want ? "does not solve" : "solves", ts->tasks[k].id);
    }
  /* solve_6150a2bd rotates: on e9afcf9a it produces a grid that does not match */
  const bt_task_result *tr = task_result(&fx.run, "e9afcf9a");
  assert_int_equal(tr->results[solver_index(p, "solve_6150a2bd")].verdict, BT_V_MISMATCH);
  long items = 0;
  for (int k = 0; k < ts->n; k++)
    items += ts->tasks[k].n_train + ts->tasks[k].n_test;
  assert_int_equal(fx.run.evaluations, (long)p->n_solvers * items);
  fixture_free(&fx);
}

static bool own_solver(const char *solver, const char *id) {
  size_t n = strlen(id);
  return !strncmp(solver, "solve_", 6) && !strncmp(solver + 6, id, n) &&
         (!solver[6 + n] || solver[6 + n] == '_');
}

/* --own: each task's own solvers get exactly the outcomes of a full run, the others are
 * skipped (and left out of the results file), whatever the threads and tiles. */
static void test_own_solvers(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "own.py");
  const bt_program *p = tp.p;
  bt_taskset ts;
  load_tasks(&ts, "good");
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  o.limits.max_steps = 20000; /* e9afcf9a's runaway solver stops soon */
  bt_run full, own;
  assert_true(bt_run_program(&full, p, &ts, &o));
  o.own = true;
  assert_true(bt_run_program(&own, p, &ts, &o));
  long evaluations = 0, compared = 0, skipped = 0, demo_solved = 0;
  for (int k = 0; k < ts.n; k++) {
    const bt_task_result *a = &full.by_task[k], *b = &own.by_task[k];
    for (int j = 0; j < a->n_items; j++)
      for (int s = 0; s < p->n_solvers; s++) {
        const bt_result *x = &a->results[(size_t)j * (size_t)p->n_solvers + (size_t)s];
        const bt_result *y = &b->results[(size_t)j * (size_t)p->n_solvers + (size_t)s];
        if (!own_solver(p->solvers[s].name, ts.tasks[k].id)) {
          assert_int_equal(y->verdict, BT_V_SKIPPED);
          assert_false(b->solved[s]);
          assert_false(b->demo_solved[s]);
          skipped++;
          continue;
        }
        /* the task's verdicts on its own solvers: those of the full run */
        assert_int_equal(a->solved[s], b->solved[s]);
        assert_int_equal(a->demo_solved[s], b->demo_solved[s]);
        demo_solved += j == 0 && b->demo_solved[s];
        evaluations++;
        compared++;
        assert_int_equal(x->verdict, y->verdict);
        assert_int_equal(x->errc, y->errc);
        if (x->out >= 0) assert_string_equal(a->items[j].outputs[x->out], b->items[j].outputs[y->out]);
      }
  }
  assert_int_equal(own.evaluations, evaluations);
  assert_true(demo_solved > 0);
  /* 6150a2bd: its solver and its mutant; d631b094: its solver; e9afcf9a: a LimitError */
  assert_true(own.by_task[0].solved[solver_index(p, "solve_6150a2bd")]);
  assert_int_equal(own.by_task[2].results[solver_index(p, "solve_e9afcf9a")].errc, BT_E_LIMIT);
  printf("own: %ld outcomes equal to the full run's, %ld skipped\n", compared, skipped);
  char *text = results_file_text(&own);
  assert_non_null(strstr(text, "\"solve_6150a2bd\": {"));
  assert_null(strstr(text, "\"solve_6150a2bdx\": {")); /* listed among the solvers, no result */
  bt_run_free(&own);
  o.threads = 3;
  o.tile = 1;
  assert_true(bt_run_program(&own, p, &ts, &o));
  char *again = results_file_text(&own);
  assert_string_equal(text, again);
  free(text);
  free(again);
  bt_run_free(&own);
  bt_run_free(&full);
  bt_tasks_free(&ts);
  program_unload(&tp);
}

/* The summary counts a task's mutants (solve_<id>_<suffix>) as its own solvers, not as
 * cross-task hits. */
static void test_summary_counts_mutants_as_own(void **state) {
  (void)state;
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.limits.max_steps = 20000; /* e9afcf9a's runaway solver stops soon */
  fixture fx;
  fixture_run(&fx, "own.py", &o);
  const bt_program *p = fx.tp.p;
  assert_true(fx.run.by_task[0].solved[solver_index(p, "solve_6150a2bd_m2")]);
  FILE *f = tmpfile();
  bt_print_summary(&fx.run, 1, f);
  rewind(f);
  char text[4096] = {0};
  assert_true(fread(text, 1, sizeof text - 1, f) > 0);
  fclose(f);
  printf("%s", text);
  assert_non_null(strstr(text, "tasks solved           2\n"));
  assert_non_null(strstr(text, "  by their own solver  3\n"));
  assert_non_null(strstr(text, "  cross-task hits      0\n"));
  assert_null(strstr(text, "solve_6150a2bd_m2 solves"));
  fixture_free(&fx);
}

/* A program (as emitted code would be) calling a function value with more arguments than
 * any function takes: card rejects such a file, and the runtime gives a TypeError rather
 * than writing past its argument array. */
static void wide_call_run(bt_exec *ex, bt_class phase) {
  if (phase != BT_CLASS_SAMPLE) return;
  bt_exec_callvar(ex, 1, BT_FNV(BT_P_identity), 8,
                  (const bt_operand[]){BT_I, BT_I, BT_I, BT_I, BT_I, BT_I, BT_I, BT_I});
  bt_exec_call(ex, 2, BT_P_identity, 1, (const bt_operand[]){BT_I});
}

static void test_call_with_too_many_arguments(void **state) {
  (void)state;
  static const uint8_t classes[3] = {0, BT_CLASS_SAMPLE, BT_CLASS_SAMPLE};
  static const int32_t last_use[3] = {0, 3, 3};
  static const bt_solver_info solvers[2] = {{"solve_wide", "wide.c", 1, 1, NULL, 0},
                                            {"solve_6150a2bd", "wide.c", 2, 2, NULL, 0}};
  const bt_program p = {.n_lines = 2,
                        .line_class = classes,
                        .last_use = last_use,
                        .n_solvers = 2,
                        .solvers = solvers,
                        .run = wide_call_run};
  bt_taskset ts;
  load_tasks(&ts, "good");
  bt_run_opts o;
  bt_run_opts_default(&o);
  for (int own = 0; own < 2; own++) {
    o.own = own;
    bt_run run;
    assert_true(bt_run_program(&run, &p, &ts, &o));
    for (int k = 0; k < ts.n; k++)
      for (int j = 0; j < run.by_task[k].n_items; j++) {
        const bt_result *r = &run.by_task[k].results[(size_t)j * 2];
        if (own) {
          assert_int_equal(r[0].verdict, BT_V_SKIPPED);
          assert_int_equal(r[1].verdict, strcmp(ts.tasks[k].id, "6150a2bd") ? BT_V_SKIPPED : BT_V_MISMATCH);
        } else {
          assert_int_equal(r[0].verdict, BT_V_ERROR);
          assert_int_equal(r[0].errc, BT_E_TYPE);
        }
      }
    bt_run_free(&run);
  }
  bt_tasks_free(&ts);
}

/* A line "Name:   N kB" of /proc/self/status: N, or -1. VmHWM is the peak of this
 * process image alone (getrusage's ru_maxrss also counts the image before an exec). */
static long status_kib(const char *name) {
  char line[256];
  long v = -1;
  size_t n = strlen(name);
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, name, n) && line[n] == ':') v = atol(line + n + 1);
  if (f) fclose(f);
  return v;
}

enum { RUNAWAY_LIMIT_MIB = 16 };

/* The child of test_memory_bounded_across_items, in a process of its own (exec'd afresh,
 * so that no memory of earlier tests is there to reuse): runs the runaway solver and
 * exits 0 when its peak RSS grew by less than 6 times the memory limit. */
static int runaway_child(int threads) {
  test_program tp;
  program_load(&tp, "runaway.py");
  bt_taskset ts;
  if (tasks_in(&ts, runner_data, "twenty") != 0) return 2;
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.threads = threads;
  o.limits.max_bytes = (size_t)RUNAWAY_LIMIT_MIB << 20;
  o.limits.max_steps = 400000;
  long before = status_kib("VmRSS");
  bt_run run;
  if (!bt_run_program(&run, tp.p, &ts, &o)) return 2;
  for (int j = 0; j < run.by_task[0].n_items; j++)
    if (run.by_task[0].results[j].errc != BT_E_LIMIT) return 3;
  long peak = status_kib("VmHWM"), grown = peak - before;
  printf("runaway solver, 20 items, %d thread%s, --max-mib %d: peak RSS grew by %ld KiB\n", threads,
         threads > 1 ? "s" : "", RUNAWAY_LIMIT_MIB, grown);
  bt_run_free(&run);
  bt_tasks_free(&ts);
  program_unload(&tp);
  return before >= 0 && peak >= 0 && grown < 6 * RUNAWAY_LIMIT_MIB * 1024 ? 0 : 4;
}

/* A runaway solver on the 20 items of one task: every item fills its memory limit and is a
 * LimitError, and the worker's memory stays about one item's, not 20 (it grew by the limit
 * per item). */
static void test_memory_bounded_across_items(void **state) {
  (void)state;
  for (int threads = 1; threads <= 2; threads++) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      char t[8];
      snprintf(t, sizeof t, "%d", threads);
      execl(self_path, self_path, catalog_path, runner_data, tasks_data, "--runaway-child", t, (char *)NULL);
      _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
}

/* Thread count and tile size change nothing in the results file. */
static void test_threads_and_tiles_identical(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "basic.py");
  bt_taskset ts;
  load_tasks(&ts, "good");
  char *one = results_text(tp.p, &ts, 1, 1);
  char *many = results_text(tp.p, &ts, 4, 16);
  char *odd = results_text(tp.p, &ts, 3, 5);
  assert_string_equal(one, many);
  assert_string_equal(one, odd);
  free(one);
  free(many);
  free(odd);
  bt_tasks_free(&ts);
  program_unload(&tp);
}

/* The memory limit holds per task: a task's outcome does not depend on which tasks share
 * its chunk (tile 1 vs all tasks in one chunk, CPU and device workers). */
static void test_memory_limit_per_task(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "taskmem.py");
  bt_taskset ts;
  load_tasks(&ts, "good");
  char *texts[3];
  for (int v = 0; v < 3; v++) {
    bt_run_opts o;
    bt_run_opts_default(&o);
    o.threads = 1;
    o.tile = v == 0 ? 1 : 64;
    o.keep_outputs = true;
    o.limits.max_bytes = (size_t)2 << 20; /* one 300 x 300 grid, not two */
    if (v == 2) {
      o.n_devices = 1;
      o.devices[0] = (bt_device_spec){BT_DEVICE_TWIN, 0};
      o.device_tile = 64;
    }
    bt_run run;
    assert_true(bt_run_program(&run, tp.p, &ts, &o));
    for (int k = 0; k < ts.n; k++) /* no task's lines ran out of memory */
      assert_int_equal(run.by_task[k].results[0].verdict == BT_V_ERROR, 0);
    texts[v] = results_file_text(&run);
    bt_run_free(&run);
  }
  assert_string_equal(texts[0], texts[1]);
  assert_string_equal(texts[0], texts[2]);
  for (int v = 0; v < 3; v++)
    free(texts[v]);
  bt_tasks_free(&ts);
  program_unload(&tp);
}

/* A line whose allocation is refused for max_bytes while dead values fill the item's arena
 * runs again after a full compaction: under a limit that holds the line's value but not
 * that and the dead ones, each item gives what it gives under a limit that holds both. */
static void test_line_retried_after_compaction(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "reclaim.py");
  bt_taskset ts;
  assert_int_equal(tasks_in(&ts, runner_data, "reclaim"), 0);
  char *texts[2];
  for (int v = 0; v < 2; v++) {
    bt_run_opts o;
    bt_run_opts_default(&o);
    o.threads = 1;
    o.keep_outputs = true;
    o.limits.max_bytes = v ? (size_t)64 << 20 : (size_t)2 << 20;
    bt_run run;
    assert_true(bt_run_program(&run, tp.p, &ts, &o));
    const bt_task_result *tr = &run.by_task[0];
    for (int j = 0; j < tr->n_items; j++) /* the grid, not a LimitError */
      assert_int_not_equal(tr->results[j].verdict, BT_V_ERROR);
    texts[v] = results_file_text(&run);
    bt_run_free(&run);
  }
  assert_string_equal(texts[0], texts[1]);
  free(texts[0]);
  free(texts[1]);
  bt_tasks_free(&ts);
  program_unload(&tp);
}

/* A line that needs all of max_bytes but for the few bytes dead values hold (far less than
 * 1/64 of it): under every limit around that need, each item gives the same outcome whether
 * its arena was collected after every line (compact_min 1) or not at all. The limits swept
 * reach from where the line fails either way to where it fits either way. */
static void test_line_outcome_whatever_the_collections(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "margin.py");
  bt_taskset ts;
  assert_int_equal(tasks_in(&ts, runner_data, "reclaim"), 0);
  int failed = 0, fitted = 0;
  for (size_t limit = 300 << 10; limit <= 340 << 10; limit += 256) {
    char *texts[2];
    bool error[2];
    for (int v = 0; v < 2; v++) {
      bt_run_opts o;
      bt_run_opts_default(&o);
      o.threads = 1;
      o.keep_outputs = true;
      o.compact_min = v ? 1 : 0;
      o.limits.max_bytes = limit;
      bt_run run;
      assert_true(bt_run_program(&run, tp.p, &ts, &o));
      error[v] = run.by_task[0].results[0].verdict == BT_V_ERROR;
      texts[v] = results_file_text(&run);
      bt_run_free(&run);
    }
    if (strcmp(texts[0], texts[1]) != 0)
      fail_msg("max_bytes %zu: %s without collections, %s collecting", limit,
               error[0] ? "an error" : "a grid", error[1] ? "an error" : "a grid");
    failed += error[0];
    fitted += !error[0];
    free(texts[0]);
    free(texts[1]);
  }
  assert_true(failed > 0 && fitted > 0);
  bt_tasks_free(&ts);
  program_unload(&tp);
}

/* A chunk whose memory cannot be had (as on a host out of memory): the run stops with one
 * line naming the chunk, returns false with nothing in it, and does not hang waiting
 * for the items that never ran (progress bar on). The same run without it succeeds. */
static void test_out_of_memory_stops_cleanly(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "basic.py");
  bt_taskset ts;
  load_tasks(&ts, "good");
  assert_true(ts.n >= 3);
  for (int threads = 1; threads <= 3; threads += 2) {
    bt_run_opts o;
    bt_run_opts_default(&o);
    o.threads = threads;
    o.tile = 1;
    o.progress = true;
    o.fail_chunk = 2;
    o.warn = tmpfile();
    bt_run run;
    assert_false(bt_run_program(&run, tp.p, &ts, &o));
    assert_null(run.by_task);
    rewind(o.warn);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, o.warn));
    assert_non_null(strstr(line, "batt: error: out of host memory for the chunk of tasks from "));
    assert_null(fgets(line + 256, 256, o.warn)); /* one line */
    fclose(o.warn);
  }
  char *whole = results_text(tp.p, &ts, 2, 1);
  assert_true(strlen(whole) > 100);
  free(whole);
  bt_tasks_free(&ts);
  program_unload(&tp);
}

/* Per-task files and the Kaggle challenges + solutions pair give the same results. */
static void test_input_formats_identical(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "basic.py");
  bt_taskset files, kaggle;
  load_tasks(&files, "good");
  load_tasks(&kaggle, "kaggle");
  char *a = results_text(tp.p, &files, 2, 16), *b = results_text(tp.p, &kaggle, 2, 16);
  assert_string_equal(a, b);
  free(a);
  free(b);
  bt_tasks_free(&files);
  bt_tasks_free(&kaggle);
  program_unload(&tp);
}

/* A solver that blows a value up, loops, or builds a value too large or too deep to compare
 * or write out is stopped by the limits and recorded; the others on the same items are
 * unaffected. */
static void test_limits_stop_runaway_solvers(void **state) {
  (void)state;
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  o.limits.max_elems = 100000;
  o.limits.max_steps = 100000;
  fixture fx;
  fixture_run(&fx, "limits.py", &o);
  const bt_program *p = fx.tp.p;
  static const char *runaway[] = {"solve_blowup",         "solve_loop", "solve_shared",
                                  "solve_shared_compare", "solve_deep", "solve_deep_compare"};
  for (size_t v = 0; v < sizeof runaway / sizeof *runaway; v++) {
    int s = solver_index(p, runaway[v]);
    for (int k = 0; k < fx.ts.n; k++) {
      const bt_task_result *tr = &fx.run.by_task[k];
      for (int j = 0; j < tr->n_items; j++) {
        const bt_result *r = &tr->results[(size_t)j * (size_t)p->n_solvers];
        if (r[s].verdict != BT_V_ERROR || r[s].errc != BT_E_LIMIT)
          fail_msg("%s, task %d item %d: verdict %d, error %d, not a LimitError", runaway[v], k, j,
                   r[s].verdict, r[s].errc);
      }
    }
  }
  assert_true(task_result(&fx.run, "6150a2bd")->solved[solver_index(p, "solve_6150a2bd")]);
  assert_true(task_result(&fx.run, "6150a2bd")->solved[solver_index(p, "solve_late")]);
  char *text = results_file_text(&fx.run); /* every output written out */
  assert_non_null(strstr(text, "LimitError"));
  free(text);
  fixture_free(&fx);
}

/* The Kaggle submission: one entry per task, attempts from demo-solving solvers. */
static void test_kaggle_submission(void **state) {
  (void)state;
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  fixture fx;
  fixture_run(&fx, "basic.py", &o);
  char path[] = "/tmp/test_kaggle_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  assert_true(bt_write_kaggle(&fx.run, path, stderr));
  json_error_t jerr;
  json_t *sub = json_load_file(path, 0, &jerr);
  assert_non_null(sub);
  assert_int_equal(json_object_size(sub), 3);
  /* 6150a2bd is solved: attempt_1 is its expected test output */
  const bt_task *t = bt_tasks_find(&fx.ts, "6150a2bd");
  json_t *att = json_object_get(json_array_get(json_object_get(sub, "6150a2bd"), 0), "attempt_1");
  bt_value expected = t->test[0].output;
  assert_int_equal(json_array_size(att), expected.n);
  for (size_t i = 0; i < expected.n; i++)
    for (size_t j = 0; j < expected.u.items[i].n; j++)
      assert_int_equal(json_integer_value(json_array_get(json_array_get(att, i), j)),
                       BT_GCELL(expected, i, j));
  /* e9afcf9a: no solver solves its demonstrations, so both attempts are [[0]] */
  json_t *none = json_array_get(json_object_get(sub, "e9afcf9a"), 0);
  char *s = json_dumps(json_object_get(none, "attempt_2"), JSON_COMPACT);
  assert_string_equal(s, "[[0]]");
  free(s);
  json_decref(sub);
  remove(path);
  fixture_free(&fx);
}

/* Integer literals past 32 bits reach the runtime whole; arithmetic past 64 bits is an
 * OverflowError (they were cut to int32: 2147483648 became -2147483648). */
static void test_literals_take_int64(void **state) {
  (void)state;
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  fixture fx;
  fixture_run(&fx, "literals.py", &o);
  const bt_program *p = fx.tp.p;
  const bt_task_result *tr = &fx.run.by_task[0];
  const char *want[][2] = {{"solve_big", "2147483648"},
                           {"solve_biggest", "9223372036854775807"},
                           {"solve_pair", "{\"tuple\":[4294967296,-4294967297]}"}};
  for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
    const bt_result *r = &tr->results[solver_index(p, want[k][0])];
    assert_true(r->out >= 0);
    assert_string_equal(tr->items[0].outputs[r->out], want[k][1]);
  }
  const bt_result *over = &tr->results[solver_index(p, "solve_overflow")];
  assert_int_equal(over->verdict, BT_V_ERROR);
  assert_int_equal(over->errc, BT_E_OVERFLOW);
  fixture_free(&fx);
}

/* A solver's outcome is the exception of its earliest failing line in its own source
 * order (as Python's would be), whatever merging shared: errorder.py's comments give
 * what arc-dsl's Python raises; lines no output reads fail the solver too, also when
 * only a task's own solvers run. */
static void test_earliest_failing_line_decides(void **state) {
  (void)state;
  static const struct {
    const char *solver;
    int errc; /* 0: an output */
  } want[] = {{"solve_order", BT_E_VALUE}, {"solve_swapped", BT_E_STOP}, {"solve_dead", BT_E_STOP},
              {"solve_dead_ok", 0},        {"solve_late", BT_E_ZERODIV}, {"solve_6150a2bd", BT_E_STOP}};
  for (int own = 0; own < 2; own++) {
    bt_run_opts o;
    bt_run_opts_default(&o);
    o.own = own;
    fixture fx;
    fixture_run(&fx, "errorder.py", &o);
    const bt_program *p = fx.tp.p;
    int checked = 0;
    for (int k = 0; k < fx.run.tasks->n; k++) {
      const bt_task_result *tr = &fx.run.by_task[k];
      for (int j = 0; j < tr->n_items; j++)
        for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
          const bt_result *r = &tr->results[(size_t)j * p->n_solvers + solver_index(p, want[w].solver)];
          if (r->verdict == BT_V_SKIPPED) continue;
          if (want[w].errc) {
            assert_int_equal(r->verdict, BT_V_ERROR);
            assert_int_equal(r->errc, want[w].errc);
          } else {
            assert_int_not_equal(r->verdict, BT_V_ERROR);
          }
          checked++;
        }
    }
    int items = 0, own_items = 0;
    for (int k = 0; k < fx.run.tasks->n; k++) {
      items += fx.run.by_task[k].n_items;
      if (!strcmp(fx.run.tasks->tasks[k].id, "6150a2bd")) own_items = fx.run.by_task[k].n_items;
    }
    assert_true(own_items > 0);
    assert_int_equal(checked, own ? own_items : 6 * items);
    fixture_free(&fx);
  }
}

/* Outputs of equal grids, one made packed and one boxed, are one output of the item, with
 * one verdict, whether the run keeps outputs as text or not; and the results file is that
 * of the boxed twins' (each group's grids written alike). */
static void test_packed_and_boxed_outputs_are_one(void **state) {
  (void)state;
  static const char *const same[2][4] = {
      {"solve_packed_mirror", "solve_boxed_split", "solve_packed_fill", "solve_input"},
      {"solve_other_packed", "solve_other_boxed", NULL, NULL}};
  int outs[2][64];
  int n_items = 0;
  for (int keep = 0; keep < 2; keep++) {
    bt_run_opts o;
    bt_run_opts_default(&o);
    o.keep_outputs = keep;
    fixture fx;
    fixture_run(&fx, "twins.py", &o);
    const bt_program *p = fx.tp.p;
    int at = 0;
    for (int k = 0; k < fx.run.tasks->n; k++) {
      const bt_task_result *tr = &fx.run.by_task[k];
      for (int j = 0; j < tr->n_items; j++, at++) {
        const bt_result *r = &tr->results[(size_t)j * p->n_solvers];
        for (int g = 0; g < 2; g++) {
          const bt_result *first = &r[solver_index(p, same[g][0])];
          assert_int_not_equal(first->verdict, BT_V_ERROR);
          for (int m = 1; m < 4 && same[g][m]; m++) {
            const bt_result *other = &r[solver_index(p, same[g][m])];
            if (other->out != first->out || other->verdict != first->verdict)
              fail_msg("task %s item %d: %s gives output %d (verdict %d), %s output %d (verdict %d)",
                       fx.run.tasks->tasks[k].id, j, same[g][m], other->out, other->verdict, same[g][0],
                       first->out, first->verdict);
          }
          if (at < 64) {
            if (keep) assert_int_equal(outs[g][at], first->out);
            outs[g][at] = first->out;
          }
        }
        const bt_result *seven = &r[solver_index(p, "solve_poked_packed")],
                        *eight = &r[solver_index(p, "solve_poked_boxed")];
        assert_int_not_equal(seven->verdict, BT_V_ERROR);
        assert_int_not_equal(eight->verdict, BT_V_ERROR);
        assert_int_not_equal(seven->out, eight->out);
        if (keep) /* the output as text: its twin's */
          assert_non_null(tr->items[j].outputs[r[solver_index(p, same[0][0])].out]);
      }
    }
    n_items = at;
    fixture_free(&fx);
  }
  assert_true(n_items > 4);
}

/* A run keeps a checkpoint of the tasks it has done; a run resumed from a checkpoint cut
 * anywhere (the last line half written) restores the complete tasks, runs the rest and
 * gives the results of an uninterrupted run, also written while the run goes (as batt run
 * --out writes it: tasks in order whatever order they finish in, their outputs freed). A checkpoint of
 * another run is not used. */
static void test_checkpoint_and_resume(void **state) {
  (void)state;
  test_program tp;
  program_load(&tp, "basic.py");
  bt_taskset ts;
  load_tasks(&ts, "good");
  char path[] = "/tmp/batt_checkpoint_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  o.checkpoint = path;
  bt_run run;
  assert_true(bt_run_program(&run, tp.p, &ts, &o));
  assert_int_equal(run.resumed, 0);
  char *want = results_file_text(&run);
  bt_run_free(&run);
  char *journal = read_text(path);
  char *first = strchr(journal, '\n'), *second = first ? strchr(first + 1, '\n') : NULL;
  assert_non_null(second); /* the header, then one line per task */
  for (size_t cut = (size_t)(second - journal) + 1; cut <= strlen(journal);
       cut += (strlen(journal) - cut) / 3 + 1) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fwrite(journal, 1, cut, f); /* the header, the first task, part of the rest */
    fclose(f);
    o.resume = true;
    o.threads = 2;
    o.tile = 1;
    /* written while the run goes, restored tasks first: the same file, the outputs freed */
    char spath[] = "/tmp/batt_stream_XXXXXX";
    int sfd = mkstemp(spath);
    assert_true(sfd >= 0);
    close(sfd);
    bt_results_stream *stream = bt_results_stream_open(tp.p, ts.n, spath, false, stderr);
    assert_non_null(stream);
    o.task_done = bt_results_stream_task;
    o.task_done_ctx = stream;
    assert_true(bt_run_program(&run, tp.p, &ts, &o));
    o.task_done = NULL;
    assert_true(bt_results_stream_close(stream, true, stderr));
    assert_true(run.resumed >= 1 && run.resumed <= ts.n);
    char *got = read_text(spath);
    remove(spath);
    assert_string_equal(got, want);
    for (int k = 0; k < ts.n; k++)
      for (int j = 0; j < run.by_task[k].n_items; j++)
        for (int m = 0; m < run.by_task[k].items[j].n_outputs; m++)
          assert_null(run.by_task[k].items[j].outputs[m]);
    printf("resume: checkpoint cut at %zu of %zu bytes, %d of %d tasks restored, results identical\n", cut,
           strlen(journal), run.resumed, ts.n);
    free(got);
    bt_run_free(&run);
  }
  /* another run's checkpoint (other limits): starts afresh */
  o.limits.max_steps = 1000;
  o.warn = tmpfile();
  assert_true(bt_run_program(&run, tp.p, &ts, &o));
  assert_int_equal(run.resumed, 0);
  rewind(o.warn);
  char msg[512] = {0};
  assert_true(fread(msg, 1, sizeof msg - 1, o.warn) > 0);
  assert_non_null(strstr(msg, "the checkpoint of another run"));
  fclose(o.warn);
  bt_run_free(&run);
  remove(path);
  free(journal);
  free(want);
  bt_tasks_free(&ts);
  program_unload(&tp);
}

/* --kaggle alone encodes only the outputs that can be attempts (ARC grids of demonstration-
 * solving solvers on test inputs), and writes the same submission as with every output. */
static void test_kaggle_keeps_only_attempts(void **state) {
  (void)state;
  char *text[2];
  long encoded[2] = {0, 0}, distinct = 0;
  for (int attempts_only = 0; attempts_only < 2; attempts_only++) {
    bt_run_opts o;
    bt_run_opts_default(&o);
    o.keep_outputs = !attempts_only;
    o.keep_attempts = true;
    fixture fx;
    fixture_run(&fx, "basic.py", &o);
    for (int k = 0; k < fx.ts.n; k++)
      for (int j = 0; j < fx.run.by_task[k].n_items; j++) {
        const bt_item_result *ir = &fx.run.by_task[k].items[j];
        for (int m = 0; m < ir->n_outputs; m++) {
          encoded[attempts_only] += ir->outputs[m] != NULL;
          if (attempts_only && ir->outputs[m]) assert_true(ir->test && ir->out_is_grid[m]);
        }
        if (!attempts_only) distinct += ir->n_outputs;
      }
    char path[] = "/tmp/test_kaggle_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_true(bt_write_kaggle(&fx.run, path, stderr));
    text[attempts_only] = read_text(path);
    remove(path);
    fixture_free(&fx);
  }
  printf("kaggle: %ld of %ld distinct outputs encoded for the attempts alone\n", encoded[1], distinct);
  assert_int_equal(encoded[0], distinct);
  assert_true(encoded[1] > 0 && encoded[1] < distinct);
  assert_string_equal(text[0], text[1]);
  free(text[0]);
  free(text[1]);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: test_runner CATALOG RUNNER_DATA TASKS_DATA\n");
    return 2;
  }
  self_path = argv[0];
  catalog_path = argv[1];
  runner_data = argv[2];
  tasks_data = argv[3];
  if (argc == 6 && strcmp(argv[4], "--runaway-child") == 0) return runaway_child(atoi(argv[5]));
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_solved_set),
      cmocka_unit_test(test_threads_and_tiles_identical),
      cmocka_unit_test(test_own_solvers),
      cmocka_unit_test(test_call_with_too_many_arguments),
      cmocka_unit_test(test_summary_counts_mutants_as_own),
      cmocka_unit_test(test_memory_bounded_across_items),
      cmocka_unit_test(test_input_formats_identical),
      cmocka_unit_test(test_out_of_memory_stops_cleanly),
      cmocka_unit_test(test_memory_limit_per_task),
      cmocka_unit_test(test_line_retried_after_compaction),
      cmocka_unit_test(test_line_outcome_whatever_the_collections),
      cmocka_unit_test(test_limits_stop_runaway_solvers),
      cmocka_unit_test(test_kaggle_submission),
      cmocka_unit_test(test_kaggle_keeps_only_attempts),
      cmocka_unit_test(test_checkpoint_and_resume),
      cmocka_unit_test(test_literals_take_int64),
      cmocka_unit_test(test_earliest_failing_line_decides),
      cmocka_unit_test(test_packed_and_boxed_outputs_are_one),
  };
  return cmocka_run_group_tests_name("runner", tests, NULL, NULL);
}
