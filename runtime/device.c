/* device.c: run-time detection of CUDA devices (never required: the CPU path is always
 * there), device lists, the twin device, fault injection, and running a program line
 * through a device with fallback to the CPU. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "device.h"
#include "exec.h"

#ifdef BATT_HAVE_CUDA
#include "cuda/cuda_api.h"

int bt_cuda_device_count(char *why, size_t whylen) { return bt_cuda_probe(why, whylen); }
#else
typedef struct bt_cuda_ctx bt_cuda_ctx;

int bt_cuda_device_count(char *why, size_t whylen) {
  snprintf(why, whylen, "built without CUDA");
  return 0;
}
#endif

/* A grid kept in the device's pool, known by the identity of its rows. */
typedef struct resident {
  const bt_value *rows;
  uint32_t n;
  int32_t item;   /* the item whose arena holds it; -1: it lives for the whole chunk */
  uint32_t moves; /* that item's compactions when it was kept (a later one moves it) */
  uint32_t gen;   /* the chunk it was kept in (bt_device_forget starts another) */
  int32_t tile;
} resident;

struct bt_device {
  bt_device_spec spec;
  char label[32];
  FILE *warn;
  bt_cuda_ctx *cuda; /* NULL for a twin */
  bool broken;       /* a kernel error left the GPU unusable: everything runs on the CPU */
  bt_tile_batch batch;
  bt_value *args; /* 4 per item of the line being run */
  int *slot_of;   /* per item: its slot, or -1 when it runs on the CPU */
  int cap_items;
  int *demo_slot; /* bt_device_demo_counts: slot of each demonstration grid, or -1 */
  int cap_demo;
  bool demo_ok;              /* the counts of the last bt_device_demo_counts are in batch */
  int pool_tiles, pool_used; /* residency: tiles of the pool, tiles given out this chunk */
  uint8_t *pool_host;        /* a twin's pool (a GPU's is on the GPU) */
  resident *table;           /* table_mask + 1 entries (a power of two, at least 2 x
                                pool_tiles), open addressing */
  size_t table_mask;
  uint32_t gen;
  bt_device_stats stats;
};

/* ---- device lists ---------------------------------------------------------------------- */

void bt_device_name(bt_device_spec spec, char *buf, size_t len) {
  snprintf(buf, len, "%s:%d", spec.kind == BT_DEVICE_CUDA ? "cuda" : "twin", spec.index);
}

int bt_devices_parse(const char *list, bt_device_spec *out, int max, char *err, size_t errlen) {
  int n = 0;
  const char *s = list;
  while (*s) {
    const char *end = strchr(s, ',');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    char item[64];
    snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item - 1 ? len : sizeof item - 1), s);
    bt_device_spec spec;
    const char *num = NULL;
    if (strncmp(item, "cuda:", 5) == 0)
      spec.kind = BT_DEVICE_CUDA, num = item + 5;
    else if (strncmp(item, "twin:", 5) == 0)
      spec.kind = BT_DEVICE_TWIN, num = item + 5;
    char *stop;
    long idx = num && *num ? strtol(num, &stop, 10) : -1;
    if (!num || !*num || *stop || idx < 0 || idx > 255) {
      snprintf(err, errlen, "'%s' is not a device (cuda:N or twin:N)", item);
      return -1;
    }
    if (n == max) {
      snprintf(err, errlen, "more than %d devices", max);
      return -1;
    }
    spec.index = (int)idx;
    out[n++] = spec;
    s += len;
    if (*s == ',') s++;
  }
  if (n == 0) snprintf(err, errlen, "an empty device list");
  return n ? n : -1;
}

