/* check.c: resolves every name of every solver (variable, input, primitive, constant)
 * and checks it against the catalogue: arity of direct calls, types that cannot match,
 * calls through values that are not functions or take another number of arguments,
 * undefined and reassigned names, missing returns and duplicate solvers.
 *
 * Types are permissive where arc-dsl is polymorphic: a value fits a parameter unless the
 * two types certainly have no value in common (see type_fits). Function values carry
 * their arity when it is known (a primitive, or a closure built by rbind, compose, ...),
 * so that calls through them can be checked like direct calls. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

typedef struct checker {
  const catalog *cat;
  card_diag *d;
  card_solver *sv;
  strmap defined;  /* name -> index + 1 of the statement that assigns it, so far */
  strmap assigned; /* name -> index + 1 of the first statement that assigns it, anywhere */
  strmap prims;    /* catalogue names -> index + 1 */
  strmap consts;
  const cat_type *any, *callable, *grid, *samples, *integer;
} checker;

/* ---- types --------------------------------------------------------------------------------- */

static const cat_type *named_type(const catalog *cat, const char *name) {
  return name ? catalog_type(cat, name) : NULL;
}

static bool is_any(const cat_type *t) { return !t || !strcmp(t->name, "Any"); }

/* The kinds of Python value a type may hold. arc-dsl's annotations are loose and its
 * solvers lean on duck typing (paint of a tuple of cells, minimum of a tuple, an Objects
 * where a ContainerContainer is annotated), so tuples and frozensets are one kind here:
 * what certainly cannot match is an integer, a container and a function for one another. */
enum { KIND_INT = 1, KIND_CONTAINER = 2, KIND_FN = 4, KIND_ALL = 7 };

static unsigned kinds(const cat_type *t, const catalog *cat, int depth) {
  static const struct {
    const char *name;
    unsigned kind;
  } base[] = {
      {"Integer", KIND_INT}, {"Tuple", KIND_CONTAINER}, {"FrozenSet", KIND_CONTAINER}, {"Callable", KIND_FN}};
  if (is_any(t) || depth > 16) return KIND_ALL;
  for (size_t i = 0; i < sizeof base / sizeof *base; i++)
    if (!strcmp(t->name, base[i].name)) return base[i].kind;
  if (t->n_unions) {
    unsigned k = 0;
    for (int i = 0; i < t->n_unions; i++)
      k |= kinds(named_type(cat, t->unions[i]), cat, depth + 1);
    return k;
  }
  return t->is ? kinds(named_type(cat, t->is), cat, depth + 1) : KIND_ALL;
}

bool type_fits(const cat_type *value, const cat_type *param, const catalog *cat) {
  return (kinds(value, cat, 0) & kinds(param, cat, 0)) != 0;
}

static card_vtype unknown(void) { return (card_vtype){NULL, -1, NULL}; }

static card_vtype of_type(const checker *c, const cat_type *t) {
  return (card_vtype){t == c->any ? NULL : t, -1, NULL};
}

static const char *type_name(const card_vtype *v) { return v->type ? v->type->name : "Any"; }

/* ---- higher-order primitives --------------------------------------------------------------- */

int fn_param_arity(const cat_prim *prim, int param) {
  if (param < 0 || param >= CAT_MAX_PARAMS) return FN_FREE;
  int n = prim->calls[param];
  return n == CAT_CALLS_BIND ? FN_BINDABLE : n == CAT_NOT_CALLED ? FN_FREE : n;
}

/* The function a closure constructor returns: arity and result type, as the catalogue's
 * `makes` says arc-dsl builds it. */
static void closure_type(const checker *c, const cat_prim *prim, const card_vtype *argv, card_vtype *out) {
  switch (prim->makes_arity) {
  case CAT_NOT_CALLED: return;
  case CAT_MAKES_BIND: out->arity = argv[0].arity >= 2 ? argv[0].arity - 1 : -1; break;
  case CAT_MAKES_SAME: out->arity = argv[0].arity; break;
  default: out->arity = prim->makes_arity;
  }
  out->ret = prim->makes_result ? named_type(c->cat, prim->makes_result) : argv[0].ret;
}

/* ---- names --------------------------------------------------------------------------------- */

/* An error at (line, col) of the solver's file; with `defaults`, a warning that the call
 * defaults if it fails (a defaulting dialect, where a bad call returns its typed default). */
static void report_at(checker *c, bool defaults, int line, int col, const char *fmt, va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (defaults)
    diag_warning(c->d, c->sv->src, line, col, "%s (the call defaults if it fails)", msg);
  else
    diag_error(c->d, c->sv->src, line, col, "%s", msg);
}

static void error_at(checker *c, int line, int col, const char *fmt, ...) CARD_PRINTF(4, 5);

