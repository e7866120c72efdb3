/* value.c: arena memory, container construction, canonical order, equality,
 * hashing and the Python operators every primitive builds on. */
#define _DEFAULT_SOURCE /* madvise */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "batt.h"

/* Under AddressSanitizer, released arena memory is poisoned until handed out again, so a
 * value read after its arena was released (or compacted away) is reported. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

const bt_limits bt_default_limits = {
    .max_steps = 8000000,
    .max_elems = 1u << 22,
    .max_depth = 400,
    .max_bytes = (size_t)256 << 20,
    .max_walk = (uint64_t)1 << 26,
};

_Thread_local int64_t bt_walk_left = INT64_MAX;

/* ---- arena ----------------------------------------------------------------------- */

/* A chunk holds at least CHUNK_MIN bytes, and while its arena grows, half of what the arena
 * holds, up to CHUNK_GROW (an allocation larger than CHUNK_MIN has a chunk of its size). The
 * pages of a chunk of CHUNK_POPULATE bytes or more are made present at once, in one call,
 * not by a fault on each page's first write. */
enum { CHUNK_MIN = 64 * 1024, CHUNK_GROW = 4 << 20, CHUNK_POPULATE = 512 * 1024 };

void bt_ctx_init(bt_ctx *cx, const bt_limits *lim) {
  memset(cx, 0, sizeof *cx);
  cx->lim = lim ? *lim : bt_default_limits;
}

static void free_chunks(bt_chunk *c) {
  while (c) {
    bt_chunk *next = c->next;
    UNPOISON(c->data, c->size);
    free(c);
    c = next;
  }
}

void bt_ctx_free(bt_ctx *cx) {
  free_chunks(cx->arena.head);
  free_chunks(cx->arena.spare);
  memset(&cx->arena, 0, sizeof cx->arena);
  free(cx->memo);
  cx->memo = NULL;
  free(cx->input_packed);
  cx->input_packed = NULL;
  cx->input_cap = 0;
  cx->input = bt_none();
  cx->input_state = 0;
  bt_call_memo_free();
}

/* ---- the memo -------------------------------------------------------------------- */

enum { MEMO_SLOTS = 64, MEMO_MIN_ITEMS = 4 };

typedef struct pure_entry {
  bt_value arg, result;
  uint64_t gen;
  uint16_t prim;
} pure_entry;

struct bt_memo {
  pure_entry e[MEMO_SLOTS];
};

static inline unsigned pure_slot(int prim, bt_value arg) {
  uint64_t h = ((uintptr_t)arg.u.items >> 4) * 0x9e3779b97f4a7c15ull + (uint64_t)prim * 0x100000001b3ull;
  return (unsigned)(h >> 58);
}

static inline bool pure_key_eq(const pure_entry *e, int prim, bt_value arg) {
  return e->prim == prim && e->arg.kind == arg.kind && e->arg.errc == arg.errc && e->arg.n == arg.n &&
         e->arg.u.items == arg.u.items;
}

_Thread_local uint64_t bt_memo_gens;

void bt_memo_forget(bt_ctx *cx) {
  cx->memo_gen = bt_memo_gens = (cx->memo_gen > bt_memo_gens ? cx->memo_gen : bt_memo_gens) + 1;
  cx->begun = bt_arena_mark(cx);
}

bool bt_memo_get(bt_ctx *cx, int prim, bt_value arg, bt_value *out) {
  if (!cx->memo || !bt_is_coll(arg) || arg.n < MEMO_MIN_ITEMS) return false;
  const pure_entry *e = &cx->memo->e[pure_slot(prim, arg)];
  if (e->gen != cx->memo_gen || !pure_key_eq(e, prim, arg)) return false;
  *out = e->result;
  return true;
}

bool bt_since_begun(const bt_ctx *cx, const void *p) {
  for (const bt_chunk *c = cx->arena.head; c; c = c->next) {
    bool in = (uintptr_t)p - (uintptr_t)c->data < c->size;
    if (c == cx->begun.chunk) return in && (uintptr_t)p - (uintptr_t)c->data >= cx->begun.off;
    if (in) return true;
  }
  return false;
}

void bt_memo_put(bt_ctx *cx, int prim, bt_value arg, bt_value result) {
  if (!bt_is_coll(arg) || arg.n < MEMO_MIN_ITEMS) return;
  bool plain = result.kind == BT_INT || result.kind == BT_BOOL ||
               (result.kind == BT_TUPLE && result.n == 2 && bt_interned(result.u.items));
  if (!plain || bt_since_begun(cx, arg.u.items)) return;
  if (!cx->memo && !(cx->memo = calloc(1, sizeof *cx->memo))) return;
  pure_entry *e = &cx->memo->e[pure_slot(prim, arg)];
  *e = (pure_entry){arg, result, cx->memo_gen, (uint16_t)prim};
}

void bt_arena_release_to(bt_ctx *cx, bt_mark m) {
  bt_arena *a = &cx->arena;
  bool older = m.used < cx->begun.used; /* memory made before the evaluation began */
  while (a->head && a->head != m.chunk) {
    bt_chunk *c = a->head;
    a->head = c->next;
    c->next = a->spare;
    a->spare = c;
    a->spare_bytes += c->size;
    POISON(c->data, c->size);
  }
  if (a->head) {
    POISON(a->head->data + m.off, a->head->off - m.off);
    a->head->off = m.off;
  }
  a->used = m.used;
  if (older) bt_memo_forget(cx);
}

void bt_arena_trim(bt_ctx *cx, size_t keep) {
  bt_arena *a = &cx->arena;
  if (a->spare_bytes <= keep) return; /* nothing to free: no walk over the list */
  size_t kept = 0;
  for (bt_chunk **p = &a->spare; *p;) {
    if (kept + (*p)->size <= keep) {
      kept += (*p)->size;
      p = &(*p)->next;
    } else {
      bt_chunk *c = *p;
      *p = c->next;
      a->spare_bytes -= c->size;
      UNPOISON(c->data, c->size);
      free(c);
    }
  }
}

/* Makes the whole pages in [from, to) present in one call, not by a fault on each page's
 * first write. */
static void make_present(const void *from, const void *to) {
  uintptr_t lo = ((uintptr_t)from + 4095) & ~(uintptr_t)4095, hi = (uintptr_t)to & ~(uintptr_t)4095;
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
}

static bt_chunk *take_chunk(bt_arena *a, size_t need) {
  for (bt_chunk **p = &a->spare; *p; p = &(*p)->next) {
    if ((*p)->size >= need) {
      bt_chunk *c = *p;
      *p = c->next;
      a->spare_bytes -= c->size;
      return c;
    }
  }
  size_t grow = a->used / 2 < CHUNK_GROW ? a->used / 2 : CHUNK_GROW;
  size_t size = need > CHUNK_MIN ? need : grow > CHUNK_MIN ? grow : CHUNK_MIN;
  bt_chunk *c = malloc(sizeof(bt_chunk) + size);
  if (c && size >= CHUNK_POPULATE) make_present(c, c->data + size);
  if (c) {
    c->size = size;
    POISON(c->data, size);
  }
  return c;
}

void *bt_alloc(bt_ctx *cx, size_t n) {
  bt_arena *a = &cx->arena;
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  if (n > cx->lim.max_bytes || a->used > cx->lim.max_bytes - n) {
    cx->out_of_bytes = true;
    return NULL;
  }
  if (!a->head || a->head->size - a->head->off < n) {
    bt_chunk *c = take_chunk(a, n);
    if (!c) return NULL;
    c->off = 0;
    c->next = a->head;
    a->head = c;
  }
  void *p = a->head->data + a->head->off;
  UNPOISON(p, n);
  a->head->off += n;
  a->used += n;
  if (a->used > a->peak) a->peak = a->used;
  return p;
}

/* ---- containers ---------------------------------------------------------------- */

bt_value *bt_items(bt_ctx *cx, size_t n) {
  if (n > cx->lim.max_elems) return NULL;
  return bt_alloc(cx, n * sizeof(bt_value));
}

bt_value *bt_items_parts(bt_ctx *cx, size_t n, size_t parts) {
  if (n > cx->lim.max_elems || parts > cx->lim.max_bytes / sizeof(bt_value)) return NULL;
  return bt_alloc(cx, (n + parts) * sizeof(bt_value));
}

bt_value bt_intern_tab[BT_INTERN_VALUES];

/* Fills the table before main: it is read-only from then on, shared by every thread. */
__attribute__((constructor)) static void intern_init(void) {
  make_present(bt_intern_tab, bt_intern_tab + BT_INTERN_VALUES); /* as a large chunk's */
  bt_value *p = bt_intern_tab;
  for (int i = 0; i < BT_IPAIR_SPAN; i++)
    for (int j = 0; j < BT_IPAIR_SPAN; j++, p += 2) {
      p[0] = bt_int(BT_IPAIR_LO + i);
      p[1] = bt_int(BT_IPAIR_LO + j);
    }
  for (int c = 0; c < BT_ICELL_COLORS; c++)
    for (int i = 0; i < BT_ICELL_SPAN; i++)
      for (int j = 0; j < BT_ICELL_SPAN; j++, p += 2) {
        p[0] = bt_int(c);
        p[1] = bt_tuple(bt_intern_pair(BT_ICELL_LO + i, BT_ICELL_LO + j), 2);
      }
}

bt_value bt_pair(bt_ctx *cx, bt_value a, bt_value b) {
  const bt_value *in = bt_intern_of(a, b);
  if (in) return bt_tuple(in, 2);
  bt_value *it = bt_items(cx, 2);
  if (!it) return bt_err(BT_E_LIMIT);
  it[0] = a;
  it[1] = b;
  return bt_tuple(it, 2);
}

bt_value bt_ipair(bt_ctx *cx, int64_t i, int64_t j) { return bt_pair(cx, bt_int(i), bt_int(j)); }

bt_value bt_cell(bt_ctx *cx, int64_t color, int64_t i, int64_t j) {
  const bt_value *in = bt_intern_cell(color, i, j);
  if (in) return bt_tuple(in, 2);
  in = bt_intern_pair(i, j);
  if (in) {
    bt_value *it = bt_items(cx, 2);
    if (!it) return bt_err(BT_E_LIMIT);
    it[0] = bt_int(color);
    it[1] = bt_tuple(in, 2);
    return bt_tuple(it, 2);
  }
  bt_value *it = bt_items(cx, 4);
  if (!it) return bt_err(BT_E_LIMIT);
  it[0] = bt_int(color);
  it[1] = bt_tuple(it + 2, 2);
  it[2] = bt_int(i);
  it[3] = bt_int(j);
  return bt_tuple(it, 2);
}

