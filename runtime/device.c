/* device.c: the device layer: run-time detection of CUDA devices (never required: the
 * CPU path is always there), device lists, the twin device, fault injection, opening,
 * launching, and the pool of resident grids. Running program lines through a device is
 * device_lines.c. */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "device_impl.h"

#ifdef BATT_HAVE_CUDA
#include "cuda/cuda_api.h"

int bt_cuda_device_count(char *why, size_t whylen) { return bt_cuda_probe(why, whylen); }
#else
int bt_cuda_device_count(char *why, size_t whylen) {
  snprintf(why, whylen, "built without CUDA");
  return 0;
}
#endif

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
static long fault_launch;      /* 0: none */
static const char *fault_kind; /* fault_kernel or fault_oom (their text is the warning's) */
static const char fault_kernel[] = "injected kernel failure", fault_oom[] = "injected out of device memory";
static atomic_long launches;

static void fault_parse(const char *spec) {
  long n = 0;
  fault_launch = 0;
  fault_kind = NULL;
  atomic_store(&launches, 0);
  if (!spec || !*spec) return;
  if (sscanf(spec, "kernel:%ld", &n) == 1 && n > 0)
    fault_kind = fault_kernel;
  else if (sscanf(spec, "oom:%ld", &n) == 1 && n > 0)
    fault_kind = fault_oom;
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
    /* the pool itself is allocated at the first tile kept (bt_device_pool_take) */
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
  free(d->cost);
  free(d);
}

void bt_device_choose(bt_device *d, bool choose) { d->choose = choose; }

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
  if (fault && !d->cuda) { /* a twin fails as told; a GPU fails for real, below */
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
  int inject = !fault ? BT_CUDA_INJECT_NONE : fault == fault_oom ? BT_CUDA_INJECT_OOM : BT_CUDA_INJECT_KERNEL;
  int rc = bt_cuda_run(d->cuda, (int)op, b, inject, why, whylen);
  if (rc == BT_CUDA_FAILED) d->broken = true; /* the context may be gone: stop using it */
  /* the GPU had no room for larger buffers: later tiles take no more slots than it holds
     (the items past them run on the CPU), so that one refusal is not asked again */
  if (rc == BT_CUDA_OOM && !inject && bt_cuda_capacity(d->cuda) > 0)
    d->slot_limit = bt_cuda_capacity(d->cuda);
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

int bt_device_resident_find(const bt_device *d, bt_value v, int32_t owner, uint32_t moves) {
  if (!d->pool_tiles || v.kind != BT_TUPLE || v.n == 0) return -1;
  size_t mask = d->table_mask;
  for (size_t h = resident_hash(d, v.u.items);; h = (h + 1) & mask) {
    const bt_resident *r = &d->table[h];
    if (r->gen != d->gen) return -1;
    if (r->rows == v.u.items && r->n == v.n && (r->owner < 0 || (r->owner == owner && r->moves == moves)))
      return r->tile;
  }
}

void bt_device_resident_add(bt_device *d, bt_value v, int32_t owner, uint32_t moves, int tile) {
  if (v.kind != BT_TUPLE || v.n == 0) return;
  size_t mask = d->table_mask, h = resident_hash(d, v.u.items);
  while (d->table[h].gen == d->gen)
    h = (h + 1) & mask; /* at most pool_tiles of 2 x pool_tiles used */
  d->table[h] = (bt_resident){v.u.items, v.n, owner, owner < 0 ? 0 : moves, d->gen, tile};
}

int32_t bt_device_pool_take(bt_device *d) {
#ifdef BATT_HAVE_CUDA
  /* a GPU's pool is allocated when first used; when it cannot be had, no grid is kept */
  if (d->pool_used == 0 && d->cuda && d->pool_tiles && !bt_cuda_pool_tiles(d->cuda)) d->pool_tiles = 0;
#endif
  return d->pool_used < d->pool_tiles ? ++d->pool_used : 0;
}

/* ---- buffers and launches -------------------------------------------------------------------- */

bool bt_device_reserve_slots(bt_device *d, int n) {
  if (n <= d->batch.cap) return true;
  bt_tile_batch grown;
  if (!batch_init(d, &grown, n)) return false;
  bt_tile_batch_free(&d->batch);
  d->batch = grown;
  return true;
}

bt_tile_batch *bt_device_batch(bt_device *d, int slots) {
  return bt_device_reserve_slots(d, slots) ? &d->batch : NULL;
}

bool bt_device_reserve(bt_device *d, int n) {
  if (n <= d->cap_items) return true;
  bt_value *args = realloc(d->args, (size_t)n * 4 * sizeof *args);
  if (args) d->args = args;
  int *slot_of = realloc(d->slot_of, (size_t)n * sizeof *slot_of);
  if (slot_of) d->slot_of = slot_of;
  if (!args || !slot_of || !bt_device_reserve_slots(d, n)) return false;
  d->cap_items = n;
  return true;
}

bool bt_device_launch_or_warn(bt_device *d, bt_tile_op op, const char *what) {
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
