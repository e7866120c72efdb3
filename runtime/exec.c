/* exec.c: the runtime side of the emitted program: each line runs across the items of
 * a tile, offered to the tile's device first (device_lines.h); what the device did not
 * store runs on the CPU. */
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "device_lines.h"
#include "exec.h"
#include "spec.h"

/* In a defaulting dialect, a line computed from a defaulted value is marked defaulted too
 * (with the first such error): the results tell a solver that met a failure from one that
 * did not, as an error does in arc-dsl. */
static inline bt_value taint(bt_value r, const bt_value *a, int n) {
  for (int m = 0; m < n && r.kind != BT_ERR && !r.errc; m++)
    if (bt_was_defaulted(a[m])) r.errc = a[m].errc;
  return r;
}

static inline __attribute__((always_inline)) void
call_line(bt_exec *ex, int t, int prim, int nargs, const bt_operand *args, bt_clo_code code, int quick) {
  if ((ex->graph || ex->need) && bt_exec_skip(ex, 1, &t, nargs, args)) return;
  uint64_t start = ex->prof ? bt_exec_now_ns() : 0;
  bool dev = ex->device && bt_device_line_call(ex->device, ex, t, prim, nargs, args, ex->stored);
  bool timed = ex->device && !dev && bt_tile_prim_op(prim) >= 0; /* for the device's choice */
  uint64_t cpu_start = timed ? bt_exec_now_ns() : 0;
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    bt_value a[BT_MAX_ARGS];
    if (dev && ex->stored[k]) continue;
    for (int m = 0; m < nargs; m++)
      a[m] = bt_exec_operand(ex, it, args[m]);
    bt_ctx_begin(it->cx);
    bt_mark before = bt_arena_mark(it->cx);
    bt_value r = bt_call_prim_line(it->cx, prim, a);
    if (r.kind == BT_ERR && r.errc == BT_E_LIMIT && bt_exec_reclaim(ex, it, t, before)) {
      for (int m = 0; m < nargs; m++) /* the operands may have moved */
        a[m] = bt_exec_operand(ex, it, args[m]);
      bt_ctx_begin(it->cx);
      r = bt_call_prim_line(it->cx, prim, a);
    }
    if (code) r = bt_sp_tag(r, prim, code, quick);
    bt_exec_store(ex, it, t, bt_prims[prim].dflt ? taint(r, a, nargs) : r);
  }
  if (timed) bt_device_line_cpu_time(ex->device, prim, ex->n, bt_exec_now_ns() - cpu_start);
  bt_exec_profile(ex, t, prim, start);
}

void bt_exec_call(bt_exec *ex, int t, int prim, int nargs, const bt_operand *args) {
  call_line(ex, t, prim, nargs, args, NULL, 0);
}

void bt_exec_call_code(bt_exec *ex, int t, int prim, int nargs, const bt_operand *args, bt_clo_code code,
                       int quick) {
  call_line(ex, t, prim, nargs, args, code, quick);
}

void bt_exec_callvar(bt_exec *ex, int t, bt_operand fn, int nargs, const bt_operand *args) {
  if (ex->graph || ex->need) {
    bt_operand ops[5] = {fn};
    for (int m = 0; m < nargs && m < 4; m++)
      ops[m + 1] = args[m];
    if (bt_exec_skip(ex, 1, &t, 1 + (nargs < 4 ? nargs : 4), ops)) return;
  }
  uint64_t start = ex->prof ? bt_exec_now_ns() : 0;
  for (int k = 0; k < ex->n; k++) {
    bt_exec_item *it = &ex->items[k];
    bt_value a[BT_MAX_ARGS];
    if (nargs > BT_MAX_ARGS) { /* no function takes that many: Python's TypeError */
      bt_exec_store(ex, it, t, bt_err(BT_E_TYPE));
      continue;
    }
    for (int m = 0; m < nargs; m++)
      a[m] = bt_exec_operand(ex, it, args[m]);
    bt_ctx_begin(it->cx);
    bt_value f = bt_exec_operand(ex, it, fn);
    bt_exec_store(ex, it, t, taint(bt_call_line(it->cx, f, a, nargs), a, nargs));
  }
  bt_exec_profile(ex, t, BT_PROF_CALLVAR, start);
}

void bt_exec_need_blocks(const bt_program *p, const uint8_t *need, uint8_t *blocks) {
  memset(blocks, 0, (size_t)p->n_blocks);
  for (int t = 1; t <= p->n_lines; t++)
    if (need[t] && p->line_block[t] >= 0) blocks[p->line_block[t]] = 1;
}

void bt_exec_run_blocks(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                        const bt_value *const_frame, bt_profile *prof, bt_device *device, const uint8_t *need,
                        const uint8_t *need_block) {
  bt_exec ex = {.prog = p,
                .phase = phase,
                .n = n,
                .items = items,
                .const_frame = const_frame,
                .prof = prof,
                .device = device,
                .need = need,
                .need_block = need ? need_block : NULL};
  if (device && !(ex.stored = malloc(n > 0 ? (size_t)n : 1))) ex.device = NULL; /* no memory: the CPU */
  for (int k = 0; k < n; k++)
    bt_ctx_set_input(items[k].cx, items[k].I);
  p->run(&ex, phase);
  free(ex.ahead);
  free(ex.stored);
}

void bt_exec_run_need(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                      const bt_value *const_frame, bt_profile *prof, bt_device *device, const uint8_t *need) {
  /* no memory for the blocks: every block runs, each line tested */
  uint8_t *blocks = need && p->n_blocks > 0 && p->line_block ? malloc((size_t)p->n_blocks) : NULL;
  if (blocks) bt_exec_need_blocks(p, need, blocks);
  bt_exec_run_blocks(p, phase, items, n, const_frame, prof, device, need, blocks);
  free(blocks);
}

void bt_exec_run_on(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                    const bt_value *const_frame, bt_profile *prof, bt_device *device) {
  bt_exec_run_need(p, phase, items, n, const_frame, prof, device, NULL);
}

void bt_exec_run_profiled(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                          const bt_value *const_frame, bt_profile *prof) {
  bt_exec_run_on(p, phase, items, n, const_frame, prof, NULL);
}

void bt_exec_run(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                 const bt_value *const_frame) {
  bt_exec_run_profiled(p, phase, items, n, const_frame, NULL);
}