bt_value bt_tuple_copy(bt_ctx *cx, const bt_value *items, size_t n) {
  if (n == 0) return bt_tuple(NULL, 0);
  bt_value *it = bt_items(cx, n);
  if (!it) return bt_err(BT_E_LIMIT);
  memcpy(it, items, n * sizeof *it);
  return bt_tuple(it, (uint32_t)n);
}

bt_value bt_tuple_concat(bt_ctx *cx, bt_value a, bt_value b) {
  if (a.n == 0 || b.n == 0) return a.n ? a : b;
  bt_value *it = bt_items(cx, (size_t)a.n + b.n);
  if (!it) return bt_err(BT_E_LIMIT);
  memcpy(it, a.u.items, a.n * sizeof *it);
  memcpy(it + a.n, b.u.items, b.n * sizeof *it);
  return bt_tuple(it, a.n + b.n);
}

bt_value bt_repeat_each(bt_ctx *cx, bt_value t, int64_t f) {
  if (!bt_is_coll(t)) return bt_err(BT_E_TYPE);
  if (f <= 0 || t.n == 0) return bt_tuple(NULL, 0);
  if (f > (int64_t)cx->lim.max_elems / t.n) return bt_err(BT_E_LIMIT);
  bt_value *it = bt_items(cx, (size_t)(t.n * f));
  if (!it) return bt_err(BT_E_LIMIT);
  for (uint32_t k = 0; k < t.n; k++)
    for (int64_t m = 0; m < f; m++)
      it[k * f + m] = t.u.items[k];
  return bt_tuple(it, (uint32_t)(t.n * f));
}

static void insertion_sort(bt_value *v, size_t n) {
  for (size_t k = 1; k < n; k++) {
    bt_value x = v[k];
    size_t m = k;
    while (m > 0 && bt_cmp(v[m - 1], x) > 0) {
      v[m] = v[m - 1];
      m--;
    }
    v[m] = x;
  }
}

/* Merges the ascending runs v[0..h) and v[h..n) (stable), using tmp[0..h). */
static void merge_runs(bt_value *v, bt_value *tmp, size_t h, size_t n) {
  if (bt_cmp(v[h - 1], v[h]) <= 0) return;
  memcpy(tmp, v, h * sizeof *v);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n)
    v[k++] = bt_cmp(v[j], tmp[i]) < 0 ? v[j++] : tmp[i++];
  while (i < h)
    v[k++] = tmp[i++];
}

/* Stable natural merge sort of v[0..n) using tmp[0..n): merges the ascending runs the
 * input already has (a union of k sorted sets costs n log k), short runs extended by
 * insertion sort. */
enum { MIN_RUN = 16 };

static void merge_sort(bt_value *v, bt_value *tmp, size_t *runs, size_t n) {
  size_t n_runs = 0; /* runs[r]: where run r starts */
  for (size_t start = 0; start < n;) {
    size_t end = start + 1;
    while (end < n && bt_cmp(v[end - 1], v[end]) <= 0)
      end++;
    if (end - start < MIN_RUN) {
      end = start + MIN_RUN < n ? start + MIN_RUN : n;
      insertion_sort(v + start, end - start);
    }
    runs[n_runs++] = start;
    start = end;
  }
  while (n_runs > 1) {
    size_t out = 0;
    for (size_t r = 0; r < n_runs; r += 2) {
      size_t lo = runs[r], mid = r + 1 < n_runs ? runs[r + 1] : n, hi = r + 2 < n_runs ? runs[r + 2] : n;
      if (mid < hi) merge_runs(v + lo, tmp, mid - lo, hi - lo);
      runs[out++] = lo;
    }
    n_runs = out;
  }
}

bt_value bt_set_sorted(bt_value *items, size_t n) {
  bt_value v = {BT_SET, 0, 0, (uint32_t)n, {.items = n ? items : NULL}};
  return v;
}

/* Sets of index pairs and of cells with small coordinates are most sets: their
 * canonical order is the order of a packed integer key, sorted without bt_cmp. */
typedef struct keyed {
  uint64_t key;
  uint32_t at; /* position in the input: equal keys keep the first, as Python does */
} keyed;

static bool small_int(bt_value v, int64_t lim) {
  return (v.kind == BT_INT || v.kind == BT_BOOL) && v.u.i >= -lim && v.u.i < lim;
}

/* The key of an (i, j) pair (cells: false) or a (c, (i, j)) cell (cells: true), or false
 * when v is not one with coordinates in range. */
static uint64_t pair_key(int64_t i, int64_t j) {
  return (uint64_t)(i + (1ll << 31)) << 32 | (uint64_t)(j + (1ll << 31));
}
static uint64_t cell_key(int64_t c, int64_t i, int64_t j) {
  return (uint64_t)(c + (1 << 15)) << 48 | (uint64_t)(i + (1 << 23)) << 24 | (uint64_t)(j + (1 << 23));
}

static bool pack_key(bt_value v, bool cells, uint64_t *key) {
  int64_t at = bt_intern_at(v);
  if (at >= 0 && (at >= BT_INTERN_PAIRS) == cells) { /* from its position, nothing read */
    int64_t i, j;
    bt_intern_ij(at, &i, &j);
    *key = cells ? cell_key(bt_intern_color(at), i, j) : pair_key(i, j);
    return true;
  }
  if (v.kind != BT_TUPLE || v.n != 2) return false;
  const bt_value *p = v.u.items;
  if (!cells) {
    if (!small_int(p[0], 1ll << 31) || !small_int(p[1], 1ll << 31)) return false;
    *key = pair_key(p[0].u.i, p[1].u.i);
    return true;
  }
  if (!small_int(p[0], 1 << 15) || p[1].kind != BT_TUPLE || p[1].n != 2) return false;
  const bt_value *ij = p[1].u.items;
  if (!small_int(ij[0], 1 << 23) || !small_int(ij[1], 1 << 23)) return false;
  *key = cell_key(p[0].u.i, ij[0].u.i, ij[1].u.i);
  return true;
}

/* Stable natural merge sort of keyed entries (tmp: n entries of scratch). */
static void sort_keyed(keyed *v, keyed *tmp, size_t n) {
  for (;;) {
    /* one pass merges each pair of neighbouring ascending runs */
    bool merged = false;
    size_t start = 0;
    while (start < n) {
      size_t mid = start + 1;
      while (mid < n && v[mid - 1].key <= v[mid].key)
        mid++;
      if (mid >= n) break;
      size_t end = mid + 1;
      while (end < n && v[end - 1].key <= v[end].key)
        end++;
      size_t i = start, j = mid, k = 0;
      while (i < mid && j < end)
        tmp[k++] = v[j].key < v[i].key ? v[j++] : v[i++];
      while (i < mid)
        tmp[k++] = v[i++];
      while (j < end)
        tmp[k++] = v[j++];
      memcpy(v + start, tmp, k * sizeof *v);
      merged = true;
      start = end;
    }
    if (!merged) return;
  }
}

/* Stable LSD radix sort of keyed entries on the bytes in which the keys differ (tmp: n
 * entries of scratch): coordinates of grids vary in two or three bytes of the key. */
static void radix_keyed(keyed *v, keyed *tmp, size_t n) {
  uint64_t any = 0, all = ~(uint64_t)0;
  for (size_t k = 0; k < n; k++) {
    any |= v[k].key;
    all &= v[k].key;
  }
  uint64_t vary = any ^ all;
  keyed *from = v, *to = tmp;
  for (int shift = 0; shift < 64; shift += 8) {
    if (!((vary >> shift) & 0xff)) continue;
    size_t at[257] = {0};
    for (size_t k = 0; k < n; k++)
      at[((from[k].key >> shift) & 0xff) + 1]++;
    for (int d = 0; d < 256; d++)
      at[d + 1] += at[d];
    for (size_t k = 0; k < n; k++)
      to[at[(from[k].key >> shift) & 0xff]++] = from[k];
    keyed *t = from;
    from = to;
    to = t;
  }
  if (from != v) memcpy(v, from, n * sizeof *v);
}

/* Scratch for a keyed sort of items[0..n), in cx (the caller releases it): n entries with
 * `at` set (the caller sets the keys), n more for the sort, and *copy, the items in their
 * first order (where the sorted order reads them from). NULL when memory is short. */
static keyed *keyed_scratch(bt_ctx *cx, const bt_value *items, size_t n, bt_value **copy) {
  keyed *ks = bt_alloc(cx, 2 * n * sizeof *ks);
  *copy = bt_items(cx, n);
  if (!ks || !*copy) return NULL;
  memcpy(*copy, items, n * sizeof **copy);
  for (size_t k = 0; k < n; k++)
    ks[k].at = (uint32_t)k;
  return ks;
}

/* Sorts the entries of keyed_scratch stably by key. */
static void keyed_sort(keyed *ks, size_t n) {
  if (n >= 64)
    radix_keyed(ks, ks + n, n);
  else
    sort_keyed(ks, ks + n, n);
}

/* Whether every item is a pair (or, when the first is, a cell) with a packed key; *sorted:
 * whether the keys are strictly ascending already (then the items are the set as they are). */
static bool keyed_kind(const bt_value *items, size_t n, bool *cells, bool *sorted) {
  *cells = items[0].kind == BT_TUPLE && items[0].n == 2 && items[0].u.items[1].kind == BT_TUPLE;
  uint64_t key, prev = 0;
  *sorted = true;
  for (size_t k = 0; k < n; k++) {
    if (!pack_key(items[k], *cells, &key)) return false;
    *sorted &= k == 0 || key > prev;
    prev = key;
  }
  return true;
}

/* Sorts and dedups items that are all interned pairs or all interned cells: their table
 * positions, marked in a bitmap, come out in canonical order (equal values are one entry,
 * so which of them is kept does not matter). The number kept, or 0 when the items are not
 * all of one region of the table or scratch memory could not be had. */
