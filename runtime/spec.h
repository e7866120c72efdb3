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

#include <string.h>

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
static inline __attribute__((always_inline)) bool bt_sp_pair_arith(bt_value x, bt_value y, int op,
                                                                   bt_value *r) {
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
static inline __attribute__((always_inline)) bool bt_sp_center(bt_value p, bt_value *r) {
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
  return bt_call_code(cx, f.u.clo, code, args, n);
}

static inline bt_value bt_sp_tag(bt_value r, int ctor, bt_clo_code code, int quick) {
  if (r.kind == BT_FN && r.u.clo && r.u.clo->ctor == ctor && !r.u.clo->code) {
    bt_closure *c = (bt_closure *)r.u.clo; /* just made, not yet shared */
    c->code = code;
    c->quick = (uint16_t)quick;
  }
  return r;
}

/* ---- quick evaluations ---------------------------------------------------------------
 *
 * A closure whose calls are all of kinds computed here (the primitives of bt_q_body, on
 * the kinds of values they take here, and closures that have quick evaluations) gets a
 * quick evaluation Q<id> beside its code K<id>: the call computed in one pass that writes
 * nothing. It adds up what the calls would count (a step each), the deepest depth at which
 * one would check max_depth, and the bytes they would allocate (what they leave in use,
 * and the most in use on the way); tuples they would allocate are kept in a scratch array
 * of the evaluation, or are the interned pair of equal value. bt_q_commit takes the result
 * when none of the calls would have met a limit and the result is no scratch tuple: it
 * counts the steps and allocates the bytes as the calls would have (the peak included), so
 * steps, limits and memory are what the generic call gives. Anything else (another kind of
 * value, a call of another kind, a limit that would be met) gives up, and the code runs
 * the call from its start; nothing was changed. Depths d are relative to the depth the
 * evaluation started at: a call checks max_depth at d, its body runs at d + 1. */

enum { BT_Q_SCRATCH = 32, BT_Q_APPLY_MAX = 8 };

typedef struct bt_qctx bt_qctx;
/* The call of function value f on the m values x, checking max_depth at d (the program's
 * dispatch over its quick evaluations). */
typedef bool (*bt_q_dyn_fn)(bt_qctx *q, const bt_value *f, const bt_value *x, int m, int d, bt_value *r);

struct bt_qctx {
  bt_ctx *cx;
  uint64_t steps;     /* the steps the calls count */
  int need;           /* the deepest depth at which a call checks max_depth */
  uint32_t ns;        /* scratch values taken */
  size_t bytes, peak; /* bytes left in use by the calls, and the most in use on the way */
  bt_value scratch[BT_Q_SCRATCH];
};

static inline __attribute__((always_inline)) void bt_q_start(bt_qctx *q, bt_ctx *cx) {
  q->cx = cx;
  q->steps = 0;
  q->need = 0;
  q->ns = 0;
  q->bytes = q->peak = 0;
}

/* A call that checks max_depth at d: its step. */
static inline __attribute__((always_inline)) void bt_q_at(bt_qctx *q, int d) {
  q->steps++;
  if (d > q->need) q->need = d;
}

/* n bytes allocated, rounded as bt_alloc rounds them. */
static inline __attribute__((always_inline)) void bt_q_alloc(bt_qctx *q, size_t n) {
  n = n ? (n + 15) & ~(size_t)15 : 16;
  q->bytes += n;
  if (q->bytes > q->peak) q->peak = q->bytes;
}

static inline __attribute__((always_inline)) bool bt_q_scratch(const bt_qctx *q, bt_value v) {
  return (v.kind == BT_TUPLE || v.kind == BT_SET) && v.n &&
         (uintptr_t)v.u.items - (uintptr_t)q->scratch < sizeof q->scratch;
}

/* The tuple of the n items it: the interned pair of equal value where there is one, else a
 * copy in scratch. */
static inline __attribute__((always_inline)) bool bt_q_tuple(bt_qctx *q, const bt_value *it, uint32_t n,
                                                             bt_value *r) {
  const bt_value *in = n == 2 ? bt_intern_of(it[0], it[1]) : NULL;
  if (in) {
    *r = bt_tuple(in, 2);
    return true;
  }
  if (n == 0 || n > BT_Q_SCRATCH - q->ns) return false;
  bt_value *s = q->scratch + q->ns;
  q->ns += n;
  memcpy(s, it, n * sizeof *s);
  *r = bt_tuple(s, n);
  return true;
}

/* bt_pair: the interned pair, else two items allocated. */
static inline __attribute__((always_inline)) bool bt_q_pair(bt_qctx *q, const bt_value *x, const bt_value *y,
                                                            bt_value *r) {
  const bt_value *in = bt_intern_of(*x, *y);
  if (in) {
    *r = bt_tuple(in, 2);
    return true;
  }
  if (q->cx->lim.max_elems < 2 || q->ns > BT_Q_SCRATCH - 2) return false;
  bt_q_alloc(q, 2 * sizeof(bt_value));
  bt_value *it = q->scratch + q->ns;
  q->ns += 2;
  memcpy(&it[0], x, sizeof *it); /* whole copies: no value rebuilt from its fields */
  memcpy(&it[1], y, sizeof *it);
  *r = bt_tuple(it, 2);
  return true;
}

/* center of a set beyond bt_sp_center's: through the memo, else from its bounds when it
 * holds interned pairs or cells of one region and its center is interned. */
static inline bool bt_q_center_big(bt_qctx *q, bt_value p, bt_value *r) {
  int64_t b[4];
  if (p.kind != BT_SET) return false;
  if (bt_memo_get(q->cx, BT_P_center, p, r)) return r->kind == BT_TUPLE && bt_interned(r->u.items);
  if (!bt_patch_interned_bounds(p, b)) return false;
  const bt_value *in = bt_intern_pair(b[0] + (b[2] - b[0] + 1) / 2, b[1] + (b[3] - b[1] + 1) / 2);
  if (!in) return false;
  *r = bt_tuple(in, 2);
  bt_memo_put(q->cx, BT_P_center, p, *r);
  return true;
}

static inline __attribute__((always_inline)) bool bt_q_center(bt_qctx *q, bt_value p, bt_value *r) {
  return bt_sp_center(p, r) || bt_q_center_big(q, p, r);
}

/* apply(f, c) of a short tuple c (prim_base.c: apply_items): the items' array allocated,
 * then f called on each item inside the primitive's call. */
static inline __attribute__((always_inline)) bool bt_q_apply(bt_qctx *q, const bt_value *f, const bt_value *c,
                                                             int d, bt_q_dyn_fn dyn, bt_value *r) {
  uint32_t n = c->n;
  if (c->kind != BT_TUPLE || n == 0 || n > BT_Q_APPLY_MAX || n > q->cx->lim.max_elems) return false;
  const bt_value *items = c->u.items;
  bt_value out[BT_Q_APPLY_MAX];
  bt_q_alloc(q, n * sizeof(bt_value));
  for (uint32_t k = 0; k < n; k++)
    if (!dyn(q, f, &items[k], 1, d, &out[k])) return false;
  return bt_q_tuple(q, out, n, r);
}

/* The points of a patch of 1 to 16 interned pairs or 16 interned cells (patch.c:
 * bt_patch_points_in reads them onto the stack), as ij pairs; false for anything else. */
static inline __attribute__((always_inline)) bool bt_q_points(bt_value p, int64_t *ij, uint32_t *n) {
  if ((p.kind != BT_SET && p.kind != BT_TUPLE) || p.n == 0 || p.n > 16) return false;
  int64_t first = bt_intern_at(p.u.items[0]);
  if (first < 0) return false;
  bool cells = first >= BT_INTERN_PAIRS;
  for (uint32_t k = 0; k < p.n; k++) {
    int64_t at = bt_intern_at(p.u.items[k]);
    if (at < 0 || (at >= BT_INTERN_PAIRS) != cells) return false;
    bt_intern_ij(at, &ij[2 * k], &ij[2 * k + 1]);
  }
  *n = p.n;
  return true;
}

/* Whether f is compose(g, initset) with g lbind(manhattan, P) or rbind(manhattan, P), P a
 * patch bt_q_points reads (its points into pij, *np of them): then f of an interned pair or
 * cell e is manhattan of P and {e}, the least |pi - ei| + |pj - ej| (bt_q_manhattan). */
static inline bool bt_q_manhattan_key(const bt_value *f, int64_t *pij, uint32_t *np) {
  if (f->kind != BT_FN || !f->u.clo) return false;
  const bt_closure *c = f->u.clo;
  if (c->ctor != BT_P_compose || c->nargs != 2 || c->arity != 1 || c->args[1].kind != BT_FN ||
      c->args[1].u.clo || c->args[1].prim != BT_P_initset || c->args[0].kind != BT_FN || !c->args[0].u.clo)
    return false;
  const bt_closure *g = c->args[0].u.clo;
  return (g->ctor == BT_P_lbind || g->ctor == BT_P_rbind) && g->nargs == 2 && g->arity == 1 &&
         g->args[0].kind == BT_FN && !g->args[0].u.clo && g->args[0].prim == BT_P_manhattan &&
         bt_q_points(g->args[1], pij, np);
}

/* The least |ai - bi| + |aj - bj| over the na points a and the nb points b (ij pairs). */
static inline int64_t bt_q_least_distance(const int64_t *a, uint32_t na, const int64_t *b, uint32_t nb) {
  int64_t best = INT64_MAX;
  for (uint32_t x = 0; x < na && best > 0; x++)
    for (uint32_t y = 0; y < nb; y++) {
      int64_t di = a[2 * x] - b[2 * y], dj = a[2 * x + 1] - b[2 * y + 1];
      int64_t d = (di < 0 ? -di : di) + (dj < 0 ? -dj : dj);
      if (d < best) best = d;
    }
  return best;
}

/* That key of item e, when e is an interned pair or cell. */
static inline bool bt_q_manhattan_of(const int64_t *pij, uint32_t np, bt_value e, int64_t *key) {
  int64_t at = bt_intern_at(e), eij[2];
  if (at < 0) return false;
  bt_intern_ij(at, &eij[0], &eij[1]);
  *key = bt_q_least_distance(pij, np, eij, 1);
  return true;
}

/* max / min of c (prim_base.c: extreme), with key f unless f is NULL, when the keys are
 * plain ints: the first extreme item. The keys' memory is released after the loop. val:
 * valmax / valmin (0 for an empty c, then f of the item); else argmax / argmin (an empty
 * c is a ValueError: given up), or maximum / minimum without f (0 for an empty c). */
static inline __attribute__((always_inline)) bool bt_q_extreme(bt_qctx *q, const bt_value *c,
                                                               const bt_value *f, bool want_max, bool val,
                                                               int d, bt_q_dyn_fn dyn, bt_value *r) {
  if (c->kind != BT_TUPLE && c->kind != BT_SET) return false;
  const bt_value *items = c->u.items;
  uint32_t n = c->n, best = 0;
  size_t bytes = q->bytes;
  uint32_t ns = q->ns;
  int64_t best_key = 0;
  /* a distance key (bt_q_manhattan_key): the first two items' calls tell what a call
     counts, and the keys of the interned items after them are computed as they are */
  int64_t pij[32];
  uint32_t np = 0;
  int direct = f && n > 2 && bt_q_manhattan_key(f, pij, &np) ? 0 : -1; /* items calibrated */
  uint64_t call_steps = 0;
  size_t call_bytes = 0;
  for (uint32_t k = 0; k < n; k++) {
    bt_value key;
    const bt_value *kp = &items[k];
    int64_t dk;
    if (f && direct == 2 && bt_q_manhattan_of(pij, np, items[k], &dk)) {
      q->steps += call_steps;
      q->bytes += call_bytes;
      if (q->bytes > q->peak) q->peak = q->bytes;
      key = bt_int(dk);
      kp = &key;
    } else if (f) {
      uint64_t steps = q->steps;
      size_t used = q->bytes;
      int64_t walk = bt_walk_left;
      if (!dyn(q, f, &items[k], 1, d, &key)) return false;
      kp = &key;
      if (direct >= 0 && direct < 2) { /* the same key, steps and bytes for both, no walk */
        bool same = bt_q_manhattan_of(pij, np, items[k], &dk) && key.kind == BT_INT && key.u.i == dk &&
                    bt_walk_left == walk &&
                    (direct == 0 || (q->steps - steps == call_steps && q->bytes - used == call_bytes));
        call_steps = q->steps - steps;
        call_bytes = q->bytes - used;
        direct = same ? direct + 1 : -1;
      }
    }
    if (kp->kind != BT_INT) return false;
    if (k == 0 || (want_max ? best_key < kp->u.i : kp->u.i < best_key)) {
      best = k;
      best_key = kp->u.i;
    }
    q->ns = ns; /* the key is an int: the scratch it took is free again */
  }
  q->bytes = bytes;
  if (!n && f && !val) return false;
  bt_value zero = bt_int(0);
  const bt_value *found = n ? &items[best] : &zero;
  if (!val) {
    *r = *found;
    return true;
  }
  return dyn(q, f, found, 1, d, r);
}

/* manhattan of two such patches (prim_patch.c: patches_manhattan): the least
 * |ai - bi| + |aj - bj|. */
static inline bool bt_q_manhattan(bt_qctx *q, bt_value a, bt_value b, bt_value *r) {
  int64_t ija[32], ijb[32];
  uint32_t na, nb;
  if (!bt_q_points(a, ija, &na) || !bt_q_points(b, ijb, &nb) ||
      (uint64_t)na * nb > (uint64_t)64 * q->cx->lim.max_elems)
    return false;
  *r = bt_int(bt_q_least_distance(ija, na, ijb, nb));
  return true;
}

/* The coordinate on axis of each interned pair or cell of patch p (all of one class),
 * through f; false when some item is none. */
#define BT_Q_EACH_COORD(p, axis, f)                                                                          \
  do {                                                                                                       \
    int64_t first_ = bt_intern_at((p).u.items[0]);                                                           \
    if (first_ < 0) return false;                                                                            \
    bool cells_ = first_ >= BT_INTERN_PAIRS;                                                                 \
    for (uint32_t k_ = 0; k_ < (p).n; k_++) {                                                                \
      int64_t at_ = bt_intern_at((p).u.items[k_]), ij_[2];                                                   \
      if (at_ < 0 || (at_ >= BT_INTERN_PAIRS) != cells_) return false;                                       \
      bt_intern_ij(at_, &ij_[0], &ij_[1]);                                                                   \
      f(ij_[axis]);                                                                                          \
    }                                                                                                        \
  } while (0)

/* hmatching (axis 0) / vmatching (axis 1) of two patches of interned pairs or cells, one of
 * at most 32 (prim_patch.c: few_match, which allocates nothing then): whether they share a
 * row / column. */
static inline bool bt_q_matching(bt_value a, bt_value b, int axis, bt_value *r) {
  enum { FEW = 32 };
  int64_t c[FEW];
  uint32_t n = 0;
  bool meet = false;
  if ((a.kind != BT_SET && a.kind != BT_TUPLE) || (b.kind != BT_SET && b.kind != BT_TUPLE) || !a.n || !b.n)
    return false;
  bt_value small = a.n <= b.n ? a : b, big = a.n <= b.n ? b : a;
  if (small.n > FEW) return false;
#define BT_Q_KEEP(v) (c[n++] = (v))
#define BT_Q_MEET(v)                                                                                         \
  for (uint32_t x_ = 0; x_ < n && !meet; x_++)                                                               \
  meet = c[x_] == (v)
  BT_Q_EACH_COORD(small, axis, BT_Q_KEEP);
  BT_Q_EACH_COORD(big, axis, BT_Q_MEET);
#undef BT_Q_KEEP
#undef BT_Q_MEET
  *r = bt_bool(meet);
  return true;
}

/* The extremes and corners of a patch of interned pairs or cells, and height and width of
 * a patch or a grid (prim_patch.c: patch_extreme, patch_corner, piece_extent): from the
 * bounds, as the primitives take them; the corner only when interned. */
#define BT_Q_BOUNDS_CASES                                                                                    \
  case BT_P_uppermost:                                                                                       \
  case BT_P_lowermost:                                                                                       \
  case BT_P_leftmost:                                                                                        \
  case BT_P_rightmost:                                                                                       \
  case BT_P_ulcorner:                                                                                        \
  case BT_P_urcorner:                                                                                        \
  case BT_P_llcorner:                                                                                        \
  case BT_P_lrcorner:                                                                                        \
  case BT_P_height:                                                                                          \
  case BT_P_width
static inline bool bt_q_bounds(int prim, bt_value p, bt_value *r) {
  int64_t b[4];
  if (prim == BT_P_height || prim == BT_P_width) {
    int axis = prim == BT_P_width;
    if ((p.kind != BT_SET && p.kind != BT_TUPLE) || p.n == 0) {
      if (p.kind != BT_SET && p.kind != BT_TUPLE) return false;
      *r = bt_int(0);
      return true;
    }
    if (p.kind == BT_TUPLE) {
      if (axis == 0) return *r = bt_int(p.n), true;
      if (p.u.items[0].kind != BT_TUPLE && p.u.items[0].kind != BT_SET) return false;
      return *r = bt_int(p.u.items[0].n), true;
    }
    if (!bt_patch_interned_bounds(p, b)) return false;
    *r = bt_int(b[axis + 2] - b[axis] + 1);
    return true;
  }
  if (!bt_patch_interned_bounds(p, b)) return false;
  const bt_value *in;
  switch (prim) {
  case BT_P_uppermost: *r = bt_int(b[0]); return true;
  case BT_P_leftmost: *r = bt_int(b[1]); return true;
  case BT_P_lowermost: *r = bt_int(b[2]); return true;
  case BT_P_rightmost: *r = bt_int(b[3]); return true;
  case BT_P_ulcorner: in = bt_intern_pair(b[0], b[1]); break;
  case BT_P_urcorner: in = bt_intern_pair(b[0], b[3]); break;
  case BT_P_llcorner: in = bt_intern_pair(b[2], b[1]); break;
  default: in = bt_intern_pair(b[2], b[3]); break; /* lrcorner */
  }
  if (!in) return false;
  *r = bt_tuple(in, 2);
  return true;
}

/* Whether bt_q_body has a case for prim (card asks, to give a closure a quick
 * evaluation). */
static inline bool bt_q_has(int prim) {
  switch (prim) {
  case BT_P_astuple:
  case BT_P_toivec:
  case BT_P_tojvec:
  case BT_P_apply:
  case BT_P_maximum:
  case BT_P_minimum:
  case BT_P_argmax:
  case BT_P_argmin:
  case BT_P_valmax:
  case BT_P_valmin:
  case BT_P_greater:
  case BT_P_size:
  case BT_P_invert:
  case BT_P_double:
  case BT_P_halve:
  case BT_P_increment:
  case BT_P_decrement:
  case BT_P_initset:
  case BT_P_equality:
  case BT_P_manhattan:
  case BT_P_hmatching:
  case BT_P_vmatching:
  case BT_P_flip:
  case BT_P_both:
  case BT_P_either:
  case BT_P_color:
  BT_Q_BOUNDS_CASES:
    return true;
  default: return bt_sp_quick_has(prim);
  }
}

/* The body of primitive prim on a (no packed grid, no error among them), running at d:
 * each case is its primitive's code for the kinds it accepts (prim_base.c, prim_patch.c). */
static inline __attribute__((always_inline)) bool bt_q_body(bt_qctx *q, int prim, const bt_value *a, int d,
                                                            bt_q_dyn_fn dyn, bt_value *r) {
  int64_t v;
  const bt_value zero = bt_int(0);
  switch (prim) {
  case BT_P_astuple: return bt_q_pair(q, &a[0], &a[1], r);
  case BT_P_toivec: return bt_q_pair(q, &a[0], &zero, r);
  case BT_P_tojvec: return bt_q_pair(q, &zero, &a[0], r);
  case BT_P_apply: return bt_q_apply(q, &a[0], &a[1], d, dyn, r);
  case BT_P_maximum:
  case BT_P_minimum: return bt_q_extreme(q, &a[0], NULL, prim == BT_P_maximum, false, d, dyn, r);
  case BT_P_argmax:
  case BT_P_argmin:
  case BT_P_valmax:
  case BT_P_valmin:
    return bt_q_extreme(q, &a[0], &a[1], prim == BT_P_argmax || prim == BT_P_valmax,
                        prim == BT_P_valmax || prim == BT_P_valmin, d, dyn, r);
  case BT_P_greater:
    if (a[0].kind != BT_INT || a[1].kind != BT_INT) return false;
    *r = bt_bool(a[1].u.i < a[0].u.i);
    return true;
  case BT_P_size:
    if (a[0].kind != BT_TUPLE && a[0].kind != BT_SET) return false;
    *r = bt_int(a[0].n);
    return true;
  case BT_P_invert:
  case BT_P_double:
  case BT_P_halve:
  case BT_P_increment:
  case BT_P_decrement:
    if (a[0].kind != BT_INT) return false;
    v = a[0].u.i;
    if (prim == BT_P_invert      ? __builtin_sub_overflow((int64_t)0, v, &v)
        : prim == BT_P_double    ? __builtin_mul_overflow(v, 2, &v)
        : prim == BT_P_halve     ? (v >>= 1, false) /* floor division, as Python's // 2 */
        : prim == BT_P_increment ? __builtin_add_overflow(v, 1, &v)
                                 : __builtin_sub_overflow(v, 1, &v))
      return false;
    *r = bt_int(v);
    return true;
  case BT_P_center: return bt_q_center(q, a[0], r);
  case BT_P_initset: /* one item allocated */
    if (q->cx->lim.max_elems < 1 || q->ns >= BT_Q_SCRATCH) return false;
    bt_q_alloc(q, sizeof(bt_value));
    q->scratch[q->ns] = a[0];
    *r = bt_set_sorted(q->scratch + q->ns++, 1);
    return true;
  case BT_P_equality: /* of ints: the comparison spends no budget (pairs' would) */
    if (!bt_is_int(a[0]) || !bt_is_int(a[1])) return false;
    *r = bt_bool(a[0].u.i == a[1].u.i);
    return true;
  case BT_P_manhattan: return bt_q_manhattan(q, a[0], a[1], r);
  case BT_P_hmatching:
  case BT_P_vmatching: return bt_q_matching(a[0], a[1], prim == BT_P_vmatching, r);
  case BT_P_flip: *r = bt_bool(!bt_truth(a[0])); return true;
  case BT_P_both: *r = bt_truth(a[0]) ? a[1] : a[0]; return true;
  case BT_P_either: *r = bt_truth(a[0]) ? a[0] : a[1]; return true;
  case BT_P_color: /* the first item's [0] (prim_objects.c) */
    if ((a[0].kind != BT_SET && a[0].kind != BT_TUPLE) || !a[0].n || a[0].u.items[0].kind != BT_TUPLE ||
        !a[0].u.items[0].n)
      return false;
    *r = a[0].u.items[0].u.items[0];
    return true;
  BT_Q_BOUNDS_CASES:
    return bt_q_bounds(prim, a[0], r);
  default: return bt_sp_quick(prim, a, r);
  }
}

/* The call of primitive prim on its m arguments a, checking max_depth at d. */
static inline __attribute__((always_inline)) bool bt_q_prim(bt_qctx *q, int prim, const bt_value *a, int m,
                                                            int d, bt_q_dyn_fn dyn, bt_value *r) {
  for (int k = 0; k < m; k++)
    if (a[k].kind == BT_PGRID || a[k].kind == BT_ERR) return false;
  bt_q_at(q, d);
  return bt_q_body(q, prim, a, d + 1, dyn, r);
}

/* The same for a primitive known only at run time (a function value), as call() makes it:
 * only with exactly its arguments, and not for a defaulting primitive. */
static inline bool bt_q_prim_value(bt_qctx *q, int prim, const bt_value *a, int m, int d, bt_q_dyn_fn dyn,
                                   bt_value *r) {
  if (bt_prims[prim].arity != m || bt_prims[prim].dflt || !bt_q_has(prim)) return false;
  return bt_q_prim(q, prim, a, m, d, dyn, r);
}

/* Whether f is a closure of code `code` taking m arguments. */
static inline __attribute__((always_inline)) bool bt_q_is(const bt_value *f, bt_clo_code code, int m) {
  return f->kind == BT_FN && f->u.clo && f->u.clo->code == code && f->u.clo->arity == m;
}

/* Takes the result r of the evaluation when the calls meet no limit: counts their steps
 * and makes their bytes (bt_alloc) and peak. */
static inline __attribute__((always_inline)) bool bt_q_commit(bt_qctx *q, bt_value r) {
  bt_ctx *cx = q->cx;
  if (r.kind == BT_ERR || bt_q_scratch(q, r) || bt_walk_spent()) return false;
  if (q->steps > cx->lim.max_steps || cx->steps > cx->lim.max_steps - q->steps) return false;
  if ((uint64_t)cx->depth + (uint64_t)q->need >= cx->lim.max_depth) return false;
  if (q->peak) {
    size_t used = cx->arena.used;
    if (q->peak > cx->lim.max_bytes || used > cx->lim.max_bytes - q->peak) return false;
    if (q->bytes && !bt_alloc(cx, q->bytes)) return false;
    bt_arena_peak(cx, used + q->peak);
  }
  cx->steps += q->steps;
  return true;
}

#endif
