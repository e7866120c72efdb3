/* batt.h: the libbatt runtime — values, memory, calls and the DSL primitives.
 *
 * A value is a 16-byte tagged struct passed by value. Integers and bools are inline;
 * tuples and sets point at an immutable array of elements in the context's arena; a
 * function value is a primitive (by id) or a closure (arena-allocated). Sets are stored
 * sorted in the canonical order (bt_cmp) without duplicates, so iterating a set is
 * iterating its items array, and tuples and sets share the same element access.
 *
 * A grid is a tuple of equal-length tuples of ints, exactly as in arc-dsl; no separate
 * kind exists, so equality, order, hashing and every primitive see one value.
 *
 * Errors are values (BT_ERR) with a code naming the Python exception they stand for.
 * They never appear inside containers. */
#ifndef BATT_H
#define BATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum bt_kind {
  BT_ERR = 0,
  BT_NONE,
  BT_BOOL,
  BT_INT,
  BT_FLOAT, /* the tokpidjin dialect's sentinels nan, inf and -inf (and any other float) */
  BT_TUPLE,
  BT_SET,
  BT_FN,
  BT_PGRID, /* a packed grid (bt_pgrid): never inside a container or a closure (see below) */
} bt_kind;

/* Error codes: the Python exception a reference run would raise, plus batt's own. */
typedef enum bt_errc {
  BT_E_TYPE = 1,  /* TypeError */
  BT_E_VALUE,     /* ValueError (e.g. max() of an empty sequence) */
  BT_E_INDEX,     /* IndexError */
  BT_E_ATTR,      /* AttributeError */
  BT_E_STOP,      /* StopIteration (next() of an empty iterator) */
  BT_E_ZERODIV,   /* ZeroDivisionError */
  BT_E_KEY,       /* KeyError */
  BT_E_RUNTIME,   /* RuntimeError */
  BT_E_RECURSION, /* RecursionError */
  BT_E_OVERFLOW,  /* an integer left the int64 range */
  BT_E_LIMIT,     /* a value or a loop went past a runtime limit */
  BT_E_COUNT
} bt_errc;

struct bt_value;
struct bt_closure;
struct bt_pgrid;

typedef struct bt_value {
  uint8_t kind;  /* bt_kind */
  uint8_t errc;  /* bt_errc when kind == BT_ERR */
  uint16_t prim; /* primitive id when kind == BT_FN and clo == NULL */
  uint32_t n;    /* element count of a tuple or set */
  union {
    int64_t i;                    /* BT_INT, BT_BOOL (0/1) */
    double f;                     /* BT_FLOAT */
    const struct bt_value *items; /* BT_TUPLE, BT_SET */
    const struct bt_closure *clo; /* BT_FN closure, NULL for a bare primitive */
    const struct bt_pgrid *pg;    /* BT_PGRID */
  } u;
} bt_value;

struct bt_ctx;

/* A closure's own code: what calling it on n arguments (n equal to its arity) does, as
 * the generic call of its constructor would do it (closure.c), with what the generator
 * knew of its captured values compiled in (spec.h). */
typedef bt_value (*bt_clo_code)(struct bt_ctx *cx, const struct bt_closure *c, const bt_value *x, int n);

/* A closure made by compose, chain, fork, matcher, rbind, lbind or power.
 * ctor is the constructor's primitive id; arity is how many arguments it takes
 * (arc-dsl's co_argcount); args are the captured values (power: function, count).
 * code, when not NULL, is its specialised call (the generated program's); it is not part
 * of the value: equality, order and hashing read ctor and args only. */
typedef struct bt_closure {
  uint16_t ctor;
  uint8_t arity;
  uint8_t nargs;
  uint8_t line;   /* a line's value: its calls inside other calls go through the call memo */
  uint16_t quick; /* with code: 1 + the number of its quick evaluation (spec.h), or 0 */
  bt_clo_code code;
  bt_value args[3];
} bt_closure;
/* The bytes a closure takes are counted against max_bytes: its size is part of the limits. */
_Static_assert(sizeof(bt_closure) == 64, "a closure takes 64 bytes");

/* ---- limits and context ------------------------------------------------ */

typedef struct bt_limits {
  uint64_t max_steps; /* function calls per evaluation (bt_ctx_begin resets) */
  uint32_t max_elems; /* elements in one tuple or set, cells in one grid */
  uint32_t max_depth; /* nesting of calls through closures */
  size_t max_bytes;   /* arena bytes in use at once */
  uint64_t max_walk;  /* elements visited by comparisons in one line */
} bt_limits;

extern const bt_limits bt_default_limits;

typedef struct bt_chunk bt_chunk;
struct bt_chunk {
  bt_chunk *next;
  size_t size;
  size_t off;
  size_t pad_; /* keeps data 16-aligned */
  _Alignas(16) unsigned char data[];
};

/* Arena: a list of chunks, bump allocation, released to a mark. */
typedef struct bt_arena {
  bt_chunk *head;     /* chunk being filled */
  bt_chunk *spare;    /* released chunks kept for reuse */
  size_t used;        /* bytes handed out and not released */
  size_t spare_bytes; /* the sizes of the spare chunks */
  size_t peak;        /* the most used has been since the call memo last set it (bt_call_memo) */
} bt_arena;

typedef struct bt_mark {
  bt_chunk *chunk;
  size_t off;
  size_t used;
} bt_mark;

struct bt_memo;