static size_t interned_build(bt_ctx *cx, bt_value *items, size_t n) {
  int64_t first = bt_intern_at(items[0]);
  if (first < 0) return 0;
  bool cells = first >= BT_INTERN_PAIRS;
  int64_t lo = INT64_MAX, hi = -1; /* the entries' extent: the bitmap covers that alone */
  for (size_t k = 0; k < n; k++) {
    int64_t at = bt_intern_at(items[k]);
    if (at < 0 || (at >= BT_INTERN_PAIRS) != cells) return 0;
    lo = at < lo ? at : lo;
    hi = at > hi ? at : hi;
  }
  int64_t base = lo & ~(int64_t)63, words = (hi - base) / 64 + 1;
  bt_mark scratch = bt_arena_mark(cx);
  uint64_t *bits = bt_alloc(cx, (size_t)words * sizeof *bits);
  if (!bits) return 0;
  memset(bits, 0, (size_t)words * sizeof *bits);
  for (size_t k = 0; k < n; k++) {
    int64_t at = bt_intern_at(items[k]) - base;
    bits[at / 64] |= (uint64_t)1 << (at % 64);
  }
  size_t m = 0;
  for (int64_t w = 0; w < words; w++)
    for (uint64_t b = bits[w]; b; b &= b - 1)
      items[m++] = bt_tuple(bt_intern_tab + 2 * (base + w * 64 + __builtin_ctzll(b)), 2);
  bt_arena_release(cx, scratch);
  return m;
}

/* keyed_build by a window: when the pairs' (or cells') keys ks (in input order) span a window
 * of not many more places than there are items, each place notes the first item found there,
 * and the places read in order are the keys in order (no sort); items are written from copy,
 * the items in their first order. The number kept, or 0 when the window is too large (or
 * scratch memory could not be had). */
static size_t window_build(bt_ctx *cx, const keyed *ks, const bt_value *copy, bt_value *items, size_t n,
                           bool cells) {
  /* the key's fields: pairs (i, j) 32 bits each; cells (c, i, j) 16, 24 and 24 bits */
  const int shift_a = cells ? 48 : 32, shift_b = cells ? 24 : 0;
  const uint64_t mask_b = cells ? 0xffffff : 0, mask_c = cells ? 0xffffff : 0xffffffff;
  uint64_t lo[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX}, hi[3] = {0, 0, 0};
  for (size_t k = 0; k < n; k++) {
    uint64_t f[3] = {ks[k].key >> shift_a, (ks[k].key >> shift_b) & mask_b, ks[k].key & mask_c};
    for (int d = 0; d < 3; d++) {
      lo[d] = f[d] < lo[d] ? f[d] : lo[d];
      hi[d] = f[d] > hi[d] ? f[d] : hi[d];
    }
  }
  uint64_t span[3] = {hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1};
  uint64_t places = span[0] * span[1] * span[2];
  if (span[0] > 1u << 22 || span[1] > 1u << 22 || span[2] > 1u << 22 || places > 16 * (uint64_t)n + 4096 ||
      places > 1u << 22)
    return 0;
  int32_t *first = bt_alloc(cx, places * sizeof *first);
  if (!first) return 0;
  memset(first, 0xff, places * sizeof *first);
  for (size_t k = 0; k < n; k++) {
    uint64_t key = ks[k].key;
    uint64_t at = (((key >> shift_a) - lo[0]) * span[1] + (((key >> shift_b) & mask_b) - lo[1])) * span[2] +
                  ((key & mask_c) - lo[2]);
    if (first[at] < 0) first[at] = (int32_t)k; /* equal items: the first inserted stays */
  }
  size_t m = 0;
  for (uint64_t at = 0; at < places; at++)
    if (first[at] >= 0) items[m++] = copy[first[at]];
  return m;
}

/* Sorts and dedups pairs or cells by key (keyed_kind saw every item has one): the number
 * kept, or 0 when scratch memory could not be had. */
static size_t keyed_build(bt_ctx *cx, bt_value *items, size_t n, bool cells) {
  /* all interned of one region went to interned_sort: these sort by packed keys */
  bt_mark scratch = bt_arena_mark(cx);
  bt_value *copy;
  keyed *ks = keyed_scratch(cx, items, n, &copy);
  size_t m = 0;
  if (ks) {
    for (size_t k = 0; k < n; k++)
      pack_key(items[k], cells, &ks[k].key);
    if (n >= 64 && n <= INT32_MAX) m = window_build(cx, ks, copy, items, n, cells);
  }
  if (ks && !m) {
    keyed_sort(ks, n);
    for (size_t k = 0; k < n; k++)
      if (k == 0 || ks[k].key != ks[k - 1].key) items[m++] = copy[ks[k].at];
  }
  bt_arena_release(cx, scratch);
  return m;
}

/* Sets of ints, and sets of patches (every item a set, or every item a tuple, whose
 * elements are interned pairs, or interned cells): sorted by a packed key, ties of patches
 * by their table positions. Comparing ints spends no comparison budget, nor does this
 * order of bounded values (the budget stops walks over shared parts, which these lack).
 * The number kept (equal items: the first), or 0 when scratch memory could not be had. */
enum { PATCH_KEY_ITEMS = 4 }; /* table positions + 1 (16 bits each) in a patch's key */

static int64_t patch_base(bt_value p) {
  if (p.n == 0) return -1;
  int64_t at = bt_intern_at(p.u.items[0]);
  return at < 0 ? -2 : at >= BT_INTERN_PAIRS ? BT_INTERN_PAIRS : 0;
}

/* Whether items are all ints, or all patches of one table region (*base; -1 for ints). */
static bool ordered_kind(const bt_value *items, size_t n, int64_t *base) {
  if (items[0].kind == BT_INT || items[0].kind == BT_BOOL) {
    for (size_t k = 0; k < n; k++)
      if (items[k].kind != BT_INT && items[k].kind != BT_BOOL) return false;
    *base = -1;
    return true;
  }
  uint8_t kind = items[0].kind;
  if (kind != BT_SET && kind != BT_TUPLE) return false;
  *base = -2;
  for (size_t k = 0; k < n; k++) {
    if (items[k].kind != kind) return false;
    int64_t b = patch_base(items[k]);
    if (b == -1) continue; /* empty: first of all, in any region */
    if (b == -2 || (*base != -2 && b != *base)) return false;
    *base = b;
  }
  if (*base == -2) *base = 0; /* all empty */
  int64_t lo = *base, hi = *base + (*base ? BT_INTERN_CELLS : BT_INTERN_PAIRS);
  for (size_t k = 0; k < n; k++)
    for (uint32_t e = 0; e < items[k].n; e++) {
      int64_t at = bt_intern_at(items[k].u.items[e]);
      if (at < lo || at >= hi) return false;
    }
  return true;
}

/* The key of patch v: the table positions + 1 of its first PATCH_KEY_ITEMS elements, from
 * base (0 past its end), or false when one of those is no entry of the region
 * [base, base + span) of the table. */
static bool patch_head_key(bt_value v, int64_t base, int64_t span, uint64_t *key) {
  uint64_t k = 0;
  for (int e = 0; e < PATCH_KEY_ITEMS; e++) {
    int64_t at = e < (int)v.n ? bt_intern_at(v.u.items[e]) - base : -1;
    if (e < (int)v.n && (at < 0 || at >= span)) return false;
    k = k << 16 | (uint64_t)(at + 1);
  }
  *key = k;
  return true;
}

/* The key of item v; ints count from lo (their least: few bytes of the keys then vary, and
 * the radix sort skips the others). */
static uint64_t ordered_key(bt_value v, int64_t base, int64_t lo) {
  if (base < 0) return (uint64_t)v.u.i - (uint64_t)lo;
  uint64_t key = 0; /* ordered_kind saw every element in the region */
  patch_head_key(v, base, base ? BT_INTERN_CELLS : BT_INTERN_PAIRS, &key);
  return key;
}

/* Two patches of one region in canonical order, from element `from` on. */
static int patch_cmp(bt_value a, bt_value b, uint32_t from) {
  uint32_t n = a.n < b.n ? a.n : b.n;
  for (uint32_t e = from; e < n; e++)
    if (a.u.items[e].u.items != b.u.items[e].u.items)
      return a.u.items[e].u.items < b.u.items[e].u.items ? -1 : 1;
  return a.n < b.n ? -1 : a.n > b.n;
}

/* Drops later duplicates among patches of one table region (ordered_kind's), keeping the
 * first of equal ones where it is, the others in their order: two such patches are equal
 * when their elements are the same entries in the same order. A hash of the entries' places
 * finds them. The number kept (n when scratch memory could not be had: nothing dropped). */
static size_t drop_equal_patches(bt_ctx *cx, bt_value *items, size_t n) {
  size_t cap = 64;
  while (cap < 2 * n)
    cap *= 2;
  bt_mark scratch = bt_arena_mark(cx);
  int32_t *slot = bt_alloc(cx, cap * sizeof *slot);
  if (!slot || n > INT32_MAX) {
    bt_arena_release(cx, scratch);
    return n;
  }
  memset(slot, 0xff, cap * sizeof *slot);
  size_t m = 0;
  for (size_t k = 0; k < n; k++) {
    bt_value v = items[k];
    uint64_t h = 0x9e3779b97f4a7c15ull ^ v.n;
    for (uint32_t e = 0; e < v.n; e++)
      h = (h ^ (uint64_t)(uintptr_t)v.u.items[e].u.items) * 0x100000001b3ull;
    size_t at = (size_t)(h ^ h >> 29) & (cap - 1);
    bool seen = false;
    for (; slot[at] >= 0; at = (at + 1) & (cap - 1)) {
      bt_value u = items[slot[at]];
      if (u.n != v.n) continue;
      uint32_t e = 0;
      while (e < v.n && u.u.items[e].u.items == v.u.items[e].u.items)
        e++;
      if (e == v.n) {
        seen = true;
        break;
      }
    }
    if (seen) continue;
    slot[at] = (int32_t)m;
    items[m++] = v;
  }
  bt_arena_release(cx, scratch);
  return m;
}

/* Whether the keys of items ascend strictly: then so do the items (a key orders by the
 * first elements), and none is equal to another. */
static bool keys_ascend(const bt_value *items, size_t n, int64_t base, int64_t lo) {
  uint64_t prev = ordered_key(items[0], base, lo);
  for (size_t k = 1; k < n; k++) {
    uint64_t key = ordered_key(items[k], base, lo);
    if (key <= prev) return false;
    prev = key;
  }
  return true;
}

