/* kernels: throughput of every tile kernel beside its CPU twin on all cores, then the
 * whole sweep on the CPU, on one device worker and on two, as ratios, in one run.
 *
 *   kernels [--threads N] [--slots N] [--reps N] [--devices LIST] [--no-sweep] [PATH...]
 *
 * Kernels: each runs over a batch of --slots grids (ARC-AGI-1 grids, repeated); grids/s
 * and GB/s count the bytes a launch moves per slot (meta, inputs, outputs: the grids'
 * cells, not the padded tiles). A GPU launches from its own page-locked batch. GPU columns
 * time a launch with its copies (end to end) and the kernel alone (CUDA events), with
 * the kernel's share of the card's peak bandwidth. Without a GPU they say why and only
 * the CPU side runs. The sweep uses --devices (default: cuda:0, or twin:0 without a
 * GPU) and lists the first device twice for the two-worker run. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bt_prims.h"
#include "device.h"
#include "run.h"
#include "tasks.h"
#include "tile.h"

#ifndef BATT_DATA_DIR
#define BATT_DATA_DIR "data"
#endif

extern const bt_program batt_program;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct bench_case {
  const char *name;
  int prim;
  int arg;        /* the int second argument where the primitive has one */
  unsigned modes; /* LABEL: the modes asked for at once */
} bench_case;

static const bench_case cases[] = {
    {"palette (counts)", BT_P_palette, 0, 0},
    {"o_g mode 5 (label)", BT_P_o_g, 5, 0},
    {"o_g all 8 modes", BT_P_o_g, 0, 0xFF},
    {"rot90 (gather)", BT_P_rot90, 0, 0},
    {"cmirror (gather)", BT_P_cmirror, 0, 0},
    {"upscale 2 (gather)", BT_P_upscale, 2, 0},
    {"downscale 2 (gather)", BT_P_downscale, 2, 0},
    {"hconcat (gather)", BT_P_hconcat, 0, 0},
    {"fill (map)", BT_P_fill, 0, 0},
    {"replace (map)", BT_P_replace, 0, 0},
    {"cellwise", BT_P_cellwise, 0, 0},
};

/* Bytes a launch moves for the batch's slots: each slot's meta, the cells of grid a, of
 * grid b where it has one, the colour counts, the output's cells and, for LABEL, the six
 * labellings of a's cells (what comes back today). Cells count as the grids have them,
 * not as the padded tiles. */
static double batch_bytes(const bt_tile_batch *b, int op) {
  double bytes = 0;
  for (int s = 0; s < b->n; s++) {
    const bt_tile_meta *m = &b->meta[s];
    double a = (double)m->ha * m->wa;
    bytes += sizeof *m + a + (double)m->hb * m->wb + BT_TILE_COLORS * 2;
    if (bt_tile_op_cells(op)) bytes += (double)m->ho * m->wo;
    if (op == BT_TOP_LABEL) bytes += BT_TILE_CONNS * a * 2;
  }
  return bytes;
}

typedef struct twin_job {
  bt_tile_batch *b;
  int op, first, last, reps;
} twin_job;

static void *twin_worker(void *arg) {
  twin_job *j = arg;
  for (int r = 0; r < j->reps; r++)
    for (int s = j->first; s < j->last; s++)
      bt_tile_twin_slot((bt_tile_op)j->op, j->b, s);
  return NULL;
}

/* Seconds per pass of the twin over the batch on `threads` threads. */
static double time_twin(bt_tile_batch *b, int op, int threads, int reps) {
  pthread_t tid[256];
  twin_job jobs[256];
  double start = now_s();
  for (int k = 0; k < threads; k++) {
    jobs[k] = (twin_job){b, op, b->n * k / threads, b->n * (k + 1) / threads, reps};
    pthread_create(&tid[k], NULL, twin_worker, &jobs[k]);
  }
  for (int k = 0; k < threads; k++)
    pthread_join(tid[k], NULL);
  return (now_s() - start) / reps;
}

/* Packs the batch for case c from the grids (repeated until the batch is full). */
static bool fill_batch(bt_ctx *cx, bt_tile_batch *b, const bench_case *c, const bt_value *grids,
                       int n_grids) {
  b->n = 0;
  for (int k = 0; b->n < b->cap && k < 64 * n_grids; k++) {
    bt_value g = grids[k % n_grids], args[3] = {g, bt_int(c->arg), bt_none()};
    if (c->prim == BT_P_hconcat || c->prim == BT_P_cellwise) args[1] = grids[(k + 1) % n_grids];
    if (c->prim == BT_P_cellwise) args[1] = g, args[2] = bt_int(0);
    if (c->prim == BT_P_replace) args[1] = bt_int(0), args[2] = bt_int(5);
    if (c->prim == BT_P_fill)
      args[1] = bt_int(3), args[2] = bt_call_prim(cx, BT_P_ofcolor, (bt_value[]){g, bt_int(0)});
    if (bt_tile_pack(cx, b, b->n, c->prim, args)) {
      if (c->modes) bt_tile_pack_label_modes(b, b->n, c->modes);
      b->n++;
    }
  }
  return b->n > 0;
}

