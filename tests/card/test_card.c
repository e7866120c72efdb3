/* test_card.c: tests of card's front end (lex, parse, check) and merge.
 *
 *   test_card [CATALOG [TESTDIR]]    defaults: runtime/dsl.yaml, tests/card
 *
 * The corpus tests/card/bad/NAME.py holds malformed solver files; NAME.expected is the
 * exact output of `card check NAME.py` run in that directory. tests/card/good/ holds
 * valid files. With CARD_EXTRA_SOLVERS=FILE (e.g. arc-dsl's solvers.py), the merge
 * soundness test also runs on that file. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "card.h"

static catalog cat;
static char bad_dir[4096], good_dir[4096];

/* ---- helpers ------------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  strbuf sb = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    sb_putn(&sb, buf, n);
  fclose(f);
  if (len) *len = sb.len;
  return sb_take(&sb);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The sorted names of the files in dir that end with suffix. */
static char **list_dir(const char *dir, const char *suffix, int *n) {
  char **names = NULL;
  int cap = 0;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  for (struct dirent *e; (e = readdir(d));) {
    if (!ends_with(e->d_name, suffix)) continue;
    grow(&names, &cap, *n + 1, sizeof *names);
    names[(*n)++] = xstrdup(e->d_name);
  }
  closedir(d);
  if (*n) qsort(names, (size_t)*n, sizeof *names, cmp_str);
  return names;
}

