/* closure.c: function values and calls — the closure constructors of arc-dsl
 * (compose, chain, fork, matcher, rbind, lbind, power) and the call machinery. */
#include <pthread.h>
#include <stdlib.h>
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
    if (__builtin_expect(__atomic_load_n(&f.u.clo->line, __ATOMIC_RELAXED) == 1, 0) &&
        cx->depth >= BT_CALL_MEMO_DEPTH)
      r = bt_call_memo(cx, f.u.clo, args, n);
    else
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

/* ---- the call memo ------------------------------------------------------------------ */

/* A solver's closure often calls a line's closure on the same arguments again and again:
 * argmin(objects, distance to c) for each cell c, inside a loop over the objects. The
 * call memo keeps such a call's result for the rest of the evaluation, keyed by the
 * closure and the arguments' bits (a tuple of up to two items by its items' bits, as
 * astuple(c, o) is made anew for each call). Only arguments and results that stay the same
 * value while the entry lives are entered: ints and the like, interned values, and memory
 * made before the evaluation began (bt_memo_get's rule); never an error, and never a call
 * of fewer than CALL_MIN_STEPS steps (a closure with such a call is not looked up again).
 *
 * A call found in the memo counts what the call counted: its steps, the comparison budget
 * it spent and the bytes it left in use. It is taken only where the call would have met no
 * limit on the way (the steps and budget left, the bytes at its peak, a depth no deeper
 * than it ran at); elsewhere the call runs. So results, errors and limits are what calling
 * gives.
 *
 * The table is the thread's (one evaluation runs at a time on a thread): buckets of
 * CALL_WAYS entries, each with a tag (its hash and generation) in a line of tags, so that a
 * look-up reads one line and the entry it finds. A bucket keeps the costliest calls: a call
 * takes the place of an earlier evaluation's, else of a cheaper call's, so calls of one cost
 * that are more than the table holds leave the first of them there. The table doubles while
 * the running evaluation's calls push each other out, up to CALL_MAX entries; a closure
 * whose calls then find no place CALL_SHUT times in a row is not looked up again in that
 * evaluation. */
enum {
  CALL_WAYS = 4,
  CALL_FIRST = 1024,
  CALL_MAX = 1 << 13,
  CALL_KEYS = 4,
  CALL_MIN_STEPS = 16,
  CALL_SHUT = 4096
};

typedef struct call_entry {
  const bt_closure *clo;
  uint64_t gen;
  bt_value key[CALL_KEYS];
  bt_value result;
  uint32_t steps; /* the steps the call took */
  uint32_t walk;  /* the comparison budget it spent */
  uint32_t net;   /* the bytes it left in use */
  uint32_t peak;  /* the most bytes in use during it, over what was in use before */
  uint16_t depth; /* the depth it ran at */
  uint16_t shape; /* how the arguments make the key */
} call_entry;

typedef struct call_table {
  uint64_t *tag;   /* per entry: its hash's high half, its generation's low half */
  uint32_t *steps; /* per entry: its steps (which entry a bucket gives up) */
  call_entry *e;
  size_t cap;    /* entries, a power of two */
  size_t pushed; /* entries of a running evaluation pushed out since the table was made */
  /* the closure whose calls found no place in a row (run), and the one whose calls this
     evaluation (shut_gen) no longer looks up after CALL_SHUT of them */
  const bt_closure *run, *shut;
  uint64_t run_len, shut_gen;
} call_table;

static _Thread_local call_table calls;

void bt_call_memo_free(void) {
  free(calls.tag);
  free(calls.steps);
  free(calls.e);
  calls = (call_table){0};
}

/* A thread that ends frees its table: a key whose value is set once the thread has one. */
static pthread_key_t calls_key;
static pthread_once_t calls_once = PTHREAD_ONCE_INIT;
static bool calls_keyed;

static void calls_at_exit(void *unused) {
  (void)unused;
  bt_call_memo_free();
}

static void calls_key_make(void) { calls_keyed = pthread_key_create(&calls_key, calls_at_exit) == 0; }

static inline uint64_t call_tag(uint64_t h, uint64_t gen) {
  return (h & 0xffffffff00000000ull) | (uint32_t)gen;
}
static inline bool tag_live(uint64_t tag, uint64_t gen) { return (uint32_t)tag == (uint32_t)gen && gen; }
static inline size_t call_bucket(uint64_t h, size_t cap) { return (size_t)(h >> 8) & (cap - CALL_WAYS); }

/* Makes the table cap entries, keeping the entries of the evaluation of generation gen that
 * fit; false when memory is short (the table stays as it was). */
