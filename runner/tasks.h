/* tasks.h: ARC tasks in, as runtime values: per-task JSON files (a directory or files) and
 * the combined Kaggle format (`P_challenges.json` with an optional `P_solutions.json`).
 *
 * Every input is validated; a bad file or task is reported on the error stream as
 * `file:line:col: error: message` (or `file: error: message` when no position applies),
 * skipped, and counted in `rejected`; the other tasks still load. */
#ifndef BATT_TASKS_H
#define BATT_TASKS_H

#include <stdbool.h>
#include <stdio.h>

#include "batt.h"

#define BT_TASK_FILE_MAX ((size_t)64 << 20) /* bytes; larger files are refused unread */
#define BT_GRID_SIDE_MAX 30                 /* rows and columns of an ARC grid */

/* One demonstration pair or test input. Grids are arena values as bt_grid_new makes them. */
typedef struct bt_pair_io {
  bt_value input, output;
  bool has_output; /* false for a test input whose output is unknown (output is none) */
} bt_pair_io;

typedef struct bt_task {
  char *id;     /* file name without .json, or the Kaggle key */
  char *source; /* the file it came from, as given (directory joined with the name) */
  int n_train, n_test;
  bt_pair_io *train, *test;
} bt_task;

typedef struct bt_taskset {
  bt_task *tasks; /* sorted by id (strcmp), ids unique */
  int n;
  int rejected; /* inputs rejected: bad files, bad tasks, duplicate ids, ... */
  bt_ctx arena; /* grids, pairs, ids and sources live here */
  int cap_;     /* private */
} bt_taskset;

/* Loads paths into a fresh *ts: directories (their *.json files, sorted by name, not
 * recursive, dot files left out), task files, Kaggle `*_challenges.json` files (with
 * `*_solutions.json` of the same prefix beside them, or listed among paths). Errors go to
 * `errors` (NULL: silent). Returns ts->rejected. Free with bt_tasks_free in any case. */
int bt_tasks_load(bt_taskset *ts, const char *const *paths, int n_paths, FILE *errors);

/* The same in steps, for inputs that need more than a path: init, add, finish. */
void bt_tasks_init(bt_taskset *ts);
void bt_tasks_add_paths(bt_taskset *ts, const char *const *paths, int n_paths, FILE *errors);
/* A Kaggle challenges file with its solutions file named explicitly (any names);
 * solutions NULL: look for `P_solutions.json` beside `P_challenges.json`. */
void bt_tasks_add_kaggle(bt_taskset *ts, const char *challenges, const char *solutions, FILE *errors);
/* Sorts by id and rejects later duplicates of an id (the first added is kept). Returns
 * ts->rejected. Adding more afterwards and finishing again is allowed. */
int bt_tasks_finish(bt_taskset *ts, FILE *errors);

void bt_tasks_free(bt_taskset *ts);
/* Task files in the shape of ARC's own are read by a fast path (no JSON tree); off, every
 * file takes the general path. Both give the same tasks (tests compare them). */
void bt_tasks_fast_path(bool on);

/* The task with this id, or NULL (binary search: call after bt_tasks_finish). */
const bt_task *bt_tasks_find(const bt_taskset *ts, const char *id);

/* S for a task, as the solvers see it: the tuple of its (input, output) train pairs,
 * allocated in cx (the grids themselves stay in the taskset's arena). An error value
 * when cx's limits are hit. */
bt_value bt_task_samples(bt_ctx *cx, const bt_task *t);

#endif