static void free_list(char **names, int n) {
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* Parses and checks `text` as file `name`; returns the rendered diagnostics. */
static char *front(card_program *prog, const char *name, const char *text) {
  card_diag d = {0};
  program_init(prog);
  program_add_text(prog, name, text, strlen(text), &d);
  check_program(prog, &cat, &d);
  char *msgs = diag_render(&d);
  diag_free(&d);
  return msgs;
}

/* Parses, checks and merges; the program must be free of errors. */
static card_merged *merge_text(card_program *prog, const char *text) {
  char *msgs = front(prog, "test.py", text);
  assert_string_equal(msgs, "");
  free(msgs);
  card_merged *m = merge_program(prog);
  assert_non_null(m);
  return m;
}

static const card_solver *solver_named(const card_program *prog, const char *name) {
  for (int i = 0; i < prog->nsolvers; i++)
    if (prog->solvers[i]->name && !strcmp(prog->solvers[i]->name, name)) return prog->solvers[i];
  fail_msg("no solver %s", name);
  return NULL;
}

static int solver_index(const card_program *prog, const char *name) {
  for (int i = 0; i < prog->nsolvers; i++)
    if (!strcmp(prog->solvers[i]->name, name)) return i;
  fail_msg("no solver %s", name);
  return -1;
}

/* The text of line i, as the dump prints it before its comment. */
static char *line_str(const card_merged *m, int i) {
  strbuf sb = {0};
  const card_line *l = &m->lines[i];
  opnd_print(&sb, &l->callee);
  sb_putc(&sb, '(');
  for (int k = 0; k < l->nargs; k++) {
    if (k) sb_puts(&sb, ", ");
    opnd_print(&sb, &l->args[k]);
  }
  sb_putc(&sb, ')');
  return sb_take(&sb);
}

static void assert_line(const card_merged *m, int i, const char *want) {
  char *s = line_str(m, i);
  assert_string_equal(s, want);
  free(s);
}

/* Structural invariants every merged program keeps. */
static void validate_merged(const card_merged *m) {
  assert_int_equal(m->nclass[0] + m->nclass[1] + m->nclass[2], m->nlines);
  int *last = xcalloc((size_t)(m->nlines ? m->nlines : 1), sizeof *last);
  for (int i = 0; i < m->nlines; i++)
    last[i] = -2;
  for (int i = 0; i < m->nlines; i++) {
    const card_line *l = &m->lines[i];
    card_class want = i < m->nclass[0]                  ? CLASS_CONST
                      : i < m->nclass[0] + m->nclass[1] ? CLASS_TASK
                                                        : CLASS_SAMPLE;
    assert_int_equal(l->cls, want);
    assert_true(l->nuses > 0);
    card_class need = CLASS_CONST;
    for (int k = -1; k < l->nargs; k++) {
      const card_opnd *o = k < 0 ? &l->callee : &l->args[k];
      card_class c = CLASS_CONST;
      if (o->kind == OPND_LINE) {
        assert_true(o->line >= 0 && o->line < i);
        c = m->lines[o->line].cls;
        last[o->line] = i;
      } else if (o->kind == OPND_INPUT) {
        c = o->input == INPUT_S ? CLASS_TASK : CLASS_SAMPLE;
      }
      if (c > need) need = c;
    }
    assert_int_equal(l->cls, need);
  }
  for (int s = 0; s < m->nsolvers; s++) {
    assert_true(m->outputs[s] >= 0 && m->outputs[s] < m->nlines);
    assert_true(m->lines[m->outputs[s]].output);
    last[m->outputs[s]] = LAST_USE_OUTPUT;
  }
  /* every solver's checks are its statement lines, each once; each line is some
   * solver's statement, and the output is one of its checks */
  bool *stmt = xcalloc((size_t)(m->nlines ? m->nlines : 1), sizeof *stmt);
  for (int s = 0; s < m->nsolvers; s++) {
    bool has_out = false;
    for (int k = 0; k < m->nchecks[s]; k++) {
      int t = m->checks[s][k];
      assert_true(t >= 0 && t < m->nlines);
      for (int q = 0; q < k; q++)
        assert_int_not_equal(m->checks[s][q], t);
      stmt[t] = true;
      has_out |= t == m->outputs[s];
    }
    assert_true(has_out);
  }
  for (int i = 0; i < m->nlines; i++) {
    assert_true(stmt[i]);
    if (last[i] == -2) last[i] = i; /* read by nothing: dead once made, kept for its error */
    assert_int_equal(m->lines[i].last_use, last[i]);
    assert_int_equal(m->lines[i].output, last[i] == LAST_USE_OUTPUT);
  }
  free(stmt);
  free(last);
}

/* ---- structural soundness: each solver's computation, alone and merged ------------------- */

static uint64_t h_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

static uint64_t h_str(uint64_t h, const char *s) {
  for (; *s; s++)
    h = h_mix(h, (unsigned char)*s);
  return h;
}

static uint64_t h_value(int kind, long long a, long long b) {
  return h_mix(h_mix(h_mix(17, (uint64_t)kind), (uint64_t)a), (uint64_t)b);
}

static uint64_t h_arg(const card_arg *a, const uint64_t *memo) {
  switch (a->kind) {
  case ARG_VAR: return memo[a->var];
  case ARG_INPUT: return h_value(1, a->input, 0);
  case ARG_INT: return h_value(2, a->value, 0);
  case ARG_CONST:
    if (a->cst->kind == CAT_CONST_BOOL) return h_value(3, a->cst->value[0], 0);
    if (a->cst->kind == CAT_CONST_INT) return h_value(2, a->cst->value[0], 0);
    return h_value(4, a->cst->value[0], a->cst->value[1]);
  case ARG_PRIM: return h_str(5, a->prim->name);
  default: fail_msg("unresolved argument");
  }
  return 0;
}

static uint64_t h_opnd(const card_opnd *o, const uint64_t *memo) {
  switch (o->kind) {
  case OPND_LINE: return memo[o->line];
  case OPND_INPUT: return h_value(1, o->input, 0);
  case OPND_INT: return h_value(2, o->v[0], 0);
  case OPND_BOOL: return h_value(3, o->v[0], 0);
  case OPND_PAIR: return h_value(4, o->v[0], o->v[1]);
  case OPND_PRIM: return h_str(5, o->prim->name);
  case OPND_STEP: fail_msg("a step operand outside a fused group");
  }
  return 0;
}

static uint64_t h_call(uint64_t callee, const uint64_t *args, int n) {
  uint64_t h = h_mix(99, callee);
  for (int i = 0; i < n; i++)
    h = h_mix(h, args[i]);
  return h_mix(h, (uint64_t)n);
}

/* A hash of the expression tree the solver computes, from its own statements. */
static uint64_t solver_tree(const card_solver *sv, bool *is_call) {
  uint64_t *memo = xcalloc((size_t)sv->nstmts + 1, sizeof *memo);
  bool *call = xcalloc((size_t)sv->nstmts + 1, sizeof *call);
  for (int i = 0; i < sv->nstmts; i++) {
    const card_stmt *st = &sv->stmts[i];
    if (st->kind == STMT_COPY) {
      memo[i] = h_arg(&st->args[0], memo);
      call[i] = st->args[0].kind == ARG_VAR && call[st->args[0].var];
      continue;
    }
    uint64_t args[64];
    assert_true(st->nargs <= 64);
    for (int k = 0; k < st->nargs; k++)
      args[k] = h_arg(&st->args[k], memo);
    memo[i] = h_call(h_arg(&st->callee, memo), args, st->nargs);
    call[i] = true;
  }
  uint64_t h = h_arg(&sv->ret, memo);
  *is_call = sv->ret.kind == ARG_VAR && call[sv->ret.var];
  free(memo);
  free(call);
  return h;
}

/* Every solver's output in the merged program is the same tree as the solver alone. */
static void assert_sound(const card_merged *m) {
  uint64_t *memo = xcalloc((size_t)m->nlines + 1, sizeof *memo);
  for (int i = 0; i < m->nlines; i++) {
    const card_line *l = &m->lines[i];
    uint64_t args[64];
    assert_true(l->nargs <= 64);
    for (int k = 0; k < l->nargs; k++)
      args[k] = h_opnd(&l->args[k], memo);
    memo[i] = h_call(h_opnd(&l->callee, memo), args, l->nargs);
  }
  for (int s = 0; s < m->nsolvers; s++) {
    bool is_call;
    uint64_t want = solver_tree(m->prog->solvers[s], &is_call);
    if (!is_call) want = h_call(h_str(5, "identity"), &want, 1);
    if (memo[m->outputs[s]] != want) fail_msg("solver %s differs when merged", m->prog->solvers[s]->name);
  }
  free(memo);
}

/* ---- the corpus of malformed files --------------------------------------------------------- */

static void test_corpus_file(void **state) {
  const char *name = *state;
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", bad_dir, name);
  size_t len = 0;
  char *text = read_file(path, &len);
  assert_non_null(text);
  snprintf(path + strlen(path) - 3, 16, ".expected");
  char *want = read_file(path, NULL);
  if (!want) fail_msg("missing %s", path);

  card_program prog;
  card_diag d = {0};
  program_init(&prog);
  program_add_text(&prog, name, text, len, &d);
  assert_false(check_program(&prog, &cat, &d));
  assert_null(merge_program(&prog));
  char *got = diag_render(&d);
  assert_true(d.nerrors > 0);
  assert_string_equal(got, want);
  free(got);
  diag_free(&d);
  program_free(&prog);
  free(text);
  free(want);
}

static void test_corpus_complete(void **state) {
  (void)state;
  int npy, nexp;
  char **py = list_dir(bad_dir, ".py", &npy);
  char **exp = list_dir(bad_dir, ".expected", &nexp);
  assert_true(npy >= 30);
  assert_int_equal(npy, nexp);
  for (int i = 0; i < npy; i++) {
    assert_int_equal(strlen(py[i]) - 3, strlen(exp[i]) - 9);
    assert_memory_equal(py[i], exp[i], strlen(py[i]) - 3);
  }
  free_list(py, npy);
  free_list(exp, nexp);
}

/* ---- good files and the AST ---------------------------------------------------------------- */

/* Loads good/NAME and checks it; the program must have no error. */
static void load_good(card_program *prog, const char *name) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", good_dir, name);
  card_diag d = {0};
  program_init(prog);
  assert_true(program_add_file(prog, path, &d));
  bool ok = check_program(prog, &cat, &d);
  char *msgs = diag_render(&d);
  assert_string_equal(msgs, "");
  assert_true(ok);
  free(msgs);
  diag_free(&d);
}

static void test_good_files(void **state) {
  (void)state;
  int n;
  char **names = list_dir(good_dir, ".py", &n);
  assert_true(n >= 4);
  for (int i = 0; i < n; i++) {
    card_program prog;
    load_good(&prog, names[i]);
    card_merged *m = merge_program(&prog);
    assert_non_null(m);
    validate_merged(m);
    assert_sound(m);
    merged_free(m);
    program_free(&prog);
  }
  free_list(names, n);
}

static void assert_arg(const card_arg *a, card_argkind kind, const char *name, int line, int col) {
  assert_int_equal(a->kind, kind);
  if (name) assert_string_equal(a->name, name);
  assert_int_equal(a->line, line);
  assert_int_equal(a->col, col);
}

static void assert_stmt(const card_stmt *st, const char *target, bool temp, int line, int col, int nargs) {
  assert_string_equal(st->target, target);
  assert_int_equal(st->temp, temp);
  assert_int_equal(st->line, line);
  assert_int_equal(st->col, col);
  assert_int_equal(st->nargs, nargs);
}