typedef struct bt_ctx {
  bt_arena arena;
  bt_limits lim;
  uint64_t steps;
  uint32_t depth;
  bool out_of_bytes;    /* an allocation was refused for max_bytes since bt_ctx_begin */
  uint64_t memo_gen;    /* bt_ctx_begin's count: memo entries of earlier evaluations are void */
  bt_mark begun;        /* the arena when the evaluation began */
  struct bt_memo *memo; /* bt_memo_get; NULL until the first entry */
  /* the grid the evaluations read as their input (bt_ctx_set_input), and its packed twin,
     made on first use (bt_input_packed; state 0: not yet, 1: made, -1: it does not pack):
     the input lives outside the arena and outlasts the evaluations, the twin is no value */
  bt_value input;
  struct bt_pgrid *input_packed;
  size_t input_cap;
  int input_state;
} bt_ctx;

void bt_ctx_init(bt_ctx *cx, const bt_limits *lim); /* lim NULL: defaults */
void bt_ctx_free(bt_ctx *cx);
/* Names grid, which must stay as it is until the next call, as the input of cx's
 * evaluations (none: no input). */
static inline void bt_ctx_set_input(bt_ctx *cx, bt_value grid) {
  cx->input = grid;
  cx->input_state = 0;
}

static inline bt_mark bt_arena_mark(bt_ctx *cx) {
  bt_mark m = {cx->arena.head, cx->arena.head ? cx->arena.head->off : 0, cx->arena.used};
  return m;
}

void bt_arena_release_to(bt_ctx *cx, bt_mark m);
/* Releases what was allocated since mark m (the chunks past it kept for reuse); releasing
 * memory made before the evaluation began forgets the memo. Nothing made since m (a loop's
 * verdict that allocated nothing): nothing to do, here. */
static inline __attribute__((always_inline)) void bt_arena_release(bt_ctx *cx, bt_mark m) {
  const bt_arena *a = &cx->arena;
  if (a->head == m.chunk && a->used == m.used && (!m.chunk || m.chunk->off == m.off) &&
      m.used >= cx->begun.used)
    return;
  bt_arena_release_to(cx, m);
}

/* The last generation of memo entries handed out on this thread. A context's generations
 * ascend, and so do a thread's: an entry of one evaluation never answers another's. */
extern _Thread_local uint64_t bt_memo_gens __attribute__((tls_model("initial-exec")));

/* Starts one evaluation (a line's call): resets the step counter; forgets the memo. */
static inline void bt_ctx_begin(bt_ctx *cx) {
  cx->steps = 0;
  cx->depth = 0;
  cx->out_of_bytes = false;
  cx->memo_gen = bt_memo_gens = (cx->memo_gen > bt_memo_gens ? cx->memo_gen : bt_memo_gens) + 1;
  cx->begun = bt_arena_mark(cx);
}

/* A memo of pure one-argument primitives within one evaluation: a primitive that walks a
 * large container (center of an object) and is called on the same value many times (an
 * argmin over objects for each cell) looks its result up by the argument's identity. Only
 * arguments made before the evaluation began are entered (their memory is neither released
 * nor reused until it ends: bt_ctx_begin starts every line's call), and only results that
 * hold no arena memory (ints, bools, interned pairs). Releasing memory made before the
 * evaluation began, and moving chunks between arenas (bt_copy_out), forget the memo too. */
bool bt_memo_get(bt_ctx *cx, int prim, bt_value arg, bt_value *out);
void bt_memo_forget(bt_ctx *cx);
void bt_memo_put(bt_ctx *cx, int prim, bt_value arg, bt_value result);
/* Whether p lies in arena memory allocated since the evaluation began. */
bool bt_since_begun(const bt_ctx *cx, const void *p);
/* The key of a thread's cache of something derived from the value whose memory is p (a
 * grid's running sums or dimensions, a set's member bitmap), under the memo's rule: p is the
 * value's identity within the evaluation that made the entry when p was made before that
 * evaluation began. bt_kept_for: whether the entry was made for p in this evaluation;
 * bt_kept_set: keys an entry just made from p, for p when p lasts, else for nothing. */
typedef struct bt_kept_key {
  const void *id; /* NULL: nothing kept */
  uint64_t gen;
} bt_kept_key;
static inline bool bt_kept_for(const bt_ctx *cx, const bt_kept_key *k, const void *p) {
  return p && k->id == p && k->gen == cx->memo_gen;
}
static inline void bt_kept_set(const bt_ctx *cx, bt_kept_key *k, const void *p) {
  k->id = p && !bt_since_begun(cx, p) ? p : NULL;
  k->gen = cx->memo_gen;
}
/* The call of a line's closure c (c->line) inside another call, through the call memo:
 * what calling c on the n arguments x gives (closure.c). */
bt_value bt_call_memo(bt_ctx *cx, const struct bt_closure *c, const bt_value *x, int n);
/* Frees this thread's call memo (bt_ctx_free does). */
void bt_call_memo_free(void);
/* Turns the call memo on (the default) or off, for tests comparing the two; and the calls
 * this thread found in it. */
void bt_call_memo_use(bool on);
uint64_t bt_call_memo_hits(void);
/* The least depth (cx->depth, the call itself counted) at which a line closure's calls
 * go through the call memo: calls a primitive makes on a line's values come once each. */
enum { BT_CALL_MEMO_DEPTH = 2 };
/* Counts a peak of used bytes that a shortcut (a union instead of mapping) stands for. */
static inline void bt_arena_peak(bt_ctx *cx, size_t used) {
  if (used > cx->arena.peak) cx->arena.peak = used;
}
/* Returns what `body` gives for primitive prim on argument arg, through the memo. */
#define BT_MEMOIZED(cx, prim, arg, body)                                                                     \
  do {                                                                                                       \
    bt_value memo_r_;                                                                                        \
    if (bt_memo_get((cx), (prim), (arg), &memo_r_)) return memo_r_;                                          \
    memo_r_ = (body);                                                                                        \
    bt_memo_put((cx), (prim), (arg), memo_r_);                                                               \
    return memo_r_;                                                                                          \
  } while (0)
