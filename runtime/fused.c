/* fused.c: the calls that compute several lines of the program at once (program.h).
 * Each runs across the items of the tile like bt_exec_call; the shared work (one
 * labelling per connectivity, one call for the maps over a container, the demonstrations' parts
 * once per task) is done once per item instead of once per line. */
#include <stdlib.h>

#include "bt_prims.h"
#include "device_lines.h"
#include "tile.h"

/* One item's lines ts = o_g(g, modes) on the CPU. */
static void objects_item(bt_exec_item *it, bt_value g, int n, const int32_t *ts, const int32_t *modes) {
  bt_value out[8];
  bt_ctx_begin(it->cx);
  for (int m = 0; m < n; m += 8) {
    int chunk = n - m < 8 ? n - m : 8;
    bt_objects_many(it->cx, g, chunk, modes + m, out);
    for (int j = 0; j < chunk; j++)
      it->frame[ts[m + j]] = out[j];
  }
}

void bt_exec_objects(bt_exec *ex, bt_operand grid, int n, const int32_t *ts, const int32_t *modes) {
  if ((ex->graph || ex->need) && bt_exec_skip(ex, n, ts, 1, &grid)) return;
  int first = ts[0]; /* where the call stands, whichever lines it computes */
  int32_t kept_ts[8], kept_modes[8];
  if (ex->need && !ex->device && n <= 8) { /* only the modes a line to run reads (the own-task run) */
    int kept = 0;
    for (int m = 0; m < n; m++)
      if (ex->need[ts[m]]) {
        kept_ts[kept] = ts[m];
        kept_modes[kept++] = modes[m];
      } else
        for (int i = 0; i < ex->n; i++) /* as bt_exec_skip leaves a line not run */
          ex->items[i].frame[ts[m]] = bt_err(BT_E_RUNTIME);
    n = kept;
    ts = kept_ts;
    modes = kept_modes;
  }
  uint64_t start = ex->prof ? bt_exec_now_ns() : 0;
  bt_exec_ahead(ex, first, n, ts);
  bool dev = ex->device && bt_device_line_objects(ex->device, ex, grid, n, ts, modes, ex->stored);
  uint64_t cpu_start = ex->device && !dev ? bt_exec_now_ns() : 0;
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    if (dev && ex->stored[k]) continue;
    objects_item(it, bt_exec_operand(ex, it, grid), n, ts, modes);
    bt_exec_settle(ex, it, first);
  }
  if (ex->device && !dev) bt_device_line_cpu_time(ex->device, BT_P_o_g, ex->n, bt_exec_now_ns() - cpu_start);
  bt_exec_profile(ex, first, BT_PROF_OBJECTS, start);
}

void bt_exec_maps(bt_exec *ex, bt_operand container, int n, const int32_t *ts, const bt_operand *fns,
                  const uint8_t *merge) {
  if (ex->graph || ex->need) {
    bt_operand *ops = malloc((size_t)(n + 1) * sizeof *ops);
    bool skip = false;
    if (ops) { /* without memory for the list: the lines run */
      ops[0] = container;
      for (int m = 0; m < n; m++)
        ops[m + 1] = fns[m];
      skip = bt_exec_skip(ex, n, ts, n + 1, ops);
      free(ops);
    } else if (ex->graph)
      ex->graph->failed = true;
    if (skip) return;
  }
  uint64_t start = ex->prof ? bt_exec_now_ns() : 0;
  bt_exec_ahead(ex, ts[0], n, ts);
  bt_value small[32];
  bt_value *f = 2 * n <= 32 ? small : malloc((size_t)n * 2 * sizeof *f);
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    bt_ctx_begin(it->cx);
    bt_value c = bt_unpack(it->cx, bt_exec_operand(ex, it, container));
    if (f) {
      for (int m = 0; m < n; m++)
        f[m] = bt_exec_operand(ex, it, fns[m]);
      bt_apply_many(it->cx, c, n, f, merge, f + n);
    }
    for (int m = 0; m < n; m++)
      it->frame[ts[m]] = f ? f[n + m] : bt_err(BT_E_LIMIT);
    bt_exec_settle(ex, it, ts[0]);
  }
  if (f != small) free(f);
  bt_exec_profile(ex, ts[0], BT_PROF_MAPS, start);
}

/* The value of a step's operand: an earlier step, or what bt_exec_operand gives. */
static bt_value step_operand(bt_exec *ex, bt_exec_item *it, const bt_value *vals, bt_operand o) {
  return o.kind == BT_O_STEP ? vals[o.a] : bt_exec_operand(ex, it, o);
}