static void test_ast_basic(void **state) {
  (void)state;
  card_program prog;
  load_good(&prog, "basic.py");
  assert_int_equal(prog.nsolvers, 2);
  const card_solver *a = prog.solvers[0], *b = prog.solvers[1];
  assert_string_equal(a->name, "solve_example");
  assert_int_equal(a->line, 5);
  assert_int_equal(a->col, 5);
  assert_int_equal(a->nparams, 1);
  assert_int_equal(a->nstmts, 5);
  const card_stmt *x1 = &a->stmts[0];
  assert_stmt(x1, "x1", false, 6, 5, 4);
  assert_int_equal(x1->kind, STMT_CALL);
  assert_arg(&x1->callee, ARG_PRIM, "objects", 6, 10);
  assert_string_equal(x1->callee.prim->name, "objects");
  assert_arg(&x1->args[0], ARG_INPUT, "I", 6, 18);
  assert_int_equal(x1->args[0].input, INPUT_I);
  assert_arg(&x1->args[1], ARG_CONST, "T", 6, 21);
  assert_arg(&x1->args[3], ARG_CONST, "T", 6, 27);
  assert_string_equal(x1->vt.type->name, "Objects");
  const card_stmt *x2 = &a->stmts[1];
  assert_arg(&x2->args[0], ARG_VAR, "x1", 7, 17);
  assert_int_equal(x2->args[0].var, 0);
  assert_arg(&x2->args[1], ARG_PRIM, "size", 7, 21);
  const card_stmt *x3 = &a->stmts[2];
  assert_string_equal(x3->vt.type->name, "Callable");
  assert_int_equal(x3->vt.arity, 1); /* rbind of recolor (2 arguments) */
  assert_string_equal(x3->vt.ret->name, "Object");
  const card_stmt *x4 = &a->stmts[3];
  assert_arg(&x4->callee, ARG_VAR, "x3", 9, 10);
  assert_int_equal(x4->callee.var, 2);
  assert_string_equal(x4->vt.type->name, "Object");
  assert_true(a->has_return);
  assert_arg(&a->ret, ARG_VAR, "O", 11, 12);
  assert_int_equal(a->ret.var, 4);
  assert_int_equal(a->ret_line, 11);

  assert_string_equal(b->name, "solve_samples");
  assert_int_equal(b->nparams, 3);
  assert_arg(&b->stmts[0].args[1], ARG_INPUT, "S", 15, 23);
  assert_int_equal(b->stmts[0].args[1].input, INPUT_S);
  assert_arg(&b->stmts[3].args[1], ARG_CONST, "F0", 18, 24);
  program_free(&prog);
}

/* A generated batt: each output is a solver of the lines it reads, with the positions of
 * batt.py (tests/card/good/generated_batt.py). */
static void test_generated_batt(void **state) {
  (void)state;
  card_program prog;
  load_good(&prog, "generated_batt.py");
  assert_int_equal(prog.nsolvers, 3);
  const card_solver *a = prog.solvers[0], *b = prog.solvers[1], *c = prog.solvers[2];
  assert_string_equal(a->name, "solve_a85d4709");
  assert_string_equal(b->name, "solve_a85d4709_2");
  assert_string_equal(c->name, "solve_3c9b0459");
  assert_int_equal(a->nparams, 3);
  assert_int_equal(a->line, 19);
  assert_int_equal(a->col, 5);
  /* a: t1 (inside try), t2; b: t1, t3, the flattened ofcolor, t4; c: t1, t2, t5, asindices, t6 */
  assert_int_equal(a->nstmts, 2);
  assert_stmt(&a->stmts[0], "t1", false, 14, 9, 1);
  assert_arg(&a->stmts[0].callee, ARG_PRIM, "rot90", 14, 14);
  assert_stmt(&a->stmts[1], "t2", false, 17, 5, 1);
  assert_arg(&a->ret, ARG_VAR, "t2", 19, 37);
  assert_int_equal(b->nstmts, 4);
  assert_stmt(&b->stmts[1], "t3", false, 21, 9, 1);
  assert_stmt(&b->stmts[2], "%1", true, 24, 23, 2);
  assert_arg(&b->ret, ARG_VAR, "t4", 25, 36);
  assert_int_equal(c->nstmts, 5);
  assert_arg(&c->stmts[4].callee, ARG_VAR, "t5", 27, 10);
  assert_arg(&c->ret, ARG_VAR, "t6", 28, 37);
  program_free(&prog);
}

/* tests/data/tokpidjin/batt_example.py, in the shape tokpidjin's card.py writes, against
 * the cut recorded beside it with tokpidjin's Python (batt_example.expected.txt): each kept
 * output a solver of exactly its transitive lines, the one that reads C left out. Parsing
 * alone: the names are the tokpidjin dialect's. */
static void test_generated_batt_example(void **state) {
  (void)state;
  char path[8192];
  snprintf(path, sizeof path, "%s/../../data/tokpidjin/batt_example.expected.txt", good_dir);
  char *want = read_file(path, NULL);
  assert_non_null(want);
  snprintf(path, sizeof path, "%s/../../data/tokpidjin/batt_example.py", good_dir);
  card_program prog;
  card_diag d = {0};
  program_init(&prog);
  assert_true(program_add_file(&prog, path, &d));
  assert_int_equal(d.nerrors, 0);
  int kept = 0, reported = 0;
  char task_seen[16][16];
  int n_seen = 0;
  for (char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#') continue;
    char out[16], task[16], mutated[8];
    int used = 0;
    assert_int_equal(sscanf(line, "%15s %15s %7s %n", out, task, mutated, &used), 3);
    const char *rest = line + used;
    const char *outcome = strstr(rest, "kept") ? strstr(rest, "kept") : strstr(rest, "reported");
    assert_non_null(outcome);
    if (*outcome == 'r') {
      reported++;
      continue;
    }
    /* its name: solve_TASK, then solve_TASK_2, ... for the task's later kept outputs */
    int nth = 1;
    for (int k = 0; k < n_seen; k++)
      nth += !strcmp(task_seen[k], task);
    snprintf(task_seen[n_seen++], sizeof task_seen[0], "%s", task);
    char name[64], lines[512] = "";
    snprintf(name, sizeof name, nth > 1 ? "solve_%s_%d" : "solve_%s", task, nth);
    const card_solver *sv = NULL;
    for (int s = 0; s < prog.nsolvers; s++)
      if (!strcmp(prog.solvers[s]->name, name)) sv = prog.solvers[s];
    assert_non_null(sv);
    for (int k = 0; k < sv->nstmts; k++)
      if (!sv->stmts[k].temp)
        snprintf(lines + strlen(lines), sizeof lines - strlen(lines), "%s%s", *lines ? " " : "",
                 sv->stmts[k].target);
    assert_memory_equal(lines, rest, strlen(lines));
    const char *after = rest + strlen(lines);
    while (*after == ' ')
      after++;
    assert_ptr_equal(after, outcome); /* the whole list, no line more or less */
    assert_string_equal(sv->ret.name, out);
    kept++;
  }
  assert_int_equal(kept, prog.nsolvers);
  assert_true(kept >= 4 && reported >= 1);
  char *msgs = diag_render(&d);
  assert_non_null(strstr(msgs, "reads C, the expected output: left out"));
  free(msgs);
  diag_free(&d);
  program_free(&prog);
  free(want);
}

