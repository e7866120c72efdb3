/* parse.c: tokens -> solver AST, by recursive descent over the lines of a solver file.
 *
 * A syntax error is reported once for its line, which is then skipped; parsing goes on
 * with the next line so that one run reports every error of a file. An assignment whose
 * line is broken still defines its target (STMT_BROKEN), so later lines do not report it
 * as undefined. Nested calls are flattened into temporaries "%1", "%2", ... placed just
 * before the line that uses them. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

/* Nesting of calls in one expression; deeper input is rejected, not a stack overflow. */
#define MAX_NESTING 200

typedef enum exprkind { EXPR_NAME, EXPR_INT, EXPR_CALL } exprkind;

/* An expression as written, before flattening. */
typedef struct expr {
  exprkind kind;
  const card_token *tok; /* the name or number; for a call, the callee's first token */
  long long val;         /* EXPR_INT */
  int line, col;
  struct expr *fn; /* EXPR_CALL */
  struct expr **args;
  int nargs, cap;
} expr;

typedef struct parser {
  card_program *prog;
  const card_src *src;
  card_diag *d;
  card_token *tok;
  int ntemps; /* temporaries made in the current solver */
} parser;

static const char *const keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield",
};

/* ---- tokens -------------------------------------------------------------------------------- */

static bool equal(const card_token *t, const char *s) {
  return (t->kind == TK_IDENT || t->kind == TK_PUNCT) && (size_t)t->len == strlen(s) &&
         !memcmp(t->loc, s, (size_t)t->len);
}

static bool is_keyword(const card_token *t) {
  if (t->kind != TK_IDENT) return false;
  for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
    if (equal(t, keywords[i])) return true;
  return false;
}

static bool at_eol(const parser *p) { return p->tok->kind == TK_NEWLINE || p->tok->kind == TK_EOF; }

static void advance(parser *p) {
  if (p->tok->kind != TK_EOF) p->tok++;
}

/* Skips the rest of the current line, its NEWLINE included. */
static void skip_line(parser *p) {
  while (!at_eol(p))
    advance(p);
  advance(p);
}

/* ---- errors -------------------------------------------------------------------------------- */

static void error_tok(parser *p, const card_token *t, const char *fmt, ...) CARD_PRINTF(3, 4);

static void error_tok(parser *p, const card_token *t, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag_error(p->d, p->src, t->line, t->col, "%s", msg);
}

/* The token as quoted in a message: 'x', or \xNN for bytes that do not print. */
static void quote_token(char *buf, size_t size, const card_token *t) {
  strbuf sb = {0};
  sb_putc(&sb, '\'');
  int n = t->len > 40 ? 40 : t->len;
  bool utf8 = t->kind == TK_BAD && n > 1 && (unsigned char)t->loc[0] >= 0xC2;
  for (int i = 0; i < n; i++) {
    unsigned char c = (unsigned char)t->loc[i];
    if ((c >= 0x20 && c < 0x7f) || utf8)
      sb_putc(&sb, (char)c);
    else
      sb_printf(&sb, "\\x%02x", c);
  }
  if (n < t->len) sb_puts(&sb, "...");
  sb_putc(&sb, '\'');
  snprintf(buf, size, "%s", sb.buf);
  sb_free(&sb);
}

static void invalid_character(parser *p, const card_token *t) {
  char q[256];
  quote_token(q, sizeof q, t);
  error_tok(p, t, "invalid character %s", q);
}

/* "expected WHAT before 'tok'" (or "at end of line"); an invalid character is reported as
 * such, whatever was expected. */
static void expected(parser *p, const card_token *t, const char *what) {
  char q[256];
  quote_token(q, sizeof q, t);
  if (t->kind == TK_BAD)
    invalid_character(p, t);
  else if (t->kind == TK_NEWLINE)
    error_tok(p, t, "expected %s at end of line", what);
  else if (t->kind == TK_EOF)
    error_tok(p, t, "expected %s at end of file", what);
  else
    error_tok(p, t, "expected %s before %s", what, q);
}

