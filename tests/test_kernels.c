/* The CUDA kernels against their CPU twins, bit for bit: every operation on batches of
 * every ARC-AGI-1 grid (and adversarial ones: 1x1, 30x30, one colour, checkerboards,
 * noise, serpentines and spirals whose labelling takes hundreds of rounds) with the
 * parameters the kernel primitives give them, on each CUDA device; the pool copies of
 * residency round trip. Without a usable device it prints why and exits 77, which Meson
 * reports as skipped. Built with BATT_EMU (test_kernels_emu) it runs on the CUDA emulator
 * (tests/emu) and also fails on any barrier error the emulator found.
 *
 * usage: test_kernels ARC_AGI_1_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "device.h"
#include "tasks.h"
#include "tile.h"

#ifdef BATT_EMU
#include "emu.h"
#endif

enum { CAP = 2048 };

static bt_ctx cx;
static bt_tile_batch gpu, cpu;
static bt_device *dev;
static long compared, failures;

/* The outputs op writes, compared byte for byte. */
static void compare(bt_tile_op op) {
  char why[256] = "";
  gpu.n = cpu.n;
  memcpy(gpu.meta, cpu.meta, (size_t)cpu.n * sizeof *cpu.meta);
  memcpy(gpu.a, cpu.a, (size_t)cpu.n * BT_TILE_CELLS);
  memcpy(gpu.b, cpu.b, (size_t)cpu.n * BT_TILE_CELLS);
  if (!bt_device_launch(dev, op, &gpu, why, sizeof why)) {
    fprintf(stderr, "kernels: launch of op %d failed: %s\n", op, why);
    failures++;
    return;
  }
  bt_tile_twin(op, &cpu);
  for (int s = 0; s < cpu.n; s++) {
    bool same = memcmp(gpu.counts + s * BT_TILE_COLORS, cpu.counts + s * BT_TILE_COLORS,
                       BT_TILE_COLORS * sizeof *cpu.counts) == 0;
    if (op == BT_TOP_LABEL)
      same &= memcmp(gpu.labels + (size_t)s * BT_TILE_CONNS * BT_TILE_CELLS,
                     cpu.labels + (size_t)s * BT_TILE_CONNS * BT_TILE_CELLS,
                     BT_TILE_CONNS * BT_TILE_CELLS * sizeof *cpu.labels) == 0;
    else if (op != BT_TOP_COUNTS)
      same &= memcmp(gpu.out + (size_t)s * BT_TILE_CELLS, cpu.out + (size_t)s * BT_TILE_CELLS,
                     BT_TILE_CELLS) == 0;
    if (!same && failures++ < 10)
      fprintf(stderr, "kernels: op %d slot %d (%dx%d, p %d %d %d) differs from the twin\n", op, s,
              cpu.meta[s].ha, cpu.meta[s].wa, cpu.meta[s].p[0], cpu.meta[s].p[1], cpu.meta[s].p[2]);
  }
  compared += cpu.n;
  cpu.n = 0;
}

/* Batches per operation: calls are queued into the batch of their op. */
static int queued_op = -1;

static void queue(int prim, const bt_value *args) {
  int op = bt_tile_prim_op(prim);
  if (queued_op != op && cpu.n) compare((bt_tile_op)queued_op);
  queued_op = op;
  if (bt_tile_pack(&cx, &cpu, cpu.n, prim, args)) {
    if (op == BT_TOP_LABEL) bt_tile_pack_label_modes(&cpu, cpu.n, 0xFF);
    cpu.n++;
  }
  if (cpu.n == CAP) compare((bt_tile_op)op);
}

static int n_grids;
static bt_value grids[16384];

static void add(bt_value g) {
  int h, w;
  if (n_grids < (int)(sizeof grids / sizeof *grids) && bt_tile_grid_ok(g, &h, &w)) grids[n_grids++] = g;
}

