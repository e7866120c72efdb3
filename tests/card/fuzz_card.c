/* fuzz_card.c: libFuzzer target for card's front end and merge.
 *
 *   clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -Igen gen/lex.c gen/parse.c \
 *     gen/check.c gen/merge.c gen/catalog.c tests/card/fuzz_card.c $(pkg-config --cflags --libs yaml-0.1)
 *   CARD_CATALOG=runtime/dsl.yaml ./a.out tests/card/good tests/card/bad
 *
 * Every input must give diagnostics or a merged program, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>

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
    merged_free(m);
  }
  free(diag_render(&d));
  diag_free(&d);
  program_free(&prog);
  return 0;
}