/* Frees released chunks beyond keep bytes (they are otherwise kept for reuse). */
void bt_arena_trim(bt_ctx *cx, size_t keep);
/* n bytes, 16-aligned; NULL when max_bytes would be passed. */
void *bt_alloc(bt_ctx *cx, size_t n);

/* ---- scalar constructors and predicates ---------------------------------- */

static inline bt_value bt_err(bt_errc c) {
  bt_value v = {BT_ERR, (uint8_t)c, 0, 0, {0}};
  return v;
}
static inline bt_value bt_none(void) {
  bt_value v = {BT_NONE, 0, 0, 0, {0}};
  return v;
}
static inline bt_value bt_int(int64_t i) {
  bt_value v = {BT_INT, 0, 0, 0, {.i = i}};
  return v;
}
static inline bt_value bt_bool(bool b) {
  bt_value v = {BT_BOOL, 0, 0, 0, {.i = b ? 1 : 0}};
  return v;
}
static inline bt_value bt_float(double f) {
  bt_value v = {BT_FLOAT, 0, 0, 0, {.f = f}};
  return v;
}
static inline bt_value bt_prim_value(int prim) {
  bt_value v = {BT_FN, 0, (uint16_t)prim, 0, {.clo = NULL}};
  return v;
}
static inline bt_value bt_tuple(const bt_value *items, uint32_t n) {
  bt_value v = {BT_TUPLE, 0, 0, n, {.items = items}};
  return v;
}

static inline bool bt_is_err(bt_value v) { return v.kind == BT_ERR; }
/* int or bool: Python's isinstance(v, int) */
static inline bool bt_is_int(bt_value v) { return v.kind == BT_INT || v.kind == BT_BOOL; }
static inline bool bt_is_tuple(bt_value v) { return v.kind == BT_TUPLE; }
static inline bool bt_is_set(bt_value v) { return v.kind == BT_SET; }
/* tuple or set: something with items */
static inline bool bt_is_coll(bt_value v) { return v.kind == BT_TUPLE || v.kind == BT_SET; }
static inline bool bt_is_fn(bt_value v) { return v.kind == BT_FN; }

/* Propagates the first error among n values: returns true and sets *out if one is. */
static inline bool bt_any_err(const bt_value *v, int n, bt_value *out) {
  for (int k = 0; k < n; k++)
    if (v[k].kind == BT_ERR) {
      *out = v[k];
      return true;
    }
  return false;
}

/* ---- the comparison budget ----------------------------------------------- */

/* Walks over values (comparisons, copies, sizes) stop past this nesting, as CPython's
 * comparisons stop at its recursion limit: a walk that deep spends the comparison budget. */
enum { BT_MAX_NEST = 1000 };

/* What comparisons (bt_cmp, bt_eq, bt_same) may still visit on this thread. Values share
 * their parts, so a few lines can build a value whose parts, written out, are exponentially
 * many (astuple(x, x) nested 60 deep): comparing two such values would not end. A line's
 * call (bt_call_prim, bt_call_line, each function of bt_apply_many) gets max_walk; each
 * comparison spends the elements it visits; once the budget is spent, comparisons answer
 * "equal" at once, every call returns a LimitError (bt_call) and so does the line. Outside
 * a line's call the budget is unbounded, but a walk past BT_MAX_NEST spends it there too:
 * code comparing values of unknown depth outside a line sets a budget and checks it. */
extern _Thread_local int64_t bt_walk_left __attribute__((tls_model("initial-exec")));
static inline void bt_walk_reset(uint64_t budget) {
  bt_walk_left = budget > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)budget;
}
static inline bool bt_walk_spent(void) { return bt_walk_left < 0; }
/* Ends a line's budget: r, or a LimitError when the budget was spent. */
static inline bt_value bt_walk_end(bt_value r) {
  bool spent = bt_walk_spent();
  bt_walk_left = INT64_MAX;
  return spent ? bt_err(BT_E_LIMIT) : r;
}

/* ---- containers ------------------------------------------------------------ */

/* n uninitialised elements in the arena; NULL past max_elems or max_bytes. */
bt_value *bt_items(bt_ctx *cx, size_t n);
/* n elements followed by `parts` values that are their parts (the pairs of cells made in
 * one block): only the n elements count against max_elems (the parts are no container),
 * all of it against max_bytes. */
bt_value *bt_items_parts(bt_ctx *cx, size_t n, size_t parts);
/* The pair (a, b) and the int pair (i, j); an error value if allocation fails. */
bt_value bt_pair(bt_ctx *cx, bt_value a, bt_value b);
bt_value bt_ipair(bt_ctx *cx, int64_t i, int64_t j);
/* The cell (color, (i, j)) in one allocation. */
bt_value bt_cell(bt_ctx *cx, int64_t color, int64_t i, int64_t j);
/* ---- interned pairs and cells ---------------------------------------------------- */

/* Index pairs (i, j) and cells (c, (i, j)) of plain ints in a small range are not built in
 * the arena: they are the elements of one static table, made once per process, laid out in
 * canonical order (pairs by i then j; cells by c, i, j). A tuple value pointing into it is
 * an ordinary tuple to every reader; equality, order and hashing are the boxed twin's.
 * Copies and compaction leave these parts where they are, and two such values compare
 * by their address. The bools True/False are no ints here: (True, 0) stays boxed. */