static size_t ordered_build(bt_ctx *cx, bt_value *items, size_t n, int64_t base) {
  int64_t lo = 0; /* ints: their least (i - lo, in unsigned arithmetic, orders them all) */
  for (size_t k = 0; base < 0 && k < n; k++)
    lo = k == 0 || items[k].u.i < lo ? items[k].u.i : lo;
  if (keys_ascend(items, n, base, lo)) return n; /* e.g. product's pairs, made in order */
  if (base >= 0 && n >= 64) {
    n = drop_equal_patches(cx, items, n);
    if (n <= 1) return n;
    if (keys_ascend(items, n, base, lo)) return n;
  }
  bt_mark scratch = bt_arena_mark(cx);
  bt_value *copy;
  keyed *ks = keyed_scratch(cx, items, n, &copy);
  size_t m = 0;
  if (ks) {
    for (size_t k = 0; k < n; k++)
      ks[k].key = ordered_key(items[k], base, lo);
    keyed_sort(ks, n);
    for (size_t k = 0; k < n;) {
      size_t end = k + 1; /* a run of equal keys: patches alike in their first elements */
      while (end < n && ks[end].key == ks[k].key)
        end++;
      if (base >= 0 && end - k > 1) /* stable insertion sort of the run by the rest */
        for (size_t r = k + 1; r < end; r++) {
          keyed x = ks[r];
          size_t q = r;
          while (q > k && patch_cmp(copy[ks[q - 1].at], copy[x.at], PATCH_KEY_ITEMS) > 0) {
            ks[q] = ks[q - 1];
            q--;
          }
          ks[q] = x;
        }
      for (size_t r = k; r < end; r++)
        if (r == k || (base >= 0 && patch_cmp(copy[ks[r - 1].at], copy[ks[r].at], PATCH_KEY_ITEMS) != 0))
          items[m++] = copy[ks[r].at];
      k = end;
    }
  }
  bt_arena_release(cx, scratch);
  return m;
}

/* Sorts and dedups items that are all interned pairs or all interned cells by address: the
 * table is laid out in canonical order, so their addresses are in the order of the values,
 * and equal values are one entry. The number kept, or 0 when the items are not all of one
 * region of the table (or the bitmap's scratch memory could not be had). */
static size_t interned_sort(bt_ctx *cx, bt_value *items, size_t n) {
  const uintptr_t tab = (uintptr_t)bt_intern_tab, entry = 2 * sizeof(bt_value);
  const uintptr_t cells = tab + BT_INTERN_PAIRS * entry, end = cells + BT_INTERN_CELLS * entry;
  uintptr_t first = (uintptr_t)items[0].u.items;
  uintptr_t lo = first < cells ? tab : cells, hi = first < cells ? cells : end, prev = 0;
  bool sorted = true;
  for (size_t k = 0; k < n; k++) {
    uintptr_t p = (uintptr_t)items[k].u.items;
    if (items[k].kind != BT_TUPLE || items[k].n != 2 || p < lo || p >= hi || (p - tab) % entry) return 0;
    sorted &= p > prev;
    prev = p;
  }
  if (sorted) return n;
  if (n >= 64) return interned_build(cx, items, n);
  for (size_t k = 1; k < n; k++) { /* insertion sort of a few */
    bt_value x = items[k];
    size_t q = k;
    for (; q > 0 && (uintptr_t)items[q - 1].u.items > (uintptr_t)x.u.items; q--)
      items[q] = items[q - 1];
    items[q] = x;
  }
  size_t m = 1;
  for (size_t k = 1; k < n; k++)
    if (items[k].u.items != items[m - 1].u.items) items[m++] = items[k];
  return m;
}

/* Sets of patches of any small-int pairs, or of any such cells, interned or not (lines that
 * run past the table, upscaled objects): each patch's elements read once into packed keys
 * (pack_key's, in its order), then the patches sorted by their key sequences, a proper
 * prefix first, as the canonical order compares them; equal items: the first. Like the
 * other packed sorts it spends no comparison budget. The number kept, or 0 when the items
 * are not all sets (or all tuples) of one kind of element with keys, or scratch memory
 * could not be had. */
typedef struct patch_keys {
  const uint64_t *key; /* each patch's keys from off[k] */
  const uint32_t *off; /* n + 1 */
} patch_keys;

static int patch_keys_cmp(const patch_keys *pk, uint32_t a, uint32_t b) {
  uint32_t na = pk->off[a + 1] - pk->off[a], nb = pk->off[b + 1] - pk->off[b], n = na < nb ? na : nb;
  const uint64_t *x = pk->key + pk->off[a], *y = pk->key + pk->off[b];
  for (uint32_t e = 0; e < n; e++)
    if (x[e] != y[e]) return x[e] < y[e] ? -1 : 1;
  return na < nb ? -1 : na > nb;
}

/* Stable merge sort of the patch numbers v[0..n) (tmp: n more). */
static void patch_keys_sort(const patch_keys *pk, uint32_t *v, uint32_t *tmp, size_t n) {
  enum { RUN = 8 };
  for (size_t lo = 0; lo < n; lo += RUN) { /* insertion sort of short runs */
    size_t hi = lo + RUN < n ? lo + RUN : n;
    for (size_t k = lo + 1; k < hi; k++) {
      uint32_t x = v[k];
      size_t m = k;
      for (; m > lo && patch_keys_cmp(pk, v[m - 1], x) > 0; m--)
        v[m] = v[m - 1];
      v[m] = x;
    }
  }
  uint32_t *from = v, *to = tmp;
  for (size_t width = RUN; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        to[k++] = patch_keys_cmp(pk, from[j], from[i]) < 0 ? from[j++] : from[i++];
      while (i < mid)
        to[k++] = from[i++];
      while (j < hi)
        to[k++] = from[j++];
    }
    uint32_t *t = from;
    from = to;
    to = t;
  }
  if (from != v) memcpy(v, from, n * sizeof *v);
}

static size_t packed_patch_build(bt_ctx *cx, bt_value *items, size_t n) {
  uint8_t kind = items[0].kind;
  if ((kind != BT_SET && kind != BT_TUPLE) || n > UINT32_MAX / 2) return 0;
  uint64_t total = 0;
  const bt_value *first = NULL; /* the first element of the first patch that has one */
  for (size_t k = 0; k < n; k++) {
    if (items[k].kind != kind) return 0;
    total += items[k].n;
    if (!first && items[k].n) first = &items[k].u.items[0];
  }
  if (!first || total > UINT32_MAX) return 0;
  bool cells = first->kind == BT_TUPLE && first->n == 2 && first->u.items[1].kind == BT_TUPLE;
  bt_mark scratch = bt_arena_mark(cx);
  uint64_t *key = bt_alloc(cx, (size_t)total * sizeof *key);
  uint32_t *off = bt_alloc(cx, (n + 1) * sizeof *off);
  size_t m = 0;
  if (key && off) {
    patch_keys pk = {key, off};
    uint32_t at = 0;
    bool ok = true, ascend = true;
    off[0] = 0;
    for (size_t k = 0; k < n && ok; k++) {
      for (uint32_t e = 0; e < items[k].n && ok; e++)
        ok = pack_key(items[k].u.items[e], cells, &key[at++]);
      off[k + 1] = at;
      ascend = ascend && (k == 0 || patch_keys_cmp(&pk, (uint32_t)k - 1, (uint32_t)k) < 0);
    }
    /* the order and the items' first places, only for a sort */
    uint32_t *order = ok && !ascend ? bt_alloc(cx, 2 * n * sizeof *order) : NULL;
    bt_value *copy = order ? bt_items(cx, n) : NULL;
    if (ok && ascend) {
      m = n;
    } else if (copy) {
      for (size_t k = 0; k < n; k++)
        order[k] = (uint32_t)k;
      memcpy(copy, items, n * sizeof *copy);
      patch_keys_sort(&pk, order, order + n, n);
      for (size_t k = 0; k < n; k++)
        if (k == 0 || patch_keys_cmp(&pk, order[k - 1], order[k]) != 0) items[m++] = copy[order[k]];
    }
  }
  bt_arena_release(cx, scratch);
  return m;
}

static bool product_check_cost(bt_value x, bt_value y, int64_t *total);
static bt_value set_build(bt_ctx *cx, bt_value *items, size_t n, const bt_value *product);

bt_value bt_set_build(bt_ctx *cx, bt_value *items, size_t n) { return set_build(cx, items, n, NULL); }

bt_value bt_set_of_product(bt_ctx *cx, bt_value *items, bt_value x, bt_value y) {
  const bt_value xy[2] = {x, y};
  return set_build(cx, items, (size_t)x.n * y.n, xy);
}

/* Whether every element of the sets x and y is an interned pair, or every one an interned
 * cell: then their product's pairs, x-major, are patches of one region of the table in
 * ascending order (ordered_kind's and keys_ascend's answer, from |x| + |y| elements). */
static bool product_of_one_region(bt_value x, bt_value y) {
  if (x.kind != BT_SET || y.kind != BT_SET || !x.n || !y.n) return false;
  int64_t first = bt_intern_at(x.u.items[0]);
  if (first < 0) return false;
  bool cells = first >= BT_INTERN_PAIRS;
  for (int s = 0; s < 2; s++) {
    bt_value v = s ? y : x;
    for (uint32_t k = 0; k < v.n; k++) {
      int64_t at = bt_intern_at(v.u.items[k]);
      if (at < 0 || (at >= BT_INTERN_PAIRS) != cells) return false;
    }
  }
  return true;
}