/* ---- expressions --------------------------------------------------------------------------- */

static void free_expr(expr *e) {
  if (!e) return;
  free_expr(e->fn);
  for (int i = 0; i < e->nargs; i++)
    free_expr(e->args[i]);
  free(e->args);
  free(e);
}

static expr *new_expr(exprkind kind, const card_token *tok) {
  expr *e = xcalloc(1, sizeof *e);
  e->kind = kind;
  e->tok = tok;
  e->line = tok->line;
  e->col = tok->col;
  return e;
}

static expr *number(parser *p, const card_token *num, const card_token *at, bool negative) {
  char q[256];
  quote_token(q, sizeof q, num);
  if (num->numerr == NUM_MALFORMED) {
    error_tok(p, num, "invalid integer literal %s", q);
    return NULL;
  }
  if (num->numerr == NUM_TOO_LARGE) {
    error_tok(p, num, "integer literal %s is too large", q);
    return NULL;
  }
  expr *e = new_expr(EXPR_INT, at);
  e->val = negative ? -num->val : num->val;
  return e;
}

// primary = IDENT | NUM | "-" NUM
static expr *primary(parser *p) {
  card_token *t = p->tok;
  if (t->kind == TK_IDENT) {
    advance(p);
    return new_expr(EXPR_NAME, t);
  }
  if (t->kind == TK_NUM) {
    advance(p);
    return number(p, t, t, false);
  }
  if (equal(t, "-")) {
    advance(p);
    if (p->tok->kind != TK_NUM) {
      expected(p, p->tok, "a number after '-'");
      return NULL;
    }
    card_token *num = p->tok;
    advance(p);
    return number(p, num, t, true);
  }
  expected(p, t, "an expression");
  return NULL;
}

// expr = primary ("(" (expr ("," expr)* ","?)? ")")*
static expr *expression(parser *p, int depth) {
  if (depth > MAX_NESTING) {
    error_tok(p, p->tok, "calls nested too deeply (more than %d levels)", MAX_NESTING);
    return NULL;
  }
  expr *e = primary(p);
  while (e && equal(p->tok, "(")) {
    if (e->kind == EXPR_INT) {
      error_tok(p, p->tok, "an integer cannot be called");
      free_expr(e);
      return NULL;
    }
    if (++depth > MAX_NESTING) {
      error_tok(p, p->tok, "calls nested too deeply (more than %d levels)", MAX_NESTING);
      free_expr(e);
      return NULL;
    }
    expr *call = new_expr(EXPR_CALL, e->tok);
    call->line = e->line;
    call->col = e->col;
    call->fn = e;
    e = call;
    advance(p);
    while (!equal(p->tok, ")")) {
      if (at_eol(p)) {
        expected(p, p->tok, "')'");
        free_expr(e);
        return NULL;
      }
      expr *arg = expression(p, depth + 1);
      if (!arg) {
        free_expr(e);
        return NULL;
      }
      grow(&e->args, &e->cap, e->nargs + 1, sizeof *e->args);
      e->args[e->nargs++] = arg;
      if (equal(p->tok, ",")) {
        advance(p);
        continue;
      }
      if (!equal(p->tok, ")")) {
        expected(p, p->tok, at_eol(p) ? "')'" : "',' or ')'");
        free_expr(e);
        return NULL;
      }
    }
    advance(p);
  }
  return e;
}

/* ---- flattening ---------------------------------------------------------------------------- */

static card_stmt *push_stmt(card_solver *sv, card_stmt st) {
  grow(&sv->stmts, &sv->capstmts, sv->nstmts + 1, sizeof *sv->stmts);
  sv->stmts[sv->nstmts] = st;
  return &sv->stmts[sv->nstmts++];
}

static card_arg name_arg(const char *name, size_t len, int line, int col) {
  return (card_arg){.kind = ARG_NAME, .name = xstrndup(name, len), .line = line, .col = col};
}

static card_arg flatten(parser *p, card_solver *sv, const expr *e);

/* The call e as a statement assigning `target` (NULL: a new temporary, "%1", "%2", ...,
 * numbered in the order they are assigned). Returns the statement's index. */