static void test_ast_nested(void **state) {
  (void)state;
  card_program prog;
  load_good(&prog, "nested.py");
  assert_int_equal(prog.nsolvers, 3);
  const card_solver *sv = solver_named(&prog, "solve_nested");
  assert_int_equal(sv->nstmts, 12);
  const card_stmt *st = sv->stmts;
  /* x1 = fill(I, -1, ofcolor(I, 3)) */
  assert_stmt(&st[0], "%1", true, 6, 22, 2);
  assert_arg(&st[0].callee, ARG_PRIM, "ofcolor", 6, 22);
  assert_arg(&st[0].args[0], ARG_INPUT, "I", 6, 30);
  assert_arg(&st[0].args[1], ARG_INT, NULL, 6, 33);
  assert_int_equal(st[0].args[1].value, 3);
  assert_stmt(&st[1], "x1", false, 6, 5, 3);
  assert_arg(&st[1].args[1], ARG_INT, NULL, 6, 18);
  assert_int_equal(st[1].args[1].value, -1);
  assert_arg(&st[1].args[2], ARG_VAR, "%1", 6, 22);
  assert_int_equal(st[1].args[2].var, 0);
  /* x2 = rbind(fill, ZERO)(x1, ofcolor(x1, TWO)) */
  assert_stmt(&st[2], "%2", true, 7, 10, 2);
  assert_arg(&st[2].args[0], ARG_PRIM, "fill", 7, 16);
  assert_arg(&st[2].args[1], ARG_CONST, "ZERO", 7, 22);
  assert_stmt(&st[3], "%3", true, 7, 32, 2);
  assert_arg(&st[3].args[0], ARG_VAR, "x1", 7, 40);
  assert_stmt(&st[4], "x2", false, 7, 5, 2);
  assert_arg(&st[4].callee, ARG_VAR, "%2", 7, 10);
  assert_int_equal(st[4].callee.var, 2);
  assert_arg(&st[4].args[1], ARG_VAR, "%3", 7, 32);
  assert_int_equal(st[4].args[1].var, 3);
  /* x3 = paint(x2, recolor(FIVE, asindices(x2))) over four lines */
  assert_stmt(&st[5], "%4", true, 10, 23, 1);
  assert_arg(&st[5].callee, ARG_PRIM, "asindices", 10, 23);
  assert_stmt(&st[6], "%5", true, 10, 9, 2);
  assert_stmt(&st[7], "x3", false, 8, 5, 2);
  assert_arg(&st[7].args[0], ARG_VAR, "x2", 9, 9);
  assert_arg(&st[7].args[1], ARG_VAR, "%5", 10, 9);
  /* x4 = hconcat(x3, \ x3) */
  assert_stmt(&st[8], "x4", false, 14, 5, 2);
  assert_arg(&st[8].args[1], ARG_VAR, "x3", 15, 18);
  /* x5 = x4 */
  assert_int_equal(st[9].kind, STMT_COPY);
  assert_stmt(&st[9], "x5", false, 16, 5, 1);
  assert_arg(&st[9].args[0], ARG_VAR, "x4", 16, 10);
  /* O = crop(x5, ORIGIN, astuple(TWO, THREE)) */
  assert_stmt(&st[10], "%6", true, 17, 26, 2);
  assert_arg(&st[10].args[1], ARG_CONST, "THREE", 18, 35);
  assert_stmt(&st[11], "O", false, 17, 5, 3);
  assert_arg(&sv->ret, ARG_VAR, "O", 20, 12);
  assert_int_equal(sv->ret_line, 20);

  const card_solver *rc = solver_named(&prog, "solve_return_call");
  assert_int_equal(rc->nstmts, 2);
  assert_stmt(&rc->stmts[0], "%1", true, 24, 20, 1);
  assert_stmt(&rc->stmts[1], "%2", true, 24, 12, 1);
  assert_arg(&rc->ret, ARG_VAR, "%2", 24, 12);
  const card_solver *ri = solver_named(&prog, "solve_return_input");
  assert_int_equal(ri->nstmts, 0);
  assert_arg(&ri->ret, ARG_INPUT, "I", 28, 12);
  program_free(&prog);
}

static void test_tokens(void **state) {
  (void)state;
  const char *text = "def f(I):  # c\n\n  # only a comment\n    x = g(a,\n      -3)\\\n\n";
  card_src *src = src_from_text("t.py", text, strlen(text), 0);
  int n;
  card_token *t = tokenize(src, &n);
  static const struct {
    card_tokkind kind;
    const char *text;
    int line, col;
    bool bol;
  } want[] = {
      {TK_IDENT, "def", 1, 1, true},  {TK_IDENT, "f", 1, 5, false},   {TK_PUNCT, "(", 1, 6, false},
      {TK_IDENT, "I", 1, 7, false},   {TK_PUNCT, ")", 1, 8, false},   {TK_PUNCT, ":", 1, 9, false},
      {TK_NEWLINE, "", 1, 10, false}, {TK_IDENT, "x", 4, 5, true},    {TK_PUNCT, "=", 4, 7, false},
      {TK_IDENT, "g", 4, 9, false},   {TK_PUNCT, "(", 4, 10, false},  {TK_IDENT, "a", 4, 11, false},
      {TK_PUNCT, ",", 4, 12, false},  {TK_PUNCT, "-", 5, 7, false},   {TK_NUM, "3", 5, 8, false},
      {TK_PUNCT, ")", 5, 9, false},   {TK_NEWLINE, "", 5, 10, false}, {TK_EOF, "", 5, 10, false},
  };
  assert_int_equal(n, (int)(sizeof want / sizeof *want));
  for (int i = 0; i < n; i++) {
    assert_int_equal(t[i].kind, want[i].kind);
    assert_int_equal(t[i].len, (int)strlen(want[i].text));
    assert_memory_equal(t[i].loc, want[i].text, (size_t)t[i].len);
    assert_int_equal(t[i].line, want[i].line);
    assert_int_equal(t[i].col, want[i].col);
    assert_int_equal(t[i].bol, want[i].bol);
  }
  assert_int_equal(t[7].indent_len, 4);
  assert_int_equal(t[14].val, 3);
  free(t);
  src_free(src);
}

