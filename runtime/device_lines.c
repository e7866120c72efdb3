/* device_lines.c: program lines through a device (device_lines.h): packing the items of
 * a line into a tile, the launch, and storing the values of the items it computed. The
 * items it does not store are the caller's to run on the CPU. */
#include <stdlib.h>

#include "bt_prims.h"
#include "device_impl.h"
#include "device_lines.h"

/* Whether the operand's value lives for the whole chunk: I, S, constant and task lines,
 * anything of the task phase (its arena is neither compacted nor released in a chunk). */
static bool chunk_lived(const bt_exec *ex, bt_operand o) {
  return ex->phase != BT_CLASS_SAMPLE || o.kind == BT_O_I || o.kind == BT_O_S ||
         (o.kind == BT_O_T && ex->prog->line_class[o.a] != BT_CLASS_SAMPLE);
}

/* ---- the choice of --device auto ------------------------------------------------------------ */

typedef struct bt_line_cost {
  double dev_ns, cpu_ns; /* running averages, nanoseconds per item */
  uint32_t dev_n, cpu_n; /* calls measured on each side */
  uint32_t calls;
  bool judged;        /* counted in the device's kinds_lost / kinds_won */
  double dev_call_ns; /* the last call of this kind on the device: its time */
  double cpu_since;   /* the time of this kind's calls on the CPU since */
} bt_line_cost;

/* A device slower than the CPU is tried again once the CPU has spent this many times what
 * its last try cost: the tries cost at most 1/RETRY of the time, however slow the device. */
enum { RETRY = 64, FIRST = 4 };

static bt_line_cost *cost_of(bt_device *d, int key) {
  if (key < 0 || key > BT_DEVICE_KEY_SAMPLE) return NULL;
  if (!d->cost) d->cost = calloc((size_t)BT_DEVICE_KEY_SAMPLE + 1, sizeof *d->cost);
  return d->cost ? &d->cost[key] : NULL;
}

static void average(double *avg, uint32_t *n, double x) {
  *avg = *n == 0 ? x : *avg + (x - *avg) / 4;
  ++*n;
}

/* Whether a line of this kind goes to the device (always, unless choosing). */
static bool take_line(bt_device *d, int key) {
  bt_line_cost *c = d->choose ? cost_of(d, key) : NULL;
  if (!c) return true;
  c->calls++;
  if (c->dev_n < 1) {
    /* a kind not tried yet: tried once the CPU has spent FIRST times what the device's last
       line took since (the first at once), RETRY times once the device has lost by far on
       three kinds and won on none: a slow device's first tries are spread out too */
    bool hopeless = d->kinds_lost >= 3 && d->kinds_won == 0;
    return d->cpu_since_dev >= (hopeless ? RETRY : FIRST) * d->dev_call_ns;
  }
  if (c->cpu_n < 1) return false;
  if (!c->judged) { /* both sides measured once: the device's record */
    c->judged = true;
    d->kinds_lost += c->dev_ns > 2 * c->cpu_ns;
    d->kinds_won += c->dev_ns <= c->cpu_ns;
  }
  if (c->dev_ns <= c->cpu_ns) return c->calls % 64 != 0; /* the CPU checked once in 64 calls */
  return c->cpu_since >= RETRY * c->dev_call_ns;         /* the slower device, as its cost allows */
}

static void device_time(bt_device *d, int key, int items, uint64_t ns) {
  bt_line_cost *c = d->choose && items > 0 ? cost_of(d, key) : NULL;
  if (!c) return;
  average(&c->dev_ns, &c->dev_n, (double)ns / items);
  c->dev_call_ns = d->dev_call_ns = (double)ns;
  c->cpu_since = d->cpu_since_dev = 0;
}

void bt_device_line_cpu_time(bt_device *d, int key, int items, uint64_t ns) {
  bt_line_cost *c = d->choose && items > 0 ? cost_of(d, key) : NULL;
  if (!c) return;
  average(&c->cpu_ns, &c->cpu_n, (double)ns / items);
  c->cpu_since += (double)ns;
  d->cpu_since_dev += (double)ns;
}

bool bt_device_line_take(bt_device *d, int key) { return !d->broken && take_line(d, key); }

void bt_device_line_time(bt_device *d, int key, bool on_device, int items, uint64_t ns) {
  if (on_device)
    device_time(d, key, items, ns);
  else
    bt_device_line_cpu_time(d, key, items, ns);
}

static void batch_begin(bt_tile_batch *b) { b->n = b->pool_ins = b->keeps = 0; }

/* Packs item k's arguments of prim into the next slot: the grid from pool tile `tile`
 * (-1: packed here, and kept while the pool has room); the output kept likewise. Slots
 * from the pool must come after every packed one (tile_format.h). */