static int flatten_call(parser *p, card_solver *sv, const expr *e, char *target, int line, int col) {
  card_stmt st = {.kind = STMT_CALL, .line = line, .col = col, .temp = !target};
  st.callee = flatten(p, sv, e->fn);
  st.nargs = e->nargs;
  st.args = xcalloc((size_t)(e->nargs ? e->nargs : 1), sizeof *st.args);
  for (int i = 0; i < e->nargs; i++)
    st.args[i] = flatten(p, sv, e->args[i]);
  if (!target) {
    char name[32];
    snprintf(name, sizeof name, "%%%d", ++p->ntemps);
    target = xstrdup(name);
  }
  st.target = target;
  push_stmt(sv, st);
  return sv->nstmts - 1;
}

/* An operand for e; a call becomes a temporary assigned just before. */
static card_arg flatten(parser *p, card_solver *sv, const expr *e) {
  if (e->kind == EXPR_INT)
    return (card_arg){.kind = ARG_INT, .value = e->val, .line = e->line, .col = e->col};
  if (e->kind == EXPR_NAME) return name_arg(e->tok->loc, (size_t)e->tok->len, e->line, e->col);
  int i = flatten_call(p, sv, e, NULL, e->line, e->col);
  const char *name = sv->stmts[i].target;
  return name_arg(name, strlen(name), e->line, e->col);
}

/* ---- statements ---------------------------------------------------------------------------- */

static void broken_stmt(card_solver *sv, const card_token *target) {
  push_stmt(sv, (card_stmt){.kind = STMT_BROKEN,
                            .target = xstrndup(target->loc, (size_t)target->len),
                            .line = target->line,
                            .col = target->col});
}

/* Parses the value of a statement up to its end of line; NULL after reporting an error. */
static expr *statement_value(parser *p) {
  expr *e = expression(p, 0);
  if (!e) return NULL;
  if (!at_eol(p)) {
    expected(p, p->tok, "end of line");
    free_expr(e);
    return NULL;
  }
  return e;
}

// return = "return" expr NEWLINE
static void return_stmt(parser *p, card_solver *sv) {
  const card_token *ret = p->tok;
  advance(p);
  sv->has_return = true;
  sv->ret_line = ret->line;
  sv->ret = (card_arg){.kind = ARG_BAD, .line = ret->line, .col = ret->col};
  if (at_eol(p)) {
    expected(p, p->tok, "a value after 'return'");
    skip_line(p);
    return;
  }
  expr *e = statement_value(p);
  if (e) sv->ret = flatten(p, sv, e);
  free_expr(e);
  skip_line(p);
}

// assign = IDENT "=" expr NEWLINE
static void assign_stmt(parser *p, card_solver *sv) {
  const card_token *target = p->tok;
  advance(p);
  if (!equal(p->tok, "=")) {
    expected(p, p->tok, "'='");
    broken_stmt(sv, target);
    skip_line(p);
    return;
  }
  advance(p);
  expr *e = statement_value(p);
  char *name = xstrndup(target->loc, (size_t)target->len);
  if (!e) {
    broken_stmt(sv, target);
    free(name);
  } else if (e->kind == EXPR_CALL) {
    flatten_call(p, sv, e, name, target->line, target->col);
  } else {
    card_stmt st = {.kind = STMT_COPY, .target = name, .line = target->line, .col = target->col};
    st.nargs = 1;
    st.args = xcalloc(1, sizeof *st.args);
    st.args[0] = flatten(p, sv, e);
    push_stmt(sv, st);
  }
  free_expr(e);
  skip_line(p);
}

// stmt = return | assign
static void statement(parser *p, card_solver *sv) {
  card_token *t = p->tok;
  if (equal(t, "return")) {
    return_stmt(p, sv);
  } else if (is_keyword(t)) {
    error_tok(p, t, "'%.*s' is not supported in a solver (only assignments and 'return')", t->len, t->loc);
    skip_line(p);
  } else if (t->kind == TK_IDENT) {
    assign_stmt(p, sv);
  } else {
    expected(p, t, "an assignment or 'return'");
    skip_line(p);
  }
}