/* product: NULL, or the sets x, y whose pairs items are, x-major (then they ascend). */
static bt_value set_build(bt_ctx *cx, bt_value *items, size_t n, const bt_value *product) {
  if (n <= 1 || (product && product_of_one_region(product[0], product[1]))) return bt_set_sorted(items, n);
  size_t interned = interned_sort(cx, items, n);
  if (interned) return bt_set_sorted(items, interned);
  bool cells, sorted;
  if (keyed_kind(items, n, &cells, &sorted)) {
    if (sorted) return bt_set_sorted(items, n);
    size_t m = keyed_build(cx, items, n, cells);
    return m ? bt_set_sorted(items, m) : bt_err(BT_E_LIMIT);
  }
  int64_t base;
  if (ordered_kind(items, n, &base)) {
    size_t m = ordered_build(cx, items, n, base);
    return m ? bt_set_sorted(items, m) : bt_err(BT_E_LIMIT);
  }
  size_t packed = packed_patch_build(cx, items, n);
  if (packed) return bt_set_sorted(items, packed);
  int64_t cost;
  if (product && product_check_cost(product[0], product[1], &cost)) { /* the check's outcome */
    bt_walk_left -= cost;
    return bt_set_sorted(items, n);
  }
  size_t k = 1;
  while (k < n && bt_cmp(items[k - 1], items[k]) < 0)
    k++;
  if (k >= n) return bt_set_sorted(items, n);
  bt_mark scratch = bt_arena_mark(cx);
  bt_value *tmp = bt_items(cx, n);
  size_t *runs = bt_alloc(cx, (n / MIN_RUN + 2) * sizeof *runs);
  if (!tmp || !runs) {
    bt_arena_release(cx, scratch);
    return bt_err(BT_E_LIMIT);
  }
  merge_sort(items, tmp, runs, n);
  bt_arena_release(cx, scratch);
  size_t m = 1;
  for (k = 1; k < n; k++)
    if (bt_cmp(items[m - 1], items[k]) != 0) items[m++] = items[k];
  return bt_set_sorted(items, m);
}

/* Patches a and b, of one kind and alike in their keys (patch_head_key), in canonical order from element
 * PATCH_KEY_ITEMS on, when the elements that order reads are entries of the region; 2 when
 * it cannot be told so. */
static int runs_tie(bt_value a, bt_value b, int64_t base, int64_t span) {
  uint32_t n = a.n < b.n ? a.n : b.n;
  for (uint32_t e = PATCH_KEY_ITEMS; e < n; e++) {
    bt_value u = a.u.items[e], v = b.u.items[e];
    if (u.u.items == v.u.items && u.kind == v.kind && u.n == v.n) continue; /* the same value */
    int64_t x = bt_intern_at(u) - base, y = bt_intern_at(v) - base;
    if (x < 0 || x >= span || y < 0 || y >= span) return 2;
    return x < y ? -1 : 1;
  }
  return a.n < b.n ? -1 : a.n > b.n;
}

/* Merges the neighbouring ascending runs [at, mid) and [mid, end) of from into to, an item
 * equal to one of the first run dropped; the number written, or -1 when two items cannot be
 * ordered. */
static int64_t merge_keyed_runs(const keyed *from, keyed *to, size_t at, size_t mid, size_t end,
                                const bt_value *items, int64_t base, int64_t span) {
  size_t i = at, j = mid, k = 0;
  while (i < mid && j < end) {
    int c = from[i].key < from[j].key ? -1 : from[i].key > from[j].key;
    if (c == 0) c = runs_tie(items[from[i].at], items[from[j].at], base, span);
    if (c == 2) return -1;
    if (c <= 0) {
      to[k++] = from[i++];
      j += c == 0;
    } else
      to[k++] = from[j++];
  }
  while (i < mid)
    to[k++] = from[i++];
  while (j < end)
    to[k++] = from[j++];
  return (int64_t)k;
}

/* The union of sets of patches whose elements are interned entries of one region, by
 * merging the sets as ascending runs of keys: the number kept, or 0 when that does not
 * apply or scratch memory could not be had. */
static size_t patch_runs_build(bt_ctx *cx, bt_value *items, size_t n, const bt_value *sets, uint32_t runs) {
  uint8_t kind = items[0].kind;
  if ((kind != BT_SET && kind != BT_TUPLE) || n > UINT32_MAX) return 0;
  int64_t base = -1;
  for (size_t k = 0; k < n && base < 0; k++) {
    if (items[k].kind != kind) return 0;
    if (items[k].n) {
      int64_t at = bt_intern_at(items[k].u.items[0]);
      if (at < 0) return 0;
      base = at >= BT_INTERN_PAIRS ? BT_INTERN_PAIRS : 0;
    }
  }
  if (base < 0) return 0;
  int64_t span = base ? BT_INTERN_CELLS : BT_INTERN_PAIRS;
  bt_mark scratch = bt_arena_mark(cx);
  bt_value *copy;
  keyed *ks = keyed_scratch(cx, items, n, &copy);
  uint32_t *bound = bt_alloc(cx, 2 * ((size_t)runs + 1) * sizeof *bound);
  size_t m = 0;
  bool ok = ks && bound;
  for (size_t k = 0; k < n && ok; k++)
    ok = items[k].kind == kind && patch_head_key(items[k], base, span, &ks[k].key);
  uint32_t r = 0, *next = bound + runs + 1;
  if (ok) { /* bound[0..r]: the runs, which pass by pass are merged in neighbouring pairs */
    bound[0] = 0;
    for (uint32_t s = 0; s < runs; s++)
      if (sets[s].n) r++, bound[r] = bound[r - 1] + sets[s].n;
  }
  keyed *from = ks, *to = ks ? ks + n : NULL;
  while (ok && r > 1) {
    uint32_t rr = 0;
    size_t w = 0;
    next[0] = 0;
    for (uint32_t s = 0; s < r && ok; s += 2) {
      if (s + 1 == r) { /* an odd run out: as it is */
        memcpy(to + w, from + bound[s], (bound[s + 1] - bound[s]) * sizeof *to);
        w += bound[s + 1] - bound[s];
      } else {
        int64_t k = merge_keyed_runs(from, to + w, bound[s], bound[s + 1], bound[s + 2], copy, base, span);
        ok = k >= 0;
        w += ok ? (size_t)k : 0;
      }
      next[++rr] = (uint32_t)w;
    }
    memcpy(bound, next, ((size_t)rr + 1) * sizeof *bound);
    r = rr;
    keyed *t = from;
    from = to;
    to = t;
  }
  if (ok)
    for (; m < bound[r]; m++)
      items[m] = copy[from[m].at];
  bt_arena_release(cx, scratch);
  return m;
}

bt_value bt_set_of_runs(bt_ctx *cx, bt_value *items, size_t n, const bt_value *sets, uint32_t runs) {
  size_t m = runs >= 2 && n >= 2 ? patch_runs_build(cx, items, n, sets, runs) : 0;
  return m ? bt_set_sorted(items, m) : bt_set_build(cx, items, n);
}

bt_value bt_like(bt_ctx *cx, bt_value proto, bt_value *items, size_t n) {
  if (proto.kind == BT_SET) return bt_set_build(cx, items, n);
  return bt_tuple(n ? items : NULL, (uint32_t)n);
}

bool bt_vec_reserve(bt_ctx *cx, bt_vec *v, size_t n) {
  if (n <= v->cap) return true;
  size_t cap = v->cap ? v->cap * 2 : 8;
  while (cap < n)
    cap *= 2;
  if (cap > cx->lim.max_elems) cap = cx->lim.max_elems;
  if (cap < n) return false;
  bt_value *it = bt_items(cx, cap);
  if (!it) return false;
  if (v->n) memcpy(it, v->items, v->n * sizeof *it);
  v->items = it;
  v->cap = cap;
  return true;
}

bool bt_vec_push(bt_ctx *cx, bt_vec *v, bt_value x) {
  if (v->n == v->cap && !bt_vec_reserve(cx, v, v->n + 1)) return false;
  v->items[v->n++] = x;
  return true;
}

/* ---- deep copy ------------------------------------------------------------------ */

/* Maps an old element array (or closure) to its copy, so shared parts stay shared. */
typedef struct memo_entry {
  const void *from;
  void *to;
  uint32_t len; /* elements copied: a shorter view of the same array must not serve a longer */
} memo_entry;

/* A chunk of the arena being copied from: its bytes in use [lo, hi). */
typedef struct bound {
  uintptr_t lo, hi;
  bt_chunk *chunk;
} bound;

/* A chunk moved whole from the arena copied from to the arena copied into. */
typedef struct adoption {
  bt_chunk *chunk;
  size_t off; /* its bytes in use */
} adoption;

typedef struct copy_memo {
  memo_entry *e;
  size_t cap, n;
  bound *only; /* NULL, or the chunks to copy from, sorted (bt_copy_out) */
  size_t n_only;
  bool boxed;          /* interned parts are copied too (bt_copy_boxed) */
  bt_arena *from, *to; /* bt_copy_out: large values move with their chunk */
  adoption *moved;     /* the chunks moved, to undo when the copy fails */
  size_t n_moved, cap_moved;
} copy_memo;

static bool memo_init(copy_memo *m, size_t cap) {
  m->boxed = false;
  m->only = NULL;
  m->n_only = 0;
  m->from = m->to = NULL;
  m->moved = NULL;
  m->n_moved = m->cap_moved = 0;
  m->e = calloc(cap, sizeof *m->e);
  m->cap = cap;
  m->n = 0;
  return m->e != NULL;
}

static void memo_free(copy_memo *m) { free(m->e); }

