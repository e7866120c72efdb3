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

/* The C operand for o (BT_T(n), BT_INT(n), ...). */
static void emit_operand(strbuf *sb, const card_opnd *o) {
  switch (o->kind) {
  case OPND_LINE: sb_printf(sb, "BT_T(%d)", o->line + 1); break;
  case OPND_INPUT: sb_puts(sb, o->input == INPUT_S ? "BT_S" : o->input == INPUT_I ? "BT_I" : "BT_C"); break;
  case OPND_INT: sb_printf(sb, "BT_INT(%lld)", o->v[0]); break;
  case OPND_BOOL: sb_printf(sb, "BT_BOOLV(%lld)", o->v[0]); break;
  case OPND_PAIR: sb_printf(sb, "BT_PAIRV(%lld, %lld)", o->v[0], o->v[1]); break;
  case OPND_PRIM: sb_printf(sb, "BT_FNV(BT_P_%s)", o->prim->name); break;
  case OPND_STEP: sb_printf(sb, "BT_G(%d)", o->line); break;
  }
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

static void emit_line(strbuf *sb, const card_merged *m, int k) {
  const card_line *l = &m->lines[k];
  emit_comment(sb, m, k);
  if (l->callee.kind == OPND_PRIM)
    sb_printf(sb, "  bt_exec_call(ex, %d, BT_P_%s, %d, ", k + 1, l->callee.prim->name, l->nargs);
  else {
    sb_printf(sb, "  bt_exec_callvar(ex, %d, ", k + 1);
    emit_operand(sb, &l->callee);
    sb_printf(sb, ", %d, ", l->nargs);
  }
  sb_puts(sb, "(const bt_operand[]){");
  for (int a = 0; a < l->nargs; a++) {
    if (a) sb_puts(sb, ", ");
    emit_operand(sb, &l->args[a]);
  }
  sb_puts(sb, "});\n");
}

static void emit_int_list(strbuf *sb, const int *v, int n, int add) {
  sb_puts(sb, "(const int32_t[]){");
  for (int i = 0; i < n; i++)
    sb_printf(sb, "%s%d", i ? ", " : "", v[i] + add);
  sb_puts(sb, "}");
}

/* "  fn(ex, SHARED, N, (const int32_t[]){lines})", the start of a call over one operand. */
static void emit_shared_head(strbuf *sb, const card_group *g, const char *fn) {
  sb_printf(sb, "  %s(ex, ", fn);
  emit_operand(sb, &g->shared);
  sb_printf(sb, ", %d, ", g->nlines);
  emit_int_list(sb, g->lines, g->nlines, 1);
}

static const char *const fused_titles[] = {"the sample pattern", "objects of one grid",
                                           "maps over one container"};

/* A fused call: a comment listing the lines it replaces, then the call. */
static void emit_group(strbuf *sb, const card_merged *m, const card_group *g) {
  sb_printf(sb, "  /* fused, %s: replaces %d lines\n", fused_titles[g->kind], g->nlines);
  for (int i = 0; i < g->nlines; i++) {
    int k = g->lines[i];
    const card_line *l = &m->lines[k];
    sb_puts(sb, "   *   ");
    line_text(sb, l, k);
    sb_putc(sb, ':');
    for (int u = 0; u < l->nuses; u++)
      sb_printf(sb, "%s %s:%d", u ? "," : "", m->prog->solvers[l->uses[u].solver]->name, l->uses[u].line);
    sb_puts(sb, i + 1 < g->nlines ? "\n" : " */\n");
  }
  switch (g->kind) {
  case PAT_OBJECTS:
    emit_shared_head(sb, g, "bt_exec_objects");
    sb_puts(sb, ", ");
    emit_int_list(sb, g->modes, g->nlines, 0);
    sb_puts(sb, ");\n");
    break;
  case PAT_MAPS:
    emit_shared_head(sb, g, "bt_exec_maps");
    sb_puts(sb, ",\n              (const bt_operand[]){");
    for (int i = 0; i < g->nlines; i++) {
      if (i) sb_puts(sb, ", ");
      emit_operand(sb, &g->fns[i]);
    }
    sb_puts(sb, "}, (const uint8_t[]){");
    for (int i = 0; i < g->nlines; i++)
      sb_printf(sb, "%s%d", i ? ", " : "", g->merge[i] ? 1 : 0);
    sb_puts(sb, "});\n");
    break;
  case PAT_SAMPLE:
    sb_printf(sb, "  bt_exec_sample(ex, %d, (const bt_step[]){\n", g->nsteps);
    for (int s = 0; s < g->nsteps; s++) {
      const card_step *st = &g->steps[s];
      sb_puts(sb, "      {");
      emit_operand(sb, &st->callee);
      sb_printf(sb, ", %d, {", st->nargs);
      for (int a = 0; a < st->nargs; a++) {
        if (a) sb_puts(sb, ", ");
        emit_operand(sb, &st->args[a]);
      }
      sb_printf(sb, "}}, /* s%d */\n", s);
    }
    sb_printf(sb, "  }, %d, (const bt_step_out[]){", g->nlines);
    for (int i = 0; i < g->nlines; i++)
      sb_printf(sb, "%s{%d, %d}", i ? ", " : "", g->lines[i] + 1, g->out_step[i]);
    sb_puts(sb, "});\n");
    break;
  }
}

static void emit_lines(strbuf *sb, const card_merged *m, card_class cls) {
  const card_fusion *f = m->fusion;
  for (int k = 0; k < m->nlines; k++) {
    if (m->lines[k].cls != cls) continue;
    int gi = f ? f->group_of[k] : -1;
    if (gi < 0)
      emit_line(sb, m, k);
    else if (f->groups[gi].lines[0] == k)
      emit_group(sb, m, &f->groups[gi]);
    else
      sb_printf(sb, "  /* t%d: computed by the fused call at t%d */\n", k + 1, f->groups[gi].lines[0] + 1);
  }
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
static char *section(const card_merged *m, const char *name, size_t len) {
  strbuf sb = {0};
#define IS(s) (len == strlen(s) && memcmp(name, s, len) == 0)
  if (IS("LINE_CLASS"))
    emit_table(&sb, m, true);
  else if (IS("LAST_USE"))
    emit_table(&sb, m, false);
  else if (IS("SOLVERS"))
    emit_solvers(&sb, m);
  else if (IS("CHECKS"))
    emit_checks(&sb, m);
  else if (IS("SOLVER_IDS"))
    emit_solver_ids(&sb, m);
  else if (IS("CONST_LINES"))
    emit_lines(&sb, m, CLASS_CONST);
  else if (IS("TASK_LINES"))
    emit_lines(&sb, m, CLASS_TASK);
  else if (IS("SAMPLE_LINES"))
    emit_lines(&sb, m, CLASS_SAMPLE);
  else
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
  if (IS("NCONST")) n = m->nclass[CLASS_CONST];
  if (IS("NTASK")) n = m->nclass[CLASS_TASK];
  if (IS("NSAMPLE")) n = m->nclass[CLASS_SAMPLE];
#undef IS
  if (n < 0) return false;
  sb_printf(sb, "%d", n);
  return true;
}

bool emit_program(const card_merged *m, const char *tmpl, const char *sources, strbuf *out, char *err,
                  size_t errlen) {
  int lineno = 1;
  for (const char *p = tmpl; *p;) {
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    if (n > 4 && strncmp(p, "@@", 2) == 0 && strncmp(p + n - 2, "@@", 2) == 0) {
      char *text = section(m, p + 2, n - 4);
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