// body = stmt+, every line indented like the first
static void body(parser *p, card_solver *sv) {
  card_token *first = p->tok;
  if (first->kind == TK_EOF || first->indent_len == 0) {
    if (!sv->broken) expected(p, first, "an indented block");
    sv->broken = true;
    return;
  }
  bool after_return = false;
  while (p->tok->kind != TK_EOF && p->tok->indent_len > 0) {
    card_token *t = p->tok;
    if (t->indent_len != first->indent_len || memcmp(t->indent, first->indent, (size_t)t->indent_len)) {
      error_tok(p, t, "inconsistent indentation (the body starts on line %d)", first->line);
    }
    if (after_return) {
      error_tok(p, t, "statement after 'return'");
      while (p->tok->kind != TK_EOF && p->tok->indent_len > 0)
        skip_line(p);
      return;
    }
    statement(p, sv);
    after_return = sv->has_return;
  }
}

static card_solver *new_solver(parser *p, const card_token *def) {
  card_solver *sv = xcalloc(1, sizeof *sv);
  sv->line = def->line;
  sv->col = def->col;
  sv->src = p->src;
  sv->nparams = 1;
  card_program *prog = p->prog;
  grow(&prog->solvers, &prog->capsolvers, prog->nsolvers + 1, sizeof *prog->solvers);
  prog->solvers[prog->nsolvers++] = sv;
  p->ntemps = 0;
  return sv;
}

// params = "(" IDENT ("," IDENT)* ")", the names being I, or S, I, C
static bool params(parser *p, card_solver *sv) {
  if (!equal(p->tok, "(")) {
    expected(p, p->tok, "'('");
    return false;
  }
  advance(p);
  card_token *first = p->tok;
  char names[8] = {0};
  int n = 0;
  bool names_ok = true;
  while (!equal(p->tok, ")")) {
    if (p->tok->kind != TK_IDENT) {
      expected(p, p->tok, at_eol(p) ? "')'" : "a parameter name");
      return false;
    }
    if (p->tok->len != 1 || n == (int)sizeof names - 1)
      names_ok = false;
    else
      names[n++] = *p->tok->loc;
    advance(p);
    if (equal(p->tok, ",")) {
      advance(p);
    } else if (!equal(p->tok, ")")) {
      expected(p, p->tok, at_eol(p) ? "')'" : "',' or ')'");
      return false;
    }
  }
  advance(p);
  if (names_ok && !strcmp(names, "I")) {
    sv->nparams = 1;
  } else if (names_ok && !strcmp(names, "SIC")) {
    sv->nparams = 3;
  } else {
    error_tok(p, first, "a solver's parameters must be (I) or (S, I, C)");
    sv->broken = true;
  }
  return true;
}

// header = IDENT params ":" NEWLINE   (after "def")
static bool header(parser *p, card_solver *sv) {
  if (p->tok->kind != TK_IDENT || is_keyword(p->tok)) {
    expected(p, p->tok, "a solver name");
    return false;
  }
  sv->name = xstrndup(p->tok->loc, (size_t)p->tok->len);
  sv->line = p->tok->line;
  sv->col = p->tok->col;
  if (strncmp(sv->name, "solve_", 6) != 0)
    diag_warning(p->d, p->src, sv->line, sv->col,
                 "'%s' is not named solve_<task id>: it runs as a solver, the own solver of no task",
                 sv->name);
  advance(p);
  if (!params(p, sv)) return false;
  if (!equal(p->tok, ":")) {
    expected(p, p->tok, "':'");
    return false;
  }
  advance(p);
  if (!at_eol(p)) {
    expected(p, p->tok, "end of line");
    return false;
  }
  return true;
}

// def = "def" header body
static void definition(parser *p) {
  card_solver *sv = new_solver(p, p->tok);
  advance(p);
  if (!header(p, sv)) sv->broken = true;
  if (sv->broken) sv->nparams = 3;
  skip_line(p);
  body(p, sv);
}