static bool calls_make(size_t cap, uint64_t gen, const uint64_t *hashes) {
  uint64_t *tag = calloc(cap, sizeof *tag);
  uint32_t *steps = malloc(cap * sizeof *steps);
  call_entry *e = malloc(cap * sizeof *e);
  if (!tag || !steps || !e) {
    free(tag);
    free(steps);
    free(e);
    return false;
  }
  for (size_t k = 0; k < calls.cap; k++) {
    if (!tag_live(calls.tag[k], gen) || calls.e[k].gen != gen) continue;
    size_t b = call_bucket(hashes[k], cap);
    for (int w = 0; w < CALL_WAYS; w++)
      if (!tag_live(tag[b + w], gen)) {
        tag[b + w] = calls.tag[k];
        steps[b + w] = calls.steps[k];
        e[b + w] = calls.e[k];
        break;
      }
  }
  if (!calls.e) { /* the thread's first table: freed when it ends */
    pthread_once(&calls_once, calls_key_make);
    if (calls_keyed) pthread_setspecific(calls_key, &calls);
  }
  free(calls.tag);
  free(calls.steps);
  free(calls.e);
  calls.tag = tag;
  calls.steps = steps;
  calls.e = e;
  calls.cap = cap;
  calls.pushed = 0;
  return true;
}

/* The key of n arguments: each either its bits (code 0) or, a tuple of m <= 2 items, the
 * items' bits (code 1 + m); the codes and n make shape. The number of key values, or -1
 * when they are more than CALL_KEYS. */
static int call_key(const bt_value *x, int n, bt_value *key, uint16_t *shape) {
  int m = 0;
  unsigned s = (unsigned)n;
  for (int k = 0; k < n; k++) {
    bt_value v = x[k];
    if (v.kind == BT_TUPLE && v.n <= 2 && !v.errc && !v.prim) {
      if (m + (int)v.n > CALL_KEYS) return -1;
      for (uint32_t e = 0; e < v.n; e++)
        key[m++] = v.u.items[e];
      s |= (1u + v.n) << (2 + 2 * k);
    } else {
      if (m == CALL_KEYS) return -1;
      key[m++] = v;
    }
  }
  *shape = (uint16_t)s;
  return m;
}

/* The number of key values of shape. */
static int shape_keys(uint16_t shape) {
  int n = shape & 3, m = 0;
  for (int k = 0; k < n; k++) {
    unsigned code = (shape >> (2 + 2 * k)) & 3;
    m += code ? (int)code - 1 : 1;
  }
  return m;
}

/* Whether v stays the same value, and no other value takes its bits, until the evaluation
 * ends. */
static bool call_stable(const bt_ctx *cx, bt_value v) {
  switch (v.kind) {
  case BT_ERR: return false;
  case BT_TUPLE:
  case BT_SET: return v.n == 0 || bt_interned(v.u.items) || !bt_since_begun(cx, v.u.items);
  case BT_FN: return !v.u.clo || !bt_since_begun(cx, v.u.clo);
  case BT_PGRID: return !bt_since_begun(cx, v.u.pg);
  default: return true;
  }
}

static uint64_t call_hash(const bt_closure *c, const bt_value *key, int m, uint16_t shape) {
  uint64_t h = ((uintptr_t)c >> 4) * 0x9e3779b97f4a7c15ull ^ shape;
  for (int k = 0; k < m; k++) {
    uint64_t w[2];
    memcpy(w, &key[k], sizeof w);
    h = (h ^ w[0]) * 0x100000001b3ull;
    h = (h ^ w[1]) * 0x100000001b3ull;
  }
  return (h ^ h >> 29) * 0x9e3779b97f4a7c15ull;
}

static inline bt_value run_closure(bt_ctx *cx, const bt_closure *c, const bt_value *x, int n) {
  return c->code ? c->code(cx, c, x, n) : call_closure(cx, c, x, n);
}

/* Doubles the table, keeping the running evaluation's entries; false when it cannot. */
static bool calls_grow(uint64_t gen) {
  uint64_t *hashes = malloc(calls.cap * sizeof *hashes);
  if (!hashes) return false;
  for (size_t k = 0; k < calls.cap; k++)
    if (tag_live(calls.tag[k], gen) && calls.e[k].gen == gen)
      hashes[k] = call_hash(calls.e[k].clo, calls.e[k].key, shape_keys(calls.e[k].shape), calls.e[k].shape);
  bool grown = calls_make(calls.cap * 2, gen, hashes);
  free(hashes);
  return grown;
}

/* The place for a call of hash h that took `took` steps in the evaluation of generation
 * gen: an entry of an earlier evaluation, else the cheapest one if it was cheaper; SIZE_MAX
 * when there is none. */
