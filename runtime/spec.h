/* spec.h: the calls of specialised closures (bt_clo_code), for the generated program.
 *
 * card compiles a closure whose structure it knows (a line such as fork(add, first, t35),
 * or a closure such a closure's code makes, such as lbind(astuple, x)) into a C function
 * that does what the generic call of its constructor does (closure.c: call_closure), with
 * the captured primitives called directly and the captured closures of known structure
 * called through their own code. The helpers here are the steps of closure.c's call, in
 * the same order, so results, step counts, depths and errors are the same:
 *
 *   bt_sp_prim  a primitive that takes exactly the n arguments given
 *   bt_sp_clo   a captured value expected to be a closure with code `code`; anything else
 *               (which the generic call handles) goes to bt_call_raw
 *   bt_sp_tag   gives a closure just made by constructor ctor its code */
#ifndef BATT_SPEC_H
#define BATT_SPEC_H

#include "bt_prims.h"
#include "patch.h"

/* Whether bt_sp_quick has a case for prim (card asks, to emit compositions of them in a
 * row): the list of its cases below. */
static inline bool bt_sp_quick_has(int prim) {
  switch (prim) {
  case BT_P_identity:
  case BT_P_first:
  case BT_P_last:
  case BT_P_add:
  case BT_P_subtract:
  case BT_P_multiply:
  case BT_P_sign:
  case BT_P_even:
  case BT_P_center: return true;
  default: return false;
  }
}

/* The interned pair (x op y) of two interned pairs x and y (op: +1 add, -1 subtract), the
 * elementwise arithmetic of arith2 (prim_base.c); false when either is no interned pair or
 * the result has no entry (the primitive then allocates it). */
static inline bool bt_sp_pair_arith(bt_value x, bt_value y, int op, bt_value *r) {
  int64_t ax = bt_intern_at(x), ay = bt_intern_at(y), xi, xj, yi, yj;
  if (ax < 0 || ay < 0 || ax >= BT_INTERN_PAIRS || ay >= BT_INTERN_PAIRS) return false;
  bt_intern_ij(ax, &xi, &xj);
  bt_intern_ij(ay, &yi, &yj);
  const bt_value *in = bt_intern_pair(xi + op * yi, xj + op * yj);
  if (!in) return false;
  *r = bt_tuple(in, 2);
  return true;
}

/* center of a set of at most 8 interned pairs or cells of one region: uppermost + height
 * // 2, leftmost + width // 2 from their bounds (prim_patch.c: patch_center), when that pair
 * is interned. */
static inline bool bt_sp_center(bt_value p, bt_value *r) {
  int64_t b[4];
  if (p.kind != BT_SET || p.n > 8 || !bt_patch_interned_bounds(p, b)) return false;
  const bt_value *in = bt_intern_pair(b[0] + (b[2] - b[0] + 1) / 2, b[1] + (b[3] - b[1] + 1) / 2);
  if (!in) return false;
  *r = bt_tuple(in, 2);
  return true;
}

/* What primitive prim gives on a, computed here for the commonest kinds of arguments
 * (no packed grid among them); false (then the primitive's own code runs) otherwise. Each
 * case is its primitive's own code for those kinds (prim_base.c). prim is a constant at
 * every call, so the switch folds away. */
static inline __attribute__((always_inline)) bool bt_sp_quick(int prim, const bt_value *a, bt_value *r) {
  int64_t v;
  switch (prim) {
  case BT_P_identity: *r = a[0]; return true;
  case BT_P_first:
  case BT_P_last:
    if ((a[0].kind != BT_TUPLE && a[0].kind != BT_SET) || !a[0].n) return false;
    *r = a[0].u.items[prim == BT_P_first ? 0 : a[0].n - 1];
    return true;
  case BT_P_add:
  case BT_P_subtract:
  case BT_P_multiply:
    if (prim != BT_P_multiply && a[0].kind == BT_TUPLE && a[1].kind == BT_TUPLE)
      return bt_sp_pair_arith(a[0], a[1], prim == BT_P_add ? 1 : -1, r);
    if (a[0].kind != BT_INT || a[1].kind != BT_INT) return false;
    if (prim == BT_P_add        ? __builtin_add_overflow(a[0].u.i, a[1].u.i, &v)
        : prim == BT_P_subtract ? __builtin_sub_overflow(a[0].u.i, a[1].u.i, &v)
                                : __builtin_mul_overflow(a[0].u.i, a[1].u.i, &v))
      return false;
    *r = bt_int(v);
    return true;
  case BT_P_sign:
    if (a[0].kind != BT_INT) return false;
    *r = bt_int((a[0].u.i > 0) - (a[0].u.i < 0));
    return true;
  case BT_P_even:
    if (a[0].kind != BT_INT) return false;
    *r = bt_bool((a[0].u.i & 1) == 0);
    return true;
  case BT_P_center: return bt_sp_center(a[0], r);
  default: return false;
  }
}

