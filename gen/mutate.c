/* mutate.c: seeded, type-compatible mutants of checked solvers, as solver source text.
 *
 * A mutant is its solver with one or more places replaced: a callee by another primitive of
 * the same arity and result type, an argument by a constant of a fitting type, a variable
 * or input by an earlier one of a fitting type, a function value by a primitive or
 * variable of the arity the callee calls it with. C (the expected output) is never drawn:
 * a mutant would match by copying it. Each mutant is checked
 * as card checks any solver, so every one written is a valid solver; attempts that fail
 * the check are drawn again. The draw depends only on the seed, the solver's name and the
 * mutant's number, so a solver's mutants do not change when other solvers are added.
 */
#include <stdlib.h>
#include <string.h>

#include "card.h"

typedef struct edit {
  int stmt, arg; /* arg -1: the callee */
  card_arg to;
} edit;

/* The places of statement st that may be edited: its callee when that is a primitive,
 * then its arguments. */
static int places(const card_stmt *st) {
  return (st->kind == STMT_CALL && st->callee.kind == ARG_PRIM) + st->nargs;
}

static uint64_t next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static uint64_t hash_name(uint64_t h, const char *s) {
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
  return h;
}

static void print_var(strbuf *sb, const card_solver *sv, int var) {
  const char *t = sv->stmts[var].target;
  if (t[0] == '%')
    sb_printf(sb, "tmp_%s", t + 1); /* a flattened nested call gets a line of its own */
  else
    sb_puts(sb, t);
}

static void print_arg(strbuf *sb, const card_solver *sv, const card_arg *a) {
  switch (a->kind) {
  case ARG_INT: sb_printf(sb, "%lld", a->value); break;
  case ARG_VAR: print_var(sb, sv, a->var); break;
  case ARG_INPUT: sb_puts(sb, a->input == INPUT_S ? "S" : a->input == INPUT_I ? "I" : "C"); break;
  case ARG_CONST: sb_puts(sb, a->cst->name); break;
  case ARG_PRIM: sb_puts(sb, a->prim->name); break;
  default: sb_puts(sb, a->name); break;
  }
}

/* The solver as source, named name, with the edits applied (and said in a comment). */
static void print_solver(strbuf *sb, const card_solver *sv, const char *name, const edit *ed, int ned) {
  sb_printf(sb, "# %s with", sv->name);
  for (int e = 0; e < ned; e++) {
    const card_stmt *st = &sv->stmts[ed[e].stmt];
    if (ed[e].arg < 0)
      sb_printf(sb, "%s the callee of ", e ? ";" : "");
    else
      sb_printf(sb, "%s argument %d of ", e ? ";" : "", ed[e].arg + 1);
    print_var(sb, sv, ed[e].stmt);
    sb_puts(sb, ": ");
    print_arg(sb, sv, ed[e].arg < 0 ? &st->callee : &st->args[ed[e].arg]);
    sb_puts(sb, " -> ");
    print_arg(sb, sv, &ed[e].to);
  }
  sb_printf(sb, "\ndef %s(%s):\n", name, sv->nparams == 3 ? "S, I, C" : "I");
  for (int s = 0; s < sv->nstmts; s++) {
    const card_stmt *st = &sv->stmts[s];
    sb_puts(sb, "    ");
    print_var(sb, sv, s);
    sb_puts(sb, " = ");
    if (st->kind == STMT_CALL) {
      const card_arg *callee = &st->callee;
      for (int e = 0; e < ned; e++)
        if (ed[e].stmt == s && ed[e].arg < 0) callee = &ed[e].to;
      print_arg(sb, sv, callee);
      sb_putc(sb, '(');
    }
    for (int a = 0; a < st->nargs; a++) {
      const card_arg *arg = &st->args[a];
      for (int e = 0; e < ned; e++)
        if (ed[e].stmt == s && ed[e].arg == a) arg = &ed[e].to;
      if (a) sb_puts(sb, ", ");
      print_arg(sb, sv, arg);
    }
    if (st->kind == STMT_CALL) sb_putc(sb, ')');
    sb_putc(sb, '\n');
  }
  sb_puts(sb, "    return ");
  print_arg(sb, sv, &sv->ret);
  sb_puts(sb, "\n\n\n");
}

typedef struct pool {
  card_arg *v;
  int n, cap;
} pool;

static void add(pool *p, card_arg a) {
  grow(&p->v, &p->cap, p->n + 1, sizeof *p->v);
  p->v[p->n++] = a;
}

static bool arity_ok(int want, int have) {
  if (want == FN_FREE) return true;
  if (want == FN_BINDABLE) return have >= 2 && have <= 4;
  return have == want;
}

static bool same_arg(const card_arg *c, const card_arg *now) {
  return c->kind == now->kind &&
         ((c->kind == ARG_PRIM && c->prim == now->prim) || (c->kind == ARG_CONST && c->cst == now->cst) ||
          (c->kind == ARG_INPUT && c->input == now->input) || (c->kind == ARG_VAR && c->var == now->var));
}

/* What may stand as argument `a` of statement s: values of a type that fits the parameter
 * (any type when the callee is a variable), other than what stands there now, in three
 * pools: primitives, constants, variables and inputs. */
