/* closure.c: function values and calls — the closure constructors of arc-dsl
 * (compose, chain, fork, matcher, rbind, lbind, power) and the call machinery. */
#include <string.h>

#include "batt.h"
#include "bt_prims.h"

/* Python's recursion limit stops power(f, n) from building n nested compositions. */
enum { POWER_MAX = 990 };

bt_value bt_closure_new(bt_ctx *cx, int ctor, int arity, const bt_value *args, int nargs) {
  bt_closure *c = bt_alloc(cx, sizeof *c);
  if (!c) return bt_err(BT_E_LIMIT);
  memset(c, 0, sizeof *c);
  c->ctor = (uint16_t)ctor;
  c->arity = (uint8_t)arity;
  c->nargs = (uint8_t)nargs;
  memcpy(c->args, args, (size_t)nargs * sizeof *args);
  bt_value v = {BT_FN, 0, (uint16_t)ctor, 0, {.clo = c}};
  return v;
}

static bt_value call_closure(bt_ctx *cx, const bt_closure *c, const bt_value *x, int n);

/* bt_call's body, inlined into the calls closures make of their captured functions. */
static inline __attribute__((always_inline)) bt_value call(bt_ctx *cx, bt_value f, const bt_value *args,
                                                           int n) {
  unsigned kinds = 0; /* the kinds among the arguments, one bit each */
  for (int k = 0; k < n; k++)
    kinds |= 1u << args[k].kind;
  bt_value e;
  if (__builtin_expect(kinds & (1u << BT_ERR), 0) && bt_any_err(args, n, &e)) return e;
  if (__builtin_expect(f.kind != BT_FN, 0))
    return f.kind == BT_ERR ? f : bt_err(BT_E_TYPE); /* an error passes on */
  bt_value full[4];
  if (__builtin_expect(bt_arity(f) != n, 0)) {
    const bt_prim_info *p = f.u.clo ? NULL : &bt_prims[f.prim];
    if (!p || p->opt < 0 || n < p->least ||
        n > p->arity) /* a defaulting primitive's wrapper catches the TypeError */
      return p && p->dflt ? bt_default_value(p->dflt, BT_E_TYPE) : bt_err(BT_E_TYPE);
    memcpy(full, args, (size_t)n * sizeof *args); /* optional parameters left out take their primitive */
    for (int k = n; k < p->arity; k++)
      full[k] = bt_prim_value(p->opt);
    args = full;
  }
  if (__builtin_expect(++cx->steps > cx->lim.max_steps, 0)) return bt_err(BT_E_LIMIT);
  if (__builtin_expect(cx->depth >= cx->lim.max_depth, 0)) return bt_err(BT_E_RECURSION);
  cx->depth++;
  bt_value r;
  if (f.u.clo) {
    /* the calls inside end in a primitive's call or in matcher's comparison, which check
       the comparison budget themselves: a spent budget reaches here as their error */
    r = f.u.clo->code ? f.u.clo->code(cx, f.u.clo, args, n) : call_closure(cx, f.u.clo, args, n);
  } else {
    /* inside a call, fast paths serve packed arguments only: a lookup per call costs the
       closures' calls more than fast paths on boxed grids give back there */
    r = __builtin_expect(kinds & (1u << BT_PGRID), 0) ? bt_prim_run(cx, f.prim, args)
                                                      : bt_prims[f.prim].fn(cx, args);
    if (__builtin_expect(bt_walk_spent(), 0)) r = bt_err(BT_E_LIMIT);
  }
  cx->depth--;
  return r;
}

static inline __attribute__((always_inline)) bt_value call1(bt_ctx *cx, bt_value f, bt_value x) {
  return call(cx, f, &x, 1);
}
static inline __attribute__((always_inline)) bt_value call2(bt_ctx *cx, bt_value f, bt_value x, bt_value y) {
  bt_value a[2] = {x, y};
  return call(cx, f, a, 2);
}

/* Calls the closure c on n arguments (n already equals its arity). */
static bt_value call_closure(bt_ctx *cx, const bt_closure *c, const bt_value *x, int n) {
  const bt_value *k = c->args;
  switch (c->ctor) {
  case BT_P_compose: return call1(cx, k[0], call1(cx, k[1], x[0]));
  case BT_P_chain: return call1(cx, k[0], call1(cx, k[1], call1(cx, k[2], x[0])));
  case BT_P_fork: {
    bt_value l = call1(cx, k[1], x[0]);
    if (bt_is_err(l)) return l;
    return call2(cx, k[0], l, call1(cx, k[2], x[0]));
  }
  case BT_P_matcher: {
    bt_mark m = bt_arena_mark(cx);
    bt_value r = bt_unpack(cx, call1(cx, k[0], x[0]));
    r = bt_is_err(r) ? r : bt_bool(bt_eq(r, k[1]));
    bt_arena_release(cx, m); /* only the bool is kept */
    return bt_walk_spent() ? bt_err(BT_E_LIMIT) : r;
  }
  case BT_P_rbind:
  case BT_P_lbind: {
    bt_value args[4];
    int fn_arity = bt_arity(k[0]);
    if (fn_arity != n + 1) return bt_err(BT_E_TYPE); /* the lambda forwards n + 1 arguments */
    if (c->ctor == BT_P_rbind) {
      memcpy(args, x, (size_t)n * sizeof *x);
      args[n] = k[1];
    } else {
      args[0] = k[1];
      memcpy(args + 1, x, (size_t)n * sizeof *x);
    }
    return call(cx, k[0], args, n + 1);
  }
  case BT_P_power: {
    bt_value r = x[0];
    for (int64_t t = 0; t < k[1].u.i && !bt_is_err(r); t++)
      r = call1(cx, k[0], r);
    return r;
  }
  default: return bt_err(BT_E_RUNTIME);
  }
}