static void run_all(void) {
  for (int k = 0; k < n_grids; k++)
    queue(BT_P_palette, &grids[k]);
  for (int k = 0; k < n_grids; k++)
    queue(BT_P_o_g, (bt_value[]){grids[k], bt_int(0)});
  for (int mode = 0; mode < 8; mode++)
    for (int k = 0; k < n_grids; k++)
      queue(BT_P_mir_rot_t, (bt_value[]){grids[k], bt_int(mode)});
  for (int f = 1; f <= 3; f++)
    for (int k = 0; k < n_grids; k++) {
      queue(BT_P_upscale, (bt_value[]){grids[k], bt_int(f)});
      queue(BT_P_downscale, (bt_value[]){grids[k], bt_int(f)});
      queue(BT_P_crop, (bt_value[]){grids[k], bt_ipair(&cx, f - 2, f), bt_ipair(&cx, 4 * f, 3 * f)});
    }
  for (int k = 0; k + 1 < n_grids; k++) {
    queue(BT_P_hconcat, (bt_value[]){grids[k], grids[k + 1]});
    queue(BT_P_vconcat, (bt_value[]){grids[k], grids[k]});
  }
  for (int k = 0; k < n_grids; k++) {
    bt_value g = grids[k], obj = bt_call_prim(&cx, BT_P_objects,
                                              (bt_value[]){g, bt_bool(true), bt_bool(true), bt_bool(true)});
    bt_value some = obj.n ? obj.u.items[0] : bt_set_sorted(NULL, 0);
    queue(BT_P_fill, (bt_value[]){g, bt_int(k % 10), some});
    queue(BT_P_cover, (bt_value[]){g, some});
    queue(BT_P_paint,
          (bt_value[]){g, bt_call_prim(&cx, BT_P_shift, (bt_value[]){some, bt_ipair(&cx, 1, 1)})});
    queue(BT_P_switch, (bt_value[]){g, bt_int(k % 10), bt_int(9 - k % 10)});
  }
  for (int k = 0; k + 1 < n_grids; k++)
    queue(BT_P_cellwise, (bt_value[]){grids[k], grids[k + 1], bt_int(k % 10)});
  if (cpu.n) compare((bt_tile_op)queued_op);
}

/* The pool copies around a launch (residency): one launch keeps each input grid and its
 * rot90 output in the device's pool; the next fetches both into slots whose host copy is
 * garbage and gathers them unchanged. Both must come back as the twin made them. */
static void pool_round_trip(void) {
  char why[256] = "";
  int n = n_grids < CAP / 2 ? n_grids : CAP / 2;
  cpu.n = 0;
  for (int k = 0; k < n; k++)
    cpu.n += bt_tile_pack(&cx, &cpu, cpu.n, BT_P_rot90, &grids[k]);
  n = cpu.n;
  gpu.n = n;
  memcpy(gpu.meta, cpu.meta, (size_t)n * sizeof *cpu.meta);
  memcpy(gpu.a, cpu.a, (size_t)n * BT_TILE_CELLS);
  for (int s = 0; s < n; s++)
    gpu.meta[s].keep_a = s + 1, gpu.meta[s].keep_out = n + s + 1;
  gpu.keeps = n;
  bool ok = bt_device_launch(dev, BT_TOP_GATHER, &gpu, why, sizeof why);
  bt_tile_twin(BT_TOP_GATHER, &cpu);
  gpu.keeps = 0;
  for (int s = 0; ok && s < 2 * n; s++) { /* slot 2k: input k, slot 2k + 1: its rotation */
    const bt_tile_meta *src = &cpu.meta[s / 2];
    bt_tile_meta *m = &gpu.meta[s];
    memset(m, 0, sizeof *m);
    m->ha = m->ho = s % 2 ? src->ho : src->ha;
    m->wa = m->wo = s % 2 ? src->wo : src->wa;
    m->p[0] = BT_TG_IDENTITY;
    m->pool_in = s % 2 ? n + s / 2 + 1 : s / 2 + 1;
  }
  gpu.n = 2 * n;
  gpu.pool_ins = 2 * n;
  memset(gpu.a, 0xA5, (size_t)gpu.n * BT_TILE_CELLS);
  ok = ok && bt_device_launch(dev, BT_TOP_GATHER, &gpu, why, sizeof why);
  gpu.pool_ins = 0;
  if (!ok) {
    fprintf(stderr, "kernels: pool launch failed: %s\n", why);
    failures++;
    return;
  }
  for (int s = 0; s < 2 * n; s++) {
    const uint8_t *want = (s % 2 ? cpu.out : cpu.a) + (size_t)(s / 2) * BT_TILE_CELLS;
    if (memcmp(gpu.out + (size_t)s * BT_TILE_CELLS, want, BT_TILE_CELLS) != 0 && failures++ < 10)
      fprintf(stderr, "kernels: pool slot %d came back changed\n", s);
  }
  compared += 2 * n;
  cpu.n = 0;
}

static int cell(int i, int j, int seed) {
  return (int)((unsigned)(i * 31 + j * 17 + seed) * 2654435761u >> 29) % 10;
}

