/* report.h: results file, Kaggle submission and summary table of a run. */
#ifndef BATT_REPORT_H
#define BATT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

/* The results file (docs/results.md); needs outputs kept. Errors go to errors. */
bool bt_write_results(const bt_run *run, const char *path, FILE *errors);
/* The Kaggle ARC Prize submission: two attempts per test input, from the solvers that
 * solved every demonstration pair of the task, most agreed-on output first. */
bool bt_write_kaggle(const bt_run *run, const char *path, FILE *errors);
void bt_print_summary(const bt_run *run, int threads, FILE *out);
/* Before a run: whether the results file and the submission (either may be NULL) can be
 * written, and are not one file; false with the reason on errors. */
bool bt_outputs_writable(const char *out, const char *kaggle, FILE *errors);
/* SIGINT, SIGTERM and SIGHUP remove the temporary file of an output being written before
 * they end the process (the previous file stays as it was). */
void bt_remove_output_on_signals(void);
/* handler (or SIG_DFL) for SIGINT, SIGTERM and SIGHUP, the signals that end a run. */
void bt_on_interrupt(void (*handler)(int));

#endif