static void bench_kernels(const bt_value *grids, int n_grids, int threads, int slots, int reps,
                          bt_device *gpu, double peak) {
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  /* a GPU launches from its own page-locked batch; the twin reads ordinary memory */
  bt_tile_batch own, *bp = gpu ? bt_device_batch(gpu, slots) : NULL;
  if (!bp) {
    bt_tile_batch_init(&own, slots);
    bp = &own;
  }
  bt_tile_batch b = *bp; /* the same arrays, filled to --slots */
  b.cap = slots;
  printf("%-22s %8s | %12s %9s | %12s %9s %12s %9s %7s\n", "kernel", "slots", "twin grids/s", "GB/s",
         "gpu grids/s", "GB/s", "kernel gr/s", "GB/s", "% peak");
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    const bench_case *c = &cases[k];
    int op = bt_tile_prim_op(c->prim);
    bt_mark mark = bt_arena_mark(&cx);
    fill_batch(&cx, &b, c, grids, n_grids);
    double bytes = batch_bytes(&b, op);
    double t_twin = time_twin(&b, op, threads, reps);
    printf("%-22s %8d | %12.0f %9.2f |", c->name, b.n, b.n / t_twin, bytes / t_twin / 1e9);
    if (gpu) {
      char why[256];
      bt_device_launch(gpu, (bt_tile_op)op, &b, why, sizeof why); /* warm-up */
      double start = now_s(), kernel_ms = 0;
      bool ok = true;
      for (int r = 0; r < reps && ok; r++) {
        ok = bt_device_launch(gpu, (bt_tile_op)op, &b, why, sizeof why);
        kernel_ms += bt_device_last_kernel_ms(gpu);
      }
      double t = (now_s() - start) / reps, tk = kernel_ms / reps * 1e-3;
      if (!ok)
        printf(" failed: %s\n", why);
      else
        printf(" %12.0f %9.2f %12.0f %9.2f %6.1f%%\n", b.n / t, bytes / t / 1e9, tk > 0 ? b.n / tk : 0,
               tk > 0 ? bytes / tk / 1e9 : 0, tk > 0 && peak > 0 ? 100 * bytes / tk / peak : 0);
    } else {
      printf(" %12s %9s %12s %9s %7s\n", "-", "-", "-", "-", "-");
    }
    bt_arena_release(&cx, mark);
  }
  if (bp == &own) bt_tile_batch_free(&own);
  bt_ctx_free(&cx);
}

static double sweep(const bt_taskset *ts, int threads, int n_dev, const bt_device_spec *devs, int pool,
                    bt_run *run) {
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.threads = threads;
  o.device_pool = pool;
  o.n_devices = n_dev;
  for (int k = 0; k < n_dev; k++)
    o.devices[k] = devs[k];
  bt_run_program(run, &batt_program, ts, &o);
  return (double)run->evaluations / run->seconds;
}

static bool same_verdicts(const bt_run *a, const bt_run *b) {
  for (int k = 0; k < a->tasks->n; k++) {
    size_t n = (size_t)a->by_task[k].n_items * (size_t)a->prog->n_solvers;
    for (size_t r = 0; r < n; r++)
      if (a->by_task[k].results[r].verdict != b->by_task[k].results[r].verdict ||
          a->by_task[k].results[r].out != b->by_task[k].results[r].out)
        return false;
  }
  return true;
}

