/* emit.c: the merged program as C (batt.c), through templates/batt.c.tmpl.
 *
 * Each merged line becomes one runtime call, bt_exec_call (a primitive) or
 * bt_exec_callvar (a function value held by an earlier line), preceded by a comment
 * naming the solver lines it serves. Output is a pure function of the merged program:
 * no time stamps, no addresses, stable order. */
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "emit.h"
#include "interp.h"

/* The C operand for o (BT_T(n), BT_INT(n), ...). */
static void emit_operand(strbuf *sb, bt_operand o) {
  switch ((bt_operand_kind)o.kind) {
  case BT_O_T: /* lines are 1..n: line 0 is a field a kind does not read */
    if (o.a)
      sb_printf(sb, "BT_T(%lld)", (long long)o.a);
    else
      sb_puts(sb, "(bt_operand){0}");
    break;
  case BT_O_I: sb_puts(sb, "BT_I"); break;
  case BT_O_S: sb_puts(sb, "BT_S"); break;
  case BT_O_C: sb_puts(sb, "BT_C"); break;
  case BT_O_INT: sb_printf(sb, "BT_INT(%lld)", (long long)o.a); break;
  case BT_O_BOOL: sb_printf(sb, "BT_BOOLV(%lld)", (long long)o.a); break;
  case BT_O_PAIR: sb_printf(sb, "BT_PAIRV(%lld, %lld)", (long long)o.a, (long long)o.b); break;
  case BT_O_PRIM: sb_printf(sb, "BT_FNV(BT_P_%s)", bt_prims[o.a].name); break;
  case BT_O_STEP: sb_printf(sb, "BT_G(%lld)", (long long)o.a); break;
  }
}

static void emit_operands(strbuf *sb, const bt_operand *o, int n) {
  sb_puts(sb, "(const bt_operand[]){");
  for (int a = 0; a < n; a++) {
    if (a) sb_puts(sb, ", ");
    emit_operand(sb, o[a]);
  }
  sb_puts(sb, "}");
}

/* The comment line before each call: the line as text and the solver lines it serves. */
static void emit_comment(strbuf *sb, const card_merged *m, int k) {
  const card_line *l = &m->lines[k];
  sb_printf(sb, "  /* t%d = ", k + 1);
  opnd_print(sb, &l->callee);
  sb_putc(sb, '(');
  for (int a = 0; a < l->nargs; a++) {
    if (a) sb_puts(sb, ", ");
    opnd_print(sb, &l->args[a]);
  }
  sb_puts(sb, "):");
  for (int u = 0; u < l->nuses; u++)
    sb_printf(sb, "%s %s:%d", u ? "," : "", m->prog->solvers[l->uses[u].solver]->name, l->uses[u].line);
  sb_puts(sb, " */\n");
}

/* A line as the runtime call its lowering (interp.c) is. */
static bool emit_line(strbuf *sb, const card_merged *m, spec_table *spec, int k) {
  lowered_line l;
  if (!lower_line(&m->lines[k], &l)) return false;
  emit_comment(sb, m, k);
  sb_printf(sb, "  if (bt_exec_runs(ex, %d)) ", k + 1);
  int shape = spec_line_shape(spec, k);
  if (l.prim >= 0 && shape >= 0)
    sb_printf(sb, "bt_exec_call_code(ex, %d, BT_P_%s, %d, ", k + 1, bt_prims[l.prim].name, l.nargs);
  else if (l.prim >= 0)
    sb_printf(sb, "bt_exec_call(ex, %d, BT_P_%s, %d, ", k + 1, bt_prims[l.prim].name, l.nargs);
  else {
    sb_printf(sb, "bt_exec_callvar(ex, %d, ", k + 1);
    emit_operand(sb, l.fn);
    sb_printf(sb, ", %d, ", l.nargs);
  }
  emit_operands(sb, l.args, l.nargs);
  if (l.prim >= 0 && shape >= 0) sb_printf(sb, ", K%d, %d", shape, spec_line_quick(spec, k));
  sb_puts(sb, ");\n");
  return true;
}

static void emit_int_list(strbuf *sb, const int32_t *v, int n) {
  sb_puts(sb, "(const int32_t[]){");
  for (int i = 0; i < n; i++)
    sb_printf(sb, "%s%d", i ? ", " : "", v[i]);
  sb_puts(sb, "}");
}

#define FUSED_TEXT(name, text, code, title) {"BT_FUSED_" #name, title},
static const struct { const char *kind, *title; } fused_text[] = {BT_FUSED_KINDS(FUSED_TEXT)};
#undef FUSED_TEXT