static void test_crlf(void **state) {
  (void)state;
  card_program prog;
  char *msgs = front(&prog, "crlf.py",
                     "def solve_a(I):\r\n    x1 = vmirror(I)\r\n    O = fil(x1)\r\n    return O\r\n");
  assert_string_equal(msgs, "crlf.py:3:9: error: unknown primitive 'fil'\n"
                            "    O = fil(x1)\n"
                            "        ^\n");
  free(msgs);
  program_free(&prog);
}

/* A function not named solve_* and an import of something else than the DSL are
 * accepted with a warning at their position. */
static void test_warnings(void **state) {
  (void)state;
  card_program prog;
  char *msgs = front(&prog, "w.py",
                     "import os\nfrom dsl import *\nfrom constants import *\n\n"
                     "def foo(I):\n    O = vmirror(I)\n    return O\n");
  assert_string_equal(msgs,
                      "w.py:1:8: warning: import of 'os' ignored: solvers see the DSL's primitives and "
                      "constants only\n"
                      "import os\n"
                      "       ^\n"
                      "w.py:5:5: warning: 'foo' is not named solve_<task id>: it runs as a solver, the own "
                      "solver of no task\n"
                      "def foo(I):\n"
                      "    ^\n");
  assert_int_equal(prog.nsolvers, 1);
  free(msgs);
  program_free(&prog);
}

static void test_empty_and_blank(void **state) {
  (void)state;
  static const char *const texts[] = {"", "\n\n", "# only comments\n", "from dsl import *", "   \n\t\n"};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    card_program prog;
    char *msgs = front(&prog, "e.py", texts[i]);
    assert_string_equal(msgs, "e.py: warning: no solver defined in this file\n"); /* not an error */
    assert_int_equal(prog.nsolvers, 0);
    card_merged *m = merge_program(&prog);
    assert_non_null(m);
    assert_int_equal(m->nlines, 0);
    char *dump = merged_dump(m);
    assert_string_equal(dump, "; 0 solvers, 0 lines (0 constant, 0 task, 0 sample)\n; outputs\n");
    free(dump);
    merged_free(m);
    free(msgs);
    program_free(&prog);
  }
}

static void test_cross_file_duplicate(void **state) {
  (void)state;
  card_program prog;
  card_diag d = {0};
  program_init(&prog);
  const char *a = "def solve_a(I):\n    return I\n";
  const char *b = "\ndef solve_a(I):\n    O = fil(I)\n    return O\n";
  program_add_text(&prog, "a.py", a, strlen(a), &d);
  program_add_text(&prog, "b.py", b, strlen(b), &d);
  assert_false(check_program(&prog, &cat, &d));
  char *msgs = diag_render(&d);
  assert_string_equal(msgs, "b.py:2:5: error: redefinition of solver 'solve_a' (first defined at a.py:1)\n"
                            "def solve_a(I):\n"
                            "    ^\n"
                            "b.py:3:9: error: unknown primitive 'fil'\n"
                            "    O = fil(I)\n"
                            "        ^\n");
  free(msgs);
  diag_free(&d);
  program_free(&prog);
}

static void test_unreadable_file(void **state) {
  (void)state;
  card_program prog;
  card_diag d = {0};
  program_init(&prog);
  assert_false(program_add_file(&prog, "/nonexistent/x.py", &d));
  assert_false(check_program(&prog, &cat, &d));
  char *msgs = diag_render(&d);
  assert_string_equal(msgs, "card: error: cannot open '/nonexistent/x.py': No such file or directory\n");
  free(msgs);
  diag_free(&d);
  program_free(&prog);
}

static void test_type_fits(void **state) {
  (void)state;
  const cat_type *grid = catalog_type(&cat, "Grid"), *fn = catalog_type(&cat, "Callable"),
                 *integer = catalog_type(&cat, "Integer"), *boolean = catalog_type(&cat, "Boolean"),
                 *objects = catalog_type(&cat, "Objects"), *cc = catalog_type(&cat, "ContainerContainer"),
                 *numerical = catalog_type(&cat, "Numerical"), *any = catalog_type(&cat, "Any"),
                 *patch = catalog_type(&cat, "Patch"), *tuple = catalog_type(&cat, "IntegerTuple");
  assert_false(type_fits(grid, fn, &cat));
  assert_false(type_fits(fn, integer, &cat));
  assert_false(type_fits(integer, grid, &cat));
  assert_false(type_fits(grid, integer, &cat));
  assert_true(type_fits(grid, grid, &cat));
  assert_true(type_fits(boolean, integer, &cat));
  assert_true(type_fits(integer, boolean, &cat));
  assert_true(type_fits(objects, cc, &cat));
  assert_true(type_fits(tuple, numerical, &cat));
  assert_true(type_fits(numerical, integer, &cat));
  assert_true(type_fits(any, fn, &cat));
  assert_true(type_fits(fn, any, &cat));
  assert_true(type_fits(NULL, integer, &cat));
  assert_true(type_fits(grid, patch, &cat));
  assert_false(type_fits(fn, patch, &cat));
}

/* Random bytes and mutated solvers: the front end reports, never crashes. */
static void test_fuzz(void **state) {
  (void)state;
  char good[8192];
  snprintf(good, sizeof good, "%s/nested.py", good_dir);
  size_t glen = 0;
  char *seed = read_file(good, &glen);
  assert_non_null(seed);
  static const char alphabet[] = "()=,:\n \t#-0123456789xIOSC$\\\r\x00\xff\xc3";
  uint64_t rng = 42;
  for (int round = 0; round < 400; round++) {
    size_t len = round % 2 ? glen : (size_t)(round * 7);
    char *buf = xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      buf[i] = round % 2 ? seed[i] : (char)(rng >> 56);
    }
    for (int k = 0; round % 2 && k < 1 + round % 13; k++) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      buf[(rng >> 20) % len] = alphabet[(rng >> 40) % (sizeof alphabet - 1)];
    }
    card_program prog;
    card_diag d = {0};
    program_init(&prog);
    program_add_text(&prog, "fuzz.py", buf, len, &d);
    if (check_program(&prog, &cat, &d)) {
      card_merged *m = merge_program(&prog);
      validate_merged(m);
      merged_free(m);
    }
    free(diag_render(&d));
    diag_free(&d);
    program_free(&prog);
    free(buf);
  }
  free(seed);
}

