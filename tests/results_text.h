/* results_text.h: the results file of a run as text, for the tests that link the runner
 * (include after cmocka.h). */
#ifndef BATT_TEST_RESULTS_TEXT_H
#define BATT_TEST_RESULTS_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "report.h"
#include "test_util.h"

/* bt_write_results of run, read back; fails the test when it cannot be written. */
static inline char *results_file_text(const bt_run *run) {
  char path[] = "/tmp/batt_results_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_true(bt_write_results(run, path, stderr));
  char *text = read_text(path);
  remove(path);
  return text;
}

#endif