int bt_devices_resolve(const char *mode, const char *list, bt_device_spec *out, int max, FILE *msg, char *err,
                       size_t errlen) {
  if (!mode) mode = list ? "cuda" : "auto";
  bool cpu = strcmp(mode, "cpu") == 0;
  if (!cpu && strcmp(mode, "cuda") != 0 && strcmp(mode, "auto") != 0) {
    snprintf(err, errlen, "--device takes cpu, cuda or auto, not '%s'", mode);
    return -1;
  }
  if (cpu && list) {
    snprintf(err, errlen, "--device cpu and --devices %s contradict each other", list);
    return -1;
  }
  if (cpu) return 0;
  int n = 0, wanted_cuda = 0;
  if (list) {
    if ((n = bt_devices_parse(list, out, max, err, errlen)) < 0) return -1;
    for (int k = 0; k < n; k++)
      wanted_cuda += out[k].kind == BT_DEVICE_CUDA;
    if (!wanted_cuda) return n;
  }
  char why[256] = "";
  int count = bt_cuda_device_count(why, sizeof why);
  if (count == 0) {
    int kept = 0;
    for (int k = 0; k < n; k++)
      if (out[k].kind != BT_DEVICE_CUDA) out[kept++] = out[k];
    fprintf(msg, "batt: no CUDA device usable (%s): %s\n", why,
            kept ? "the CUDA entries run on the CPU" : "running on the CPU");
    return kept;
  }
  if (!list) {
    for (n = 0; n < count && n < max; n++)
      out[n] = (bt_device_spec){BT_DEVICE_CUDA, n};
    return n;
  }
  for (int k = 0; k < n; k++)
    if (out[k].kind == BT_DEVICE_CUDA && out[k].index >= count) {
      snprintf(err, errlen, "cuda:%d: this machine has %d CUDA device%s", out[k].index, count,
               count == 1 ? "" : "s");
      return -1;
    }
  return n;
}

static size_t twin_memory(void) {
  const char *env = getenv("BATT_TWIN_MEM_MIB");
  long mib = env ? atol(env) : 0;
  return (mib > 0 ? (size_t)mib : 1024) << 20;
}

bool bt_device_props_get(bt_device_spec spec, bt_device_props *p, char *why, size_t whylen) {
  memset(p, 0, sizeof *p);
  if (spec.kind == BT_DEVICE_TWIN) {
    snprintf(p->name, sizeof p->name, "CPU twin of the tile kernels");
    p->total_mem = p->free_mem = twin_memory();
    return true;
  }
#ifdef BATT_HAVE_CUDA
  bt_cuda_props cp;
  if (bt_cuda_props_get(spec.index, &cp, why, whylen) != BT_CUDA_OK) return false;
  snprintf(p->name, sizeof p->name, "%s", cp.name);
  p->total_mem = cp.total_mem;
  p->free_mem = cp.free_mem;
  p->peak_bytes_per_s = cp.peak_bytes_per_s;
  return true;
#else
  snprintf(why, whylen, "built without CUDA");
  return false;
#endif
}

int bt_device_tile_items(size_t free_mem) {
  size_t per_item = bt_tile_slot_bytes() * BT_DEVICE_SLOTS_PER_ITEM;
  size_t items = free_mem / 8 / per_item;
  return items < 4 ? 4 : items > 256 ? 256 : (int)items;
}

/* ---- fault injection --------------------------------------------------------------------- */

static pthread_once_t fault_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;
static long fault_launch; /* 0: none */
static const char *fault_kind;
static atomic_long launches;

static void fault_parse(const char *spec) {
  long n = 0;
  fault_launch = 0;
  fault_kind = NULL;
  atomic_store(&launches, 0);
  if (!spec || !*spec) return;
  if (sscanf(spec, "kernel:%ld", &n) == 1 && n > 0)
    fault_kind = "injected kernel failure";
  else if (sscanf(spec, "oom:%ld", &n) == 1 && n > 0)
    fault_kind = "injected out of device memory";
  else
    fprintf(stderr, "batt: warning: BATT_FAULT='%s' is not kernel:N or oom:N; ignored\n", spec);
  if (fault_kind) fault_launch = n;
}

