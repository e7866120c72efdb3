/* spec.c: specialised closures — C code for the closures whose structure card knows.
 *
 * A line such as t464 = fork(subtract, first, t167) makes, on every item, a closure of the
 * same structure: a fork whose outer function is the primitive subtract, whose left one
 * is first and whose right one is t167's closure (compose(center, last)). Its shape is
 * that structure: the constructor and, per captured value, a primitive, a closure of a
 * known shape, or a value known only at run time. card emits one C function per shape
 * (K<id>) doing what the generic call (runtime/closure.c) does for that constructor, with
 * the primitives called directly and the closures of known shape through their own code
 * (runtime/spec.h); the line's call gives its closures that code (bt_exec_call_code).
 * Inside a body, a constructor called on captured values of known shape (lbind(lbind,
 * astuple) called on x makes lbind(astuple, x)) gives the closure it makes the code of
 * that shape too, so closures made while a solver runs are specialised as well. */
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "card.h"
#include "spec.h"

enum { SA_DYN, SA_PRIM, SA_SHAPE, SA_INT };

/* Python's recursion limit stops power(f, n) past this count (runtime/closure.c). */
enum { POWER_MAX = 990 };

typedef struct sarg {
  int kind; /* SA_* */
  int id;   /* SA_PRIM: primitive id; SA_SHAPE: shape id; SA_INT: power's count */
} sarg;

typedef struct shape {
  int ctor, nargs, arity;
  sarg a[3];
  int quick; /* whether it has a quick evaluation: -1 not known yet, 0 no, 1 yes */
} shape;

struct spec_table {
  shape *s;
  int n, cap;
  int *line_shape; /* per merged line: its closures' shape, or -1 */
  strbuf bodies;   /* the closures' code, made once every shape is known */
  bool made;
};

static bool is_ctor(int p) {
  return p == BT_P_compose || p == BT_P_chain || p == BT_P_fork || p == BT_P_matcher || p == BT_P_rbind ||
         p == BT_P_lbind || p == BT_P_power;
}

/* How many arguments a captured function of description a takes; -1 when unknown. */
static int sarg_arity(const spec_table *t, sarg a) {
  if (a.kind == SA_PRIM) return bt_prims[a.id].arity;
  if (a.kind == SA_SHAPE) return t->s[a.id].arity;
  return -1;
}

/* The id of the shape (ctor, a[0..nargs-1]), added when new; -1 when card does not
 * specialise it (the generic call serves it). */
static int shape_of(spec_table *t, int ctor, const sarg *a, int nargs) {
  if (!is_ctor(ctor) || nargs != bt_prims[ctor].arity || nargs > 3) return -1;
  int arity = bt_prims[ctor].makes;
  if (arity == BT_MAKES_SAME) { /* power(f, n): compose's closure, for a count of 2 and more */
    if (a[1].kind != SA_INT || a[1].id < 2 || a[1].id > POWER_MAX) return -1;
    arity = bt_prims[BT_P_compose].makes;
  } else if (arity == BT_MAKES_BIND) {
    int n = sarg_arity(t, a[0]);
    if (n < 0) return -1;
    arity = n == 2 ? 1 : n == 3 ? 2 : 3;
    if (n != arity + 1) return -1; /* every call is a TypeError: the generic call gives it */
  }
  if (arity < 1 || arity > 3) return -1;
  for (int i = 0; i < t->n; i++) {
    const shape *s = &t->s[i];
    if (s->ctor != ctor || s->nargs != nargs) continue;
    bool same = true;
    for (int k = 0; k < nargs && same; k++)
      same = s->a[k].kind == a[k].kind && (a[k].kind == SA_DYN || s->a[k].id == a[k].id);
    if (same) return i;
  }
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 64;
    t->s = xrealloc(t->s, (size_t)t->cap * sizeof *t->s);
  }
  shape *s = &t->s[t->n];
  memset(s, 0, sizeof *s);
  s->ctor = ctor;
  s->nargs = nargs;
  s->arity = arity;
  s->quick = -1;
  for (int k = 0; k < nargs; k++)
    s->a[k] = a[k].kind == SA_DYN ? (sarg){SA_DYN, 0} : a[k];
  return t->n++;
}