/* ---- tokpidjin's generated batt ----------------------------------------------------------
 *
 * tokpidjin's card.py writes its merged solvers as one function
 *
 *     def batt(task_id, S, I, C, log_path):
 *         s = []
 *         o = []
 *         try:
 *             t1 = f(I, ...)
 *         except (TypeError, ...):
 *             t1 = _get_safe_default(f)
 *         t2 = g(t1)                          (its vectorized mode: no try)
 *         s.append((2, 'task', 'differ', t2))
 *         o.append((2, False, 'task', t2))
 *         return o, s
 *
 * Every assignment is read as a solver line (the except branches, which only give the
 * default a failed call would have given, are skipped, as are the s.append diagnostics);
 * each o.append output becomes a solver of its own, solve_<task> (solve_<task>_2, ... for
 * a task's later outputs), holding the lines its value reads, directly or not, with
 * (S, I, C) parameters. An output that reads C (the expected output, which CSE rewiring
 * can leave behind) is reported and left out. */

typedef struct batt_out {
  char *task, *value; /* the task id and the name of the output's line */
  int line, col;      /* of the o.append, and of the value */
  int vcol;
} batt_out;

static bool is_space_char(char c) { return c == ' ' || c == '\t'; }

/* Reads "o.append((N, FLAG, 'TASK', VALUE))" from the text at t (the "o"); false when the
 * line has another shape. */
static bool batt_output(const parser *p, const card_token *t, batt_out *out) {
  const char *q = t->loc, *end = p->src->text + p->src->len;
  const char *lead = "o.append((";
  for (const char *l = lead; *l; l++, q++)
    if (q >= end || *q != *l) return false;
  const char *fields[4];
  int lens[4];
  for (int f = 0; f < 4; f++) {
    while (q < end && is_space_char(*q))
      q++;
    fields[f] = q;
    if (f == 2) { /* the task id, quoted */
      if (q >= end || (*q != '\'' && *q != '"')) return false;
      char quote = *q++;
      fields[f] = q;
      while (q < end && *q != quote && *q != '\n')
        q++;
      if (q >= end || *q != quote) return false;
      lens[f] = (int)(q - fields[f]);
      q++;
    } else {
      while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
        q++;
      lens[f] = (int)(q - fields[f]);
    }
    if (lens[f] == 0) return false;
    while (q < end && is_space_char(*q))
      q++;
    if (f < 3 && (q >= end || *q++ != ',')) return false;
  }
  if (end - q < 2 || q[0] != ')' || q[1] != ')') return false;
  for (int k = 0; k < lens[2]; k++)
    if (!isalnum((unsigned char)fields[2][k]) && fields[2][k] != '_') return false;
  out->task = xstrndup(fields[2], (size_t)lens[2]);
  out->value = xstrndup(fields[3], (size_t)lens[3]);
  out->line = t->line;
  out->col = t->col;
  out->vcol = t->col + (int)(fields[3] - t->loc);
  return true;
}

static void copy_arg(card_arg *to, const card_arg *from) {
  *to = *from;
  to->name = from->name ? xstrdup(from->name) : NULL;
}

/* Marks in need the lines the value `name` reads (lines[k] defines targets[k]); true
 * when it reads C. */
static bool batt_needs(const card_solver *all, const strmap *defs, const char *name, bool *need) {
  int k = strmap_get(defs, name) - 1;
  if (k < 0) return !strcmp(name, "C");
  int *stack = xmalloc((size_t)all->nstmts * sizeof *stack), top = 0;
  bool reads_c = false;
  if (!need[k]) need[k] = true, stack[top++] = k;
  while (top > 0) {
    const card_stmt *st = &all->stmts[stack[--top]];
    for (int a = -1; a < st->nargs; a++) {
      const card_arg *arg = a < 0 ? &st->callee : &st->args[a];
      if (a < 0 && st->kind != STMT_CALL) continue;
      if (arg->kind != ARG_NAME || !arg->name) continue;
      if (!strcmp(arg->name, "C")) reads_c = true;
      int d = strmap_get(defs, arg->name) - 1;
      if (d >= 0 && !need[d]) need[d] = true, stack[top++] = d;
    }
  }
  free(stack);
  return reads_c;
}

