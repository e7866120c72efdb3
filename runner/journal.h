/* journal.h: the checkpoint a run with --out keeps, and --resume reads (journal.c). */
#ifndef BATT_JOURNAL_H
#define BATT_JOURNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

typedef struct bt_journal bt_journal;

/* Opens the checkpoint at path for run. With resume, the tasks a checkpoint of the same run
 * (same solvers, tasks, limits, --own) holds are restored into run and marked in done
 * (*restored of them); otherwise, or when the file is another run's, it starts afresh.
 * NULL when out of memory; a checkpoint that cannot be written is said on warn once and
 * the run goes on without it. */
bt_journal *bt_journal_open(const char *path, bool resume, bt_run *run, const bt_run_opts *o, bool *done,
                            int *restored, FILE *warn);
/* Appends task k's results (thread-safe); a line is complete or absent. */
void bt_journal_task(bt_journal *j, const bt_run *run, int k);
/* Closes it, removing the file when the run's results were written. */
void bt_journal_close(bt_journal *j, bool remove_it);

#endif