static void fault_from_env(void) { fault_parse(getenv("BATT_FAULT")); }

void bt_device_fault_reset(const char *spec) {
  pthread_once(&fault_once, fault_from_env);
  pthread_mutex_lock(&fault_lock);
  fault_parse(spec ? spec : getenv("BATT_FAULT"));
  pthread_mutex_unlock(&fault_lock);
}

const char *bt_device_fault(long launch) {
  pthread_once(&fault_once, fault_from_env);
  pthread_mutex_lock(&fault_lock);
  const char *kind = fault_launch && launch == fault_launch ? fault_kind : NULL;
  pthread_mutex_unlock(&fault_lock);
  return kind;
}

/* ---- opening and launching ----------------------------------------------------------------- */

#ifdef BATT_HAVE_CUDA
static void *pinned_zeroed(size_t bytes) {
  void *p = bt_cuda_host_alloc(bytes);
  if (p) memset(p, 0, bytes);
  return p;
}
#endif

/* A batch of cap slots: for a GPU in page-locked memory (its copies need no staging),
 * else (or when that cannot be had) in ordinary memory. */
static bool batch_init(const bt_device *d, bt_tile_batch *b, int cap) {
#ifdef BATT_HAVE_CUDA
  if (d->cuda && bt_tile_batch_init_mem(b, cap, pinned_zeroed, bt_cuda_host_free)) return true;
#else
  (void)d;
#endif
  return bt_tile_batch_init(b, cap);
}

bt_device *bt_device_open(bt_device_spec spec, int cap, int pool, FILE *warn, char *why, size_t whylen) {
  bt_device *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->spec = spec;
  d->warn = warn ? warn : stderr;
  bt_device_name(spec, d->label, sizeof d->label);
  if (cap < 1) cap = 1;
  if (pool < 0) pool = cap * BT_DEVICE_POOL_PER_ITEM;
  if (pool > BT_DEVICE_POOL_MAX) pool = BT_DEVICE_POOL_MAX;
  if (spec.kind == BT_DEVICE_CUDA) {
#ifdef BATT_HAVE_CUDA
    d->cuda = bt_cuda_open(spec.index, cap, pool, why, whylen);
    if (!d->cuda) {
      bt_device_close(d);
      return NULL;
    }
    pool = bt_cuda_pool_tiles(d->cuda);
#else
    snprintf(why, whylen, "built without CUDA");
    bt_device_close(d);
    return NULL;
#endif
  } else if (pool > 0 && !(d->pool_host = malloc((size_t)pool * BT_TILE_CELLS))) {
    pool = 0;
  }
  if (!batch_init(d, &d->batch, cap)) {
    snprintf(why, whylen, "out of host memory");
    bt_device_close(d);
    return NULL;
  }
  size_t entries = 2;
  while (pool > 0 && entries < 2 * (size_t)pool)
    entries *= 2;
  if (pool > 0 && (d->table = calloc(entries, sizeof *d->table))) {
    d->pool_tiles = pool;
    d->table_mask = entries - 1;
  }
  d->gen = 1;
  return d;
}

void bt_device_close(bt_device *d) {
  if (!d) return;
  bt_tile_batch_free(&d->batch); /* page-locked buffers go before the device does */
#ifdef BATT_HAVE_CUDA
  bt_cuda_close(d->cuda);
#endif
  free(d->args);
  free(d->slot_of);
  free(d->demo_slot);
  free(d->pool_host);
  free(d->table);
  free(d);
}

const bt_device_stats *bt_device_stats_of(const bt_device *d) { return &d->stats; }
const char *bt_device_label(const bt_device *d) { return d->label; }

double bt_device_last_kernel_ms(const bt_device *d) {
#ifdef BATT_HAVE_CUDA
  if (d->cuda) return bt_cuda_last_kernel_ms(d->cuda);
#endif
  (void)d;
  return 0;
}