static size_t memo_slot(const copy_memo *m, const void *p) {
  size_t h = (size_t)((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull;
  size_t k = (h >> 20) & (m->cap - 1);
  while (m->e[k].from && m->e[k].from != p)
    k = (k + 1) & (m->cap - 1);
  return k;
}

static bool memo_grow(copy_memo *m) {
  copy_memo bigger;
  if (!memo_init(&bigger, m->cap * 2)) {
    memo_free(&bigger);
    return false;
  }
  for (size_t k = 0; k < m->cap; k++)
    if (m->e[k].from) bigger.e[memo_slot(&bigger, m->e[k].from)] = m->e[k];
  bigger.n = m->n;
  bigger.only = m->only;
  bigger.n_only = m->n_only;
  bigger.boxed = m->boxed;
  bigger.from = m->from;
  bigger.to = m->to;
  bigger.moved = m->moved;
  bigger.n_moved = m->n_moved;
  bigger.cap_moved = m->cap_moved;
  memo_free(m);
  *m = bigger;
  return true;
}

/* The chunk of the memory being copied from that holds src (a binary search), or -1. */
static long memo_find(const copy_memo *m, const void *src) {
  uintptr_t p = (uintptr_t)src;
  size_t lo = 0, hi = m->n_only;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->only[mid].hi <= p)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < m->n_only && m->only[lo].lo <= p && p < m->only[lo].hi ? (long)lo : -1;
}

/* Whether src lies in the memory being copied from. */
static bool memo_copies(const copy_memo *m, const void *src) {
  if (bt_interned(src)) return m->boxed;
  if (!m->only) return true;
  return memo_find(m, src) >= 0;
}

static int cmp_bounds(const void *a, const void *b) {
  uintptr_t x = ((const bound *)a)->lo, y = ((const bound *)b)->lo;
  return (x > y) - (x < y);
}

/* Whether v points at memory a copy copies (interned parts are left where they are). */
static bool holds_memory(bt_value v) {
  return v.kind == BT_FN ? v.u.clo != NULL
                         : v.kind >= BT_TUPLE && v.u.items != NULL && !bt_interned(v.u.items);
}

/* Small trees (at most SMALL elements, each a scalar or an array of at most SMALL scalars:
 * pairs, cells, short tuples) are copied without the memo, in one allocation: a copy per
 * reference costs less than looking each one up. */
enum { SMALL = 4 };

static bool small_leaf(bt_value v) {
  if (v.n > SMALL) return false;
  for (uint32_t k = 0; k < v.n; k++)
    if (holds_memory(v.u.items[k])) return false;
  return true;
}

/* The number of values of the small tree v (its items and theirs), or 0 when v is not one. */
static size_t small_tree(bt_value v) {
  if (v.kind == BT_FN || v.n > SMALL) return 0;
  size_t n = v.n;
  for (uint32_t k = 0; k < v.n; k++) {
    bt_value x = v.u.items[k];
    if (!holds_memory(x)) continue;
    if (x.kind == BT_FN || !small_leaf(x)) return 0;
    n += x.n;
  }
  return n;
}

static bt_value copy_small(bt_ctx *cx, bt_value v, size_t size) {
  bt_value *it = bt_items(cx, size);
  if (!it) return bt_err(BT_E_LIMIT);
  memcpy(it, v.u.items, v.n * sizeof *it);
  bt_value *next = it + v.n;
  for (uint32_t k = 0; k < v.n; k++)
    if (holds_memory(it[k])) {
      memcpy(next, it[k].u.items, it[k].n * sizeof *next);
      it[k].u.items = next;
      next += it[k].n;
    }
  v.u.items = it;
  return v;
}

/* Large values move with their chunk instead of being copied: a tuple or set whose array
 * starts a chunk of at least ADOPT_MIN bytes in use and which is all that chunk holds (its
 * items scalars or interned, or, for a grid, rows laid out right after it in the chunk,
 * one after the other, holding scalars), or a packed grid that is all its chunk holds. Nothing else lives in
 * such a chunk, and nothing in it points elsewhere, so the chunk can change arena as it is. */
enum { ADOPT_MIN = 256 * 1024 };

static bool adoptable(const bt_chunk *c, bt_value v) {
  if (c->off < ADOPT_MIN || (const void *)v.u.items != (const void *)c->data) return false;
  if (v.kind == BT_PGRID) return c->off == ((bt_pgrid_bytes(v.u.pg->h, v.u.pg->w) + 15) & ~(size_t)15);
  const bt_value *end = v.u.items + v.n, *hi = (const bt_value *)(c->data + c->off);
  for (uint32_t k = 0; k < v.n; k++) {
    bt_value e = v.u.items[k];
    if (!holds_memory(e)) continue;
    if (e.kind == BT_FN || e.u.items != end || e.u.items + e.n > hi) return false;
    for (uint32_t i = 0; i < e.n; i++)
      if (holds_memory(e.u.items[i])) return false;
    end = e.u.items + e.n;
  }
  return end == hi;
}

static void chunk_unlink(bt_arena *a, bt_chunk *c) {
  for (bt_chunk **p = &a->head; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      return;
    }
}

/* Links c into a after its head (releases to marks taken before drop the chunks in front of
 * it, not c), or as its head when a has none. Moves its bytes in use to a's count. */
static void chunk_link(bt_arena *a, bt_chunk *c, size_t off) {
  a->used += off;
  if (a->head) {
    c->next = a->head->next;
    a->head->next = c;
  } else {
    c->next = NULL;
    a->head = c;
  }
}

/* Moves chunk k of the memory copied from into the arena copied into (after its head, or
 * as its head, full, so that nothing is allocated after what it holds). */
static bool adopt(copy_memo *m, long k) {
  if (m->n_moved == m->cap_moved) {
    size_t cap = m->cap_moved ? 2 * m->cap_moved : 8;
    adoption *a = realloc(m->moved, cap * sizeof *a);
    if (!a) return false;
    m->moved = a;
    m->cap_moved = cap;
  }
  bt_chunk *c = m->only[k].chunk;
  chunk_unlink(m->from, c);
  m->from->used -= c->off;
  m->moved[m->n_moved++] = (adoption){c, c->off};
  chunk_link(m->to, c, c->off);
  if (m->to->head == c) c->off = c->size;
  m->only[k].lo = m->only[k].hi; /* no longer memory to copy from */
  return true;
}

/* Puts the chunks adopt moved back where they came from (the copy failed). */
static void unadopt(copy_memo *m) {
  while (m->n_moved) {
    adoption a = m->moved[--m->n_moved];
    chunk_unlink(m->to, a.chunk);
    m->to->used -= a.off;
    a.chunk->off = a.off;
    chunk_link(m->from, a.chunk, a.off);
  }
}

/* copy_rec of a packed grid: its bytes, once per block (shared blocks stay shared); a
 * block that is all its chunk holds moves with the chunk. */
static bt_value copy_pgrid(bt_ctx *cx, bt_value v, copy_memo *m) {
  const void *src = v.u.pg;
  size_t bytes = bt_pgrid_bytes(v.u.pg->h, v.u.pg->w);
  if (m->boxed) return bt_unpack(cx, v);
  if (m->to) {
    long k = memo_find(m, src);
    if (k >= 0 && adoptable(m->only[k].chunk, v) && adopt(m, k)) return v;
  }
  size_t slot = memo_slot(m, src);
  if (m->e[slot].from) {
    v.u.pg = m->e[slot].to;
    return v;
  }
  bt_pgrid *g = bt_alloc(cx, bytes);
  if (!g) return bt_err(BT_E_LIMIT);
  memcpy(g, src, bytes);
  v.u.pg = g;
  if (2 * (m->n + 1) > m->cap && !memo_grow(m)) return v;
  slot = memo_slot(m, src);
  m->n += !m->e[slot].from;
  m->e[slot] = (memo_entry){src, g, v.n};
  return v;
}

static bt_value copy_rec(bt_ctx *cx, bt_value v, copy_memo *m, int depth) {
  if (depth > BT_MAX_NEST) return bt_err(BT_E_LIMIT);
  if (v.kind == BT_PGRID) return memo_copies(m, v.u.pg) || m->boxed ? copy_pgrid(cx, v, m) : v;
  const void *src = v.kind == BT_FN      ? (const void *)v.u.clo
                    : v.kind >= BT_TUPLE ? (const void *)v.u.items
                                         : NULL;
  if (!src || !memo_copies(m, src)) return v;
  if (m->to && v.kind != BT_FN) {
    long k = memo_find(m, src);
    if (k >= 0 && adoptable(m->only[k].chunk, v) && adopt(m, k)) return v;
  }
  size_t small = m->boxed ? 0 : small_tree(v);
  if (small) return copy_small(cx, v, small);
  bool leaf = v.kind != BT_FN && !m->boxed;
  for (uint32_t k = 0; leaf && k < v.n; k++)
    leaf = !holds_memory(v.u.items[k]);
  size_t slot = memo_slot(m, src);
  if (m->e[slot].from && m->e[slot].len >= v.n) {
    if (v.kind == BT_FN)
      v.u.clo = m->e[slot].to;
    else
      v.u.items = m->e[slot].to;
    return v;
  }
  void *dst;
  if (v.kind == BT_FN) {
    bt_closure *c = bt_alloc(cx, sizeof *c);
    if (!c) return bt_err(BT_E_LIMIT);
    *c = *v.u.clo;
    for (int k = 0; k < c->nargs; k++)
      if (bt_is_err(c->args[k] = copy_rec(cx, c->args[k], m, depth + 1))) return c->args[k];
    v.u.clo = c;
    dst = c;
  } else {
    bt_value *it = bt_items(cx, v.n);
    if (!it) return bt_err(BT_E_LIMIT);
    if (leaf)
      memcpy(it, v.u.items, v.n * sizeof *it);
    else
      for (uint32_t k = 0; k < v.n; k++)
        if (bt_is_err(it[k] = copy_rec(cx, v.u.items[k], m, depth + 1))) return it[k];
    v.u.items = it;
    dst = it;
  }
  if (2 * (m->n + 1) > m->cap && !memo_grow(m)) return v; /* still correct, only less shared */
  slot = memo_slot(m, src);
  m->n += !m->e[slot].from;
  m->e[slot] = (memo_entry){src, dst, v.n};
  return v;
}

bool bt_copy_many(bt_ctx *cx, bt_value *vals, size_t n) {
  copy_memo m;
  bool ok = memo_init(&m, 256);
  for (size_t k = 0; ok && k < n; k++) {
    bool was_err = bt_is_err(vals[k]);
    vals[k] = copy_rec(cx, vals[k], &m, 0);
    ok = was_err || !bt_is_err(vals[k]);
  }
  memo_free(&m);
  return ok;
}

bool bt_copy_out(bt_ctx *cx, bt_ctx *from, bt_value *vals, size_t n) {
  size_t chunks = 0;
  for (const bt_chunk *c = from->arena.head; c; c = c->next)
    chunks++;
  bound *bounds = malloc((chunks ? chunks : 1) * sizeof *bounds);
  copy_memo m;
  bool ok = bounds && memo_init(&m, 256);
  if (ok) {
    size_t k = 0;
    for (bt_chunk *c = from->arena.head; c; c = c->next, k++)
      bounds[k] = (bound){(uintptr_t)c->data, (uintptr_t)(c->data + c->off), c};
    qsort(bounds, chunks, sizeof *bounds, cmp_bounds);
    m.only = bounds;
    m.n_only = chunks;
    m.from = &from->arena;
    m.to = &cx->arena;
  }
  for (size_t k = 0; ok && k < n; k++) {
    bool was_err = bt_is_err(vals[k]);
    vals[k] = copy_rec(cx, vals[k], &m, 0);
    ok = was_err || !bt_is_err(vals[k]);
  }
  if (bounds) {
    if (!ok) unadopt(&m);
    free(m.moved);
    memo_free(&m);
  }
  free(bounds);
  /* chunks moved between the arenas: what either memo holds is void */
  bt_memo_forget(cx);
  bt_memo_forget(from);
  return ok;
}

bt_value bt_copy(bt_ctx *cx, bt_value v) { return bt_copy_many(cx, &v, 1) ? v : bt_err(BT_E_LIMIT); }

bt_value bt_copy_boxed(bt_ctx *cx, bt_value v) {
  copy_memo m;
  if (!memo_init(&m, 256)) {
    memo_free(&m);
    return bt_err(BT_E_LIMIT);
  }
  m.boxed = true;
  v = copy_rec(cx, v, &m, 0);
  memo_free(&m);
  return v;
}

/* ---- grids --------------------------------------------------------------------- */

bool bt_grid_dims(bt_value g, int64_t *h, int64_t *w) {
  if (g.kind != BT_TUPLE || g.n == 0) return false;
  uint32_t width = g.u.items[0].n;
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value r = g.u.items[i];
    if (r.kind != BT_TUPLE || r.n != width) return false;
    for (uint32_t j = 0; j < width; j++)
      if (!bt_is_int(r.u.items[j])) return false;
  }
  *h = g.n;
  *w = width;
  return true;
}