/* A path of colour fg on bg through a side x side grid that a labelling must follow cell
 * by cell: rows joined at alternating ends (serpentine), or turning inwards (spiral). */
static void add_path(int side, bool spiral, bool transpose, int fg, int bg) {
  bt_value *cells;
  bt_value g = bt_grid_new(&cx, side, side, &cells);
  for (int c = 0; c < side * side; c++)
    cells[c].u.i = bg;
  if (!spiral) {
    for (int i = 0; i < side; i++)
      for (int j = 0; j < side; j++)
        if (i % 2 == 0 || j == (i % 4 == 1 ? side - 1 : 0))
          cells[transpose ? j * side + i : i * side + j].u.i = fg;
  } else {
    int i = 0, j = 0, di = 0, dj = 1, turns = 0;
    cells[0].u.i = fg;
    while (turns < 2) {
      int ni = i + di, nj = j + dj, ai = i + 2 * di, aj = j + 2 * dj;
      bool in = ni >= 0 && nj >= 0 && ni < side && nj < side;
      bool ahead_in = ai >= 0 && aj >= 0 && ai < side && aj < side;
      if (in && cells[ni * side + nj].u.i != fg && !(ahead_in && cells[ai * side + aj].u.i == fg)) {
        i = ni, j = nj, turns = 0;
        cells[i * side + j].u.i = fg;
      } else {
        int t = di;
        di = dj, dj = -t, turns++;
      }
    }
  }
  add(g);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_kernels ARC_AGI_1_DIR\n");
    return 2;
  }
  char why[256] = "";
  int n_dev = bt_cuda_device_count(why, sizeof why);
  if (n_dev == 0) {
    printf("skipped: no CUDA device (%s)\n", why);
    return 77;
  }
  char train[1024], eval[1024];
  snprintf(train, sizeof train, "%s/training", argv[1]);
  snprintf(eval, sizeof eval, "%s/evaluation", argv[1]);
  const char *paths[2] = {train, eval};
  bt_taskset ts;
  bt_tasks_load(&ts, paths, 2, stderr);
  bt_ctx_init(&cx, NULL);
  for (int k = 0; k < ts.n; k++) {
    const bt_task *t = &ts.tasks[k];
    for (int j = 0; j < t->n_train; j++)
      add(t->train[j].input), add(t->train[j].output);
    for (int j = 0; j < t->n_test; j++)
      add(t->test[j].input);
  }
  int sizes[][2] = {{1, 1}, {30, 30}, {1, 30}, {30, 1}, {17, 23}};
  for (int s = 0; s < 5; s++)
    for (int seed = 0; seed < 4; seed++) {
      bt_value *cells;
      bt_value g = bt_grid_new(&cx, sizes[s][0], sizes[s][1], &cells);
      for (int c = 0; c < sizes[s][0] * sizes[s][1]; c++)
        cells[c].u.i = seed == 0   ? 3
                       : seed == 1 ? (c / sizes[s][1] + c % sizes[s][1]) % 2 * 5
                                   : cell(c / sizes[s][1], c % sizes[s][1], seed);
      add(g);
    }
  for (int side = 29; side <= 30; side++)
    for (int t = 0; t < 2; t++) {
      add_path(side, false, t, 1, 0);
      add_path(side, true, t, t ? 0 : 7, t ? 4 : 0);
    }
  bt_tile_batch_init(&cpu, CAP);
  bt_tile_batch_init(&gpu, CAP);
  for (int d = 0; d < n_dev; d++) {
    dev = bt_device_open((bt_device_spec){BT_DEVICE_CUDA, d}, CAP, -1, NULL, why, sizeof why);
    if (!dev) {
      printf("kernels: cuda:%d cannot start: %s\n", d, why);
      failures++;
      continue;
    }
    run_all();
    pool_round_trip();
    printf("kernels: cuda:%d: %ld slots compared with the twins bit for bit, %ld differ\n", d, compared,
           failures);
    bt_device_close(dev);
  }
#ifdef BATT_EMU
  bt_emu_stats es = bt_emu_stats_get();
  printf("kernels: emulator: %ld launches, %ld blocks, %ld barriers (at most %ld in one block), "
         "%ld barrier errors\n",
         es.launches, es.blocks, es.barriers, es.max_block_barriers, es.barrier_errors);
  if (es.barrier_errors || !es.launches) failures++;
#endif
  bt_tile_batch_free(&cpu);
  bt_tile_batch_free(&gpu);
  bt_ctx_free(&cx);
  bt_tasks_free(&ts);
  return failures ? 1 : 0;
}