/* One solver per output, of the lines it reads. */
static void batt_split(parser *p, card_solver *all, batt_out *outs, int nouts) {
  strmap defs = {0};
  for (int k = 0; k < all->nstmts; k++)
    strmap_put(&defs, all->stmts[k].target, k + 1); /* the latest assignment of a name */
  bool *need = xmalloc((size_t)(all->nstmts ? all->nstmts : 1));
  strmap per_task = {0};
  for (int o = 0; o < nouts; o++) {
    batt_out *out = &outs[o];
    if (!strmap_get(&defs, out->value) && strcmp(out->value, "I") && strcmp(out->value, "S")) {
      diag_error(p->d, p->src, out->line, out->vcol, "the output of task '%s' is '%s', which no line assigns",
                 out->task, out->value);
      continue;
    }
    memset(need, 0, (size_t)(all->nstmts ? all->nstmts : 1));
    if (batt_needs(all, &defs, out->value, need)) {
      diag_warning(p->d, p->src, out->line, out->col,
                   "the output %s of task '%s' reads C, the expected output: left out", out->value,
                   out->task);
      continue;
    }
    int nth = strmap_get(&per_task, out->task) + 1;
    strmap_put(&per_task, out->task, nth);
    card_solver *sv = xcalloc(1, sizeof *sv);
    strbuf name = {0};
    sb_printf(&name, "solve_%s", out->task);
    if (nth > 1) sb_printf(&name, "_%d", nth);
    sv->name = sb_take(&name);
    sv->line = out->line;
    sv->col = out->col;
    sv->src = p->src;
    sv->nparams = 3;
    for (int k = 0; k < all->nstmts; k++) {
      if (!need[k]) continue;
      const card_stmt *from = &all->stmts[k];
      card_stmt st = *from;
      st.target = xstrdup(from->target);
      copy_arg(&st.callee, &from->callee);
      st.args = from->nargs ? xcalloc((size_t)from->nargs, sizeof *st.args) : NULL;
      for (int a = 0; a < from->nargs; a++)
        copy_arg(&st.args[a], &from->args[a]);
      push_stmt(sv, st);
    }
    sv->has_return = true;
    sv->ret_line = out->line;
    sv->ret = (card_arg){.kind = ARG_NAME, .name = xstrdup(out->value), .line = out->line, .col = out->vcol};
    card_program *prog = p->prog;
    grow(&prog->solvers, &prog->capsolvers, prog->nsolvers + 1, sizeof *prog->solvers);
    prog->solvers[prog->nsolvers++] = sv;
  }
  /* per_task's keys are the outputs' task strings, freed below */
  strmap_free(&per_task);
  strmap_free(&defs);
  free(need);
}

static void free_solver(card_solver *sv);