bt_value bt_grid_new(bt_ctx *cx, int64_t h, int64_t w, bt_value **cells) {
  if (h < 0 || w < 0) return bt_err(BT_E_VALUE);
  if (h == 0) {
    *cells = NULL;
    return bt_tuple(NULL, 0);
  }
  if ((w && h > (int64_t)cx->lim.max_elems / w) || h > (int64_t)cx->lim.max_elems) return bt_err(BT_E_LIMIT);
  bt_value *rows = bt_items(cx, (size_t)(h + h * w));
  if (!rows) return bt_err(BT_E_LIMIT);
  bt_value *c = rows + h;
  for (int64_t i = 0; i < h; i++)
    rows[i] = bt_tuple(w ? c + i * w : NULL, (uint32_t)w);
  for (int64_t k = 0; k < h * w; k++)
    c[k] = bt_int(0);
  *cells = c;
  return bt_tuple(rows, (uint32_t)h);
}

bt_value bt_grid_from(bt_ctx *cx, int64_t h, int64_t w, const int64_t *cells) {
  bt_value *c;
  bt_value g = bt_grid_new(cx, h, w, &c);
  if (bt_is_err(g)) return g;
  for (int64_t k = 0; k < h * w; k++)
    c[k].u.i = cells[k];
  return g;
}

/* ---- order, equality, hashing --------------------------------------------------- */

static int kind_rank(uint8_t k) {
  switch (k) {
  case BT_NONE: return 0;
  case BT_BOOL:
  case BT_INT:
  case BT_FLOAT: return 1;
  case BT_TUPLE: return 2;
  case BT_SET: return 3;
  case BT_FN: return 4;
  default: return 5;
  }
}

/* A primitive's name, or its constructor's for a closure. */
static const char *fn_name(bt_value f) {
  int id = f.u.clo ? f.u.clo->ctor : f.prim;
  return id < bt_n_prims ? bt_prims[id].name : "?";
}

/* The Python __name__ functions order by: a primitive's name; every closure is a lambda. */
static const char *fn_pyname(bt_value f) { return f.u.clo ? "<lambda>" : fn_name(f); }

static int cmp_slow(bt_value a, bt_value b, int depth);

/* Past BT_MAX_NEST a walk stops: it spends the comparison budget, so that the line fails. */
static bool too_deep(int depth) {
  if (depth <= BT_MAX_NEST) return false;
  bt_walk_left = -1;
  return true;
}

/* Both ints or bools: the common case of every comparison, kept inline. */
static inline bool both_int(bt_value a, bt_value b) {
  return (a.kind == BT_INT || a.kind == BT_BOOL) && (b.kind == BT_INT || b.kind == BT_BOOL);
}

static inline int cmp_int(int64_t x, int64_t y) { return x < y ? -1 : x > y; }

/* cmp_slow(x, y, depth) of two int pairs or two cells (c, (i, j)) of ints, spending the
 * budget exactly as that walk does (its cmp_seq at depth + 1, a cell's pair at depth + 2);
 * false when x and y are not both of one of these shapes. Most sets are of these. */
static inline bool cmp_small(bt_value x, bt_value y, int depth, int *out) {
  int64_t ax = bt_intern_at(x), ay = bt_intern_at(y);
  if (ax >= 0 && ay >= 0 && (ax >= BT_INTERN_PAIRS) == (ay >= BT_INTERN_PAIRS) && depth + 2 <= BT_MAX_NEST) {
    /* two interned pairs or cells: the table is in canonical order; the budget is spent as
     * the walk below spends it */
    *out = bt_walk_spent() ? 0 : bt_intern_cmp(ax, ay);
    return true;
  }
  if (x.kind != BT_TUPLE || y.kind != BT_TUPLE || x.n != 2 || y.n != 2 || depth + 2 > BT_MAX_NEST)
    return false;
  const bt_value *p = x.u.items, *q = y.u.items;
  if (!both_int(p[0], q[0])) return false;
  bool cells = p[1].kind == BT_TUPLE;
  if (cells ? q[1].kind != BT_TUPLE || p[1].n != 2 || q[1].n != 2 ||
                  !both_int(p[1].u.items[0], q[1].u.items[0]) || !both_int(p[1].u.items[1], q[1].u.items[1])
            : !both_int(p[1], q[1]))
    return false;
  if (bt_walk_spent()) { /* the walk at depth + 1 answers at once */
    *out = 0;
    return true;
  }
  int c = cmp_int(p[0].u.i, q[0].u.i);
  if (c) {
    bt_walk_left -= 1;
  } else if (!cells) {
    c = cmp_int(p[1].u.i, q[1].u.i);
    bt_walk_left -= 2;
  } else {
    if (!bt_walk_spent()) {
      const bt_value *u = p[1].u.items, *v = q[1].u.items;
      c = cmp_int(u[0].u.i, v[0].u.i);
      if (c)
        bt_walk_left -= 1;
      else {
        c = cmp_int(u[1].u.i, v[1].u.i);
        bt_walk_left -= 2;
      }
    }
    bt_walk_left -= 2;
  }
  *out = c;
  return true;
}

static int cmp_seq(const bt_value *a, uint32_t na, const bt_value *b, uint32_t nb, int depth) {
  if (bt_walk_spent() || too_deep(depth)) return 0;
  uint32_t n = na < nb ? na : nb;
  for (uint32_t k = 0; k < n; k++) {
    int c;
    if (both_int(a[k], b[k]))
      c = cmp_int(a[k].u.i, b[k].u.i);
    else if (!cmp_small(a[k], b[k], depth, &c))
      c = cmp_slow(a[k], b[k], depth);
    if (c) {
      bt_walk_left -= k + 1;
      return c;
    }
  }
  bt_walk_left -= n;
  return na < nb ? -1 : na > nb;
}

/* Numbers in the canonical order: by value, NaN after every number (and equal to NaN). */
static int cmp_num(bt_value a, bt_value b) {
  if (a.kind != BT_FLOAT && b.kind != BT_FLOAT) return cmp_int(a.u.i, b.u.i);
  double x = a.kind == BT_FLOAT ? a.u.f : (double)a.u.i, y = b.kind == BT_FLOAT ? b.u.f : (double)b.u.i;
  bool nx = x != x, ny = y != y;
  if (nx || ny) return nx == ny ? 0 : nx ? 1 : -1;
  return x < y ? -1 : x > y;
}

static int cmp_slow(bt_value a, bt_value b, int depth) {
  int ra = kind_rank(a.kind), rb = kind_rank(b.kind);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
  case 1: return cmp_num(a, b);
  case 2:
  case 3: return cmp_seq(a.u.items, a.n, b.u.items, b.n, depth + 1);
  case 4: {
    int c = strcmp(fn_pyname(a), fn_pyname(b));
    if (!c && a.u.clo && b.u.clo) c = strcmp(fn_name(a), fn_name(b)); /* ties of lambdas */
    if (c) return c < 0 ? -1 : 1;
    const bt_value *aa = a.u.clo ? a.u.clo->args : NULL, *ba = b.u.clo ? b.u.clo->args : NULL;
    return cmp_seq(aa, a.u.clo ? a.u.clo->nargs : 0, ba, b.u.clo ? b.u.clo->nargs : 0, depth + 1);
  }
  default: return 0;
  }
}

int bt_cmp(bt_value a, bt_value b) {
  if (both_int(a, b)) return cmp_int(a.u.i, b.u.i);
  int c; /* two index pairs or two cells, the commonest elements of sets: cmp_slow's answer */
  if (a.kind == BT_TUPLE && b.kind == BT_TUPLE && cmp_small(a, b, 0, &c)) return c;
  return cmp_slow(a, b, 0);
}

/* The comparison budget cmp_seq spends comparing elements u and v at depth 1; false when
 * the budget ran out on the way (the caller compares as usual). The budget is left as it
 * was. */
static bool elem_cost(bt_value u, bt_value v, int64_t *cost) {
  int64_t left = bt_walk_left;
  int c;
  if (!both_int(u, v) && !cmp_small(u, v, 1, &c)) cmp_slow(u, v, 1);
  *cost = left - bt_walk_left;
  bool ok = !bt_walk_spent();
  bt_walk_left = left;
  return ok;
}

/* What the check that product's pairs ascend (each against the next, by bt_cmp) spends of
 * the comparison budget, from the elements' comparisons alone: within a row, x[i] against
 * itself and y[j] against y[j + 1] (then 2, cmp_seq's count at the second element); from a
 * row to the next, x[i] against x[i + 1] (then 1). False when it cannot be had (the budget
 * would run out). */