static void error_at(checker *c, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report_at(c, false, line, col, fmt, ap);
  va_end(ap);
}

/* A type that does not fit: an error, or in a defaulting dialect (tokpidjin) a warning, since
 * there the call runs by duck typing or returns its typed default. */
static void mismatch_at(checker *c, int line, int col, const char *fmt, ...) CARD_PRINTF(4, 5);

static void mismatch_at(checker *c, int line, int col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report_at(c, c->cat->defaults, line, col, fmt, ap);
  va_end(ap);
}

static const char *plural(int n) { return n == 1 ? "" : "s"; }

static int input_of(const char *name, card_input *in) {
  if (!strcmp(name, "S"))
    *in = INPUT_S;
  else if (!strcmp(name, "I"))
    *in = INPUT_I;
  else if (!strcmp(name, "C"))
    *in = INPUT_C;
  else
    return 0;
  return 1;
}

/* ALL_CAPS names of two or more characters look like constants (ONE, DOWN, F3). */
static bool looks_like_constant(const char *name) {
  bool upper = false;
  for (const char *s = name; *s; s++) {
    if (*s >= 'a' && *s <= 'z') return false;
    if (*s >= 'A' && *s <= 'Z') upper = true;
  }
  return upper && strlen(name) >= 2;
}

/* Names arc-dsl gives its variables: x1, x2, ... and O. */
static bool looks_like_variable(const char *name) {
  if (!strcmp(name, "O")) return true;
  if (name[0] != 'x' || !name[1]) return false;
  for (const char *s = name + 1; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

static void report_unknown(checker *c, const card_arg *a, bool callee) {
  int at = strmap_get(&c->assigned, a->name);
  if (at)
    error_at(c, a->line, a->col, "'%s' is used before its assignment on line %d", a->name,
             c->sv->stmts[at - 1].line);
  else if (callee && !looks_like_variable(a->name))
    error_at(c, a->line, a->col, "unknown primitive '%s'", a->name);
  else if (looks_like_constant(a->name))
    error_at(c, a->line, a->col, "unknown constant '%s'", a->name);
  else
    error_at(c, a->line, a->col, "'%s' is not defined", a->name);
}

static const cat_prim *find_prim(const checker *c, const char *name) {
  int i = strmap_get(&c->prims, name);
  return i ? &c->cat->prims[i - 1] : NULL;
}

static const cat_const *find_const(const checker *c, const char *name) {
  int i = strmap_get(&c->consts, name);
  return i ? &c->cat->consts[i - 1] : NULL;
}

/* Resolves a name or literal and returns what is known of its value. */
static card_vtype resolve(checker *c, card_arg *a, bool callee) {
  if (a->kind == ARG_INT) return of_type(c, c->integer);
  if (a->kind != ARG_NAME) return unknown();
  int var = strmap_get(&c->defined, a->name);
  if (var) {
    a->kind = ARG_VAR;
    a->var = var - 1;
    return c->sv->stmts[var - 1].vt;
  }
  card_input in;
  if (input_of(a->name, &in)) {
    if (in != INPUT_I && c->sv->nparams == 1) {
      a->kind = ARG_BAD;
      error_at(c, a->line, a->col, "'%s' is not defined (the solver takes only I)", a->name);
      return unknown();
    }
    a->kind = ARG_INPUT;
    a->input = in;
    return of_type(c, in == INPUT_S ? c->samples : c->grid);
  }
  const cat_prim *prim = find_prim(c, a->name);
  if (prim) {
    a->kind = ARG_PRIM;
    a->prim = prim;
    return (card_vtype){c->callable, prim->arity, of_type(c, named_type(c->cat, prim->result)).type};
  }
  const cat_const *cst = find_const(c, a->name);
  if (cst) {
    a->kind = ARG_CONST;
    a->cst = cst;
    return of_type(c, named_type(c->cat, cst->type));
  }
  a->kind = ARG_BAD;
  report_unknown(c, a, callee);
  return unknown();
}

/* ---- calls --------------------------------------------------------------------------------- */

static void check_fn_arity(checker *c, const card_stmt *st, int i, const card_vtype *v) {
  int want = fn_param_arity(st->callee.prim, i);
  const card_arg *a = &st->args[i];
  const char *prim = st->callee.prim->name;
  if (want == FN_FREE || v->arity < 0) return;
  if (want == FN_BINDABLE && (v->arity < 2 || v->arity > 4))
    error_at(c, a->line, a->col, "argument %d of '%s' must be a function of 2 to 4 arguments, got one of %d",
             i + 1, prim, v->arity);
  else if (want >= 0 && v->arity != want)
    error_at(c, a->line, a->col, "argument %d of '%s' must be a function of %d argument%s, got one of %d",
             i + 1, prim, want, plural(want), v->arity);
}

/* A call leaving out optional parameters takes their primitives (`optional`): the statement
 * gets them as arguments. */
static void add_optional(checker *c, card_stmt *st, card_vtype *argv) {
  const cat_prim *prim = st->callee.prim;
  int first = prim->arity - prim->n_optional;
  if (st->nargs >= prim->arity || st->nargs < first) return;
  st->args = xrealloc(st->args, (size_t)prim->arity * sizeof *st->args);
  for (int k = st->nargs; k < prim->arity; k++) {
    const cat_prim *o = NULL;
    for (int m = 0; m < c->cat->n_prims && !o; m++)
      if (!strcmp(c->cat->prims[m].name, prim->optional[k - first])) o = &c->cat->prims[m];
    st->args[k] = (card_arg){.kind = ARG_PRIM,
                             .name = xstrdup(o->name),
                             .line = st->callee.line,
                             .col = st->callee.col,
                             .prim = o};
    argv[k] = unknown();
  }
  st->nargs = prim->arity;
}

static card_vtype check_prim_call(checker *c, card_stmt *st, card_vtype *argv) {
  const cat_prim *prim = st->callee.prim;
  add_optional(c, st, argv);
  if (st->nargs != prim->arity) {
    error_at(c, st->callee.line, st->callee.col, "'%s' takes %d argument%s, got %d", prim->name, prim->arity,
             plural(prim->arity), st->nargs);
    return unknown();
  }
  for (int i = 0; i < st->nargs; i++) {
    const cat_type *want = named_type(c->cat, prim->params[i]);
    if (argv[i].type && want && !type_fits(argv[i].type, want, c->cat))
      mismatch_at(c, st->args[i].line, st->args[i].col, "argument %d of '%s' must be %s, got %s", i + 1,
                  prim->name, want->name, type_name(&argv[i]));
    else
      check_fn_arity(c, st, i, &argv[i]);
  }
  card_vtype v = of_type(c, named_type(c->cat, prim->result));
  if (prim->props & CAT_MAKES_FN) closure_type(c, prim, argv, &v);
  return v;
}

/* A call through a value: a variable or an input. */
static card_vtype check_value_call(checker *c, card_stmt *st, const card_vtype *fn) {
  const card_arg *a = &st->callee;
  bool temp = a->kind == ARG_VAR && c->sv->stmts[a->var].temp;
  int most = 0; /* no function value takes more arguments than the widest primitive */
  for (int k = 0; k < c->cat->n_prims; k++)
    if (c->cat->prims[k].arity > most) most = c->cat->prims[k].arity;
  if (st->nargs > most) {
    error_at(c, a->line, a->col, "a function value takes at most %d argument%s, got %d", most, plural(most),
             st->nargs);
    return unknown();
  }
  if (fn->type && !type_fits(fn->type, c->callable, c->cat)) {
    if (temp)
      error_at(c, a->line, a->col, "the called value is not a function (type %s)", type_name(fn));
    else
      error_at(c, a->line, a->col, "'%s' is not a function (type %s)", a->name, type_name(fn));
    return unknown();
  }
  if (fn->arity >= 0 && st->nargs != fn->arity) {
    if (temp)
      error_at(c, a->line, a->col, "the called function takes %d argument%s, got %d", fn->arity,
               plural(fn->arity), st->nargs);
    else
      error_at(c, a->line, a->col, "'%s' takes %d argument%s, got %d", a->name, fn->arity, plural(fn->arity),
               st->nargs);
    return unknown();
  }
  return (card_vtype){fn->ret, -1, NULL};
}

static card_vtype check_call(checker *c, card_stmt *st) {
  card_vtype fn = resolve(c, &st->callee, true);
  /* room for the optional parameters a call leaves out (add_optional) */
  card_vtype *argv = xcalloc((size_t)(st->nargs > CAT_MAX_PARAMS ? st->nargs : CAT_MAX_PARAMS), sizeof *argv);
  for (int i = 0; i < st->nargs; i++)
    argv[i] = resolve(c, &st->args[i], false);
  card_vtype v = unknown();
  switch (st->callee.kind) {
  case ARG_PRIM: v = check_prim_call(c, st, argv); break;
  case ARG_VAR:
  case ARG_INPUT: v = check_value_call(c, st, &fn); break;
  case ARG_CONST:
    error_at(c, st->callee.line, st->callee.col, "'%s' is a constant, not a function", st->callee.name);
    break;
  default: break;
  }
  free(argv);
  return v;
}

/* ---- statements and solvers ---------------------------------------------------------------- */

static void define(checker *c, int i) {
  card_stmt *st = &c->sv->stmts[i];
  card_input in;
  const char *name = st->target;
  bool report = st->kind != STMT_BROKEN;
  int first = strmap_get(&c->defined, name);
  if (st->temp) {
    strmap_put(&c->defined, name, i + 1);
  } else if (input_of(name, &in)) {
    if (report) error_at(c, st->line, st->col, "cannot assign to input '%s'", name);
  } else if (find_prim(c, name)) {
    if (report) error_at(c, st->line, st->col, "cannot assign to primitive '%s'", name);
  } else if (find_const(c, name)) {
    if (report) error_at(c, st->line, st->col, "cannot assign to constant '%s'", name);
  } else if (first) {
    if (report)
      error_at(c, st->line, st->col, "'%s' is assigned twice (first at line %d)", name,
               c->sv->stmts[first - 1].line);
  } else {
    strmap_put(&c->defined, name, i + 1);
  }
}

static bool arg_reads_c(const card_arg *a, const bool *reads) {
  return (a->kind == ARG_INPUT && a->input == INPUT_C) || (a->kind == ARG_VAR && reads[a->var]);
}

/* C, the expected output, is known on demonstration pairs only: an output computed from it
 * would "solve" every task. The returned value may not depend on C, directly or not. */
static void check_output_reads_c(checker *c, card_solver *sv) {
  bool *reads = xcalloc((size_t)(sv->nstmts ? sv->nstmts : 1), sizeof *reads);
  for (int i = 0; i < sv->nstmts; i++) {
    const card_stmt *st = &sv->stmts[i];
    bool r = st->kind == STMT_CALL && arg_reads_c(&st->callee, reads);
    for (int k = 0; k < st->nargs && !r; k++)
      r = arg_reads_c(&st->args[k], reads);
    reads[i] = r;
  }
  if (arg_reads_c(&sv->ret, reads))
    error_at(c, sv->ret.line, sv->ret.col,
             "the output depends on C, the expected output (known on demonstration pairs only): a solver may "
             "not read it");
  free(reads);
}

static void check_solver(checker *c, card_solver *sv) {
  c->sv = sv;
  strmap_free(&c->defined);
  strmap_free(&c->assigned);
  for (int i = 0; i < sv->nstmts; i++)
    if (!sv->stmts[i].temp && !strmap_get(&c->assigned, sv->stmts[i].target))
      strmap_put(&c->assigned, sv->stmts[i].target, i + 1);

  for (int i = 0; i < sv->nstmts; i++) {
    card_stmt *st = &sv->stmts[i];
    if (st->kind == STMT_CALL)
      st->vt = check_call(c, st);
    else if (st->kind == STMT_COPY)
      st->vt = resolve(c, &st->args[0], false);
    else
      st->vt = unknown();
    define(c, i);
  }

  if (sv->has_return) {
    resolve(c, &sv->ret, false);
    if (sv->nparams == 3 && !sv->broken) check_output_reads_c(c, sv); /* else C is reported already */
  } else if (sv->name && !sv->broken)
    error_at(c, sv->line, sv->col, "solver '%s' has no return", sv->name);
}

bool check_program(card_program *prog, const catalog *cat, card_diag *d) {
  checker c = {.cat = cat, .d = d};
  c.any = catalog_type(cat, "Any");
  c.callable = catalog_type(cat, "Callable");
  c.grid = catalog_type(cat, "Grid");
  c.samples = catalog_type(cat, "Samples");
  c.integer = catalog_type(cat, "Integer");
  int before = d->nerrors;
  for (int i = 0; i < cat->n_prims; i++)
    if (!(cat->prims[i].props & CAT_INTERNAL) && !strmap_get(&c.prims, cat->prims[i].name))
      strmap_put(&c.prims, cat->prims[i].name, i + 1);
  for (int i = 0; i < cat->n_consts; i++)
    if (!strmap_get(&c.consts, cat->consts[i].name)) strmap_put(&c.consts, cat->consts[i].name, i + 1);

  strmap names = {0};
  for (int i = 0; i < prog->nsolvers; i++) {
    card_solver *sv = prog->solvers[i];
    int first = sv->name ? strmap_get(&names, sv->name) : 0;
    if (first) {
      const card_solver *f = prog->solvers[first - 1];
      c.sv = sv;
      if (f->src == sv->src)
        error_at(&c, sv->line, sv->col, "redefinition of solver '%s' (first defined at line %d)", sv->name,
                 f->line);
      else
        error_at(&c, sv->line, sv->col, "redefinition of solver '%s' (first defined at %s:%d)", sv->name,
                 f->src->path, f->line);
    } else if (sv->name) {
      strmap_put(&names, sv->name, i + 1);
    }
    check_solver(&c, sv);
  }
  strmap_free(&names);
  strmap_free(&c.defined);
  strmap_free(&c.assigned);
  strmap_free(&c.prims);
  strmap_free(&c.consts);

  prog->cat = cat;
  prog->checked_ok = d->nerrors == before && prog->parse_errors == 0;
  return prog->checked_ok;
}