static bool pack_slot(bt_device *d, bt_exec *ex, int k, int prim, const bt_value *a, int tile) {
  bt_tile_batch *b = &d->batch;
  if (d->slot_limit && b->n >= d->slot_limit) return false; /* the GPU's buffers are full */
  bt_exec_item *it = &ex->items[k];
  int op = bt_tile_prim_op(prim);
  if (tile >= 0 ? !bt_tile_pack_resident(it->cx, b, b->n, prim, a, tile)
                : !bt_tile_pack(it->cx, b, b->n, prim, a))
    return false;
  bt_tile_meta *m = &b->meta[b->n++];
  if (tile >= 0) {
    b->pool_ins++;
    d->stats.resident++;
  } else if ((m->keep_a = bt_device_pool_take(d))) {
    b->keeps++;
  }
  if (bt_tile_op_cells(op) && m->ho && m->wo && (m->keep_out = bt_device_pool_take(d))) b->keeps++;
  return true;
}

/* After a launch: the grids slot s kept are known from now on (the output once stored). */
static void keep_input(bt_device *d, const bt_exec *ex, int k, int s, bt_operand o, bt_value v) {
  int32_t tile = d->batch.meta[s].keep_a;
  if (tile) bt_device_resident_add(d, v, chunk_lived(ex, o) ? -1 : k, ex->items[k].moves, tile - 1);
}

static void keep_output(bt_device *d, const bt_exec *ex, int k, int s, bt_value stored) {
  const bt_tile_meta *m = &d->batch.meta[s];
  if (m->keep_out && stored.kind == BT_TUPLE && stored.n == m->ho)
    bt_device_resident_add(d, stored, ex->phase != BT_CLASS_SAMPLE ? -1 : k, ex->items[k].moves,
                           m->keep_out - 1);
}

/* ---- a program line through the device ------------------------------------------------------- */

bool bt_device_line_call(bt_device *d, bt_exec *ex, int t, int prim, int nargs, const bt_operand *args,
                         uint8_t *stored) {
  int op = bt_tile_prim_op(prim);
  if (op < 0 || d->broken || !take_line(d, prim) || !bt_device_reserve(d, ex->n)) return false;
  uint64_t start = d->choose ? bt_exec_now_ns() : 0;
  int n_stored = 0;
  bt_tile_batch *b = &d->batch;
  batch_begin(b);
  int ga = bt_tile_grid_arg(prim);
  for (int k = 0; k < ex->n; k++) { /* the grids to pack first, those in the pool after them */
    bt_exec_item *it = &ex->items[k];
    bt_value *a = d->args + 4 * k, err;
    for (int m = 0; m < nargs; m++)
      a[m] = bt_exec_operand(ex, it, args[m]); /* tiles take packed grids as they are */
    bt_ctx_begin(it->cx);
    d->slot_of[k] = -1;
    /* a call counts one step: with none allowed the CPU gives the limit error */
    if (bt_any_err(a, nargs, &err) || it->cx->lim.max_steps < 1) continue;
    int tile = op == BT_TOP_LABEL ? -1 : bt_device_resident_find(d, a[ga], k, it->moves);
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
  bool ok = bt_device_launch_or_warn(d, (bt_tile_op)op, what);
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    const bt_value *a = d->args + 4 * k;
    int s = d->slot_of[k];
    stored[k] = s >= 0 && ok;
    if (s < 0) d->stats.cpu_items++;
    if (!stored[k]) continue;
    n_stored++;
    keep_input(d, ex, k, s, args[ga], a[ga]);
    bt_exec_store(ex, it, t, bt_tile_unpack(it->cx, b, s, prim, a));
    keep_output(d, ex, k, s, it->frame[t]);
  }
  if (d->choose) device_time(d, prim, n_stored, bt_exec_now_ns() - start);
  return true;
}

bool bt_device_line_objects(bt_device *d, bt_exec *ex, bt_operand grid, int n, const int32_t *ts,
                            const int32_t *modes, uint8_t *stored) {
  if (d->broken || !take_line(d, BT_P_o_g)) return false;
  uint64_t start = d->choose ? bt_exec_now_ns() : 0;
  int n_stored = 0;
  unsigned mask = 0;
  for (int m = 0; m < n; m++)
    mask |= 1u << (modes[m] & 7);
  bool fits = !d->broken && bt_device_reserve(d, ex->n);
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
  bool ok = fits && bt_device_launch_or_warn(d, BT_TOP_LABEL, what);
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    int s = fits ? d->slot_of[k] : -1;
    stored[k] = s >= 0 && ok;
    if (fits && s < 0) d->stats.cpu_items++;
    if (!stored[k]) continue;
    n_stored++;
    keep_input(d, ex, k, s, grid, d->args[4 * k]);
    bt_ctx_begin(it->cx);
    for (int m = 0; m < n; m++)
      it->frame[ts[m]] = bt_tile_objects(it->cx, b, s, d->args[4 * k], modes[m] & 7);
    bt_exec_settle(ex, it, ts[0]);
  }
  if (d->choose) device_time(d, BT_P_o_g, n_stored, bt_exec_now_ns() - start);
  return true;
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
  if (d->broken || total == 0 || !bt_device_reserve(d, ex->n) || !bt_device_reserve_slots(d, total))
    return false;
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
  d->demo_ok = bt_device_launch_or_warn(d, BT_TOP_COUNTS, what);
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
