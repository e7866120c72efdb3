/* report.h: results file, Kaggle submission and summary table of a run. */
#ifndef BATT_REPORT_H
#define BATT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

/* The results file (docs/results.md); needs outputs kept. Errors go to errors. */
bool bt_write_results(const bt_run *run, const char *path, FILE *errors);
/* The results file written while a run goes (bt_run_opts.task_done = bt_results_stream_task,
 * task_done_ctx = the stream): the header at once, each task as soon as it and every task
 * before it are done, the end on closing; byte for byte what bt_write_results writes of the
 * same run. A task's outputs are freed once written unless keep_outputs (a submission still
 * needs them), so a run holds the outputs of the tasks in flight only. */
typedef struct bt_results_stream bt_results_stream;
/* NULL, with the reason on errors, when path cannot be written. */
bt_results_stream *bt_results_stream_open(const bt_program *p, int n_tasks, const char *path,
                                          bool keep_outputs, FILE *errors);
void bt_results_stream_task(void *stream, bt_run *run, int task);
/* Ends the file and puts it in place when complete (the run succeeded) and every task was
 * written; otherwise removes it, leaving the previous file as it was. */
bool bt_results_stream_close(bt_results_stream *s, bool complete, FILE *errors);
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