/* ---- merge --------------------------------------------------------------------------------- */

static const char shared_text[] = "def solve_a(I):\n"
                                  "    x1 = objects(I, T, F, T)\n"
                                  "    x2 = argmax(x1, size)\n"
                                  "    O = subgrid(x2, I)\n"
                                  "    return O\n"
                                  "\n"
                                  "def solve_b(I):\n"
                                  "    x1 = objects(I, T, F, T)\n"
                                  "    x2 = argmin(x1, size)\n"
                                  "    O = subgrid(x2, I)\n"
                                  "    return O\n";

static void test_merge_shared(void **state) {
  (void)state;
  card_program prog;
  card_merged *m = merge_text(&prog, shared_text);
  validate_merged(m);
  assert_sound(m);
  assert_int_equal(m->nlines, 5);
  assert_line(m, 0, "objects(I, T, F, T)");
  assert_int_equal(m->lines[0].nuses, 2);
  assert_int_equal(m->lines[0].uses[0].solver, 0);
  assert_int_equal(m->lines[0].uses[0].line, 2);
  assert_int_equal(m->lines[0].uses[1].solver, 1);
  assert_int_equal(m->lines[0].uses[1].line, 8);
  assert_int_equal(m->lines[0].last_use, 3);
  assert_line(m, 3, "argmin(t1, size)");
  assert_int_equal(m->outputs[0], 2);
  assert_int_equal(m->outputs[1], 4);
  char *dump = merged_dump(m);
  assert_string_equal(dump, "; 2 solvers, 5 lines (0 constant, 0 task, 5 sample)\n"
                            "; sample lines: computed for every sample (read I or C)\n"
                            "t1 = objects(I, T, F, T)  ; last t4 | solve_a:2 solve_b:8\n"
                            "t2 = argmax(t1, size)     ; last t3 | solve_a:3\n"
                            "t3 = subgrid(t2, I)       ; last output | solve_a:4\n"
                            "t4 = argmin(t1, size)     ; last t5 | solve_b:9\n"
                            "t5 = subgrid(t4, I)       ; last output | solve_b:10\n"
                            "; outputs\n"
                            "solve_a = t3\n"
                            "solve_b = t5\n");
  free(dump);
  merged_free(m);
  program_free(&prog);
}

static void test_merge_classes(void **state) {
  (void)state;
  card_program prog;
  card_merged *m = merge_text(&prog, "def solve_c(S, I, C):\n"
                                     "    x1 = vmirror(I)\n"
                                     "    x2 = rbind(colorcount, ONE)\n"
                                     "    x3 = apply(first, S)\n"
                                     "    x4 = apply(x2, x3)\n"
                                     "    x5 = canvas(ZERO, UNITY)\n"
                                     "    x6 = first(x3)\n"
                                     "    x7 = hconcat(x1, x6)\n"
                                     "    x8 = cellwise(x7, I, ZERO)\n"
                                     "    x9 = valmax(x4, identity)\n"
                                     "    x10 = upscale(x8, x9)\n"
                                     "    O = hconcat(x10, x5)\n"
                                     "    return O\n");
  validate_merged(m);
  assert_sound(m);
  assert_int_equal(m->nclass[CLASS_CONST], 2);
  assert_int_equal(m->nclass[CLASS_TASK], 4);
  assert_int_equal(m->nclass[CLASS_SAMPLE], 5);
  static const char *const want[] = {
      "rbind(colorcount, ONE)",
      "canvas(ZERO, UNITY)",
      "apply(first, S)",
      "apply(t1, t3)",
      "first(t3)",
      "valmax(t4, identity)",
      "vmirror(I)",
      "hconcat(t7, t5)",
      "cellwise(t8, I, ZERO)",
      "upscale(t9, t6)",
      "hconcat(t10, t2)",
  };
  static const int last[] = {3, 10, 4, 5, 7, 9, 7, 8, 9, 10, LAST_USE_OUTPUT};
  static const int src_line[] = {3, 6, 4, 5, 7, 10, 2, 8, 9, 11, 12};
  assert_int_equal(m->nlines, 11);
  for (int i = 0; i < 11; i++) {
    assert_line(m, i, want[i]);
    assert_int_equal(m->lines[i].last_use, last[i]);
    assert_int_equal(m->lines[i].nuses, 1);
    assert_int_equal(m->lines[i].uses[0].line, src_line[i]);
  }
  assert_int_equal(m->outputs[0], 10);
  merged_free(m);
  program_free(&prog);
}

static void test_merge_outputs(void **state) {
  (void)state;
  card_program prog;
  card_merged *m = merge_text(&prog, "def solve_d(I):\n"
                                     "    x1 = upscale(I, ONE)\n"
                                     "    x2 = upscale(I, F1)\n"
                                     "    x3 = upscale(I, 1)\n"
                                     "    x4 = hconcat(x1, x2)\n"
                                     "    O = hconcat(x4, x3)\n"
                                     "    return O\n"
                                     "\n"
                                     "def solve_e(I):\n"
                                     "    x1 = upscale(I, TWO)\n"
                                     "    x2 = x1\n"
                                     "    return I\n"
                                     "\n"
                                     "def solve_f(I):\n"
                                     "    x1 = upscale(I, R1)\n"
                                     "    x2 = hconcat(x1, x1)\n"
                                     "    O = hconcat(x2, x1)\n"
                                     "    return O\n"
                                     "\n"
                                     "def solve_g(I):\n"
                                     "    x1 = objects(I, T, T, T)\n"
                                     "    x2 = objects(I, ONE, ONE, ONE)\n"
                                     "    x3 = size(x1)\n"
                                     "    x4 = size\n"
                                     "    x5 = x4(x2)\n"
                                     "    x6 = astuple(x3, x5)\n"
                                     "    O = canvas(ZERO, x6)\n"
                                     "    return O\n"
                                     "\n"
                                     "def solve_h(I):\n"
                                     "    return THREE\n"
                                     "\n"
                                     "def solve_i(I):\n"
                                     "    x1 = hconcat(I, I)\n"
                                     "    x2 = x1\n"
                                     "    return x2\n");
  validate_merged(m);
  assert_sound(m);
  int d = solver_index(&prog, "solve_d"), e = solver_index(&prog, "solve_e"),
      f = solver_index(&prog, "solve_f"), g = solver_index(&prog, "solve_g"),
      h = solver_index(&prog, "solve_h"), i = solver_index(&prog, "solve_i");
  /* ONE, F1, R1 and 1 are one operand; solve_f is solve_d */
  assert_int_equal(m->outputs[d], m->outputs[f]);
  assert_line(m, m->outputs[d], "hconcat(t3, t2)");
  const card_line *up = &m->lines[1];
  assert_line(m, 1, "upscale(I, ONE)");
  assert_int_equal(up->nuses, 4); /* d:2, d:3, d:4, f:15 */
  assert_int_equal(up->uses[3].solver, f);
  assert_int_equal(up->uses[3].line, 15);
  /* solve_e returns its input: identity(I); its unread upscale is kept, checked first */
  assert_line(m, m->outputs[e], "identity(I)");
  assert_int_equal(m->nchecks[e], 2);
  assert_line(m, m->checks[e][0], "upscale(I, TWO)");
  assert_int_equal(m->checks[e][1], m->outputs[e]);
  assert_int_equal(m->lines[m->checks[e][0]].last_use, m->checks[e][0]);
  /* T and ONE differ (bool against int); size through a variable is a direct call */
  assert_line(m, m->outputs[g] - 5, "objects(I, T, T, T)");
  assert_line(m, m->outputs[g] - 4, "objects(I, ONE, ONE, ONE)");
  assert_line(m, m->outputs[g] - 3, "size(t7)");
  assert_line(m, m->outputs[g] - 2, "size(t8)");
  /* a constant output is a constant line */
  assert_line(m, m->outputs[h], "identity(THREE)");
  assert_int_equal(m->lines[m->outputs[h]].cls, CLASS_CONST);
  assert_int_equal(m->outputs[h], 0);
  /* a copy returned is the line copied */
  assert_line(m, m->outputs[i], "hconcat(I, I)");
  merged_free(m);
  program_free(&prog);
}