bt_value bt_call(bt_ctx *cx, bt_value f, const bt_value *args, int n) {
  bt_value r = call(cx, f, args, n);
  return __builtin_expect(r.kind == BT_PGRID, 0) ? bt_unpack(cx, r) : r;
}

bt_value bt_call_raw(bt_ctx *cx, bt_value f, const bt_value *args, int n) { return call(cx, f, args, n); }

static bool holds_pointer(bt_value v) {
  return v.kind == BT_TUPLE || v.kind == BT_SET || v.kind == BT_PGRID || (v.kind == BT_FN && v.u.clo);
}

bt_value bt_call_scalar(bt_ctx *cx, bt_value f, const bt_value *args, int n) {
  bt_mark m = bt_arena_mark(cx);
  bt_value r = bt_call(cx, f, args, n);
  if (!holds_pointer(r)) bt_arena_release(cx, m);
  return r;
}

bt_value bt_call_prim_line(bt_ctx *cx, int prim, const bt_value *args) {
  bt_value e;
  if (bt_any_err(args, bt_prims[prim].arity, &e)) return e;
  if (++cx->steps > cx->lim.max_steps) return bt_err(BT_E_LIMIT);
  bt_walk_reset(cx->lim.max_walk);
  return bt_walk_end(bt_prim_run(cx, prim, args));
}

bt_value bt_call_prim(bt_ctx *cx, int prim, const bt_value *args) {
  return bt_unpack(cx, bt_call_prim_line(cx, prim, args));
}

bt_value bt_prim_run(bt_ctx *cx, int prim, const bt_value *args) {
  bt_fast_fn fast = bt_fast[prim];
  if (fast) {
    bt_value r = fast(cx, args);
    if (!bt_declined(r)) return r;
  }
  int n = bt_prims[prim].arity;
  for (int k = 0; k < n; k++)
    if (__builtin_expect(args[k].kind == BT_PGRID, 0)) {
      bt_value boxed[BT_MAX_PRIM_ARGS];
      for (int m = 0; m < n; m++)
        if (bt_is_err(boxed[m] = bt_unpack(cx, args[m]))) return boxed[m];
      return bt_prims[prim].fn(cx, boxed);
    }
  return bt_prims[prim].fn(cx, args);
}

bt_value bt_call_line(bt_ctx *cx, bt_value f, const bt_value *args, int n) {
  bt_walk_reset(cx->lim.max_walk);
  return bt_walk_end(bt_call(cx, f, args, n));
}

/* ---- the constructors ------------------------------------------------------------ */

/* A closure of constructor ctor over its arguments a, of the arity the catalogue's `makes`
 * gives: fixed, or rbind/lbind's rule, which reads function.__code__.co_argcount: 2 and 3
 * give closures of 1 and 2 arguments, anything else a closure of 3 (which fails when called
 * unless it was 4). */
static bt_value make(bt_ctx *cx, int ctor, const bt_value *a) {
  int arity = bt_prims[ctor].makes;
  if (arity == BT_MAKES_BIND) {
    int n = bt_arity(a[0]);
    if (n < 0) return bt_err(BT_E_ATTR);
    arity = n == 2 ? 1 : n == 3 ? 2 : 3;
  }
  return bt_closure_new(cx, ctor, arity, a, bt_prims[ctor].arity);
}

BT_PRIM(compose) { return make(cx, BT_P_compose, a); }
BT_PRIM(chain) { return make(cx, BT_P_chain, a); }
BT_PRIM(fork) { return make(cx, BT_P_fork, a); }
BT_PRIM(matcher) { return make(cx, BT_P_matcher, a); }
BT_PRIM(rbind) { return make(cx, BT_P_rbind, a); }
BT_PRIM(lbind) { return make(cx, BT_P_lbind, a); }

/* power(f, 1) is f; power(f, n) composes f with power(f, n - 1), so n < 1 never ends. */
BT_PRIM(power) {
  bt_value f = a[0], n = a[1];
  if (bt_is_int(n) && n.u.i == 1) return f;
  if (!bt_is_int(n)) return bt_err(BT_E_TYPE);
  if (n.u.i < 1 || n.u.i > POWER_MAX) return bt_err(BT_E_RECURSION);
  /* arc-dsl composes: compose(f, power(f, n - 1)), a closure of compose's arity */
  bt_value args[2] = {f, bt_int(n.u.i)};
  return bt_closure_new(cx, BT_P_power, bt_prims[BT_P_compose].makes, args, 2);
}