/* A fused call: a comment listing the lines it replaces, then its lowering (interp.c), a
 * bt_fused, printed field by field: nothing here depends on the kind of call. */
static bool emit_group(strbuf *sb, const card_merged *m, const card_group *cg) {
  bt_fused g;
  if (!lower_group(cg, &g)) {
    lowered_fused_free(&g);
    return false;
  }
  sb_printf(sb, "  /* fused, %s: replaces %d lines\n", fused_text[g.kind].title, cg->nlines);
  for (int i = 0; i < cg->nlines; i++) {
    int k = cg->lines[i];
    const card_line *l = &m->lines[k];
    sb_puts(sb, "   *   ");
    line_text(sb, l, k);
    sb_putc(sb, ':');
    for (int u = 0; u < l->nuses; u++)
      sb_printf(sb, "%s %s:%d", u ? "," : "", m->prog->solvers[l->uses[u].solver]->name, l->uses[u].line);
    sb_puts(sb, i + 1 < cg->nlines ? "\n" : " */\n");
  }
  sb_puts(sb, "  if (");
  for (int i = 0; i < g.n; i++)
    sb_printf(sb, "%sbt_exec_runs(ex, %d)", i ? " || " : "", g.ts[i]);
  sb_puts(sb, ")\n");
  sb_printf(sb, "  bt_exec_fused(ex, &(const bt_fused){%s, ", fused_text[g.kind].kind);
  emit_operand(sb, g.shared);
  sb_printf(sb, ", %d,\n      ", g.n);
  emit_int_list(sb, g.ts, g.n);
  sb_puts(sb, ",\n      ");
  if (g.modes)
    emit_int_list(sb, g.modes, g.n);
  else
    sb_puts(sb, "NULL");
  sb_puts(sb, ",\n      ");
  if (g.fns)
    emit_operands(sb, g.fns, g.n);
  else
    sb_puts(sb, "NULL");
  sb_puts(sb, ",\n      ");
  if (g.merge) {
    sb_puts(sb, "(const uint8_t[]){");
    for (int i = 0; i < g.n; i++)
      sb_printf(sb, "%s%d", i ? ", " : "", g.merge[i]);
    sb_puts(sb, "}");
  } else
    sb_puts(sb, "NULL");
  sb_printf(sb, ",\n      %d, ", g.nsteps);
  if (g.steps) {
    sb_puts(sb, "(const bt_step[]){\n");
    for (int s = 0; s < g.nsteps; s++) {
      const bt_step *st = &g.steps[s];
      sb_puts(sb, "          {");
      emit_operand(sb, st->fn);
      sb_printf(sb, ", %d, {", st->nargs);
      for (int a = 0; a < st->nargs; a++) {
        if (a) sb_puts(sb, ", ");
        emit_operand(sb, st->args[a]);
      }
      sb_printf(sb, "}}, /* s%d */\n", s);
    }
    sb_puts(sb, "      }");
  } else
    sb_puts(sb, "NULL");
  sb_puts(sb, ",\n      ");
  if (g.outs) {
    sb_puts(sb, "(const bt_step_out[]){");
    for (int i = 0; i < g.n; i++)
      sb_printf(sb, "%s{%d, %d}", i ? ", " : "", g.outs[i].t, g.outs[i].step);
    sb_puts(sb, "}");
  } else
    sb_puts(sb, "NULL");
  sb_puts(sb, "});\n");
  lowered_fused_free(&g);
  return true;
}

/* The statements of the per-task and per-sample lines come in blocks of BLOCK_STATEMENTS,
 * each behind one test (bt_exec_block): a run of a few lines passes over the others' code
 * a block at a time. The block of the statement that tests each line, into block[0..nlines)
 * unless it is NULL (-1: a constant line, whose statements are not in blocks); the number
 * of blocks. */
enum { BLOCK_STATEMENTS = 32 };

static int statement_blocks(const card_merged *m, int *block) {
  const card_fusion *f = m->fusion;
  int base = 0;
  for (int k = 0; block && k < m->nlines; k++)
    block[k] = -1;
  for (int c = 0; c < 2; c++) {
    card_class cls = c ? CLASS_SAMPLE : CLASS_TASK;
    int n = 0;
    for (int k = 0; k < m->nlines; k++) {
      if (m->lines[k].cls != cls) continue;
      int gi = f ? f->group_of[k] : -1;
      if (gi >= 0 && f->groups[gi].lines[0] != k) continue; /* tested by its group's statement */
      int b = base + n++ / BLOCK_STATEMENTS;
      if (!block) continue; /* counting only */
      if (gi < 0)
        block[k] = b;
      else
        for (int i = 0; i < f->groups[gi].nlines; i++)
          block[f->groups[gi].lines[i]] = b;
    }
    base += (n + BLOCK_STATEMENTS - 1) / BLOCK_STATEMENTS;
  }
  return base;
}