enum {
  BT_IPAIR_LO = -32, /* pairs: i and j in [LO, LO + SPAN) */
  BT_IPAIR_SPAN = 128,
  BT_ICELL_LO = -16, /* cells: i and j in [LO, LO + SPAN), c in [0, COLORS) */
  BT_ICELL_SPAN = 64,
  BT_ICELL_COLORS = 10,
};
enum {
  BT_INTERN_PAIRS = BT_IPAIR_SPAN * BT_IPAIR_SPAN,                   /* entries 0.. are pairs */
  BT_INTERN_CELLS = BT_ICELL_COLORS * BT_ICELL_SPAN * BT_ICELL_SPAN, /* then the cells */
};
extern bt_value bt_intern_tab[];
#define BT_INTERN_VALUES (2 * (BT_INTERN_PAIRS + BT_INTERN_CELLS)) /* two values an entry */
/* Whether p points into the table. */
static inline bool bt_interned(const void *p) {
  return (uintptr_t)p - (uintptr_t)bt_intern_tab < (uintptr_t)(BT_INTERN_VALUES * sizeof(bt_value));
}
/* The entry of the table v is, or -1 when v is no interned pair or cell. */
static inline int64_t bt_intern_at(bt_value v) {
  uintptr_t off = (uintptr_t)(v.u.items - bt_intern_tab);
  if (v.kind != BT_TUPLE || v.n != 2 || !bt_interned(v.u.items) || (off & 1)) return -1;
  return (int64_t)(off / 2);
}
/* The (i, j) of the entry at of the table. */
static inline void bt_intern_ij(int64_t at, int64_t *i, int64_t *j) {
  if (at < BT_INTERN_PAIRS) {
    *i = BT_IPAIR_LO + at / BT_IPAIR_SPAN;
    *j = BT_IPAIR_LO + at % BT_IPAIR_SPAN;
  } else {
    int64_t r = (at - BT_INTERN_PAIRS) % (BT_ICELL_SPAN * BT_ICELL_SPAN);
    *i = BT_ICELL_LO + r / BT_ICELL_SPAN;
    *j = BT_ICELL_LO + r % BT_ICELL_SPAN;
  }
}
/* The colour of the cell entry at of the table. */
static inline int64_t bt_intern_color(int64_t at) {
  return (at - BT_INTERN_PAIRS) / (BT_ICELL_SPAN * BT_ICELL_SPAN);
}

/* The interned (i, j), or NULL when out of range. */
static inline const bt_value *bt_intern_pair(int64_t i, int64_t j) {
  uint64_t a = (uint64_t)i - (uint64_t)BT_IPAIR_LO, b = (uint64_t)j - (uint64_t)BT_IPAIR_LO;
  if (a >= BT_IPAIR_SPAN || b >= BT_IPAIR_SPAN) return NULL;
  return bt_intern_tab + 2 * (a * BT_IPAIR_SPAN + b);
}
/* The interned (c, (i, j)), or NULL when out of range. */
static inline const bt_value *bt_intern_cell(int64_t c, int64_t i, int64_t j) {
  uint64_t a = (uint64_t)i - (uint64_t)BT_ICELL_LO, b = (uint64_t)j - (uint64_t)BT_ICELL_LO;
  if ((uint64_t)c >= BT_ICELL_COLORS || a >= BT_ICELL_SPAN || b >= BT_ICELL_SPAN) return NULL;
  return bt_intern_tab + 2 * (BT_INTERN_PAIRS + ((uint64_t)c * BT_ICELL_SPAN + a) * BT_ICELL_SPAN + b);
}
/* The interned form of the pair (x, y) when it has one: two plain ints in range, or a
 * plain int and an interned pair (a cell); NULL otherwise. */
static inline const bt_value *bt_intern_of(bt_value x, bt_value y) {
  if (x.kind != BT_INT) return NULL;
  if (y.kind == BT_INT) return bt_intern_pair(x.u.i, y.u.i);
  int64_t at = bt_intern_at(y); /* a whole interned pair, not a shorter view of one */
  if (at < 0 || at >= BT_INTERN_PAIRS) return NULL;
  return bt_intern_cell(x.u.i, y.u.items[0].u.i, y.u.items[1].u.i);
}
/* A deep copy of v in which no part is interned (the boxed twin; for tests). */
bt_value bt_copy_boxed(bt_ctx *cx, bt_value v);

/* A tuple copying n values. */
bt_value bt_tuple_copy(bt_ctx *cx, const bt_value *items, size_t n);
/* Python's a + b of two tuples: a when b is empty, b when a is, else a new tuple. */
bt_value bt_tuple_concat(bt_ctx *cx, bt_value a, bt_value b);
/* The tuple of each element of t repeated f times (f <= 0: empty); TypeError for no container. */
bt_value bt_repeat_each(bt_ctx *cx, bt_value t, int64_t f);
/* A set from n arena-owned values: sorts them in place (stable) and drops later
 * duplicates (the first inserted of equal values survives, as in Python). */
bt_value bt_set_build(bt_ctx *cx, bt_value *items, size_t n);
/* A set from values already strictly ascending in canonical order (not checked in
 * release builds). */
bt_value bt_set_sorted(bt_value *items, size_t n);
/* bt_set_build of the x.n * y.n pairs (x[i], y[j]) of sets x and y, x-major: they ascend,
 * and the check that they do is not made, its comparison budget counted instead. */
bt_value bt_set_of_product(bt_ctx *cx, bt_value *items, bt_value x, bt_value y);
/* bt_set_build of the n items of the sets sets[0..runs), in that order: the union of the
 * sets. Sets of patches of interned entries are merged as the ascending runs they are. */