static void candidates(const card_solver *sv, const catalog *cat, int s, int a, pool out[3]) {
  const card_stmt *st = &sv->stmts[s];
  const cat_prim *callee = st->callee.kind == ARG_PRIM ? st->callee.prim : NULL;
  const cat_type *param = callee && a < callee->arity ? catalog_type(cat, callee->params[a]) : NULL;
  const cat_type *callable = catalog_type(cat, "Callable");
  int want = callee ? fn_param_arity(callee, a) : FN_FREE;
  bool fn = param && param == callable;
  const card_arg *now = &st->args[a];
  for (int k = 0; k < 3; k++)
    out[k].n = 0;
  if (fn || !param) {
    for (int k = 0; k < cat->n_prims; k++) {
      card_arg c = {.kind = ARG_PRIM, .name = cat->prims[k].name, .prim = &cat->prims[k]};
      if (cat->prims[k].props & CAT_INTERNAL) continue;
      if (arity_ok(want, cat->prims[k].arity) && !same_arg(&c, now)) add(&out[0], c);
    }
  }
  if (!fn) {
    for (int k = 0; k < cat->n_consts; k++) {
      card_arg c = {.kind = ARG_CONST, .name = cat->consts[k].name, .cst = &cat->consts[k]};
      if (type_fits(catalog_type(cat, cat->consts[k].type), param, cat) && !same_arg(&c, now))
        add(&out[1], c);
    }
    /* never C, the expected output: a mutant reading it would match by copying it */
    static const card_input ins[] = {INPUT_S, INPUT_I};
    static const char *const in_names[] = {"S", "I"};
    for (int k = 0; k < 2; k++) {
      card_arg c = {.kind = ARG_INPUT, .name = (char *)in_names[k], .input = ins[k]};
      if ((sv->nparams == 3 || ins[k] == INPUT_I) && !same_arg(&c, now)) add(&out[2], c);
    }
  }
  for (int v = 0; v < s; v++) {
    const card_vtype *vt = &sv->stmts[v].vt;
    card_arg c = {.kind = ARG_VAR, .name = sv->stmts[v].target, .var = v};
    if ((fn ? (vt->type == NULL || vt->type == callable) && (vt->arity < 0 || arity_ok(want, vt->arity))
            : type_fits(vt->type, param, cat)) &&
        !same_arg(&c, now))
      add(&out[2], c);
  }
}

/* What may be called instead of primitive callee: the primitives of its arity and result. */
static void callee_candidates(const cat_prim *callee, const catalog *cat, pool out[3]) {
  for (int k = 0; k < 3; k++)
    out[k].n = 0;
  for (int k = 0; k < cat->n_prims; k++) {
    const cat_prim *p = &cat->prims[k];
    if (p->props & CAT_INTERNAL) continue;
    if (p != callee && p->arity == callee->arity && !strcmp(p->result, callee->result))
      add(&out[0], (card_arg){.kind = ARG_PRIM, .name = p->name, .prim = p});
  }
}

/* Whether text is a solver file card accepts. */
static bool checks(const char *text, size_t len, const catalog *cat) {
  card_program prog;
  card_diag d = {0};
  program_init(&prog);
  program_add_text(&prog, "mutant.py", text, len, &d);
  bool ok = check_program(&prog, cat, &d);
  diag_free(&d);
  program_free(&prog);
  return ok;
}

char *mutate_program(const card_program *prog, const catalog *cat, uint64_t seed, int count, int edits,
                     int *made) {
  strbuf out = {0};
  pool cand[3] = {{0}};
  edit *ed = xcalloc((size_t)(edits > 0 ? edits : 1), sizeof *ed);
  *made = 0;
  for (int i = 0; i < prog->nsolvers; i++) {
    const card_solver *sv = prog->solvers[i];
    int editable = 0;
    for (int s = 0; s < sv->nstmts; s++)
      editable += places(&sv->stmts[s]);
    if (!sv->name || editable == 0) continue;
    for (int m = 1; m <= count; m++) {
      uint64_t rng = hash_name(seed * 0x9E3779B97F4A7C15ull + (uint64_t)m, sv->name) | 1;
      strbuf name = {0};
      sb_printf(&name, "%s_m%d", sv->name, m);
      for (int attempt = 0; attempt < 32; attempt++) {
        int ned = 0;
        for (int e = 0; e < edits; e++) {
          uint64_t pick = next(&rng) % (uint64_t)editable;
          int s = 0;
          while (pick >= (uint64_t)places(&sv->stmts[s]))
            pick -= (uint64_t)places(&sv->stmts[s++]);
          const card_stmt *st = &sv->stmts[s];
          int arg = (int)pick - (places(st) - st->nargs); /* -1: the callee */
          bool again = false;                             /* a place already edited: one edit fewer */
          for (int k = 0; k < ned; k++)
            again |= ed[k].stmt == s && ed[k].arg == arg;
          if (again) continue;
          if (arg < 0)
            callee_candidates(st->callee.prim, cat, cand);
          else
            candidates(sv, cat, s, arg, cand);
          /* a pool at random among those with something in them, then one of its values */
          int pools[3], np = 0;
          for (int k = 0; k < 3; k++)
            if (cand[k].n) pools[np++] = k;
          if (np == 0) continue;
          const pool *from = &cand[pools[next(&rng) % (uint64_t)np]];
          ed[ned++] = (edit){s, arg, from->v[next(&rng) % (uint64_t)from->n]};
        }
        if (ned == 0) continue;
        strbuf text = {0};
        print_solver(&text, sv, name.buf, ed, ned);
        if (checks(text.buf, text.len, cat)) {
          sb_putn(&out, text.buf, text.len);
          (*made)++;
          sb_free(&text);
          break;
        }
        sb_free(&text);
      }
      sb_free(&name);
    }
  }
  for (int k = 0; k < 3; k++)
    free(cand[k].v);
  free(ed);
  return sb_take(&out);
}
