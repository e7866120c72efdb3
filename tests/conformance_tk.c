/* conformance_tk: replays the tokpidjin dialect's conformance vectors
 * (tests/data/conformance/tokpidjin, their README) against the runtime's tk_ primitives.
 *
 *   conformance_tk DIR [--prim NAME] [--show N] [--summary]
 *
 * Each case's expected outcome is tokpidjin's as shipped, in canonical set order:
 * `safe_canonical` / `out_canonical` for an order-sensitive case, else `safe` / `out`; the
 * call must return it (it never fails short of a runtime limit), marked defaulted exactly
 * when the case says the outermost call defaulted. A constructor case's closure calls give
 * their outcomes too. Cases marked `set_compare` (Python ordered sets by inclusion, which
 * batt's bt_py_lt does too) are compared like the others and counted. Exit status 1 when a case differs or a
 * primitive of the dialect has no vectors. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "value_json.h"

static int show = 3;

static char *text(bt_value v) {
  if (bt_is_err(v)) {
    char *s = malloc(64);
    if (s) snprintf(s, 64, "<%s>", bt_errc_name((bt_errc)v.errc));
    return s;
  }
  char *s = bt_json_text(v);
  if (s && strlen(s) > 300) strcpy(s + 290, "...");
  return s;
}

/* The shipped outcome of a case: its value, or NULL with *err set for an error. */
static const json_t *expected(const json_t *c, bool call, const char **err, bool *dflt) {
  bool os = json_is_true(json_object_get(c, "order_sensitive"));
  *err = NULL;
  *dflt = json_is_true(json_object_get(c, os ? "defaulted_canonical" : "defaulted"));
  static const char *const order[][2] = {{"safe_canonical", "safe_error_canonical"},
                                         {"out_canonical", "error_canonical"},
                                         {"safe", "safe_error"},
                                         {"out", "error"}};
  if (!call) {
    const json_t *v = os ? json_object_get(c, "safe_canonical") : json_object_get(c, "safe");
    if (!v) v = json_object_get(c, os ? "out_canonical" : "out");
    return v;
  }
  for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
    const json_t *v = json_object_get(c, order[k][0]), *e = json_object_get(c, order[k][1]);
    if (v) return v;
    if (e) {
      *err = json_string_value(e);
      return NULL;
    }
  }
  return NULL;
}

static bool compare(bt_ctx *cx, const json_t *c, bool call, bt_value r, char *why, size_t n) {
  const char *err;
  bool dflt;
  const json_t *want = expected(c, call, &err, &dflt);
  char *got = text(r);
  bool ok;
  if (err) {
    ok = bt_is_err(r);
    if (!ok) snprintf(why, n, "want the error %s, got %s", err, got ? got : "?");
  } else if (!want) {
    ok = false;
    snprintf(why, n, "the case has no outcome");
  } else {
    char msg[256] = "";
    bt_value w = bt_from_json(cx, want, msg, sizeof msg);
    if (bt_is_err(w)) {
      snprintf(why, n, "cannot decode the outcome: %s", msg);
      free(got);
      return false;
    }
    ok = !bt_is_err(r) && bt_same(r, w);
    if (ok && !call && bt_was_defaulted(r) != dflt) {
      ok = false;
      snprintf(why, n, "%s, but %sdefaulted", got ? got : "?", dflt ? "not " : "");
    } else if (!ok) {
      char *ws = text(w);
      snprintf(why, n, "want %s%s\n      got  %s%s", ws ? ws : "?", dflt ? " (defaulted)" : "",
               got ? got : "?", bt_was_defaulted(r) ? " (defaulted)" : "");
      free(ws);
    }
  }
  free(got);
  return ok;
}

static bool decode_args(bt_ctx *cx, const json_t *args, bt_value *out, int *n, char *why, size_t len) {
  *n = (int)json_array_size(args);
  if (*n > 8) *n = 8;
  for (int k = 0; k < *n; k++) {
    char msg[256] = "";
    out[k] = bt_from_json(cx, json_array_get(args, (size_t)k), msg, sizeof msg);
    if (bt_is_err(out[k])) {
      snprintf(why, len, "cannot decode argument %d: %s", k + 1, msg);
      return false;
    }
  }
  return true;
}