// batt = "def" "batt" "(" task_id "," S "," I "," C "," log_path ")" ":" NEWLINE body
static void batt_definition(parser *p) {
  const card_token *def = p->tok;
  card_src *src = (card_src *)p->src;
  if (!src->dialect) { /* tokpidjin's card writes it: its dialect */
    src->dialect = xstrdup("tokpidjin");
    src->dialect_line = def->line;
    src->dialect_col = def->col;
  } else if (strcmp(src->dialect, "tokpidjin") != 0) {
    error_tok(p, def, "a generated batt is in the dialect tokpidjin, but this file declares '%s' (line %d)",
              src->dialect, src->dialect_line);
  }
  advance(p); /* def */
  advance(p); /* batt */
  static const char *const want[] = {"(", "task_id", ",", "S", ",", "I", ",", "C", ",", "log_path", ")", ":"};
  for (size_t k = 0; k < sizeof want / sizeof *want; k++, advance(p))
    if (!equal(p->tok, want[k])) {
      error_tok(p, p->tok, "a generated batt is def batt(task_id, S, I, C, log_path):");
      skip_line(p);
      while (p->tok->kind != TK_EOF && p->tok->indent_len > 0)
        skip_line(p);
      return;
    }
  skip_line(p);
  card_solver *all = xcalloc(1, sizeof *all);
  all->src = p->src;
  all->nparams = 3;
  all->line = def->line;
  all->col = def->col;
  p->ntemps = 0;
  batt_out *outs = NULL;
  int nouts = 0, cap = 0;
  bool returned = false;
  while (p->tok->kind != TK_EOF && p->tok->indent_len > 0) {
    card_token *t = p->tok;
    if (returned) {
      error_tok(p, t, "statement after 'return'");
      skip_line(p);
    } else if (equal(t, "try") && equal(t + 1, ":")) {
      skip_line(p); /* its lines follow, more indented */
    } else if (equal(t, "except")) {
      int indent = t->indent_len; /* the default a failed call gives: not a line of its own */
      skip_line(p);
      while (p->tok->kind != TK_EOF && p->tok->indent_len > indent)
        skip_line(p);
    } else if ((equal(t, "s") || equal(t, "o")) && equal(t + 1, "=") && equal(t + 2, "[") &&
               equal(t + 3, "]")) {
      skip_line(p);
    } else if (equal(t, "s") && equal(t + 1, ".") && equal(t + 2, "append")) {
      skip_line(p);
    } else if (equal(t, "o") && equal(t + 1, ".") && equal(t + 2, "append")) {
      grow(&outs, &cap, nouts + 1, sizeof *outs);
      if (batt_output(p, t, &outs[nouts]))
        nouts++;
      else
        error_tok(p, t, "an output is o.append((N, FLAG, 'TASK', VALUE))");
      skip_line(p);
    } else if (equal(t, "return")) {
      if (!(equal(t + 1, "o") && equal(t + 2, ",") && equal(t + 3, "s") && (t + 4)->kind == TK_NEWLINE))
        error_tok(p, t, "a generated batt ends with 'return o, s'");
      returned = true;
      skip_line(p);
    } else {
      statement(p, all);
    }
  }
  if (!returned) error_tok(p, p->tok, "a generated batt ends with 'return o, s'");
  batt_split(p, all, outs, nouts);
  for (int o = 0; o < nouts; o++) {
    free(outs[o].task);
    free(outs[o].value);
  }
  free(outs);
  free_solver(all);
}

/* Modules a solver file imports the DSL from: importing them changes nothing. */
static bool dsl_module(const card_token *t) {
  static const char *const names[] = {"dsl", "constants", "arc_types", "safe_dsl"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++)
    if ((size_t)t->len == strlen(names[k]) && !strncmp(t->loc, names[k], (size_t)t->len)) return true;
  return false;
}

// import = ("from" IDENT ("." IDENT)* "import" | "import") token+ NEWLINE
static void import_line(parser *p) {
  bool from = equal(p->tok, "from");
  card_token *module = p->tok + 1;
  if (module->kind == TK_IDENT && !is_keyword(module) && !dsl_module(module))
    diag_warning(p->d, p->src, module->line, module->col,
                 "import of '%.*s' ignored: solvers see the DSL's primitives and constants only", module->len,
                 module->loc);
  advance(p);
  if (from) {
    for (;;) {
      if (p->tok->kind != TK_IDENT || is_keyword(p->tok)) {
        expected(p, p->tok, "a module name");
        skip_line(p);
        return;
      }
      advance(p);
      if (!equal(p->tok, ".")) break;
      advance(p);
    }
    if (!equal(p->tok, "import")) {
      expected(p, p->tok, "'import'");
      skip_line(p);
      return;
    }
    advance(p);
  }
  if (at_eol(p)) expected(p, p->tok, from ? "'*' or names" : "a module name");
  for (; !at_eol(p); advance(p)) {
    if (p->tok->kind == TK_BAD) {
      invalid_character(p, p->tok);
      break;
    }
  }
  skip_line(p);
}