bool bt_device_launch(bt_device *d, bt_tile_op op, bt_tile_batch *b, char *why, size_t whylen) {
  const char *fault = bt_device_fault(atomic_fetch_add(&launches, 1) + 1);
  if (fault) {
    snprintf(why, whylen, "%s", fault);
    return false;
  }
  if (d->broken) {
    snprintf(why, whylen, "the device failed earlier");
    return false;
  }
  if (!d->cuda) {
    for (int s = 0; s < b->n; s++) /* the order a GPU's copy relies on */
      assert((b->meta[s].pool_in != 0) == (s >= b->n - b->pool_ins));
    bt_tile_pool_fetch(b, d->pool_host);
    bt_tile_twin(op, b);
    bt_tile_pool_keep(b, d->pool_host);
    /* as on a GPU, the host copy of a grid fetched from the pool was never written */
    for (int s = 0; s < b->n && b->pool_ins; s++)
      if (b->meta[s].pool_in) memset(b->a + (size_t)s * BT_TILE_CELLS, 0xA5, BT_TILE_CELLS);
    return true;
  }
#ifdef BATT_HAVE_CUDA
  int rc = bt_cuda_run(d->cuda, (int)op, b, why, whylen);
  if (rc == BT_CUDA_FAILED) d->broken = true; /* the context may be gone: stop using it */
  return rc == BT_CUDA_OK;
#else
  return false;
#endif
}

/* ---- residency ----------------------------------------------------------------------------- */

void bt_device_forget(bt_device *d) {
  d->pool_used = 0;
  if (++d->gen == 0) { /* wrapped: every entry would look current */
    memset(d->table, 0, d->table ? (d->table_mask + 1) * sizeof *d->table : 0);
    d->gen = 1;
  }
}

static size_t resident_hash(const bt_device *d, const bt_value *rows) {
  return (size_t)(((uintptr_t)rows >> 4) * 0x9E3779B97F4A7C15ull) & d->table_mask;
}

/* Whether the operand's value lives for the whole chunk: I, S, constant and task lines,
 * anything of the task phase (its arena is neither compacted nor released in a chunk). */
static bool chunk_lived(const bt_exec *ex, bt_operand o) {
  return ex->phase != BT_CLASS_SAMPLE || o.kind == BT_O_I || o.kind == BT_O_S ||
         (o.kind == BT_O_T && ex->prog->line_class[o.a] != BT_CLASS_SAMPLE);
}

/* The pool tile holding grid v of item k, or -1. */
static int resident_find(const bt_device *d, const bt_exec *ex, int k, bt_value v) {
  if (!d->pool_tiles || v.kind != BT_TUPLE || v.n == 0) return -1;
  size_t mask = d->table_mask;
  for (size_t h = resident_hash(d, v.u.items);; h = (h + 1) & mask) {
    const resident *r = &d->table[h];
    if (r->gen != d->gen) return -1;
    if (r->rows == v.u.items && r->n == v.n &&
        (r->item < 0 || (r->item == k && r->moves == ex->items[k].moves)))
      return r->tile;
  }
}

static void resident_add(bt_device *d, const bt_exec *ex, int k, bool lives, bt_value v, int tile) {
  if (v.kind != BT_TUPLE || v.n == 0) return;
  size_t mask = d->table_mask, h = resident_hash(d, v.u.items);
  while (d->table[h].gen == d->gen)
    h = (h + 1) & mask; /* at most pool_tiles of 2 x pool_tiles used */
  d->table[h] = (resident){v.u.items, v.n, lives ? -1 : k, lives ? 0 : ex->items[k].moves, d->gen, tile};
}

/* A pool tile for a grid to keep, as meta's 1-based field; 0 when the pool is full. */
static int32_t pool_take(bt_device *d) { return d->pool_used < d->pool_tiles ? ++d->pool_used : 0; }