static size_t call_place(uint64_t h, uint64_t gen, uint32_t took) {
  if (!calls.e && !calls_make(CALL_FIRST, 0, NULL)) return SIZE_MAX;
  size_t b = call_bucket(h, calls.cap), to = b;
  for (int w = 0; w < CALL_WAYS; w++)
    if (!tag_live(calls.tag[b + w], gen)) return b + w;
  if (++calls.pushed > calls.cap && calls.cap < CALL_MAX && calls_grow(gen)) return call_place(h, gen, took);
  for (int w = 1; w < CALL_WAYS; w++)
    if (calls.steps[b + w] < calls.steps[to]) to = b + w;
  return calls.steps[to] < took ? to : SIZE_MAX;
}

/* Marks c as a closure whose calls are not looked up. c may be a constant line's, which the
 * threads share: each writes the same byte. */
static void call_never(const bt_closure *c) {
  __atomic_store_n(&((bt_closure *)c)->line, 2, __ATOMIC_RELAXED);
}

static bool call_memo_on = true;
static _Thread_local uint64_t call_hits;

void bt_call_memo_use(bool on) { call_memo_on = on; }
uint64_t bt_call_memo_hits(void) { return call_hits; }

bt_value bt_call_memo(bt_ctx *cx, const bt_closure *c, const bt_value *x, int n) {
  if (!call_memo_on || (calls.shut == c && calls.shut_gen == cx->memo_gen)) return run_closure(cx, c, x, n);
  call_entry in;
  int m = call_key(x, n, in.key, &in.shape);
  if (m < 0) {
    call_never(c);
    return run_closure(cx, c, x, n);
  }
  bt_arena *a = &cx->arena;
  uint64_t h = call_hash(c, in.key, m, in.shape), tag = call_tag(h, cx->memo_gen);
  if (calls.e) {
    size_t b = call_bucket(h, calls.cap);
    for (int w = 0; w < CALL_WAYS; w++) {
      const call_entry *e = &calls.e[b + w];
      if (calls.tag[b + w] != tag || e->gen != cx->memo_gen || e->clo != c || e->shape != in.shape ||
          !bt_same_bits(e->key, in.key, m))
        continue;
      if (cx->depth > e->depth || bt_walk_left < (int64_t)e->walk || a->used > cx->lim.max_bytes ||
          e->peak > cx->lim.max_bytes - a->used)
        break;
      if (e->steps > cx->lim.max_steps - cx->steps) break; /* the call meets max_steps: it runs */
      cx->steps += e->steps;
      bt_walk_left -= e->walk;
      bt_arena_peak(cx, a->used + e->peak);
      a->used += e->net;
      call_hits++;
      if (calls.run == c) calls.run_len = 0;
      return e->result;
    }
  }
  uint64_t steps = cx->steps;
  int64_t walk = bt_walk_left;
  size_t used = a->used, peak = a->peak;
  bool refused = cx->out_of_bytes;
  a->peak = used;
  cx->out_of_bytes = false;
  bt_value r = run_closure(cx, c, x, n);
  size_t top = a->peak;
  a->peak = top > peak ? top : peak;
  bool refused_here = cx->out_of_bytes;
  cx->out_of_bytes = refused || refused_here;
  uint64_t took = cx->steps - steps;
  if (took < CALL_MIN_STEPS) { /* cheaper to call than to look up: never again */
    if (r.kind != BT_ERR) call_never(c);
    return r;
  }
  if (r.kind == BT_ERR || refused_here || bt_walk_spent() || a->used < used ||
      (uint64_t)(walk - bt_walk_left) > UINT32_MAX || top - used > UINT32_MAX || cx->depth > UINT16_MAX ||
      took > UINT32_MAX)
    return r;
  size_t to = call_place(h, cx->memo_gen, (uint32_t)took);
  if (to == SIZE_MAX) { /* the table is full of costlier calls of this evaluation */
    if (calls.run != c) calls.run = c, calls.run_len = 0;
    if (++calls.run_len == CALL_SHUT) calls.shut = c, calls.shut_gen = cx->memo_gen;
    return r;
  }
  if (calls.run == c) calls.run_len = 0;
  if (!call_stable(cx, r)) return r;
  for (int k = 0; k < m; k++)
    if (!call_stable(cx, in.key[k])) return r;
  in.clo = c;
  in.gen = cx->memo_gen;
  in.result = r;
  in.steps = (uint32_t)took;
  in.walk = (uint32_t)(walk - bt_walk_left);
  in.net = (uint32_t)(a->used - used);
  in.peak = (uint32_t)(top - used);
  in.depth = (uint16_t)cx->depth;
  calls.tag[to] = tag;
  calls.steps[to] = in.steps;
  calls.e[to] = in;
  return r;
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