// file = (import | def)* EOF
static void file(parser *p) {
  bool skipping = false; /* after an error at top level, its indented lines go with it */
  while (p->tok->kind != TK_EOF) {
    card_token *t = p->tok;
    if (t->indent_len > 0) {
      if (!skipping) error_tok(p, t, "unexpected indentation");
      skipping = true;
      skip_line(p);
      continue;
    }
    skipping = false;
    if (equal(t, "def") && equal(t + 1, "batt") && equal(t + 2, "(")) {
      batt_definition(p);
    } else if (equal(t, "def")) {
      definition(p);
    } else if (equal(t, "from") || equal(t, "import")) {
      import_line(p);
    } else {
      expected(p, t, "'def'");
      skipping = true;
      skip_line(p);
    }
  }
}

/* ---- program ------------------------------------------------------------------------------- */

void program_init(card_program *prog) { memset(prog, 0, sizeof *prog); }

/* The lines `# dialect: NAME` of a file: its dialect; two that name different dialects are
 * an error at the second. */
static void scan_dialect(card_src *src, card_diag *d) {
  for (int n = 1; n <= src->nlines; n++) {
    const char *s = src->text + src->line_off[n - 1], *q = s + 1;
    if (*s != '#') continue;
    while (*q == ' ' || *q == '\t')
      q++;
    if (strncmp(q, "dialect:", 8) != 0) continue;
    q += 8;
    while (*q == ' ' || *q == '\t')
      q++;
    const char *e = q;
    while (*e && !isspace((unsigned char)*e))
      e++;
    int col = (int)(q - s) + 1;
    if (e == q) {
      diag_error(d, src, n, col, "'# dialect:' names no dialect");
    } else if (!src->dialect) {
      src->dialect = xstrndup(q, (size_t)(e - q));
      src->dialect_line = n;
      src->dialect_col = col;
    } else if (strlen(src->dialect) != (size_t)(e - q) || strncmp(src->dialect, q, (size_t)(e - q)) != 0) {
      diag_error(d, src, n, col, "this file mixes dialects: '%.*s' here, '%s' at line %d", (int)(e - q), q,
                 src->dialect, src->dialect_line);
    }
  }
}

static void parse_src(card_program *prog, card_src *src, card_diag *d) {
  grow(&prog->srcs, &prog->capsrcs, prog->nsrcs + 1, sizeof *prog->srcs);
  prog->srcs[prog->nsrcs++] = src;
  int ntok = 0;
  card_token *toks = tokenize(src, &ntok);
  int before = d->nerrors;
  parser p = {.prog = prog, .src = src, .d = d, .tok = toks};
  int solvers = prog->nsolvers;
  scan_dialect(src, d);
  file(&p);
  if (prog->nsolvers == solvers && d->nerrors == before)
    diag_warning(d, src, 0, 0, "no solver defined in this file");
  prog->parse_errors += d->nerrors - before;
  free(toks);
}

bool program_add_file(card_program *prog, const char *path, card_diag *d) {
  card_src *src = src_read(path, prog->nsrcs, d);
  if (!src) {
    prog->parse_errors++;
    return false;
  }
  parse_src(prog, src, d);
  return true;
}

void program_add_text(card_program *prog, const char *path, const char *text, size_t len, card_diag *d) {
  parse_src(prog, src_from_text(path, text, len, prog->nsrcs), d);
}

static void free_arg(card_arg *a) { free(a->name); }

static void free_solver(card_solver *sv) {
  for (int j = 0; j < sv->nstmts; j++) {
    card_stmt *st = &sv->stmts[j];
    free(st->target);
    free_arg(&st->callee);
    for (int k = 0; k < st->nargs; k++)
      free_arg(&st->args[k]);
    free(st->args);
  }
  free(sv->stmts);
  free_arg(&sv->ret);
  free(sv->name);
  free(sv);
}

void program_free(card_program *prog) {
  for (int i = 0; i < prog->nsolvers; i++)
    free_solver(prog->solvers[i]);
  free(prog->solvers);
  for (int i = 0; i < prog->nsrcs; i++)
    src_free(prog->srcs[i]);
  free(prog->srcs);
  memset(prog, 0, sizeof *prog);
}
