/* merge.c: all solvers -> one SSA program t1..tN.
 *
 * Each solver statement becomes a line (callee, operands), where an operand is an earlier
 * line, an input (S, I, C), a constant or a primitive used as a function value. Lines are
 * hash-consed: a call with the same callee and the same operands as an existing line is
 * that line, so common subexpressions within and across solvers are computed once.
 * Copies (x = y) are renamings and make no line. A solver that returns something other
 * than a line (an input, a constant) gets identity(value) so that every output is a line.
 *
 * Every statement's line is kept, read or not: a solver's outcome is the error of its
 * earliest statement (in its own source order) that fails, as in Python, so a line no
 * output reads still decides the outcome when it fails (card_merged.checks). Lines are
 * ordered constant lines first, then task (S only), then sample lines, each group in
 * first-use order (a stable partition, which keeps every operand before its reader). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

typedef struct merger {
  const card_program *prog;
  card_line *lines; /* in creation order */
  int n, cap;
  int *table; /* open addressing: index + 1 of a line, 0 for empty */
  int tcap;
  const cat_prim *identity;
} merger;

/* ---- operands ------------------------------------------------------------------------------ */

static card_opnd opnd_of(const card_arg *a, const card_opnd *env) {
  card_opnd o = {0};
  switch (a->kind) {
  case ARG_VAR: return env[a->var];
  case ARG_INPUT:
    o.kind = OPND_INPUT;
    o.input = a->input;
    break;
  case ARG_INT:
    o.kind = OPND_INT;
    o.v[0] = a->value;
    break;
  case ARG_CONST:
    o.cst = a->cst;
    o.kind = a->cst->kind == CAT_CONST_BOOL  ? OPND_BOOL
             : a->cst->kind == CAT_CONST_INT ? OPND_INT
                                             : OPND_PAIR;
    o.v[0] = a->cst->value[0];
    o.v[1] = o.kind == OPND_PAIR ? a->cst->value[1] : 0;
    break;
  case ARG_PRIM:
    o.kind = OPND_PRIM;
    o.prim = a->prim;
    break;
  default: break;
  }
  return o;
}

bool opnd_eq(const card_opnd *a, const card_opnd *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case OPND_LINE: return a->line == b->line;
  case OPND_INPUT: return a->input == b->input;
  case OPND_INT:
  case OPND_BOOL: return a->v[0] == b->v[0];
  case OPND_PAIR: return a->v[0] == b->v[0] && a->v[1] == b->v[1];
  case OPND_PRIM: return a->prim == b->prim;
  case OPND_STEP: return a->line == b->line;
  }
  return false;
}

static uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

static uint64_t opnd_hash(uint64_t h, const card_opnd *o) {
  h = mix(h, (uint64_t)o->kind);
  switch (o->kind) {
  case OPND_LINE: return mix(h, (uint64_t)o->line);
  case OPND_INPUT: return mix(h, (uint64_t)o->input);
  case OPND_INT:
  case OPND_BOOL: return mix(h, (uint64_t)o->v[0]);
  case OPND_PAIR: return mix(mix(h, (uint64_t)o->v[0]), (uint64_t)o->v[1]);
  case OPND_PRIM: return mix(h, (uint64_t)(uintptr_t)o->prim);
  case OPND_STEP: return mix(h, (uint64_t)o->line);
  }
  return h;
}

static uint64_t call_hash(const card_opnd *callee, const card_opnd *args, int nargs) {
  uint64_t h = opnd_hash((uint64_t)nargs, callee);
  for (int i = 0; i < nargs; i++)
    h = opnd_hash(h, &args[i]);
  return h;
}

static card_class opnd_class(const merger *m, const card_opnd *o) {
  if (o->kind == OPND_LINE) return m->lines[o->line].cls;
  if (o->kind == OPND_INPUT) return o->input == INPUT_S ? CLASS_TASK : CLASS_SAMPLE;
  return CLASS_CONST;
}

/* ---- hash-consing -------------------------------------------------------------------------- */