spec_table *spec_build(const card_merged *m) {
  spec_table *t = xcalloc(1, sizeof *t);
  t->line_shape = xcalloc((size_t)m->nlines + 1, sizeof *t->line_shape);
  for (int k = 0; k < m->nlines; k++) {
    const card_line *l = &m->lines[k];
    t->line_shape[k] = -1;
    if (l->callee.kind != OPND_PRIM || l->nargs > 3) continue;
    int ctor = bt_prim_lookup(l->callee.prim->cname);
    if (ctor < 0 || !is_ctor(ctor)) continue;
    sarg a[3];
    for (int i = 0; i < l->nargs; i++) {
      const card_opnd *o = &l->args[i];
      int p = o->kind == OPND_PRIM ? bt_prim_lookup(o->prim->cname) : -1;
      if (p >= 0)
        a[i] = (sarg){SA_PRIM, p};
      else if (ctor == BT_P_power && i == 1 && o->kind == OPND_INT && o->v[0] >= 2 && o->v[0] <= POWER_MAX)
        a[i] = (sarg){SA_INT, (int)o->v[0]};
      else if (o->kind == OPND_LINE && o->line < k && t->line_shape[o->line] >= 0)
        a[i] = (sarg){SA_SHAPE, t->line_shape[o->line]};
      else
        a[i] = (sarg){SA_DYN, 0};
    }
    t->line_shape[k] = shape_of(t, ctor, a, l->nargs);
  }
  return t;
}

int spec_line_shape(const spec_table *t, int k) { return t ? t->line_shape[k] : -1; }

void spec_free(spec_table *t) {
  if (!t) return;
  free(t->s);
  free(t->line_shape);
  free(t->bodies.buf);
  free(t);
}

static int quick_tag(spec_table *t, int id);

/* The call of captured value i (description a) on the m values of array args, whose
 * descriptions are d (NULL: all known only at run time). */
static void emit_call(strbuf *sb, spec_table *t, int i, sarg a, const char *args, int m, const sarg *d) {
  if (a.kind == SA_PRIM && bt_prims[a.id].arity == m) {
    const char *name = bt_prims[a.id].name;
    int made = -1;
    if (d && is_ctor(a.id)) made = shape_of(t, a.id, d, m);
    if (made >= 0) sb_puts(sb, "bt_sp_tag(");
    sb_printf(sb, "bt_sp_prim(cx, BT_P_%s, ", name);
    if (bt_prims[a.id].dflt)
      sb_printf(sb, "bt_prims[BT_P_%s].fn", name); /* its wrapper gives the default */
    else
      sb_printf(sb, "bt_p_%s", name);
    sb_printf(sb, ", %s, %d)", args, m);
    if (made >= 0) sb_printf(sb, ", BT_P_%s, K%d, %d)", name, made, quick_tag(t, made));
  } else if (a.kind == SA_PRIM)
    sb_printf(sb, "bt_call_raw(cx, bt_prim_value(BT_P_%s), %s, %d)", bt_prims[a.id].name, args, m);
  else if (a.kind == SA_SHAPE && t->s[a.id].arity == m)
    sb_printf(sb, "bt_sp_clo(cx, c->args[%d], K%d, %s, %d)", i, a.id, args, m);
  else
    sb_printf(sb, "bt_call_raw(cx, c->args[%d], %s, %d)", i, args, m);
}