static bool product_check_cost(bt_value x, bt_value y, int64_t *total) {
  int64_t sum = 0, c;
  for (uint32_t j = 1; j < y.n; j++) {
    if (!elem_cost(y.u.items[j - 1], y.u.items[j], &c)) return false;
    sum += c;
  }
  *total = sum * (int64_t)x.n;
  for (uint32_t i = 0; i < x.n; i++) {
    if (!elem_cost(x.u.items[i], x.u.items[i], &c)) return false;
    *total += (c + 2) * (int64_t)(y.n - 1);
    if (i == 0) continue;
    if (!elem_cost(x.u.items[i - 1], x.u.items[i], &c)) return false;
    *total += c + 1;
  }
  return *total < bt_walk_left;
}

/* eq_rec of two interned pairs or two interned cells, spending the budget as its walk does. */
static bool eq_interned(int64_t ax, int64_t ay) {
  if (bt_walk_spent()) return true;
  bool cells = ax >= BT_INTERN_PAIRS;
  if (ax == ay) {
    bt_walk_left -= cells ? 4 : 2;
    return true;
  }
  int64_t ix, jx, iy, jy;
  bt_intern_ij(ax, &ix, &jx);
  bt_intern_ij(ay, &iy, &jy);
  if (!cells) {
    bt_walk_left -= ix == iy;
  } else if (bt_intern_color(ax) == bt_intern_color(ay)) {
    bt_walk_left -= 1 + (ix == iy);
  }
  return false;
}

static bool eq_rec(bt_value a, bt_value b, int depth) {
  if (bt_is_int(a) && bt_is_int(b)) return a.u.i == b.u.i;
  int64_t ax = bt_intern_at(a), ay = bt_intern_at(b);
  if (ax >= 0 && ay >= 0 && (ax >= BT_INTERN_PAIRS) == (ay >= BT_INTERN_PAIRS) && depth + 1 <= BT_MAX_NEST)
    return eq_interned(ax, ay);
  if (a.kind != b.kind || a.kind == BT_ERR) return false;
  if (a.kind == BT_TUPLE || a.kind == BT_SET) {
    if (a.n != b.n) return false;
    if (bt_walk_spent() || too_deep(depth)) return true;
    uint32_t k = 0;
    for (; k < a.n; k++) {
      bt_value x = a.u.items[k], y = b.u.items[k];
      if (both_int(x, y) ? x.u.i != y.u.i : !eq_rec(x, y, depth + 1)) break;
    }
    bt_walk_left -= k;
    return k == a.n;
  }
  return a.kind == BT_FN ? cmp_slow(a, b, depth) == 0 : bt_cmp(a, b) == 0;
}

bool bt_eq_values(bt_value a, bt_value b) { return both_int(a, b) ? a.u.i == b.u.i : eq_rec(a, b, 0); }

static bool same_rec(bt_value a, bt_value b, int depth) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case BT_ERR: return a.errc == b.errc;
  case BT_NONE: return true;
  case BT_BOOL:
  case BT_INT: return a.u.i == b.u.i;
  case BT_FLOAT: return a.u.f == b.u.f || (a.u.f != a.u.f && b.u.f != b.u.f);
  case BT_TUPLE:
  case BT_SET:
    if (a.n != b.n) return false;
    if (bt_walk_spent() || too_deep(depth)) return true;
    uint32_t k = 0;
    for (; k < a.n; k++) {
      bt_value x = a.u.items[k], y = b.u.items[k];
      if (x.kind == BT_INT && y.kind == BT_INT ? x.u.i != y.u.i : !same_rec(x, y, depth + 1)) break;
    }
    bt_walk_left -= k;
    return k == a.n;
  default: {
    if (strcmp(fn_name(a), fn_name(b)) != 0) return false;
    int na = a.u.clo ? a.u.clo->nargs : 0, nb = b.u.clo ? b.u.clo->nargs : 0;
    if (na != nb || (a.u.clo == NULL) != (b.u.clo == NULL)) return false;
    if (bt_walk_spent() || too_deep(depth)) return true;
    for (int k = 0; k < na; k++)
      if (!same_rec(a.u.clo->args[k], b.u.clo->args[k], depth + 1)) return false;
    return true;
  }
  }
}

bool bt_same(bt_value a, bt_value b) { return same_rec(a, b, 0); }

static uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 29);
}

static uint64_t tree_size(bt_value v, uint64_t left, int depth) {
  if (depth > BT_MAX_NEST) return left + 1;
  uint64_t n = 1;
  const bt_value *items = NULL;
  uint32_t m = 0;
  if (bt_is_coll(v))
    items = v.u.items, m = v.n;
  else if (bt_is_fn(v) && v.u.clo)
    items = v.u.clo->args, m = v.u.clo->nargs;
  for (uint32_t k = 0; k < m && n <= left; k++) {
    bt_value x = items[k];
    n += bt_is_coll(x) || (bt_is_fn(x) && x.u.clo) ? tree_size(x, left - n, depth + 1) : 1;
  }
  return n;
}

uint64_t bt_tree_size(bt_value v, uint64_t cap) {
  uint64_t n = tree_size(v, cap, 0);
  return n > cap ? cap + 1 : n;
}

static uint64_t hash_rec(bt_value v, int depth) {
  if (depth > BT_MAX_NEST) return 0x64656570ull; /* such values compare equal too: the walk stops */
  switch (v.kind) {
  case BT_NONE: return 0x6e6f6e65ull;
  case BT_BOOL:
  case BT_INT: return mix(0x696e74ull, (uint64_t)v.u.i);
  case BT_FLOAT: {
    if (v.u.f != v.u.f) return 0x6e616eull;
    if (v.u.f == (double)(int64_t)v.u.f)
      return mix(0x696e74ull, (uint64_t)(int64_t)v.u.f); /* as the equal int */
    uint64_t bits;
    memcpy(&bits, &v.u.f, sizeof bits);
    return mix(0x666c74ull, bits);
  }
  case BT_TUPLE:
  case BT_SET: {
    uint64_t h = v.kind == BT_SET ? 0x736574ull : 0x7475706c65ull;
    for (uint32_t k = 0; k < v.n; k++)
      h = mix(h, hash_rec(v.u.items[k], depth + 1));
    return mix(h, v.n);
  }
  case BT_FN: {
    uint64_t h = 0x666eull;
    for (const char *s = fn_name(v); *s; s++)
      h = mix(h, (unsigned char)*s);
    if (v.u.clo)
      for (int k = 0; k < v.u.clo->nargs; k++)
        h = mix(h, hash_rec(v.u.clo->args[k], depth + 1));
    return h;
  }
  default: return mix(0x657272ull, v.errc);
  }
}

uint64_t bt_hash(bt_value v) { return hash_rec(v, 0); }

int64_t bt_set_find(bt_value s, bt_value x) {
  int64_t lo = 0, hi = (int64_t)s.n - 1;
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int c = bt_cmp_quick(s.u.items[mid], x);
    if (c == 0) return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

static bool subset_of(bt_value a, bt_value b) {
  for (uint32_t k = 0; k < a.n; k++)
    if (bt_set_find(b, a.u.items[k]) < 0) return false;
  return true;
}

static int py_lt(bt_value a, bt_value b, int depth) {
  if (bt_is_int(a) && bt_is_int(b)) return a.u.i < b.u.i;
  if ((bt_is_int(a) || a.kind == BT_FLOAT) && (bt_is_int(b) || b.kind == BT_FLOAT))
    return (a.kind == BT_FLOAT ? a.u.f : (double)a.u.i) < (b.kind == BT_FLOAT ? b.u.f : (double)b.u.i);
  if (a.kind == BT_TUPLE && b.kind == BT_TUPLE) {
    if (too_deep(depth)) return 0;
    uint32_t n = a.n < b.n ? a.n : b.n;
    for (uint32_t k = 0; k < n; k++)
      if (!bt_eq(a.u.items[k], b.u.items[k])) return py_lt(a.u.items[k], b.u.items[k], depth + 1);
    return a.n < b.n;
  }
  if (a.kind == BT_SET && b.kind == BT_SET) return a.n < b.n && subset_of(a, b);
  return -1;
}

int bt_py_lt(bt_value a, bt_value b) { return py_lt(a, b, 0); }

int bt_contains(bt_value c, bt_value x) {
  if (c.kind == BT_SET) return bt_set_find(c, x) >= 0;
  if (c.kind != BT_TUPLE) return -1;
  for (uint32_t k = 0; k < c.n; k++)
    if (bt_eq(c.u.items[k], x)) return 1;
  return 0;
}

/* ---- Python integers and sequences -------------------------------------------- */

bt_value bt_int_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? bt_err(BT_E_OVERFLOW) : bt_int(r);
}

bt_value bt_int_sub(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_sub_overflow(a, b, &r) ? bt_err(BT_E_OVERFLOW) : bt_int(r);
}

bt_value bt_int_mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? bt_err(BT_E_OVERFLOW) : bt_int(r);
}

bt_value bt_int_floordiv(int64_t a, int64_t b) {
  if (b == 0) return bt_err(BT_E_ZERODIV);
  if (a == INT64_MIN && b == -1) return bt_err(BT_E_OVERFLOW);
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) q--;
  return bt_int(q);
}

bt_value bt_int_mod(int64_t a, int64_t b) {
  if (b == 0) return bt_err(BT_E_ZERODIV);
  if (b == -1) return bt_int(0);
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return bt_int(r);
}

bt_value bt_getitem(bt_value c, int64_t k) {
  if (c.kind != BT_TUPLE) return bt_err(BT_E_TYPE);
  if (k < 0) k += c.n;
  if (k < 0 || k >= (int64_t)c.n) return bt_err(BT_E_INDEX);
  return c.u.items[k];
}

int64_t bt_len(bt_value v) { return bt_is_coll(v) ? (int64_t)v.n : -1; }

/* ---- names ------------------------------------------------------------------------ */

const char *bt_errc_name(bt_errc c) {
  static const char *const names[BT_E_COUNT] = {
      "Error",          "TypeError",      "ValueError",        "IndexError",
      "AttributeError", "StopIteration",  "ZeroDivisionError", "KeyError",
      "RuntimeError",   "RecursionError", "OverflowError",     "LimitError",
  };
  return c > 0 && c < BT_E_COUNT ? names[c] : "Error";
}

const char *bt_kind_name(bt_kind k) {
  static const char *const names[] = {"error", "none", "bool",     "int",  "float",
                                      "tuple", "set",  "function", "tuple"};
  return k <= BT_PGRID ? names[k] : "?";
}