bt_value bt_set_of_runs(bt_ctx *cx, bt_value *items, size_t n, const bt_value *sets, uint32_t runs);
/* Python's type(proto)(items): a set when proto is a set, else a tuple. */
bt_value bt_like(bt_ctx *cx, bt_value proto, bt_value *items, size_t n);

/* A growable array in the arena. */
typedef struct bt_vec {
  bt_value *items;
  size_t n, cap;
} bt_vec;
static inline void bt_vec_init(bt_vec *v) {
  v->items = NULL;
  v->n = 0;
  v->cap = 0;
}
/* false when the limit is hit (max_elems / max_bytes). */
bool bt_vec_push(bt_ctx *cx, bt_vec *v, bt_value x);
bool bt_vec_reserve(bt_ctx *cx, bt_vec *v, size_t n);

/* A deep copy of v into cx (values shared inside v stay shared in the copy); an error
 * value when cx's limits are hit or v is nested deeper than BT_MAX_NEST. */
bt_value bt_copy(bt_ctx *cx, bt_value v);
/* Copies n values in place into cx, sharing what they share; false (and vals no longer
 * what they were) when one of them cannot be copied. */
bool bt_copy_many(bt_ctx *cx, bt_value *vals, size_t n);
/* bt_copy_many copying only the parts that lie in from's arena (its chunks in use): parts
 * elsewhere stay where they are, shared. For values whose parts outside from's arena never
 * point into it (they are older: another generation, the task's or the run's values). A
 * large grid or flat array that fills a chunk of from's alone is not copied: the chunk moves
 * to cx's arena (and back, when the copy fails). */
bool bt_copy_out(bt_ctx *cx, bt_ctx *from, bt_value *vals, size_t n);

/* ---- grids ----------------------------------------------------------------- */

/* True when g is a non-empty tuple of equal-length tuples whose elements are all
 * ints (or bools); sets *h, *w. Rows may be empty (w == 0). */
bool bt_grid_dims(bt_value g, int64_t *h, int64_t *w);
#define BT_GCELL(g, row, col) ((g).u.items[(row)].u.items[(col)].u.i)
/* An h x w grid of ints from a row-major array. */
bt_value bt_grid_from(bt_ctx *cx, int64_t h, int64_t w, const int64_t *cells);
/* An h x w grid whose cells the caller fills through *cells (row-major, h*w values
 * already typed BT_INT with value 0). */
bt_value bt_grid_new(bt_ctx *cx, int64_t h, int64_t w, bt_value **cells);

/* ---- packed grids ------------------------------------------------------------------ */

/* A grid whose cells are all plain ints in [0, 255] may be stored packed: h x w bytes, row by
 * row, behind a 16-byte header (value: kind BT_PGRID, n = h, u.pg). It is the same value as
 * its boxed twin (a tuple of h tuples of w ints); only primitives with a fast path
 * (bt_fast, grid8.c) read it. Packed grids live only where values are passed to calls and
 * stored as a line's value: every other primitive gets the boxed twin of a packed argument
 * (bt_prim_run), bt_call and bt_call_prim return boxed values, and no container or closure
 * holds a packed grid. Both dimensions are at least 1. */
typedef struct bt_pgrid {
  int64_t h, w;
  uint8_t c[]; /* h * w cells, row-major */
} bt_pgrid;

static inline bool bt_is_pgrid(bt_value v) { return v.kind == BT_PGRID; }
/* The arena bytes a packed grid of h x w cells takes (header included). */
static inline size_t bt_pgrid_bytes(int64_t h, int64_t w) { return sizeof(bt_pgrid) + (size_t)(h * w); }
/* A packed h x w grid (h, w >= 1) whose cells the caller fills; an error value when the
 * arena's max_bytes would be passed (no other limit is checked: callers check those
 * the boxed computation checks). */
bt_value bt_pgrid_new(bt_ctx *cx, int64_t h, int64_t w, uint8_t **cells);
/* The boxed twin of a packed grid (laid out as bt_grid_new lays a grid out); any other
 * value as it is. A LimitError when the arena is full. */
bt_value bt_unpack_grid(bt_ctx *cx, bt_value v);
static inline __attribute__((always_inline)) bt_value bt_unpack(bt_ctx *cx, bt_value v) {
  return __builtin_expect(v.kind == BT_PGRID, 0) ? bt_unpack_grid(cx, v) : v;
}
/* A packed twin of v when v is a grid that packs (a non-empty tuple of non-empty,
 * equal-length tuples of plain ints in [0, 255]), else v. */
bt_value bt_pack(bt_ctx *cx, bt_value v);

/* The packed twin of g when g is cx's input (bt_ctx_set_input) and packs, made once per
 * input outside the arena: for reading only, never a value (NULL otherwise). */
const bt_pgrid *bt_input_packed(bt_ctx *cx, bt_value g);

/* The cells of a grid as bytes: a packed grid's own, or cx's input's twin's, or a boxed
 * grid's copied into the arena. False (and nothing allocated) when g does not pack. */
typedef struct bt_gview {
  int64_t h, w;
  const uint8_t *c;
} bt_gview;
bool bt_gview_of(bt_ctx *cx, bt_value g, bt_gview *out);

/* What a fast path returns when it does not apply: the primitive's own code then runs on
 * boxed arguments. */
static inline bt_value bt_decline(void) {
  bt_value v = {BT_ERR, 0, 0, 0, {0}};
  return v;
}
static inline bool bt_declined(bt_value v) { return v.kind == BT_ERR && v.errc == 0; }