/* The calls a closure of shape s makes: captured value at[k] on m[k] arguments. */
static int shape_calls(const shape *s, int at[3], int m[3]) {
  switch (s->ctor) {
  case BT_P_compose: at[0] = 1, at[1] = 0, m[0] = m[1] = 1; return 2;
  case BT_P_chain: at[0] = 2, at[1] = 1, at[2] = 0, m[0] = m[1] = m[2] = 1; return 3;
  case BT_P_fork: at[0] = 1, at[1] = 2, at[2] = 0, m[0] = m[1] = 1, m[2] = 2; return 3;
  case BT_P_rbind:
  case BT_P_lbind: at[0] = 0, m[0] = s->arity + 1; return 1;
  case BT_P_power: at[0] = 0, m[0] = 1; return 1; /* a[1].id times */
  default: return 0;
  }
}

/* Whether a closure of shape id has a quick evaluation (runtime/spec.h): each call it makes
 * is of a primitive bt_q_body computes (taking its arguments exactly, no default), of a
 * closure of a shape that has one, or of a function known only at run time (whose quick
 * evaluation, if any, is found then). */
static bool shape_quick(spec_table *t, int id) {
  shape *s = &t->s[id];
  if (s->quick >= 0) return s->quick;
  int at[3], m[3], n = shape_calls(s, at, m);
  bool ok = n > 0;
  for (int k = 0; k < n && ok; k++) {
    sarg a = s->a[at[k]];
    if (a.kind == SA_PRIM)
      ok = bt_prims[a.id].arity == m[k] && !bt_prims[a.id].dflt && bt_q_has(a.id);
    else if (a.kind == SA_SHAPE)
      ok = t->s[a.id].arity == m[k] && shape_quick(t, a.id);
    else
      ok = a.kind == SA_DYN;
  }
  s = &t->s[id];
  s->quick = ok;
  return ok;
}

/* 1 + the number of shape id's quick evaluation, or 0 (bt_closure.quick). */
static int quick_tag(spec_table *t, int id) { return shape_quick(t, id) ? id + 1 : 0; }

/* In Q<id>: the call of captured value i (description a) on the m values of array args,
 * checking max_depth at d, into out. */
static void emit_qcall(strbuf *sb, const spec_table *t, int i, sarg a, const char *args, int m,
                       const char *out) {
  if (a.kind == SA_PRIM)
    sb_printf(sb, "bt_q_prim(q, BT_P_%s, %s, %d, d, Qdyn, %s)", bt_prims[a.id].name, args, m, out);
  else if (a.kind == SA_SHAPE && t->s[a.id].arity == m)
    sb_printf(sb,
              "(bt_q_is(&c->args[%d], K%d, %d) ? (bt_q_at(q, d), Q%d(q, c->args[%d].u.clo, %s, d + 1, %s))\n"
              "                              : Qdyn(q, &c->args[%d], %s, %d, d, %s))",
              i, a.id, m, a.id, i, args, out, i, args, m, out);
  else
    sb_printf(sb, "Qdyn(q, &c->args[%d], %s, %d, d, %s)", i, args, m, out);
}

