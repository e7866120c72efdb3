/* fuzz_card.c: libFuzzer target for card's front end, merge and fusion.
 *
 *   clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -DBATT_LIBFUZZER -Igen -Iruntime \
 *     gen/lex.c gen/parse.c gen/check.c gen/merge.c gen/patterns.c gen/catalog.c \
 *     tests/card/fuzz_card.c $(pkg-config --cflags --libs yaml-0.1)
 *   CARD_CATALOG=runtime/dsl.yaml ./a.out tests/card/good tests/card/bad
 *
 * Without BATT_LIBFUZZER it is a program of its own that replays files, or every file of
 * directories, through the same target (the meson test 'fuzz_card' replays the corpus of
 * tests/card, under the sanitizers in a sanitizer build).
 *
 * Every input must give diagnostics or a merged program, never a crash or a leak. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "card.h"

static catalog cat;
static bool loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!loaded) {
    const char *path = getenv("CARD_CATALOG");
    char err[1024];
    if (!catalog_load(path ? path : "runtime/dsl.yaml", &cat, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      abort();
    }
    loaded = true;
  }
  card_program prog;
  card_diag d = {0};
  program_init(&prog);
  program_add_text(&prog, "fuzz.py", (const char *)data, size, &d);
  if (check_program(&prog, &cat, &d)) {
    card_merged *m = merge_program(&prog);
    free(merged_dump(m));
    fuse_program(m);
    free(fusion_report(m));
    fusion_free(m->fusion);
    merged_free(m);
  }
  free(diag_render(&d));
  diag_free(&d);
  program_free(&prog);
  return 0;
}

#ifndef BATT_LIBFUZZER
/* Feeds one file to the target; false when it cannot be read. */
static bool replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  if (!buf) return false;
  LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  return true;
}

int main(int argc, char **argv) {
  int files = 0;
  for (int k = 1; k < argc; k++) {
    struct stat st;
    if (stat(argv[k], &st) != 0) {
      fprintf(stderr, "fuzz_card: cannot read %s\n", argv[k]);
      return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (!replay_file(argv[k])) return 2;
      files++;
      continue;
    }
    DIR *d = opendir(argv[k]);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[k], e->d_name);
      if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path)) files++;
    }
    if (d) closedir(d);
  }
  printf("fuzz_card: %d inputs replayed\n", files);
  if (loaded) catalog_free(&cat);
  return files ? 0 : 1;
}
#endif