/* bt_sp_quick on n arguments none of which is a packed grid (bt_sp_prim gives those to the
 * primitive's fast path). */
static inline __attribute__((always_inline)) bool bt_sp_quick_on(int prim, const bt_value *a, int n,
                                                                 bt_value *r) {
  for (int k = 0; k < n; k++)
    if (a[k].kind == BT_PGRID) return false;
  return bt_sp_quick(prim, a, r);
}

/* Whether n calls of primitives that compare nothing, each one call deeper, can run without
 * meeting max_steps, max_depth or a spent comparison budget: then bt_sp_prim's checks all
 * pass, and counting the n steps at once is what they would count. */
static inline __attribute__((always_inline)) bool bt_sp_quick_room(const bt_ctx *cx, uint64_t n) {
  return cx->lim.max_steps >= n && cx->steps <= cx->lim.max_steps - n && cx->depth < cx->lim.max_depth &&
         !bt_walk_spent();
}

static inline __attribute__((always_inline)) bt_value bt_sp_prim(bt_ctx *cx, int prim, bt_prim_fn fn,
                                                                 const bt_value *args, int n) {
  unsigned kinds = 0;
  for (int k = 0; k < n; k++)
    kinds |= 1u << args[k].kind;
  bt_value e;
  if (__builtin_expect(kinds & (1u << BT_ERR), 0) && bt_any_err(args, n, &e)) return e;
  if (__builtin_expect(++cx->steps > cx->lim.max_steps, 0)) return bt_err(BT_E_LIMIT);
  if (__builtin_expect(cx->depth >= cx->lim.max_depth, 0)) return bt_err(BT_E_RECURSION);
  cx->depth++;
  bt_value r;
  if (__builtin_expect(kinds & (1u << BT_PGRID), 0))
    r = bt_prim_run(cx, prim, args);
  else if (!bt_sp_quick(prim, args, &r))
    r = fn(cx, args);
  if (__builtin_expect(bt_walk_spent(), 0)) r = bt_err(BT_E_LIMIT);
  cx->depth--;
  return r;
}

static inline __attribute__((always_inline)) bt_value bt_sp_clo(bt_ctx *cx, bt_value f, bt_clo_code code,
                                                                const bt_value *args, int n) {
  if (__builtin_expect(f.kind != BT_FN || !f.u.clo || f.u.clo->code != code || f.u.clo->arity != n, 0))
    return bt_call_raw(cx, f, args, n);
  bt_value e;
  for (int k = 0; k < n; k++)
    if (__builtin_expect(args[k].kind == BT_ERR, 0)) return bt_any_err(args, n, &e), e;
  if (__builtin_expect(++cx->steps > cx->lim.max_steps, 0)) return bt_err(BT_E_LIMIT);
  if (__builtin_expect(cx->depth >= cx->lim.max_depth, 0)) return bt_err(BT_E_RECURSION);
  cx->depth++;
  bt_value r = __builtin_expect(__atomic_load_n(&f.u.clo->line, __ATOMIC_RELAXED) == 1, 0) &&
                       cx->depth >= BT_CALL_MEMO_DEPTH
                   ? bt_call_memo(cx, f.u.clo, args, n)
                   : code(cx, f.u.clo, args, n);
  cx->depth--;
  return r;
}

static inline bt_value bt_sp_tag(bt_value r, int ctor, bt_clo_code code) {
  if (r.kind == BT_FN && r.u.clo && r.u.clo->ctor == ctor && !r.u.clo->code)
    ((bt_closure *)r.u.clo)->code = code; /* just made, not yet shared */
  return r;
}

#endif
