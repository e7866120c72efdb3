/* test_util.h: small helpers shared by the cmocka tests (include after cmocka.h). */
#ifndef BATT_TEST_UTIL_H
#define BATT_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file as a NUL-terminated string; fails the test when it cannot be read. */
static inline char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  size_t n = 0, cap = 65536;
  char *s = malloc(cap);
  assert_non_null(s);
  size_t got;
  while ((got = fread(s + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      s = realloc(s, cap *= 2);
      assert_non_null(s);
    }
  }
  fclose(f);
  s[n] = '\0';
  return s;
}

#endif