/* A primitive's fast path: the same value its own code gives, or bt_decline(). */
typedef bt_value (*bt_fast_fn)(bt_ctx *cx, const bt_value *args);
extern const bt_fast_fn bt_fast[]; /* by primitive id; NULL: none */
/* occurrences in a packed grid (prim_objects.c). */
bt_value bt_fast_occurrences(bt_ctx *cx, const bt_value *args);

/* Runs primitive prim on its arguments (its arity of them, no error among them): its fast
 * path first, else its own code on boxed arguments. The result may be packed. */
bt_value bt_prim_run(bt_ctx *cx, int prim, const bt_value *args);

/* ---- order, equality, hashing, Python operators -------------------------- */

/* The canonical total order: none < bool/int < tuple < set < function. */
int bt_cmp(bt_value a, bt_value b);
/* The order of the table entries x and y, two interned pairs or two interned cells, with
 * the comparison budget (not spent yet) spent as the walk over their boxed forms spends it:
 * the first differing element decides (a pair: i, then j; a cell: c, then i, then j). */
static inline int bt_intern_cmp(int64_t x, int64_t y) {
  int64_t ix, jx, iy, jy;
  bt_intern_ij(x, &ix, &jx);
  bt_intern_ij(y, &iy, &jy);
  if (x < BT_INTERN_PAIRS)
    bt_walk_left -= ix != iy ? 1 : 2;
  else
    bt_walk_left -= bt_intern_color(x) != bt_intern_color(y) ? 1 : ix != iy ? 3 : 4;
  return x < y ? -1 : x > y;
}
/* bt_cmp with two interned pairs or two interned cells compared here (bt_intern_cmp);
 * anything else goes to bt_cmp. For the loops of set operations and searches. */
static inline int bt_cmp_quick(bt_value a, bt_value b) {
  int64_t x = bt_intern_at(a), y = bt_intern_at(b);
  if (x < 0 || y < 0 || (x >= BT_INTERN_PAIRS) != (y >= BT_INTERN_PAIRS) || bt_walk_spent())
    return bt_cmp(a, b);
  return bt_intern_cmp(x, y);
}
/* Python ==: bools equal ints of the same value (two ints or bools compared here). */
bool bt_eq_values(bt_value a, bt_value b);
static inline __attribute__((always_inline)) bool bt_eq(bt_value a, bt_value b) {
  if ((a.kind == BT_INT || a.kind == BT_BOOL) && (b.kind == BT_INT || b.kind == BT_BOOL))
    return a.u.i == b.u.i;
  return bt_eq_values(a, b);
}
/* Equality that also tells bool from int, at every depth (tests, results). */
bool bt_same(bt_value a, bt_value b);
/* Whether the m values at x and at y are the same bits, one by one (then they are equal
 * values; equal values may differ in their bits). */
static inline bool bt_same_bits(const bt_value *x, const bt_value *y, int m) {
  for (int k = 0; k < m; k++) {
    uint64_t a[2], b[2];
    memcpy(a, &x[k], sizeof a);
    memcpy(b, &y[k], sizeof b);
    if ((a[0] ^ b[0]) | (a[1] ^ b[1])) return false;
  }
  return true;
}
uint64_t bt_hash(bt_value v);
/* The number of values in v written out (v itself, its items, theirs, ...), counting
 * shared parts once per occurrence; stops past cap and returns cap + 1. */
uint64_t bt_tree_size(bt_value v, uint64_t cap);
/* Python truthiness. */
static inline __attribute__((always_inline)) bool bt_truth(bt_value v) {
  switch (v.kind) {
  case BT_BOOL:
  case BT_INT: return v.u.i != 0;
  case BT_FLOAT: return v.u.f != 0.0; /* NaN is true, as in Python */
  case BT_TUPLE:
  case BT_SET: return v.n != 0;
  case BT_FN:
  case BT_PGRID: return true;
  default: return false;
  }
}
/* Python a < b: 1, 0, or -1 when Python raises TypeError. Sets compare by
 * inclusion (proper subset). */
int bt_py_lt(bt_value a, bt_value b);
/* Python `x in c` for a tuple or set: 1, 0, or -1 (TypeError). */
int bt_contains(bt_value c, bt_value x);
/* Position of x in the sorted items of set s, or -1. */
int64_t bt_set_find(bt_value s, bt_value x);

/* Python integer arithmetic on int64 with overflow as an error. */
bt_value bt_int_add(int64_t a, int64_t b);
bt_value bt_int_sub(int64_t a, int64_t b);
bt_value bt_int_mul(int64_t a, int64_t b);
bt_value bt_int_floordiv(int64_t a, int64_t b); /* ZeroDivisionError on b == 0 */
bt_value bt_int_mod(int64_t a, int64_t b);

/* Python's obj[k] for a tuple (negative k counts from the end); IndexError out of
 * range, TypeError for sets, ints and functions. */
bt_value bt_getitem(bt_value c, int64_t k);
/* Python's len(); -1 when Python raises TypeError. */
int64_t bt_len(bt_value v);

/* ---- functions --------------------------------------------------------------- */

typedef bt_value (*bt_prim_fn)(bt_ctx *cx, const bt_value *args);
enum { BT_MAX_PRIM_ARGS = 4 }; /* the most parameters a primitive has */

/* A closure constructor's `makes` arity (runtime/dsl.yaml): the closure's arity when it is
 * fixed (1 to 4), else how it follows from the function given: */
enum {
  BT_MAKES_NONE = 0,  /* not a closure constructor */
  BT_MAKES_BIND = -1, /* rbind/lbind: co_argcount 2 -> 1, 3 -> 2, else 3 */
  BT_MAKES_SAME = -2, /* power: the function itself for a count of 1, else compose's closure */
};