static bool run_case(bt_ctx *cx, int prim, const json_t *c, char *why, size_t n) {
  bt_value args[8];
  int na;
  if (!decode_args(cx, json_object_get(c, "args"), args, &na, why, n)) return false;
  bt_ctx_begin(cx);
  /* called as a function value, as Python calls it: optional parameters left out take their
   * primitive, another count of arguments is the TypeError the wrapper catches (bt_call) */
  bt_value r = bt_call_line(cx, bt_prim_value(prim), args, na);
  if (!compare(cx, c, false, r, why, n)) return false;
  const json_t *calls = json_object_get(c, "calls");
  for (size_t k = 0; k < json_array_size(calls); k++) {
    const json_t *call = json_array_get(calls, k);
    bt_value cargs[8];
    int cn;
    if (!decode_args(cx, json_object_get(call, "args"), cargs, &cn, why, n)) return false;
    bt_ctx_begin(cx);
    bt_value cr = bt_call_line(cx, r, cargs, cn);
    char sub[1024];
    if (!compare(cx, call, true, cr, sub, sizeof sub)) {
      snprintf(why, n, "call %zu of the closure: %s", k + 1, sub);
      return false;
    }
  }
  return true;
}

typedef struct tally {
  long cases, passed, set_compare;
} tally;

static tally run_file(const char *path, const char *name, int prim) {
  tally t = {0};
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("%s: cannot open\n", path);
    return t;
  }
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  size_t cap = 1 << 16;
  char *line = malloc(cap);
  int lineno = 0, shown = 0;
  while (line && fgets(line, (int)cap, f)) {
    while (!strchr(line, '\n') && !feof(f)) {
      char *grown = realloc(line, cap * 2);
      if (!grown) break;
      line = grown;
      if (!fgets(line + strlen(line), (int)cap, f)) break;
      cap *= 2;
    }
    lineno++;
    json_error_t jerr;
    json_t *c = json_loads(line, 0, &jerr);
    if (!c) {
      printf("%s:%d: bad JSON: %s\n", path, lineno, jerr.text);
      t.cases++;
      continue;
    }
    t.set_compare += json_is_true(json_object_get(c, "set_compare"));
    t.cases++;
    char why[2048] = "";
    bt_mark m = bt_arena_mark(&cx);
    if (run_case(&cx, prim, c, why, sizeof why)) {
      t.passed++;
    } else if (shown++ < show) {
      char *args = json_dumps(json_object_get(c, "args"), JSON_COMPACT);
      if (args && strlen(args) > 300) strcpy(args + 290, "...");
      printf("%s:%d: %s%s\n      args %s\n      %s\n", path, lineno, name,
             json_is_true(json_object_get(c, "ill_typed")) ? " (ill_typed)" : "", args ? args : "?", why);
      free(args);
    }
    bt_arena_release(&cx, m);
    json_decref(c);
  }
  free(line);
  fclose(f);
  bt_ctx_free(&cx);
  return t;
}

int main(int argc, char **argv) {
  const char *dir = NULL, *only = NULL;
  bool summary = false;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--prim") && k + 1 < argc)
      only = argv[++k];
    else if (!strcmp(argv[k], "--show") && k + 1 < argc)
      show = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--summary"))
      summary = true;
    else
      dir = argv[k];
  }
  if (!dir) {
    fprintf(stderr, "usage: conformance_tk DIR [--prim NAME] [--show N] [--summary]\n");
    return 2;
  }
  bt_json_dialect = BT_DIALECT_TOKPIDJIN;
  long cases = 0, passed = 0, set_compare = 0;
  int prims = 0, clean = 0, missing = 0;
  for (int p = 0; p < bt_n_prims; p++) {
    if (bt_prims[p].dialect != BT_DIALECT_TOKPIDJIN || !strcmp(bt_prims[p].dsl, "default")) continue;
    if (only && strcmp(only, bt_prims[p].dsl)) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.jsonl", dir, bt_prims[p].dsl);
    FILE *probe = fopen(path, "r");
    if (!probe) {
      printf("%s: no vectors for the primitive %s\n", path, bt_prims[p].dsl);
      missing++;
      continue;
    }
    fclose(probe);
    tally t = run_file(path, bt_prims[p].dsl, p);
    prims++;
    clean += t.passed == t.cases;
    cases += t.cases;
    passed += t.passed;
    set_compare += t.set_compare;
    if (summary || t.passed != t.cases)
      printf("%-20s %3ld/%3ld%s\n", bt_prims[p].dsl, t.passed, t.cases, t.passed == t.cases ? "" : "  FAIL");
  }
  printf("tokpidjin conformance: %ld/%ld cases passed, %d/%d primitives clean (%ld set_compare cases "
         "among them)%s\n",
         passed, cases, clean, prims, set_compare, missing ? ", primitives without vectors" : "");
  return passed == cases && !missing && prims ? 0 : 1;
}