static bool emit_lines(strbuf *sb, const card_merged *m, spec_table *spec, card_class cls) {
  const card_fusion *f = m->fusion;
  int *block = xmalloc((size_t)(m->nlines + 1) * sizeof *block), open = -1;
  statement_blocks(m, block);
  bool ok = true;
  for (int k = 0; k < m->nlines && ok; k++) {
    if (m->lines[k].cls != cls) continue;
    int gi = f ? f->group_of[k] : -1;
    if (gi < 0 || f->groups[gi].lines[0] == k) { /* a statement: in its block */
      if (block[k] != open && open >= 0) sb_puts(sb, "  }\n");
      if (block[k] != open && block[k] >= 0) sb_printf(sb, "  if (bt_exec_block(ex, %d)) {\n", block[k]);
      open = block[k];
    }
    if (gi < 0)
      ok = emit_line(sb, m, spec, k);
    else if (f->groups[gi].lines[0] == k)
      ok = emit_group(sb, m, &f->groups[gi]);
    else
      sb_printf(sb, "  /* t%d: computed by the fused call at t%d */\n", k + 1, f->groups[gi].lines[0] + 1);
  }
  if (open >= 0) sb_puts(sb, "  }\n");
  free(block);
  return ok;
}

/* The block of each line (index 0 first, -1 unused), 16 a row. */
static void emit_block_table(strbuf *sb, const card_merged *m) {
  int *block = xmalloc((size_t)(m->nlines + 1) * sizeof *block);
  statement_blocks(m, block);
  for (int k = 0; k <= m->nlines; k++)
    sb_printf(sb, "%s%d,", k % 16 == 0 ? (k ? "\n    " : "    ") : " ", k ? block[k - 1] : -1);
  free(block);
}

/* Comma-separated numbers, 16 a row, for the per-line tables (index 0 first). */
static void emit_table(strbuf *sb, const card_merged *m, bool classes) {
  for (int k = 0; k <= m->nlines; k++) {
    int v;
    if (k == 0)
      v = classes ? 0 : m->nlines + 1;
    else if (classes)
      v = (int)m->lines[k - 1].cls;
    else
      v = m->lines[k - 1].last_use == LAST_USE_OUTPUT ? m->nlines + 1 : m->lines[k - 1].last_use + 1;
    sb_printf(sb, "%s%d,", k % 16 == 0 ? (k ? "\n    " : "    ") : " ", v);
  }
}

static void emit_c_string(strbuf *sb, const char *s) {
  sb_putc(sb, '"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') sb_putc(sb, '\\');
    if ((unsigned char)*s < 0x20)
      sb_printf(sb, "\\%03o", (unsigned char)*s);
    else
      sb_putc(sb, *s);
  }
  sb_putc(sb, '"');
}

static void emit_solvers(strbuf *sb, const card_merged *m) {
  const card_program *p = m->prog;
  if (p->nsolvers == 0) sb_puts(sb, "    {0}");
  for (int s = 0, off = 0; s < p->nsolvers; s++) {
    const card_solver *sv = p->solvers[s];
    sb_puts(sb, s ? ",\n    {" : "    {");
    emit_c_string(sb, sv->name);
    sb_puts(sb, ", ");
    emit_c_string(sb, sv->src->path);
    sb_printf(sb, ", %d, %d, checks + %d, %d}", sv->line, m->outputs[s] + 1, off, m->nchecks[s]);
    off += m->nchecks[s];
  }
}

/* The statement lines of every solver, one solver per row. */
static void emit_checks(strbuf *sb, const card_merged *m) {
  int total = 0;
  for (int s = 0; s < m->nsolvers; s++) {
    total += m->nchecks[s];
    if (!m->nchecks[s]) continue;
    sb_puts(sb, "    ");
    for (int k = 0; k < m->nchecks[s]; k++)
      sb_printf(sb, "%d, ", m->checks[s][k] + 1);
    sb_printf(sb, "/* %s */\n", m->prog->solvers[s]->name);
  }
  if (!total) sb_puts(sb, "    0");
}

static int n_checks(const card_merged *m) {
  int total = 0;
  for (int s = 0; s < m->nsolvers; s++)
    total += m->nchecks[s];
  return total;
}

static void emit_solver_ids(strbuf *sb, const card_merged *m) {
  for (int s = 0; s < m->prog->nsolvers; s++)
    sb_printf(sb, "  BATT_%s = %d,\n", m->prog->solvers[s]->name, s);
  sb_printf(sb, "  BATT_N_SOLVERS = %d", m->prog->nsolvers);
}