/* What a primitive of a defaulting dialect (tokpidjin) returns instead of failing: the typed
 * default of its return annotation (docs/tokpidjin.md). BT_DFLT_NONE: its errors are errors. */
typedef enum bt_default {
  BT_DFLT_NONE = 0,
  BT_DFLT_FROZENSET, /* frozenset() */
  BT_DFLT_TUPLE,     /* () */
  BT_DFLT_ZERO,      /* 0 */
  BT_DFLT_FALSE,     /* False */
  BT_DFLT_FN,        /* a function of any arguments returning () (bt_default_fn) */
} bt_default;

typedef struct bt_prim_info {
  const char *name; /* the runtime's name: the dialect's prefix and dsl */
  const char *dsl;  /* the name solvers of its dialect call it by */
  uint8_t arity;
  int8_t makes;    /* BT_MAKES_* or the arity of the closure it makes */
  uint8_t dialect; /* BT_DIALECT_* (bt_prims.h); 0: arc-dsl */
  uint8_t dflt;    /* bt_default */
  uint8_t least;   /* the fewest arguments a call may give: the trailing ones left out take opt */
  int16_t opt;     /* the primitive value the optional parameters take (-1: none) */
  bt_prim_fn fn;   /* a defaulting primitive's wrapper (bt_settle_default) */
} bt_prim_info;

/* Generated from the catalogues at build time (bt_dispatch.c). */
extern const bt_prim_info bt_prims[];
extern const int bt_n_prims;
/* Primitive id by runtime name, or -1. */
int bt_prim_lookup(const char *name);
/* Primitive id by the name a dialect's solvers use, or -1. */
int bt_prim_lookup_dsl(int dialect, const char *name);

/* ---- defaulting dialects ---------------------------------------------------------- */

/* A value that is not an error and carries a nonzero errc was defaulted: the call that made
 * it failed with that error and returned its typed default. Only the outermost call marks
 * its result: a defaulting primitive clears the mark on what it returns normally. */
static inline bool bt_was_defaulted(bt_value v) { return v.kind != BT_ERR && v.errc != 0; }

/* The function value a Callable default is: a primitive that returns () for any arguments. */
extern const int bt_default_fn;

/* The typed default of kind d, marked as the default of error errc. */
static inline bt_value bt_default_value(int d, int errc) {
  bt_value v = {BT_TUPLE, (uint8_t)errc, 0, 0, {0}};
  switch (d) {
  case BT_DFLT_FROZENSET: v.kind = BT_SET; break;
  case BT_DFLT_ZERO: v.kind = BT_INT; break;
  case BT_DFLT_FALSE: v.kind = BT_BOOL; break;
  case BT_DFLT_FN:
    v.kind = BT_FN;
    v.prim = (uint16_t)bt_default_fn;
    break;
  default: break;
  }
  return v;
}

/* A defaulting primitive's result: r unmarked, or its typed default for an error that
 * Python's `except Exception` would catch (a runtime limit stays an error). */
static inline bt_value bt_settle_default(bt_value r, int d) {
  if (r.kind != BT_ERR) {
    r.errc = 0;
    return r;
  }
  if (r.errc == BT_E_LIMIT || bt_walk_spent()) return r;
  return bt_default_value(d, r.errc);
}

/* Every primitive is defined with this macro; the build checks that the set of
 * BT_PRIM definitions equals the catalogue. Arguments are never error values. */
#define BT_PRIM(name) bt_value bt_p_##name(bt_ctx *cx, const bt_value *a)

/* How many arguments f takes (arc-dsl's co_argcount); -1 if f is not a function. */
static inline int bt_arity(bt_value f) {
  if (f.kind != BT_FN) return -1;
  return f.u.clo ? f.u.clo->arity : bt_prims[f.prim].arity;
}
/* Calls f on n arguments. An error argument is returned as is (the first, then f when
 * f is an error); a non-function, a wrong argument count, too deep a nesting or too many
 * steps give an error. */
bt_value bt_call(bt_ctx *cx, bt_value f, const bt_value *args, int n);
/* The call of closure c, whose own code is `code` (a generated program's), on n arguments
 * that hold no error, as the generic call makes it: its step, its depth, and the call memo
 * for a line's closure inside another call. The result as the code gives it (it may be a
 * packed grid). */
static inline __attribute__((always_inline)) bt_value
bt_call_code(bt_ctx *cx, const bt_closure *c, bt_clo_code code, const bt_value *x, int n) {
  if (__builtin_expect(++cx->steps > cx->lim.max_steps, 0)) return bt_err(BT_E_LIMIT);
  if (__builtin_expect(cx->depth >= cx->lim.max_depth, 0)) return bt_err(BT_E_RECURSION);
  cx->depth++;
  bt_value r =
      __builtin_expect(__atomic_load_n(&c->line, __ATOMIC_RELAXED) == 1, 0) && cx->depth >= BT_CALL_MEMO_DEPTH
          ? bt_call_memo(cx, c, x, n)
          : code(cx, c, x, n);
  cx->depth--;
  return r;
}
/* bt_call on one argument, and on two: a closure of that many arguments with its own code,
 * the commonest inside the primitives' loops, is called here. */