static void batch_begin(bt_tile_batch *b) { b->n = b->pool_ins = b->keeps = 0; }

/* Packs item k's arguments of prim into the next slot: the grid from pool tile `tile`
 * (-1: packed here, and kept while the pool has room); the output kept likewise. Slots
 * from the pool must come after every packed one (tile_format.h). */
static bool pack_slot(bt_device *d, bt_exec *ex, int k, int prim, const bt_value *a, int tile) {
  bt_tile_batch *b = &d->batch;
  bt_exec_item *it = &ex->items[k];
  int op = bt_tile_prim_op(prim);
  if (tile >= 0 ? !bt_tile_pack_resident(it->cx, b, b->n, prim, a, tile)
                : !bt_tile_pack(it->cx, b, b->n, prim, a))
    return false;
  bt_tile_meta *m = &b->meta[b->n++];
  if (tile >= 0) {
    b->pool_ins++;
    d->stats.resident++;
  } else if ((m->keep_a = pool_take(d))) {
    b->keeps++;
  }
  if (bt_tile_op_cells(op) && m->ho && m->wo && (m->keep_out = pool_take(d))) b->keeps++;
  return true;
}

/* After a launch: the grids slot s kept are known from now on (the output once stored). */
static void keep_input(bt_device *d, const bt_exec *ex, int k, int s, bt_operand o, bt_value v) {
  int32_t tile = d->batch.meta[s].keep_a;
  if (tile) resident_add(d, ex, k, chunk_lived(ex, o), v, tile - 1);
}

static void keep_output(bt_device *d, const bt_exec *ex, int k, int s, bt_value stored) {
  const bt_tile_meta *m = &d->batch.meta[s];
  if (m->keep_out && stored.kind == BT_TUPLE && stored.n == m->ho)
    resident_add(d, ex, k, ex->phase != BT_CLASS_SAMPLE, stored, m->keep_out - 1);
}

/* ---- a program line through the device ------------------------------------------------------- */

static bool ensure_slots(bt_device *d, int n) {
  if (n <= d->batch.cap) return true;
  bt_tile_batch grown;
  if (!batch_init(d, &grown, n)) return false;
  bt_tile_batch_free(&d->batch);
  d->batch = grown;
  return true;
}

static bool ensure_items(bt_device *d, int n) {
  if (n <= d->cap_items) return true;
  bt_value *args = realloc(d->args, (size_t)n * 4 * sizeof *args);
  if (args) d->args = args;
  int *slot_of = realloc(d->slot_of, (size_t)n * sizeof *slot_of);
  if (slot_of) d->slot_of = slot_of;
  if (!args || !slot_of || !ensure_slots(d, n)) return false;
  d->cap_items = n;
  return true;
}

/* Launches op over the batch; on failure one warning naming what the tile was for. */
static bool launch_or_warn(bt_device *d, bt_tile_op op, const char *what) {
  bt_tile_batch *b = &d->batch;
  char why[256] = "";
  if (b->n == 0) return true;
  if (!bt_device_launch(d, op, b, why, sizeof why)) {
    fprintf(d->warn, "batt: warning: %s: %s; a tile of %d grids (%s) runs on the CPU\n", d->label, why, b->n,
            what);
    d->stats.fallbacks++;
    return false;
  }
  d->stats.launches++;
  d->stats.grids += b->n;
  return true;
}