static bool same_call(const card_line *l, const card_opnd *callee, const card_opnd *args, int nargs) {
  if (l->nargs != nargs || !opnd_eq(&l->callee, callee)) return false;
  for (int i = 0; i < nargs; i++)
    if (!opnd_eq(&l->args[i], &args[i])) return false;
  return true;
}

static void table_insert(merger *m, int idx) {
  const card_line *l = &m->lines[idx];
  uint64_t mask = (uint64_t)m->tcap - 1;
  uint64_t i = call_hash(&l->callee, l->args, l->nargs) & mask;
  while (m->table[i])
    i = (i + 1) & mask;
  m->table[i] = idx + 1;
}

static void table_grow(merger *m) {
  free(m->table);
  m->tcap = m->tcap ? m->tcap * 2 : 256;
  m->table = xcalloc((size_t)m->tcap, sizeof *m->table);
  for (int i = 0; i < m->n; i++)
    table_insert(m, i);
}

/* The line computing callee(args): an existing one, or a new one that takes args over. */
static int intern(merger *m, card_opnd callee, card_opnd *args, int nargs, card_vtype vt) {
  if ((m->n + 1) * 2 > m->tcap) table_grow(m);
  uint64_t mask = (uint64_t)m->tcap - 1;
  for (uint64_t i = call_hash(&callee, args, nargs) & mask; m->table[i]; i = (i + 1) & mask) {
    if (same_call(&m->lines[m->table[i] - 1], &callee, args, nargs)) {
      free(args);
      return m->table[i] - 1;
    }
  }
  grow(&m->lines, &m->cap, m->n + 1, sizeof *m->lines);
  card_line *l = &m->lines[m->n];
  *l = (card_line){.callee = callee, .args = args, .nargs = nargs, .vt = vt};
  l->cls = opnd_class(m, &callee);
  for (int i = 0; i < nargs; i++) {
    card_class c = opnd_class(m, &args[i]);
    if (c > l->cls) l->cls = c;
  }
  table_insert(m, m->n);
  return m->n++;
}

static void add_use(card_line *l, int solver, int line) {
  if (l->nuses && l->uses[l->nuses - 1].solver == solver && l->uses[l->nuses - 1].line == line) return;
  grow(&l->uses, &l->capuses, l->nuses + 1, sizeof *l->uses);
  l->uses[l->nuses++] = (card_use){solver, line};
}

/* Appends line idx to the checks of solver s unless an earlier statement has it. */
static void add_check(card_merged *mp, int s, int idx, int *cap) {
  for (int k = 0; k < mp->nchecks[s]; k++)
    if (mp->checks[s][k] == idx) return;
  grow(&mp->checks[s], cap, mp->nchecks[s] + 1, sizeof *mp->checks[s]);
  mp->checks[s][mp->nchecks[s]++] = idx;
}

/* Adds solver s to the lines; returns the index of its output line. */
static int merge_solver(merger *m, card_merged *mp, int s) {
  int cap = 0;
  const card_solver *sv = m->prog->solvers[s];
  card_opnd *env = xcalloc((size_t)(sv->nstmts ? sv->nstmts : 1), sizeof *env);
  for (int i = 0; i < sv->nstmts; i++) {
    const card_stmt *st = &sv->stmts[i];
    if (st->kind == STMT_COPY) {
      env[i] = opnd_of(&st->args[0], env);
      continue;
    }
    card_opnd *args = xcalloc((size_t)(st->nargs ? st->nargs : 1), sizeof *args);
    for (int k = 0; k < st->nargs; k++)
      args[k] = opnd_of(&st->args[k], env);
    int idx = intern(m, opnd_of(&st->callee, env), args, st->nargs, st->vt);
    add_use(&m->lines[idx], s, st->line);
    add_check(mp, s, idx, &cap);
    env[i] = (card_opnd){.kind = OPND_LINE, .line = idx};
  }
  card_opnd out = opnd_of(&sv->ret, env);
  free(env);
  if (out.kind == OPND_LINE) return out.line;
  card_opnd *args = xmalloc(sizeof *args);
  args[0] = out;
  card_opnd callee = {.kind = OPND_PRIM, .prim = m->identity};
  int idx = intern(m, callee, args, 1, (card_vtype){NULL, -1, NULL});
  add_use(&m->lines[idx], s, sv->ret_line);
  add_check(mp, s, idx, &cap);
  return idx;
}