/* A step apply(f, x) or mapply(f, x) with f a colour-count primitive: on a device it reads
 * the counts of the demonstration grids (bt_device_demo_map). */
static bool demo_mapped(const bt_step *st) {
  return st->fn.kind == BT_O_PRIM && (st->fn.a == BT_P_apply || st->fn.a == BT_P_mapply) && st->nargs == 2 &&
         st->args[0].kind == BT_O_PRIM && bt_tile_prim_op(st->args[0].a) == BT_TOP_COUNTS &&
         bt_prims[st->args[0].a].arity == 1;
}

void bt_exec_sample(bt_exec *ex, int nsteps, const bt_step *steps, int nouts, const bt_step_out *outs) {
  if (ex->graph || ex->need) {
    bt_operand *ops = malloc((size_t)nsteps * 4 * sizeof *ops);
    int32_t *lines = malloc((size_t)nouts * sizeof *lines);
    bool skip = false;
    if (ops && lines) { /* without memory for the lists: the lines run */
      int nops = 0;
      for (int s = 0; s < nsteps; s++) {
        ops[nops++] = steps[s].fn;
        for (int m = 0; m < steps[s].nargs && m < 3; m++)
          ops[nops++] = steps[s].args[m];
      }
      for (int o = 0; o < nouts; o++)
        lines[o] = outs[o].t;
      skip = bt_exec_skip(ex, nouts, lines, nops, ops);
    } else if (ex->graph)
      ex->graph->failed = true;
    free(ops);
    free(lines);
    if (skip) return;
  }
  int first = outs[0].t;
  for (int o = 1; o < nouts; o++)
    if (outs[o].t < first) first = outs[o].t;
  uint64_t start = ex->prof ? bt_exec_now_ns() : 0;
  int32_t *ts = malloc((size_t)nouts * sizeof *ts);
  bt_value *vals = malloc((size_t)nsteps * sizeof *vals);
  if (ts) {
    for (int o = 0; o < nouts; o++)
      ts[o] = outs[o].t;
    bt_exec_ahead(ex, first, nouts, ts);
  } else
    ex->no_compact = true;
  bool on_device = false, choice = false; /* choice: the device could take the counts */
  for (int s = 0; ex->device && s < nsteps && !choice; s++)
    choice = demo_mapped(&steps[s]);
  uint64_t chose_at = choice ? bt_exec_now_ns() : 0;
  if (choice && bt_device_line_take(ex->device, BT_DEVICE_KEY_SAMPLE))
    on_device = bt_device_demo_counts(ex->device, ex, first);
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    for (int s = 0; vals && s < nsteps; s++) {
      const bt_step *st = &steps[s];
      bt_value a[3];
      for (int m = 0; m < st->nargs && m < 3; m++)
        a[m] = step_operand(ex, it, vals, st->args[m]);
      if (on_device && demo_mapped(st) &&
          bt_device_demo_map(ex->device, ex, k, st->args[0].a, a[1], st->fn.a == BT_P_mapply, &vals[s]))
        continue;
      bt_ctx_begin(it->cx);
      /* a primitive taking another number of arguments errs as a call through its value */
      bool direct = st->fn.kind == BT_O_PRIM && bt_prims[st->fn.a].arity == st->nargs;
      vals[s] = direct ? bt_call_prim_line(it->cx, st->fn.a, a)
                       : bt_call_line(it->cx, step_operand(ex, it, vals, st->fn), a, st->nargs);
    }
    for (int o = 0; o < nouts; o++)
      it->frame[outs[o].t] = vals ? vals[outs[o].step] : bt_err(BT_E_LIMIT);
    bt_exec_settle(ex, it, first);
  }
  if (choice)
    bt_device_line_time(ex->device, BT_DEVICE_KEY_SAMPLE, on_device, ex->n, bt_exec_now_ns() - chose_at);
  free(ts);
  free(vals);
  bt_exec_profile(ex, first, BT_PROF_SAMPLE, start);
}

void bt_exec_fused(bt_exec *ex, const bt_fused *f) {
  switch ((bt_fused_kind)f->kind) {
  case BT_FUSED_OBJECTS: bt_exec_objects(ex, f->shared, f->n, f->ts, f->modes); break;
  case BT_FUSED_MAPS: bt_exec_maps(ex, f->shared, f->n, f->ts, f->fns, f->merge); break;
  case BT_FUSED_SAMPLE: bt_exec_sample(ex, f->nsteps, f->steps, f->n, f->outs); break;
  }
}