bool bt_device_exec_call(bt_device *d, bt_exec *ex, int t, int prim, int nargs, const bt_operand *args) {
  int op = bt_tile_prim_op(prim);
  if (op < 0 || d->broken || !ensure_items(d, ex->n)) return false;
  bt_tile_batch *b = &d->batch;
  batch_begin(b);
  int ga = bt_tile_grid_arg(prim);
  for (int k = 0; k < ex->n; k++) { /* the grids to pack first, those in the pool after them */
    bt_exec_item *it = &ex->items[k];
    bt_value *a = d->args + 4 * k, err;
    for (int m = 0; m < nargs; m++)
      a[m] = bt_exec_operand(ex, it, args[m]);
    bt_ctx_begin(it->cx);
    d->slot_of[k] = -1;
    /* a call counts one step: with none allowed the CPU gives the limit error */
    if (bt_any_err(a, nargs, &err) || it->cx->lim.max_steps < 1) continue;
    int tile = op == BT_TOP_LABEL ? -1 : resident_find(d, ex, k, a[ga]);
    if (tile >= 0)
      d->slot_of[k] = -2 - tile;
    else if (pack_slot(d, ex, k, prim, a, -1))
      d->slot_of[k] = b->n - 1;
  }
  for (int k = 0; k < ex->n; k++)
    if (d->slot_of[k] <= -2)
      d->slot_of[k] = pack_slot(d, ex, k, prim, d->args + 4 * k, -2 - d->slot_of[k]) ? b->n - 1 : -1;
  char what[96];
  snprintf(what, sizeof what, "line t%d, %s", t, bt_prims[prim].name);
  bool ok = launch_or_warn(d, (bt_tile_op)op, what);
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    const bt_value *a = d->args + 4 * k;
    int s = d->slot_of[k];
    if (s < 0) d->stats.cpu_items++;
    if (s >= 0 && ok) keep_input(d, ex, k, s, args[ga], a[ga]);
    bt_exec_store(ex, it, t,
                  s >= 0 && ok ? bt_tile_unpack(it->cx, b, s, prim, a) : bt_call_prim(it->cx, prim, a));
    if (s >= 0 && ok) keep_output(d, ex, k, s, it->frame[t]);
  }
  return true;
}

void bt_device_exec_objects(bt_device *d, bt_exec *ex, bt_operand grid, int n, const int32_t *ts,
                            const int32_t *modes) {
  unsigned mask = 0;
  for (int m = 0; m < n; m++)
    mask |= 1u << (modes[m] & 7);
  bool fits = !d->broken && ensure_items(d, ex->n);
  bt_tile_batch *b = &d->batch;
  batch_begin(b);
  for (int k = 0; k < ex->n && fits; k++) {
    bt_exec_item *it = &ex->items[k];
    bt_value a[2] = {bt_exec_operand(ex, it, grid), bt_int(modes[0] & 7)};
    d->args[4 * k] = a[0];
    d->slot_of[k] = -1;
    if (!bt_is_err(a[0]) && it->cx->lim.max_steps >= 1 && pack_slot(d, ex, k, BT_P_o_g, a, -1)) {
      d->slot_of[k] = b->n - 1;
      bt_tile_pack_label_modes(b, d->slot_of[k], mask);
    }
  }
  char what[96];
  snprintf(what, sizeof what, "fused objects at t%d", ts[0]);
  bool ok = fits && launch_or_warn(d, BT_TOP_LABEL, what);
  bt_exec_ahead(ex, ts[0], n, ts);
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    int s = fits ? d->slot_of[k] : -1;
    if (s >= 0 && ok) {
      keep_input(d, ex, k, s, grid, d->args[4 * k]);
      bt_ctx_begin(it->cx);
      for (int m = 0; m < n; m++)
        it->frame[ts[m]] = bt_tile_objects(it->cx, b, s, d->args[4 * k], modes[m] & 7);
    } else {
      if (fits && s < 0) d->stats.cpu_items++;
      bt_exec_objects_item(it, bt_exec_operand(ex, it, grid), n, ts, modes);
    }
    bt_exec_settle(ex, it, ts[0]);
  }
}

/* ---- the sample pattern: colour counts of every demonstration grid --------------------- */

/* The grids of item k's demonstrations: pair j's input at 2j, output at 2j + 1. */
static int demo_grids(const bt_exec_item *it) { return it->S.kind == BT_TUPLE ? 2 * (int)it->S.n : 0; }