/* ---- ordering and last uses ---------------------------------------------------------------- */

static void free_line(card_line *l) {
  free(l->args);
  free(l->uses);
}

static void remap(card_opnd *o, const int *to) {
  if (o->kind == OPND_LINE) o->line = to[o->line];
}

/* Orders the lines by class, dropping those neither a solver's statement nor read by one
 * (none today: every line is made by a statement). */
static void order_lines(merger *m, card_merged *mp) {
  bool *live = xcalloc((size_t)(m->n ? m->n : 1), sizeof *live);
  for (int s = 0; s < mp->nsolvers; s++) {
    live[mp->outputs[s]] = true;
    for (int k = 0; k < mp->nchecks[s]; k++)
      live[mp->checks[s][k]] = true;
  }
  for (int i = m->n - 1; i >= 0; i--) {
    if (!live[i]) continue;
    const card_line *l = &m->lines[i];
    if (l->callee.kind == OPND_LINE) live[l->callee.line] = true;
    for (int k = 0; k < l->nargs; k++)
      if (l->args[k].kind == OPND_LINE) live[l->args[k].line] = true;
  }

  int *to = xcalloc((size_t)(m->n ? m->n : 1), sizeof *to);
  int k = 0;
  for (int c = CLASS_CONST; c <= CLASS_SAMPLE; c++)
    for (int i = 0; i < m->n; i++)
      if (live[i] && (int)m->lines[i].cls == c) {
        to[i] = k++;
        mp->nclass[c]++;
      }

  mp->nlines = k;
  mp->lines = xcalloc((size_t)(k ? k : 1), sizeof *mp->lines);
  for (int i = 0; i < m->n; i++) {
    if (!live[i]) {
      free_line(&m->lines[i]);
      continue;
    }
    card_line *l = &mp->lines[to[i]];
    *l = m->lines[i];
    remap(&l->callee, to);
    for (int a = 0; a < l->nargs; a++)
      remap(&l->args[a], to);
  }
  for (int s = 0; s < mp->nsolvers; s++) {
    mp->outputs[s] = to[mp->outputs[s]];
    for (int k = 0; k < mp->nchecks[s]; k++)
      mp->checks[s][k] = to[mp->checks[s][k]];
  }
  free(to);
  free(live);
}

static void note_read(card_merged *mp, const card_opnd *o, int reader) {
  if (o->kind == OPND_LINE) mp->lines[o->line].last_use = reader;
}

static void compute_last_uses(card_merged *mp) {
  for (int i = 0; i < mp->nlines; i++)
    mp->lines[i].last_use = i; /* a line nothing reads is dead once made */
  for (int i = 0; i < mp->nlines; i++) {
    card_line *l = &mp->lines[i];
    note_read(mp, &l->callee, i);
    for (int k = 0; k < l->nargs; k++)
      note_read(mp, &l->args[k], i);
  }
  for (int s = 0; s < mp->nsolvers; s++) {
    card_line *l = &mp->lines[mp->outputs[s]];
    l->output = true;
    l->last_use = LAST_USE_OUTPUT;
  }
}

card_merged *merge_program(const card_program *prog) {
  if (!prog->checked_ok || !prog->cat) return NULL;
  merger m = {.prog = prog, .identity = catalog_prim(prog->cat, "identity")};
  card_merged *mp = xcalloc(1, sizeof *mp);
  mp->prog = prog;
  mp->nsolvers = prog->nsolvers;
  size_t ns = (size_t)(prog->nsolvers ? prog->nsolvers : 1);
  mp->outputs = xcalloc(ns, sizeof *mp->outputs);
  mp->checks = xcalloc(ns, sizeof *mp->checks);
  mp->nchecks = xcalloc(ns, sizeof *mp->nchecks);
  for (int s = 0; s < prog->nsolvers; s++)
    mp->outputs[s] = merge_solver(&m, mp, s);
  order_lines(&m, mp);
  compute_last_uses(mp);
  free(m.lines);
  free(m.table);
  return mp;
}

