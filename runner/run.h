/* run.h: running a compiled program over a set of tasks, on every core, and scoring. */
#ifndef BATT_RUN_H
#define BATT_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "device.h"
#include "program.h"
#include "tasks.h"

typedef enum bt_verdict {
  BT_V_ERROR = 0, /* the solver raised (or hit a limit) */
  BT_V_MATCH,     /* output equals the expected output */
  BT_V_MISMATCH,  /* output differs */
  BT_V_NOEXPECT,  /* produced an output; the expected one is unknown */
  BT_V_SKIPPED,   /* not run: not the task's own solver (bt_run_opts.own) */
} bt_verdict;

typedef struct bt_result {
  uint8_t verdict; /* bt_verdict */
  uint8_t errc;    /* bt_errc when BT_V_ERROR; else nonzero when the output was defaulted (the
                      tokpidjin dialect: a call it depends on failed with this error) */
  int32_t out;     /* index into the item's distinct outputs, -1 for none */
} bt_result;

/* What happened on one item (a demonstration pair or a test input). */
typedef struct bt_item_result {
  bool test;         /* a test input (else a demonstration pair) */
  int index;         /* its index in train or test */
  int n_outputs;     /* distinct outputs of all solvers on it */
  char **outputs;    /* their JSON encodings; NULL entries when outputs are not kept */
  bool *out_is_grid; /* test items: whether each distinct output is an ARC grid (1..30 a
                        side, colors 0..9), a candidate attempt; demonstrations: all false */
} bt_item_result;

typedef struct bt_task_result {
  int n_items;
  bt_item_result *items;
  bt_result *results; /* n_items x n_solvers, item-major */
  bool *solved;       /* per solver: every item with a known output matched */
  bool *demo_solved;  /* per solver: every demonstration pair matched */
} bt_task_result;

struct bt_run;

typedef struct bt_run_opts {
  int threads;            /* 0: all cores */
  int tile;               /* items per tile (whole tasks are kept together) */
  bool keep_outputs;      /* encode every distinct output (for --out) */
  bool keep_attempts;     /* encode the outputs that can be Kaggle attempts: ARC grids that solvers
                             which solved every demonstration pair gave on a test input (--kaggle) */
  bool progress;          /* a progress bar on stderr */
  bool profile;           /* time every line (bt_run.line_ns) */
  bool own;               /* each solver only on its own task (solve_<id>, solve_<id>_<anything>),
                             running only the lines those solvers read */
  const char *checkpoint; /* NULL, or where each task's results are appended when it is done
                             (journal.h); needs keep_outputs */
  bool resume;            /* first restore the tasks a checkpoint of this same run holds */
  bt_limits limits;       /* per evaluation */
  /* NULL, or called once per task when its results are complete (tasks restored from a
   * checkpoint first, in order, before any runs; then from the worker threads, in the
   * order they finish): a results file written while the run goes (report.h) */
  void (*task_done)(void *ctx, struct bt_run *run, int task);
  void *task_done_ctx;
  size_t compact_min; /* arena bytes of an item before its live values are compacted
                         (0: BT_COMPACT_MIN; tests set it low to compact often) */
  /* Device workers, one per entry (the same device may repeat); CPU workers fill the
   * remaining threads. Tiles go to whichever worker is free next. */
  int n_devices;
  bt_device_spec devices[BT_MAX_DEVICES];
  int device_tile;    /* items per tile of a device worker; 0: from its free memory */
  int device_pool;    /* tiles a device keeps grids in across lines (-1: the default, 0: none) */
  bool device_choose; /* --device auto: each kind of line goes to a device only where it is
                         measured faster there (bt_device_choose); false: every kernel line */
  FILE *warn;         /* device warnings and the error of a failed run (NULL: stderr) */
  long fail_chunk;    /* tests: chunk number N (from 1) fails to get its memory, as on a
                         host out of memory (0: none) */
} bt_run_opts;

typedef struct bt_run {
  const bt_program *prog;
  const bt_taskset *tasks;
  bt_task_result *by_task; /* in task order */
  long evaluations;        /* solver x item (with opts.own: own solvers x item) */
  double seconds;
  size_t peak_arena;       /* the largest arena of one worker, in bytes */
  uint64_t *line_ns;       /* with opts.profile: time per line, all threads (index: line) */
  int32_t *line_prim;      /* the primitive each line called, -1 for a function value */
  bt_device_stats devices; /* summed over the device workers */
  int device_workers, cpu_workers;
  int resumed; /* tasks restored from the checkpoint (opts.resume) */
  /* the memory the tasks' results, solved and demo_solved point into (one block each) */
  bt_result *results_block;
  bool *flags_block;
} bt_run;

void bt_run_opts_default(bt_run_opts *o);
/* Whether solver is task id's own: solve_<id>, or solve_<id>_<suffix> (its mutants). */
bool bt_is_own_solver(const char *solver, const char *id);
/* Runs prog over every item of tasks; results land in run (identical whatever the
 * thread count or tile size). False when the host memory for the results or for a chunk
 * of tasks could not be had: one line on opts.warn says which, the workers stop taking
 * chunks, and run is left empty (no partial results pass for a whole run). */
bool bt_run_program(bt_run *run, const bt_program *prog, const bt_taskset *tasks, const bt_run_opts *o);
void bt_run_free(bt_run *run);
/* The n costliest lines of a profiled run, with their share of the time. */
void bt_print_profile(const bt_run *run, int n, FILE *out);

#endif