static bt_value demo_grid(const bt_exec_item *it, int g) {
  bt_value pair = it->S.u.items[g / 2];
  return pair.kind == BT_TUPLE && pair.n == 2 ? pair.u.items[g % 2] : bt_none();
}

bool bt_device_demo_counts(bt_device *d, bt_exec *ex, int first_line) {
  d->demo_ok = false;
  int total = 0;
  for (int k = 0; k < ex->n; k++)
    total += demo_grids(&ex->items[k]);
  if (d->broken || total == 0 || !ensure_items(d, ex->n) || !ensure_slots(d, total)) return false;
  if (total > d->cap_demo) {
    int *ds = realloc(d->demo_slot, (size_t)total * sizeof *ds);
    if (!ds) return false;
    d->demo_slot = ds;
    d->cap_demo = total;
  }
  bt_tile_batch *b = &d->batch;
  batch_begin(b);
  for (int k = 0, base = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    d->slot_of[k] = base; /* here: where the item's entries of demo_slot begin */
    for (int g = 0; g < demo_grids(it); g++) {
      bt_value grid = demo_grid(it, g);
      d->demo_slot[base + g] = pack_slot(d, ex, k, BT_P_palette, &grid, -1) ? b->n - 1 : -1;
    }
    base += demo_grids(it);
  }
  char what[96];
  snprintf(what, sizeof what, "demonstration grids, sample pattern at t%d", first_line);
  d->demo_ok = launch_or_warn(d, BT_TOP_COUNTS, what);
  if (!d->demo_ok) return false;
  d->stats.demo_grids += b->n;
  for (int k = 0; k < ex->n; k++)
    for (int g = 0; g < demo_grids(&ex->items[k]); g++) {
      int s = d->demo_slot[d->slot_of[k] + g];
      if (s >= 0) keep_input(d, ex, k, s, BT_S, demo_grid(&ex->items[k], g));
    }
  return true;
}

/* Slot of demonstration grid e of item k (the very value, not an equal one), or -1. */
static int demo_slot_of(const bt_device *d, const bt_exec_item *it, int k, bt_value e) {
  if (e.kind != BT_TUPLE) return -1;
  for (int g = 0; g < demo_grids(it); g++) {
    bt_value grid = demo_grid(it, g);
    if (grid.kind == BT_TUPLE && grid.n == e.n && grid.u.items == e.u.items)
      return d->demo_slot[d->slot_of[k] + g];
  }
  return -1;
}

bool bt_device_demo_map(bt_device *d, bt_exec *ex, int k, int f, bt_value c, bool merge, bt_value *out) {
  bt_exec_item *it = &ex->items[k];
  const bt_limits *lim = &it->cx->lim;
  if (!d->demo_ok || k >= ex->n || bt_tile_prim_op(f) != BT_TOP_COUNTS || bt_prims[f].arity != 1)
    return false;
  /* what bt_call_prim(apply, ...) would refuse stays with it: errors, limits, no container */
  if (!bt_is_coll(c) || c.n == 0 || c.n > lim->max_elems || lim->max_steps < 1 + (uint64_t)c.n ||
      lim->max_depth < 1)
    return false;
  int small[32];
  int *slots = c.n <= 32 ? small : malloc(c.n * sizeof *slots);
  bool found = slots != NULL;
  for (uint32_t e = 0; found && e < c.n; e++)
    found = (slots[e] = demo_slot_of(d, it, k, c.u.items[e])) >= 0;
  bt_value *r = found ? bt_items(it->cx, c.n) : NULL;
  if (r) {
    for (uint32_t e = 0; e < c.n; e++)
      r[e] = bt_tile_unpack(it->cx, &d->batch, slots[e], f, &c.u.items[e]);
    *out = bt_applied(it->cx, c, r, merge);
  }
  if (slots != small) free(slots);
  return r != NULL;
}