int main(int argc, char **argv) {
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), slots = 8192, reps = 5;
  bool do_sweep = true;
  const char *list = NULL;
  const char **paths = calloc((size_t)argc + 2, sizeof *paths);
  int n_paths = 0;
  for (int k = 1; k < argc; k++) {
    if (strcmp(argv[k], "--threads") == 0 && k + 1 < argc)
      threads = atoi(argv[++k]);
    else if (strcmp(argv[k], "--slots") == 0 && k + 1 < argc)
      slots = atoi(argv[++k]);
    else if (strcmp(argv[k], "--reps") == 0 && k + 1 < argc)
      reps = atoi(argv[++k]);
    else if (strcmp(argv[k], "--devices") == 0 && k + 1 < argc)
      list = argv[++k];
    else if (strcmp(argv[k], "--no-sweep") == 0)
      do_sweep = false;
    else
      paths[n_paths++] = argv[k];
  }
  if (threads < 1 || threads > 256 || slots < 1 || reps < 1) {
    fprintf(stderr,
            "usage: kernels [--threads N] [--slots N] [--reps N] [--devices LIST] [--no-sweep] [PATH...]\n");
    return 2;
  }
  if (n_paths == 0) {
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/training";
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/evaluation";
  }
  bt_taskset ts;
  bt_tasks_load(&ts, paths, n_paths, stderr);
  free(paths);
  int n_grids = 0;
  bt_value *grids = malloc(sizeof *grids * 64 * (size_t)(ts.n + 1));
  for (int k = 0; k < ts.n; k++) {
    const bt_task *t = &ts.tasks[k];
    for (int j = 0; j < t->n_train && n_grids < 64 * ts.n; j++)
      grids[n_grids++] = t->train[j].input;
    for (int j = 0; j < t->n_test && n_grids < 64 * ts.n; j++)
      grids[n_grids++] = t->test[j].input;
  }

  char why[256] = "";
  int n_cuda = bt_cuda_device_count(why, sizeof why);
  bt_device *gpu = NULL;
  bt_device_props props = {0};
  if (n_cuda > 0 && bt_device_props_get((bt_device_spec){BT_DEVICE_CUDA, 0}, &props, why, sizeof why))
    gpu = bt_device_open((bt_device_spec){BT_DEVICE_CUDA, 0}, slots, -1, NULL, why, sizeof why);
  printf("kernels: %d ARC grids, %d CPU threads for the twins, %d reps\n", n_grids, threads, reps);
  if (gpu)
    printf("gpu: cuda:0 %s, peak %.0f GB/s\n", props.name, props.peak_bytes_per_s / 1e9);
  else
    printf("gpu: unavailable (%s): the GPU columns are empty\n", why);
  bench_kernels(grids, n_grids, threads, slots, reps, gpu, props.peak_bytes_per_s);
  bt_device_close(gpu);

  int status = 0;
  if (do_sweep) {
    bt_device_spec devs[BT_MAX_DEVICES];
    char err[256];
    int n = list ? bt_devices_parse(list, devs, BT_MAX_DEVICES, err, sizeof err) : 1;
    if (n < 0) {
      fprintf(stderr, "kernels: %s\n", err);
      return 2;
    }
    if (!list) devs[0] = (bt_device_spec){gpu ? BT_DEVICE_CUDA : BT_DEVICE_TWIN, 0};
    bt_device_spec two[2] = {devs[0], n > 1 ? devs[1] : devs[0]};
    char name0[32], name1[32];
    bt_device_name(two[0], name0, sizeof name0);
    bt_device_name(two[1], name1, sizeof name1);
    bt_run cpu, one, bare, pair;
    double r_cpu = sweep(&ts, threads, 0, NULL, -1, &cpu);
    double r_one = sweep(&ts, threads, 1, two, -1, &one);
    double r_bare = sweep(&ts, threads, 1, two, 0, &bare);
    double r_two = sweep(&ts, threads, 2, two, -1, &pair);
    printf("\nsweep: %d solvers x %d tasks\n", batt_program.n_solvers, ts.n);
    printf("%-40s %12.0f evaluations/s  1.00 x\n", "CPU only", r_cpu);
    char label[96];
    snprintf(label, sizeof label, "%s + %d CPU", name0, one.cpu_workers);
    printf("%-40s %12.0f evaluations/s  %.2f x  (%ld tiles, %ld fell back; %ld of %ld grids from the pool)\n",
           label, r_one, r_one / r_cpu, one.devices.launches, one.devices.fallbacks, one.devices.resident,
           one.devices.grids);
    snprintf(label, sizeof label, "%s + %d CPU, no pool", name0, bare.cpu_workers);
    printf("%-40s %12.0f evaluations/s  %.2f x  (every grid packed: pool %.2f x)\n", label, r_bare,
           r_bare / r_cpu, r_one / r_bare);
    snprintf(label, sizeof label, "%s, %s + %d CPU", name0, name1, pair.cpu_workers);
    printf("%-40s %12.0f evaluations/s  %.2f x  (%ld tiles, %ld fell back)\n", label, r_two, r_two / r_cpu,
           pair.devices.launches, pair.devices.fallbacks);
    bool same = same_verdicts(&cpu, &one) && same_verdicts(&cpu, &bare) && same_verdicts(&cpu, &pair);
    printf("%-40s %12s\n", "results identical", same ? "yes" : "NO");
    status = same ? 0 : 1;
    bt_run_free(&cpu);
    bt_run_free(&one);
    bt_run_free(&bare);
    bt_run_free(&pair);
  }
  free(grids);
  bt_tasks_free(&ts);
  return status;
}