/* Q<id>: the quick evaluation of a closure of shape id, its calls in the order of K<id>'s. */
static void emit_quick_body(strbuf *sb, const spec_table *t, int id) {
  const shape *s = &t->s[id];
  sb_printf(sb,
            "\nstatic bool Q%d(bt_qctx *q, const bt_closure *c, const bt_value *x, int d, bt_value *r) {\n",
            id);
  /* compose, chain, fork: the calls in K<id>'s order, each on `in` into `out` */
  typedef struct {
    int at, m;
    const char *in, *out;
  } qcall;
  static const qcall compose[] = {{1, 1, "x", "&v[0]"}, {0, 1, "&v[0]", "r"}};
  static const qcall chain[] = {{2, 1, "x", "&v[0]"}, {1, 1, "&v[0]", "&v[1]"}, {0, 1, "&v[1]", "r"}};
  static const qcall fork[] = {{1, 1, "x", "&v[0]"}, {2, 1, "x", "&v[1]"}, {0, 2, "v", "r"}};
  const qcall *calls = s->ctor == BT_P_compose ? compose
                       : s->ctor == BT_P_chain ? chain
                       : s->ctor == BT_P_fork  ? fork
                                               : NULL;
  switch (s->ctor) {
  case BT_P_compose:
  case BT_P_chain:
  case BT_P_fork:
    sb_puts(sb, "  bt_value v[2];\n  return ");
    for (int k = 0; k < (s->ctor == BT_P_compose ? 2 : 3); k++) {
      if (k) sb_puts(sb, " &&\n         ");
      emit_qcall(sb, t, calls[k].at, s->a[calls[k].at], calls[k].in, calls[k].m, calls[k].out);
    }
    break;
  case BT_P_power:
    sb_printf(sb, "  bt_value v[2];\n  v[0] = x[0];\n  for (int k = 0; k < %d; k++)\n    if (!", s->a[1].id);
    emit_qcall(sb, t, 0, s->a[0], "&v[k & 1]", 1, "&v[(k + 1) & 1]");
    sb_printf(sb, ")\n      return false;\n  *r = v[%d];\n  return true", s->a[1].id & 1);
    break;
  default: { /* rbind, lbind */
    int n = s->arity;
    bool rb = s->ctor == BT_P_rbind;
    sb_printf(sb, "  bt_value v[%d];\n", n + 1);
    for (int k = 0; k < n; k++)
      sb_printf(sb, "  v[%d] = x[%d];\n", rb ? k : k + 1, k);
    sb_printf(sb, "  v[%d] = c->args[1];\n  return ", rb ? n : 0);
    emit_qcall(sb, t, 0, s->a[0], "v", n + 1, "r");
  }
  }
  sb_puts(sb, ";\n}\n");
}

/* Qdyn: the call of a function value known only at run time, as call() makes it: a
 * primitive, or a closure with a quick evaluation. */
static void emit_quick_dispatch(strbuf *sb, spec_table *t) {
  sb_puts(
      sb,
      "\nstatic bool Qdyn(bt_qctx *q, const bt_value *f, const bt_value *x, int m, int d, bt_value *r) {\n"
      "  if (f->kind != BT_FN) return false;\n"
      "  if (!f->u.clo) return bt_q_prim_value(q, f->prim, x, m, d, Qdyn, r);\n"
      "  const bt_closure *c = f->u.clo;\n"
      "  if (c->arity != m || !c->quick) return false;\n"
      "  bt_q_at(q, d);\n"
      "  switch (c->quick) {\n");
  for (int id = 0; id < t->n; id++)
    if (shape_quick(t, id)) sb_printf(sb, "  case %d: return Q%d(q, c, x, d + 1, r);\n", id + 1, id);
  sb_puts(sb, "  default: return false;\n  }\n}\n");
}

