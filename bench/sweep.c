/* sweep: every compiled solver on every item of the given tasks (default: ARC-AGI-1
 * training and evaluation), at 1 thread and at all threads, in one process. Prints
 * evaluations/s of each, their ratio, the peak arena of one worker and the process's
 * peak resident memory, and checks that both runs agree on every verdict.
 *
 *   sweep [--threads N] [--tile N] [PATH...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "run.h"
#include "tasks.h"

#ifndef BATT_DATA_DIR
#define BATT_DATA_DIR "data"
#endif

extern const bt_program batt_program;

static bool same_verdicts(const bt_run *a, const bt_run *b) {
  for (int k = 0; k < a->tasks->n; k++) {
    const bt_task_result *x = &a->by_task[k], *y = &b->by_task[k];
    size_t n = (size_t)x->n_items * (size_t)a->prog->n_solvers;
    for (size_t r = 0; r < n; r++)
      if (x->results[r].verdict != y->results[r].verdict || x->results[r].errc != y->results[r].errc)
        return false;
  }
  return true;
}

int main(int argc, char **argv) {
  bt_run_opts o;
  bt_run_opts_default(&o);
  int all = (int)sysconf(_SC_NPROCESSORS_ONLN);
  const char **paths = calloc((size_t)argc + 2, sizeof *paths);
  int n_paths = 0;
  for (int k = 1; k < argc; k++) {
    if (strcmp(argv[k], "--threads") == 0 && k + 1 < argc)
      all = atoi(argv[++k]);
    else if (strcmp(argv[k], "--tile") == 0 && k + 1 < argc)
      o.tile = atoi(argv[++k]);
    else
      paths[n_paths++] = argv[k];
  }
  if (n_paths == 0) {
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/training";
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/evaluation";
  }
  if (all < 1 || o.tile < 1) {
    fprintf(stderr, "usage: sweep [--threads N] [--tile N] [PATH...]\n");
    return 2;
  }
  bt_taskset ts;
  bt_tasks_load(&ts, paths, n_paths, stderr);
  free(paths);
  long items = 0;
  for (int k = 0; k < ts.n; k++)
    items += ts.tasks[k].n_train + ts.tasks[k].n_test;
  printf("sweep: %d solvers x %ld items (%d tasks), tile %d\n", batt_program.n_solvers, items, ts.n, o.tile);
  bt_run one, many;
  o.threads = 1;
  bt_run_program(&one, &batt_program, &ts, &o);
  o.threads = all;
  bt_run_program(&many, &batt_program, &ts, &o);
  double r1 = (double)one.evaluations / one.seconds, rn = (double)many.evaluations / many.seconds;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%-26s %12.0f evaluations/s  (%.3f s)\n", "1 thread", r1, one.seconds);
  printf("%-26s %12.0f evaluations/s  (%.3f s)\n", all == 1 ? "1 thread (again)" : "all threads", rn,
         many.seconds);
  printf("%-26s %12.2f x  on %d threads\n", "ratio", rn / r1, all);
  printf("%-26s %12.1f MiB\n", "peak arena of one worker", (double)many.peak_arena / (1 << 20));
  printf("%-26s %12.1f MiB\n", "peak resident memory", (double)ru.ru_maxrss / 1024);
  bool same = same_verdicts(&one, &many);
  printf("%-26s %12s\n", "verdicts identical", same ? "yes" : "NO");
  bt_run_free(&one);
  bt_run_free(&many);
  bt_tasks_free(&ts);
  return same ? 0 : 1;
}