/* The text of a generated section (@@NAME@@ alone on a line), or NULL. */
static char *section(const card_merged *m, spec_table *spec, const char *name, size_t len, bool *lowered) {
  strbuf sb = {0};
#define IS(s) (len == strlen(s) && memcmp(name, s, len) == 0)
  if (IS("LINE_CLASS"))
    emit_table(&sb, m, true);
  else if (IS("LINE_BLOCK"))
    emit_block_table(&sb, m);
  else if (IS("LAST_USE"))
    emit_table(&sb, m, false);
  else if (IS("SOLVERS"))
    emit_solvers(&sb, m);
  else if (IS("CHECKS"))
    emit_checks(&sb, m);
  else if (IS("SOLVER_IDS"))
    emit_solver_ids(&sb, m);
  else if (IS("CLOSURE_CODE") || IS("QUICK_CODE")) {
    if (spec) spec_emit(&sb, spec, IS("QUICK_CODE"));
    if (!sb.len) sb_puts(&sb, "/* none */\n");
  } else if (IS("CONST_LINES") || IS("TASK_LINES") || IS("SAMPLE_LINES")) {
    card_class cls = IS("CONST_LINES") ? CLASS_CONST : IS("TASK_LINES") ? CLASS_TASK : CLASS_SAMPLE;
    if (!emit_lines(&sb, m, spec, cls)) {
      free(sb.buf);
      *lowered = false;
      return NULL;
    }
  } else
    return NULL;
#undef IS
  if (sb.len && sb.buf[sb.len - 1] == '\n') sb.buf[--sb.len] = '\0';
  return sb_take(&sb);
}

/* The value of an inline placeholder (@NAME@), or false. */
static bool scalar(strbuf *sb, const card_merged *m, const char *sources, const char *name, size_t len) {
  int n = -1;
#define IS(s) (len == strlen(s) && memcmp(name, s, len) == 0)
  if (IS("SOURCES")) {
    sb_puts(sb, sources);
    return true;
  }
  if (IS("NSOLVERS")) n = m->prog->nsolvers;
  if (IS("NSOLVERS_ARRAY")) n = m->prog->nsolvers ? m->prog->nsolvers : 1;
  if (IS("NCHECKS_ARRAY")) n = n_checks(m) ? n_checks(m) : 1;
  if (IS("NLINES")) n = m->nlines;
  if (IS("NLINES1")) n = m->nlines + 1;
  if (IS("NBLOCKS")) n = statement_blocks(m, NULL);
  if (IS("NCONST")) n = m->nclass[CLASS_CONST];
  if (IS("NTASK")) n = m->nclass[CLASS_TASK];
  if (IS("NSAMPLE")) n = m->nclass[CLASS_SAMPLE];
#undef IS
  if (n < 0) return false;
  sb_printf(sb, "%d", n);
  return true;
}

static bool emit_text(const card_merged *m, spec_table *spec, const char *tmpl, const char *sources,
                      strbuf *out, char *err, size_t errlen) {
  int lineno = 1;
  for (const char *p = tmpl; *p;) {
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    if (n > 4 && strncmp(p, "@@", 2) == 0 && strncmp(p + n - 2, "@@", 2) == 0) {
      bool lowered = true;
      char *text = section(m, spec, p + 2, n - 4, &lowered);
      if (!text && !lowered) {
        snprintf(err, errlen, "a line names a primitive the runtime does not have, or memory ran out");
        return false;
      }
      if (!text) {
        snprintf(err, errlen, "template line %d: unknown section '%.*s'", lineno, (int)n, p);
        return false;
      }
      sb_puts(out, text);
      free(text);
    } else {
      for (size_t k = 0; k < n; k++) {
        const char *close = p[k] == '@' ? memchr(p + k + 1, '@', n - k - 1) : NULL;
        if (close && close > p + k + 1 && scalar(out, m, sources, p + k + 1, (size_t)(close - p - k - 1))) {
          k = (size_t)(close - p);
          continue;
        }
        sb_putc(out, p[k]);
      }
    }
    if (eol) sb_putc(out, '\n');
    p += n + (eol ? 1 : 0);
    lineno++;
  }
  return true;
}

bool emit_program(const card_merged *m, const char *tmpl, const char *sources, strbuf *out, char *err,
                  size_t errlen) {
  spec_table *spec = m->plain_closures ? NULL : spec_build(m);
  bool ok = emit_text(m, spec, tmpl, sources, out, err, errlen);
  spec_free(spec);
  return ok;
}