static inline __attribute__((always_inline)) bt_value bt_call1(bt_ctx *cx, bt_value f, bt_value x) {
  const bt_closure *c = f.kind == BT_FN ? f.u.clo : NULL;
  if (!c || !c->code || c->arity != 1 || x.kind == BT_ERR) return bt_call(cx, f, &x, 1);
  return bt_unpack(cx, bt_call_code(cx, c, c->code, &x, 1));
}
static inline __attribute__((always_inline)) bt_value bt_call2(bt_ctx *cx, bt_value f, bt_value x,
                                                               bt_value y) {
  bt_value a[2] = {x, y};
  const bt_closure *c = f.kind == BT_FN ? f.u.clo : NULL;
  if (!c || !c->code || c->arity != 2 || x.kind == BT_ERR || y.kind == BT_ERR) return bt_call(cx, f, a, 2);
  return bt_unpack(cx, bt_call_code(cx, c, c->code, a, 2));
}
/* bt_call whose result may be a packed grid: the calls closures make of their parts. */
bt_value bt_call_raw(bt_ctx *cx, bt_value f, const bt_value *args, int n);
/* bt_call for a caller that keeps only a scalar result (a key, a condition): when the
 * result holds no pointer (int, bool, none, error, bare primitive), everything the call
 * allocated is released at once. */
bt_value bt_call_scalar(bt_ctx *cx, bt_value f, const bt_value *args, int n);
static inline bt_value bt_call1_scalar(bt_ctx *cx, bt_value f, bt_value x) {
  return bt_call_scalar(cx, f, &x, 1);
}
/* Calls primitive `prim` directly: strict in errors, counts a step; the result is boxed. */
bt_value bt_call_prim(bt_ctx *cx, int prim, const bt_value *args);
/* bt_call_prim for the generated program's lines: the result may be a packed grid. */
bt_value bt_call_prim_line(bt_ctx *cx, int prim, const bt_value *args);
/* bt_call as a line's call, with a comparison budget of its own. */
bt_value bt_call_line(bt_ctx *cx, bt_value f, const bt_value *args, int n);
/* A closure value; an error value if allocation fails. */
bt_value bt_closure_new(bt_ctx *cx, int ctor, int arity, const bt_value *args, int nargs);

/* ---- shared work of several calls (fused.c) -------------------------------------- */

/* out[k] = (mapply if merge[k] else apply)(fns[k], c), as n separate calls would give
 * (each with its own step count), in one call: the container and the functions are read
 * once, then each function maps the whole container in turn (interleaving the functions
 * element by element measured 10% slower on the CPU: bench/results). */
void bt_apply_many(bt_ctx *cx, bt_value c, int n, const bt_value *fns, const uint8_t *merge, bt_value *out);
/* mapply(prim, c) for a set c of patches and prim one of delta, backdrop, box, inbox,
 * outbox, corners: each patch's result painted into a bitmap, whose bits come out in
 * canonical order (no per-patch sets, no sort). False when it does not apply (the
 * caller maps): patches not all of plain int pairs, a window over 64 x 64, limits the
 * calls could meet. Counts the calls' steps. */
bool bt_patch_mapply(bt_ctx *cx, int prim, bt_value c, bt_value *out);
/* mapply(f, offsets) for f = lbind(shift, p), p and offsets sets of plain ints: the union of
 * p moved by every offset, from a bitmap of the window the copies lie in (no copy is built,
 * nothing is sorted). False when it does not apply, or mapping could meet a limit on the way
 * (the caller maps). Counts the calls' steps, and counts against max_bytes the bytes mapping
 * would have kept (it takes fewer), so that later calls meet the limits mapping would;
 * results_made: the array of the results mapping fills is made already (not counted again). */
bool bt_shift_union(bt_ctx *cx, const bt_closure *f, bt_value offsets, bool results_made, bt_value *out);
/* mapply(f, starts) for f = rbind(shoot, d), d and starts plain ints: the union of the rays,
 * as bt_shift_union makes and counts its union. */
bool bt_ray_union(bt_ctx *cx, const bt_closure *f, bt_value starts, bool results_made, bt_value *out);
/* prapply(connect, x, y) for sets x and y of interned pairs: the set of the segments of
 * every pair, each made once (no segment per pair, no sort of them all). False when it does
 * not apply, or the calls could meet a limit (the caller calls). Counts the calls' steps, and
 * counts against max_bytes the bytes the calls would keep, as bt_shift_union does. */
bool bt_connect_cross(bt_ctx *cx, bt_value x, bt_value y, bt_value *out);
/* apply(f, pairs) for f = fork(connect, first, last) and a set of pairs of interned pairs:
 * as bt_connect_cross, for each pair's two points. */
bool bt_connect_pairs(bt_ctx *cx, bt_value f, bt_value pairs, bt_value *out);
/* Tests: mapply takes bt_shift_union and bt_ray_union, and prapply and apply take
 * bt_connect_cross and bt_connect_pairs (on, the default), or they always call (off). */
void bt_shift_union_use(bool on);
/* Tests: sfilter over pairs with fork(equality or greater, f, g), f reading one item of a
 * pair and g the other, calls f and g once per value of their item (on, the default), or
 * calls the condition on every pair (off). */
void bt_pair_keys_use(bool on);
/* The pairs this thread's sfilter calls decided by their items' keys so far. */
uint64_t bt_pair_keys_done(void);
/* What apply(f, c) (merge: mapply) gives when f gave r[k] for c's k-th item (r: c.n
 * values in cx, reordered for a set c). For results computed elsewhere (a device). */
bt_value bt_applied(bt_ctx *cx, bt_value c, bt_value *r, bool merge);
/* out[k] = o_g(g, modes[k]) (modes 0..7), as n separate calls would give, labelling g
 * once per connectivity. */
void bt_objects_many(bt_ctx *cx, bt_value g, int n, const int32_t *modes, bt_value *out);

/* ---- text --------------------------------------------------------------------- */

const char *bt_errc_name(bt_errc c); /* "TypeError", ... */
const char *bt_kind_name(bt_kind k);

#endif
