/* batt: the command-line entry.
 *
 *   batt apply PRIM TASK.json [ARG...]   apply a primitive to every grid of an ARC task
 *   batt prims                           list the primitives of the catalogue
 *   batt devices                         say which accelerators this process can use
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batt.h"
#include "device.h"
#include "value_json.h"

static int usage(void) {
  fprintf(stderr, "usage: batt apply PRIM TASK.json [ARG...]\n"
                  "       batt prims\n"
                  "       batt devices\n"
                  "ARGs are extra arguments after the grid, as JSON values (e.g. true, 3, '{\"tuple\":[1,2]}').\n");
  return 2;
}

/* Decodes an ARC grid (list of equal-length lists of colors 0..9); error value if not. */
static bt_value decode_grid(bt_ctx *cx, const json_t *j, char *why, size_t whylen) {
  size_t h = json_array_size(j), w = h ? json_array_size(json_array_get(j, 0)) : 0;
  if (!json_is_array(j) || h < 1 || h > 30 || w < 1 || w > 30) {
    snprintf(why, whylen, "a grid must be a list of 1..30 rows of 1..30 colors");
    return bt_err(BT_E_VALUE);
  }
  bt_value *cells;
  bt_value g = bt_grid_new(cx, (int64_t)h, (int64_t)w, &cells);
  for (size_t i = 0; i < h && !bt_is_err(g); i++) {
    const json_t *row = json_array_get(j, i);
    if (!json_is_array(row) || json_array_size(row) != w) {
      snprintf(why, whylen, "row %zu has another length than row 0", i);
      return bt_err(BT_E_VALUE);
    }
    for (size_t k = 0; k < w; k++) {
      const json_t *c = json_array_get(row, k);
      if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 9) {
        snprintf(why, whylen, "row %zu, column %zu: a color must be an integer 0..9", i, k);
        return bt_err(BT_E_VALUE);
      }
      cells[i * w + k].u.i = json_integer_value(c);
    }
  }
  return g;
}

static int apply_to_task(int argc, char **argv) {
  if (argc < 4) return usage();
  int prim = bt_prim_lookup(argv[2]);
  if (prim < 0) {
    fprintf(stderr, "batt: error: unknown primitive '%s' (see 'batt prims')\n", argv[2]);
    return 2;
  }
  if (argc - 3 != bt_prims[prim].arity) {
    fprintf(stderr, "batt: error: '%s' takes %d arguments: the grid and %d more\n", argv[2],
            bt_prims[prim].arity, bt_prims[prim].arity - 1);
    return 2;
  }
  json_error_t jerr;
  json_t *task = json_load_file(argv[3], JSON_REJECT_DUPLICATES, &jerr);
  if (!task) {
    fprintf(stderr, "%s:%d:%d: error: %s\n", argv[3], jerr.line, jerr.column, jerr.text);
    return 1;
  }
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  bt_value args[4];
  char why[256];
  int status = 0;
  for (int k = 4; k < argc; k++) {
    json_t *j = json_loads(argv[k], JSON_DECODE_ANY, &jerr);
    args[k - 3] = j ? bt_from_json(&cx, j, why, sizeof why) : bt_err(BT_E_VALUE);
    json_decref(j);
    if (bt_is_err(args[k - 3])) {
      fprintf(stderr, "batt: error: argument '%s' is not a JSON value\n", argv[k]);
      status = 2;
      goto done;
    }
  }
  const char *parts[] = {"train", "test"};
  for (int p = 0; p < 2; p++) {
    const json_t *pairs = json_object_get(task, parts[p]);
    for (size_t i = 0; i < json_array_size(pairs); i++) {
      const json_t *input = json_object_get(json_array_get(pairs, i), "input");
      bt_mark m = bt_arena_mark(&cx);
      args[0] = decode_grid(&cx, input, why, sizeof why);
      if (bt_is_err(args[0])) {
        fprintf(stderr, "%s: %s[%zu].input: error: %s\n", argv[3], parts[p], i, why);
        status = 1;
        continue;
      }
      bt_ctx_begin(&cx);
      bt_value r = bt_call_prim(&cx, prim, args);
      json_t *out = bt_to_json(r);
      char *s = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
      printf("%s[%zu] %s\n", parts[p], i, s ? s : "?");
      free(s);
      json_decref(out);
      bt_arena_release(&cx, m);
    }
  }
done:
  bt_ctx_free(&cx);
  json_decref(task);
  return status;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (strcmp(argv[1], "apply") == 0) return apply_to_task(argc, argv);
  if (strcmp(argv[1], "prims") == 0) {
    for (int k = 0; k < bt_n_prims; k++) printf("%s/%d\n", bt_prims[k].name, bt_prims[k].arity);
    return 0;
  }
  if (strcmp(argv[1], "devices") == 0) {
    char why[256] = "";
    int n = bt_cuda_device_count(why, sizeof why);
    if (n > 0)
      printf("cuda: %d device(s)\n", n);
    else
      printf("cpu only: %s\n", why);
    return 0;
  }
  return usage();
}