static void emit_body(strbuf *sb, spec_table *t, int id) {
  shape s = t->s[id]; /* a copy: emit_call may add shapes */
  sb_printf(sb, "\nstatic bt_value K%d(bt_ctx *cx, const bt_closure *c, const bt_value *x, int n) {\n", id);
  sb_puts(sb, "  (void)c;\n  (void)n;\n");
  if (shape_quick(t, id))
    sb_printf(sb,
              "  bt_qctx q;\n  bt_value qr;\n  bt_q_start(&q, cx);\n"
              "  if (Q%d(&q, c, x, 0, &qr) && bt_q_commit(&q, qr)) return qr;\n",
              id);
  switch (s.ctor) {
  case BT_P_compose:
    sb_puts(sb, "  bt_value v = ");
    emit_call(sb, t, 1, s.a[1], "x", 1, NULL);
    sb_puts(sb, ";\n  return ");
    emit_call(sb, t, 0, s.a[0], "&v", 1, NULL);
    sb_puts(sb, ";\n");
    break;
  case BT_P_chain:
    sb_puts(sb, "  bt_value v0 = ");
    emit_call(sb, t, 2, s.a[2], "x", 1, NULL);
    sb_puts(sb, ";\n  bt_value v1 = ");
    emit_call(sb, t, 1, s.a[1], "&v0", 1, NULL);
    sb_puts(sb, ";\n  return ");
    emit_call(sb, t, 0, s.a[0], "&v1", 1, NULL);
    sb_puts(sb, ";\n");
    break;
  case BT_P_fork:
    sb_puts(sb, "  bt_value v[2];\n  v[0] = ");
    emit_call(sb, t, 1, s.a[1], "x", 1, NULL);
    sb_puts(sb, ";\n  if (v[0].kind == BT_ERR) return v[0];\n  v[1] = ");
    emit_call(sb, t, 2, s.a[2], "x", 1, NULL);
    sb_puts(sb, ";\n  return ");
    emit_call(sb, t, 0, s.a[0], "v", 2, NULL);
    sb_puts(sb, ";\n");
    break;
  case BT_P_power:
    sb_printf(
        sb, "  bt_value r = x[0];\n  for (int k = 0; k < %d && r.kind != BT_ERR; k++)\n    r = ", s.a[1].id);
    emit_call(sb, t, 0, s.a[0], "&r", 1, NULL);
    sb_puts(sb, ";\n  return r;\n");
    break;
  case BT_P_matcher:
    sb_puts(sb, "  bt_mark m = bt_arena_mark(cx);\n  bt_value r = bt_unpack(cx, ");
    emit_call(sb, t, 0, s.a[0], "x", 1, NULL);
    sb_puts(sb, ");\n  r = bt_is_err(r) ? r : bt_bool(bt_eq(r, c->args[1]));\n"
                "  bt_arena_release(cx, m); /* only the bool is kept */\n"
                "  return bt_walk_spent() ? bt_err(BT_E_LIMIT) : r;\n");
    break;
  default: { /* rbind, lbind: the bound value after or before the arguments */
    int n = s.arity;
    bool r = s.ctor == BT_P_rbind;
    sarg d[4];
    sb_printf(sb, "  bt_value v[%d];\n", n + 1);
    for (int k = 0; k < n; k++) {
      sb_printf(sb, "  v[%d] = x[%d];\n", r ? k : k + 1, k);
      d[r ? k : k + 1] = (sarg){SA_DYN, 0};
    }
    sb_printf(sb, "  v[%d] = c->args[1];\n", r ? n : 0);
    d[r ? n : 0] = s.a[1];
    sb_puts(sb, "  return ");
    emit_call(sb, t, 0, s.a[0], "v", n + 1, d);
    sb_puts(sb, ";\n");
  }
  }
  sb_puts(sb, "}\n");
}

void spec_emit(strbuf *sb, spec_table *t, bool quick) {
  if (!t->made) { /* t->n grows as bodies make closures of new shapes */
    for (int id = 0; id < t->n; id++)
      emit_body(&t->bodies, t, id);
    t->made = true;
  }
  if (!quick) {
    if (t->bodies.len) sb_puts(sb, t->bodies.buf);
    return;
  }
  bool any = false;
  for (int id = 0; id < t->n; id++) {
    sb_printf(sb, "static bt_value K%d(bt_ctx *cx, const bt_closure *c, const bt_value *x, int n);\n", id);
    if (shape_quick(t, id)) {
      sb_printf(sb,
                "static bool Q%d(bt_qctx *q, const bt_closure *c, const bt_value *x, int d, bt_value *r);\n",
                id);
      any = true;
    }
  }
  if (any)
    sb_puts(
        sb,
        "static bool Qdyn(bt_qctx *q, const bt_value *f, const bt_value *x, int m, int d, bt_value *r);\n");
  for (int id = 0; id < t->n; id++)
    if (shape_quick(t, id)) emit_quick_body(sb, t, id);
  if (any) emit_quick_dispatch(sb, t);
}

int spec_line_quick(spec_table *t, int k) {
  int id = spec_line_shape(t, k);
  return id >= 0 ? quick_tag(t, id) : 0;
}