static void test_merge_deterministic(void **state) {
  (void)state;
  char path[8192];
  int n;
  char **names = list_dir(good_dir, ".py", &n);
  char *dumps[2];
  for (int round = 0; round < 2; round++) {
    card_program prog;
    card_diag d = {0};
    program_init(&prog);
    for (int i = 0; i < n; i++) {
      snprintf(path, sizeof path, "%s/%s", good_dir, names[i]);
      assert_true(program_add_file(&prog, path, &d));
    }
    assert_true(check_program(&prog, &cat, &d));
    card_merged *m = merge_program(&prog);
    validate_merged(m);
    assert_sound(m);
    dumps[round] = merged_dump(m);
    merged_free(m);
    diag_free(&d);
    program_free(&prog);
  }
  assert_string_equal(dumps[0], dumps[1]);
  free(dumps[0]);
  free(dumps[1]);
  free_list(names, n);
}

static void test_merge_rejects_errors(void **state) {
  (void)state;
  card_program prog;
  char *msgs = front(&prog, "x.py", "def solve_a(I):\n    O = fil(I)\n    return O\n");
  assert_string_not_equal(msgs, "");
  assert_null(merge_program(&prog));
  free(msgs);
  program_free(&prog);
}

/* ---- mutation ------------------------------------------------------------------------------ */

/* Every good file in one program, checked. */
static void load_good_files(card_program *prog) {
  char path[8192];
  int n;
  char **names = list_dir(good_dir, ".py", &n);
  card_diag d = {0};
  program_init(prog);
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", good_dir, names[i]);
    assert_true(program_add_file(prog, path, &d));
  }
  assert_true(check_program(prog, &cat, &d));
  diag_free(&d);
  free_list(names, n);
}

/* Two resolved arguments stand for the same value source. */
static bool same_arg(const card_arg *a, const card_arg *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case ARG_INT: return a->value == b->value;
  case ARG_VAR: return a->var == b->var;
  case ARG_INPUT: return a->input == b->input;
  case ARG_CONST: return a->cst == b->cst;
  case ARG_PRIM: return a->prim == b->prim;
  default: return false;
  }
}

/* Every mutant checks, keeps its solver's lines, differs from it in 1 to `edits` places
 * (a callee replaced by a primitive of its arity and result type, or an argument) and
 * never brings in C; the same seed gives the same text, another
 * seed another; a solver's mutants do not depend on the other solvers. */
static void test_mutate(void **state) {
  (void)state;
  card_program orig;
  load_good_files(&orig);
  const int count = 3, edits = 2;
  int made;
  char *text = mutate_program(&orig, &cat, 7, count, edits, &made);
  card_program mut;
  card_diag d = {0};
  program_init(&mut);
  program_add_text(&mut, "mutants.py", text, strlen(text), &d);
  bool ok = check_program(&mut, &cat, &d);
  char *msgs = diag_render(&d);
  if (!ok) fail_msg("the mutants do not check:\n%.2000s", msgs);
  free(msgs);
  diag_free(&d);
  assert_int_equal(mut.nsolvers, made);
  assert_true(made >= 2 * orig.nsolvers);
  int histogram[3] = {0}, callees = 0;
  for (int k = 0; k < mut.nsolvers; k++) {
    const card_solver *mv = mut.solvers[k], *ov = NULL;
    const char *cut = strrchr(mv->name, '_');
    assert_non_null(cut);
    assert_true(cut[1] == 'm' && atoi(cut + 2) >= 1 && atoi(cut + 2) <= count);
    for (int i = 0; i < orig.nsolvers; i++)
      if (strlen(orig.solvers[i]->name) == (size_t)(cut - mv->name) &&
          !strncmp(orig.solvers[i]->name, mv->name, (size_t)(cut - mv->name)))
        ov = orig.solvers[i];
    if (!ov) fail_msg("%s: no solver of that name", mv->name);
    assert_int_equal(mv->nparams, ov->nparams);
    assert_int_equal(mv->nstmts, ov->nstmts);
    int changed = 0;
    for (int s = 0; s < ov->nstmts; s++) {
      const card_stmt *ms = &mv->stmts[s], *os = &ov->stmts[s];
      assert_int_equal(ms->kind, os->kind);
      assert_int_equal(ms->nargs, os->nargs);
      if (os->kind == STMT_CALL && !same_arg(&ms->callee, &os->callee)) {
        /* another primitive of the same arity and result type */
        assert_int_equal(ms->callee.kind, ARG_PRIM);
        assert_int_equal(os->callee.kind, ARG_PRIM);
        assert_int_equal(ms->callee.prim->arity, os->callee.prim->arity);
        assert_string_equal(ms->callee.prim->result, os->callee.prim->result);
        changed++;
        callees++;
      }
      for (int a = 0; a < os->nargs; a++) {
        if (same_arg(&ms->args[a], &os->args[a])) continue;
        changed++;
        if (ms->args[a].kind == ARG_INPUT && ms->args[a].input == INPUT_C)
          fail_msg("%s: brings in C", mv->name);
      }
    }
    assert_true(same_arg(&mv->ret, &ov->ret));
    if (changed < 1 || changed > edits) fail_msg("%s: %d arguments changed", mv->name, changed);
    histogram[changed]++;
  }
  printf("mutate: %d mutants of %d solvers, %d with one edit, %d with two, %d callees replaced\n", made,
         orig.nsolvers, histogram[1], histogram[2], callees);
  assert_true(callees > 0);
  int again_made, other_made, one_made;
  char *again = mutate_program(&orig, &cat, 7, count, edits, &again_made);
  char *other = mutate_program(&orig, &cat, 8, count, edits, &other_made);
  assert_string_equal(text, again);
  assert_string_not_equal(text, other);
  card_program first;
  load_good(&first, "closures.py");
  char *one = mutate_program(&first, &cat, 7, count, edits, &one_made);
  assert_true(one_made > 0);
  assert_non_null(strstr(text, one));
  free(one);
  free(other);
  free(again);
  free(text);
  program_free(&first);
  program_free(&mut);
  program_free(&orig);
}