void merged_free(card_merged *mp) {
  if (!mp) return;
  for (int i = 0; i < mp->nlines; i++)
    free_line(&mp->lines[i]);
  free(mp->lines);
  free(mp->outputs);
  for (int s = 0; s < mp->nsolvers; s++)
    free(mp->checks[s]);
  free(mp->checks);
  free(mp->nchecks);
  free(mp);
}

/* ---- text ---------------------------------------------------------------------------------- */

void opnd_print(strbuf *sb, const card_opnd *o) {
  static const char *const inputs[] = {"S", "I", "C"};
  switch (o->kind) {
  case OPND_LINE: sb_printf(sb, "t%d", o->line + 1); break;
  case OPND_INPUT: sb_puts(sb, inputs[o->input]); break;
  case OPND_INT:
  case OPND_BOOL:
  case OPND_PAIR:
    if (o->cst)
      sb_puts(sb, o->cst->name);
    else if (o->kind == OPND_PAIR)
      sb_printf(sb, "(%lld, %lld)", o->v[0], o->v[1]);
    else if (o->kind == OPND_BOOL)
      sb_puts(sb, o->v[0] ? "T" : "F");
    else
      sb_printf(sb, "%lld", o->v[0]);
    break;
  case OPND_PRIM: sb_puts(sb, o->prim ? o->prim->name : "?"); break;
  case OPND_STEP: sb_printf(sb, "s%d", o->line); break;
  }
}

void line_text(strbuf *sb, const card_line *l, int i) {
  sb_printf(sb, "t%d = ", i + 1);
  opnd_print(sb, &l->callee);
  sb_putc(sb, '(');
  for (int k = 0; k < l->nargs; k++) {
    if (k) sb_puts(sb, ", ");
    opnd_print(sb, &l->args[k]);
  }
  sb_putc(sb, ')');
}

char *merged_dump(const card_merged *mp) {
  static const char *const headings[] = {
      "; constant lines: computed once per run",
      "; task lines: computed once per task (read S)",
      "; sample lines: computed for every sample (read I or C)",
  };
  strbuf sb = {0};
  sb_printf(&sb, "; %d solvers, %d lines (%d constant, %d task, %d sample)\n", mp->nsolvers, mp->nlines,
            mp->nclass[CLASS_CONST], mp->nclass[CLASS_TASK], mp->nclass[CLASS_SAMPLE]);
  size_t width = 0;
  for (int i = 0; i < mp->nlines; i++) {
    strbuf t = {0};
    line_text(&t, &mp->lines[i], i);
    if (t.len > width) width = t.len;
    sb_free(&t);
  }
  if (width > 56) width = 56;
  int start = 0;
  for (int c = CLASS_CONST; c <= CLASS_SAMPLE; c++) {
    if (mp->nclass[c]) sb_printf(&sb, "%s\n", headings[c]);
    for (int i = start; i < start + mp->nclass[c]; i++) {
      const card_line *l = &mp->lines[i];
      size_t at = sb.len;
      line_text(&sb, l, i);
      while (sb.len - at < width)
        sb_putc(&sb, ' ');
      if (l->last_use == LAST_USE_OUTPUT)
        sb_puts(&sb, "  ; last output |");
      else
        sb_printf(&sb, "  ; last t%d |", l->last_use + 1);
      for (int u = 0; u < l->nuses; u++)
        sb_printf(&sb, " %s:%d", mp->prog->solvers[l->uses[u].solver]->name, l->uses[u].line);
      sb_putc(&sb, '\n');
    }
    start += mp->nclass[c];
  }
  sb_puts(&sb, "; outputs\n");
  for (int s = 0; s < mp->nsolvers; s++)
    sb_printf(&sb, "%s = t%d\n", mp->prog->solvers[s]->name, mp->outputs[s] + 1);
  return sb_take(&sb);
}