/* CARD_EXTRA_SOLVERS=FILE: soundness and invariants on a large library. */
static void test_extra_solvers(void **state) {
  (void)state;
  const char *path = getenv("CARD_EXTRA_SOLVERS");
  if (!path || !*path) skip();
  card_program prog;
  card_diag d = {0};
  program_init(&prog);
  assert_true(program_add_file(&prog, path, &d));
  bool ok = check_program(&prog, &cat, &d);
  char *msgs = diag_render(&d);
  if (!ok) fail_msg("%s does not check:\n%.2000s", path, msgs);
  free(msgs);
  card_merged *m = merge_program(&prog);
  validate_merged(m);
  assert_sound(m);
  merged_free(m);
  diag_free(&d);
  program_free(&prog);
}

/* The catalogue says how higher-order primitives call their function arguments and what
 * closures their constructors return; bad entries are refused with their position. */
static void test_catalog_calls_and_makes(void **state) {
  (void)state;
  const cat_prim *fork = catalog_prim(&cat, "fork"), *rbind = catalog_prim(&cat, "rbind"),
                 *matcher = catalog_prim(&cat, "matcher"), *apply = catalog_prim(&cat, "apply");
  assert_int_equal(fn_param_arity(fork, 0), 2);
  assert_int_equal(fn_param_arity(fork, 1), 1);
  assert_int_equal(fn_param_arity(rbind, 0), FN_BINDABLE);
  assert_int_equal(fn_param_arity(apply, 1), FN_FREE);
  assert_int_equal(rbind->makes_arity, CAT_MAKES_BIND);
  assert_string_equal(matcher->makes_result, "Boolean");
  assert_int_equal(apply->makes_arity, CAT_NOT_CALLED);
  static const struct {
    const char *prim, *want;
  } bad[] = {
      {"{name: apply, params: [Callable, Any], result: Any, props: [calls_fn], calls: [1]}",
       "'calls' must be a list of one entry per parameter"},
      {"{name: apply, params: [Callable, Any], result: Any, props: [calls_fn], calls: [1, 2]}",
       "'calls' names parameter 2, which is not Callable"},
      {"{name: apply, params: [Callable, Any], result: Any, props: [calls_fn], calls: [9, _]}",
       "a 'calls' entry is _, bind or 1 to 4"},
      {"{name: rbind, params: [Callable, Any], result: Callable, props: [makes_fn]}",
       "'makes' and the makes_fn property go together"},
      {"{name: rbind, params: [Callable, Any], result: Callable, props: [makes_fn], makes: {arity: 1, "
       "result: Nope}}",
       "unknown type 'Nope'"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    char path[] = "/tmp/batt_catalog_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "types:\n  - {name: Any}\n  - {name: Callable}\nprimitives:\n  - %s\nconstants: []\n",
            bad[k].prim);
    fclose(f);
    catalog c;
    char err[1024] = "";
    bool ok = catalog_load(path, &c, err, sizeof err);
    remove(path);
    if (ok) catalog_free(&c);
    assert_false(ok);
    if (!strstr(err, bad[k].want) || !strstr(err, ":5:")) fail_msg("catalogue %zu: %s", k, err);
  }
}

int main(int argc, char **argv) {
  const char *catalog_path = argc > 1 ? argv[1] : "runtime/dsl.yaml";
  const char *dir = argc > 2 ? argv[2] : "tests/card";
  snprintf(bad_dir, sizeof bad_dir, "%s/bad", dir);
  snprintf(good_dir, sizeof good_dir, "%s/good", dir);
  char err[1024];
  if (!catalog_load(catalog_path, &cat, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }

  int n;
  char **names = list_dir(bad_dir, ".py", &n);
  struct CMUnitTest *corpus = xcalloc((size_t)(n ? n : 1), sizeof *corpus);
  for (int i = 0; i < n; i++)
    corpus[i] = (struct CMUnitTest){names[i], test_corpus_file, NULL, NULL, names[i]};

  const struct CMUnitTest front_end[] = {
      cmocka_unit_test(test_corpus_complete),
      cmocka_unit_test(test_good_files),
      cmocka_unit_test(test_ast_basic),
      cmocka_unit_test(test_generated_batt),
      cmocka_unit_test(test_generated_batt_example),
      cmocka_unit_test(test_ast_nested),
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_crlf),
      cmocka_unit_test(test_empty_and_blank),
      cmocka_unit_test(test_warnings),
      cmocka_unit_test(test_cross_file_duplicate),
      cmocka_unit_test(test_unreadable_file),
      cmocka_unit_test(test_type_fits),
      cmocka_unit_test(test_fuzz),
  };
  const struct CMUnitTest merge[] = {
      cmocka_unit_test(test_merge_shared),
      cmocka_unit_test(test_merge_classes),
      cmocka_unit_test(test_merge_outputs),
      cmocka_unit_test(test_merge_deterministic),
      cmocka_unit_test(test_merge_rejects_errors),
      cmocka_unit_test(test_extra_solvers),
      cmocka_unit_test(test_mutate),
      cmocka_unit_test(test_catalog_calls_and_makes),
  };
  int failed = _cmocka_run_group_tests("card corpus", corpus, (size_t)n, NULL, NULL);
  failed += cmocka_run_group_tests_name("card front end", front_end, NULL, NULL);
  failed += cmocka_run_group_tests_name("card merge", merge, NULL, NULL);
  free(corpus);
  free_list(names, n);
  catalog_free(&cat);
  return failed;
}
