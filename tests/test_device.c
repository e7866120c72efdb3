/* Whole-program runs through the device layer: the shipped program over ARC-AGI-1 tasks
 * gives a results file byte-identical on the CPU, on one device, on two devices (the same
 * one listed twice too), with device tiles of any size, and when a launch fails (fault
 * injection: BATT_FAULT=kernel:N / oom:N) the tile runs on the CPU with exactly one
 * warning and the same results.
 *
 * usage: test_device twin|cuda ARC_AGI_1_DIR
 *   twin: the twin device (the tile path with the CPU twins), runs everywhere;
 *   cuda: real GPUs; without one it prints why and exits 77 (skipped).
 * Built with BATT_EMU (test_device_emu), cuda runs on the CUDA emulator (tests/emu), an
 * emulated one-GPU machine, with its faults too: out of memory when the device opens, on
 * the first tile and after growth, a failed launch, a sticky fault under two workers on
 * one card, no device.
 * BATT_DEVICE_TASKS=N: the first N tasks (default 80; scripts/test.sh --valgrind sets 10). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "results_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bt_prims.h"
#include "device_lines.h"
#include "exec.h"
#include "report.h"
#include "run.h"
#include "tasks.h"

#ifdef BATT_EMU
#include "emu.h"
#endif

extern const bt_program batt_program;

static const char *arc_dir;
static int kind; /* bt_device_kind under test */
static bt_taskset all, tasks;
static char *cpu_results;
static long max_steps = -1;  /* per evaluation; -1: the default */
static size_t compact_min;   /* 0: the default */
static int device_pool = -1; /* tiles of the residency pool; -1: the default */
static bool device_choose;   /* --device auto */

typedef struct outcome {
  char *results; /* the results file */
  bt_device_stats stats;
  int warnings; /* lines on the warning stream */
  int device_workers;
} outcome;

static char last_warnings[16384]; /* of the last run_with */

/* Runs the program with these devices (n 0: CPU only) and threads. */
static outcome run_with(int n, const int *indices, int threads, int device_tile) {
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.threads = threads;
  o.keep_outputs = true;
  o.n_devices = n;
  o.device_tile = device_tile;
  if (max_steps >= 0) o.limits.max_steps = (uint64_t)max_steps;
  o.compact_min = compact_min;
  o.device_pool = device_pool;
  o.device_choose = device_choose;
  for (int k = 0; k < n; k++)
    o.devices[k] = (bt_device_spec){kind, indices[k]};
  o.warn = tmpfile();
  bt_run run;
  assert_true(bt_run_program(&run, &batt_program, &tasks, &o));
  outcome out = {
      .results = results_file_text(&run), .stats = run.devices, .device_workers = run.device_workers};
  rewind(o.warn);
  char line[1024];
  last_warnings[0] = 0;
  while (fgets(line, sizeof line, o.warn)) {
    fputs(line, stdout);
    out.warnings++;
    size_t used = strlen(last_warnings);
    snprintf(last_warnings + used, sizeof last_warnings - used, "%s", line);
  }
  fclose(o.warn);
  bt_run_free(&run);
  return out;
}

static void test_one_device_equals_cpu(void **state) {
  (void)state;
  outcome d = run_with(1, (int[]){0}, 1, 0);
  assert_int_equal(d.device_workers, 1);
  assert_true(d.stats.launches > 0);
  /* the sample pattern's launches count every demonstration grid once, inputs and outputs */
  long demo = 0;
  for (int k = 0; k < tasks.n; k++)
    demo += 2 * tasks.tasks[k].n_train;
  assert_int_equal(d.stats.demo_grids, demo);
  assert_int_equal(d.stats.fallbacks, 0);
  assert_int_equal(d.warnings, 0);
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

static void test_two_devices_and_cpu_threads_equal_cpu(void **state) {
  (void)state;
  outcome two = run_with(2, (int[]){0, 1}, 3, 0), same = run_with(2, (int[]){0, 0}, 2, 8);
  if (kind == BT_DEVICE_CUDA) { /* a one-GPU machine lists cuda:0 twice in both */
    char why[64];
    if (bt_cuda_device_count(why, sizeof why) < 2) assert_true(two.warnings >= 1);
  }
  assert_string_equal(two.results, cpu_results);
  assert_string_equal(same.results, cpu_results);
  assert_int_equal(same.device_workers, 2);
  free(two.results);
  free(same.results);
}

static void test_small_device_tiles_equal_cpu(void **state) {
  (void)state;
  outcome d = run_with(1, (int[]){0}, 2, 1);
  assert_true(d.stats.launches > 0);
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

/* Grids stay on the device between lines: most slots of the later lines come from the
 * pool. With arenas compacted all the time (values move, their memory is reused), a grid
 * kept before a move must not be taken for whatever lands at its old address. */
static void test_residency_equals_cpu(void **state) {
  (void)state;
  outcome d = run_with(1, (int[]){0}, 1, 0);
  printf("residency: %ld of %ld grids already on the device\n", d.stats.resident, d.stats.grids);
  assert_true(d.stats.resident > d.stats.grids / 2);
  free(d.results);
  compact_min = 4096;
  outcome cpu = run_with(0, NULL, 1, 0), moved = run_with(1, (int[]){0}, 1, 0);
  compact_min = 0;
  printf("residency, compacting: %ld of %ld grids already on the device\n", moved.stats.resident,
         moved.stats.grids);
  assert_true(moved.stats.resident > 0);
  assert_string_equal(cpu.results, cpu_results);
  assert_string_equal(moved.results, cpu_results);
  free(cpu.results);
  free(moved.results);
}

/* Pools of any size, not only powers of two (the residency table once hung on them). */
static void test_residency_pool_sizes(void **state) {
  (void)state;
  int sizes[] = {1, 3, 100, 1000};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    device_pool = sizes[k];
    outcome d = run_with(1, (int[]){0}, 1, sizes[k] == 100 ? 100 : 0);
    printf("pool of %d tiles: %ld of %ld grids already on the device\n", sizes[k], d.stats.resident,
           d.stats.grids);
    assert_true(d.stats.resident > 0);
    assert_string_equal(d.results, cpu_results);
    free(d.results);
  }
  device_pool = -1;
}

static bt_value grid_of(bt_ctx *cx, int h, int w, int seed) {
  bt_value *cells, g = bt_grid_new(cx, h, w, &cells);
  for (int k = 0; k < h * w; k++)
    cells[k].u.i = (k * 7 + seed) % 10;
  return g;
}

/* The pool knows grids by address. A line's output kept in the pool, then the item's
 * arena compacted (values move, memory is reused) and another grid made at the very
 * same address: a later line must read the new grid, not the kept one. */
static void test_residency_follows_moves(void **state) {
  (void)state;
  char why[256] = "";
  bt_device *d = bt_device_open((bt_device_spec){kind, 0}, 4, -1, stdout, why, sizeof why);
  assert_non_null(d);
  static const uint8_t classes[4] = {0, BT_CLASS_SAMPLE, BT_CLASS_SAMPLE, BT_CLASS_SAMPLE};
  bt_program prog = {.n_lines = 3, .line_class = classes};
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  bt_value frame[4];
  bt_exec_item it = {.cx = &cx, .I = grid_of(&cx, 5, 7, 1), .frame = frame};
  bt_exec ex = {.prog = &prog, .phase = BT_CLASS_SAMPLE, .n = 1, .items = &it};
  uint8_t stored[1];
  bt_device_forget(d);
  bt_mark before = bt_arena_mark(&cx);
  assert_true(bt_device_line_call(d, &ex, 1, BT_P_rot90, 1, (bt_operand[]){BT_I}, stored) && stored[0]);
  assert_true(bt_device_line_call(d, &ex, 2, BT_P_hmirror, 1, (bt_operand[]){BT_T(1)}, stored) && stored[0]);
  assert_int_equal(bt_device_stats_of(d)->resident, 1); /* t1 read from the pool */
  assert_true(bt_same(frame[2], bt_call_prim(&cx, BT_P_hmirror, &frame[1])));
  const bt_value *kept = frame[1].u.items;
  /* a compaction: t1 moves away, its old memory is reused by another 7x5 grid */
  it.moves++;
  bt_arena_release(&cx, before);
  bt_value other = grid_of(&cx, 7, 5, 4);
  assert_ptr_equal(other.u.items, kept);
  frame[1] = other;
  assert_true(bt_device_line_call(d, &ex, 3, BT_P_hmirror, 1, (bt_operand[]){BT_T(1)}, stored) && stored[0]);
  assert_int_equal(bt_device_stats_of(d)->resident, 1); /* packed again, not taken from the pool */
  assert_true(bt_same(frame[3], bt_call_prim(&cx, BT_P_hmirror, &other)));
  bt_ctx_free(&cx);
  bt_device_close(d);
}

/* --device auto: each worker and each kind of line goes where it is measured faster; on
 * any choice the results are the CPU's, and the device worker is there. */
static void test_auto_equals_cpu(void **state) {
  (void)state;
  device_choose = true;
  outcome one = run_with(1, (int[]){0}, 1, 0), two = run_with(1, (int[]){0}, 2, 16);
  device_choose = false;
  printf("auto: %ld and %ld tiles on the device\n", one.stats.launches, two.stats.launches);
  assert_int_equal(one.device_workers, 1);
  assert_int_equal(two.device_workers, 1);
  assert_string_equal(one.results, cpu_results);
  assert_string_equal(two.results, cpu_results);
  free(one.results);
  free(two.results);
}

/* The choice of a line's place under --device auto (device_lines.h): the first call of a
 * kind on the device, the next declined (the CPU's time is reported), then the side with
 * the lower time per item; the CPU checked once in 64 calls, a slower device again once
 * the CPU has spent 64 times its last call's time. */
static int device_calls(bt_device *d, bt_exec *ex, int calls, uint64_t cpu_ns, int *first_device) {
  uint8_t stored[1];
  int on_device = 0;
  *first_device = -1;
  for (int c = 0; c < calls; c++) {
    bool taken = bt_device_line_call(d, ex, 1, BT_P_rot90, 1, (bt_operand[]){BT_I}, stored);
    if (taken) {
      assert_true(stored[0]);
      assert_true(bt_same(ex->items[0].frame[1], bt_call_prim(ex->items[0].cx, BT_P_rot90, &ex->items[0].I)));
      if (c >= 4 && *first_device < 0) *first_device = c;
      on_device++;
    } else
      bt_device_line_cpu_time(d, BT_P_rot90, 1, cpu_ns);
  }
  return on_device;
}

static void test_auto_line_choice(void **state) {
  (void)state;
  static const uint8_t classes[2] = {0, BT_CLASS_SAMPLE};
  bt_program prog = {.n_lines = 1, .line_class = classes};
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  bt_value frame[2];
  bt_exec_item it = {.cx = &cx, .I = grid_of(&cx, 6, 9, 2), .frame = frame};
  bt_exec ex = {.prog = &prog, .phase = BT_CLASS_SAMPLE, .n = 1, .items = &it};
  char why[256] = "";
  int first;
  for (int faster = 0; faster < 2; faster++) {
    bt_device *d = bt_device_open((bt_device_spec){kind, 0}, 4, 0, stdout, why, sizeof why);
    assert_non_null(d);
    bt_device_choose(d, true);
    /* a CPU that takes no time at all, or an hour per item */
    int on = device_calls(d, &ex, 200, faster ? (uint64_t)3600e9 : 0, &first);
    if (faster)
      assert_int_equal(on, 200 - 1 - 3); /* all but the one measured on the CPU and one in 64 */
    else {
      assert_int_equal(on, 1); /* the one measured: a CPU taking no time never pays for another */
      assert_int_equal(first, -1);
    }
    bt_device_close(d);
  }
  /* a device 2 to 2048 times slower: tried again as the CPU's time pays for it, at a 64th at most */
  for (int dev_per_cpu = 2; dev_per_cpu <= 2048; dev_per_cpu *= 32) {
    bt_device *d = bt_device_open((bt_device_spec){kind, 0}, 4, 0, stdout, why, sizeof why);
    bt_device_choose(d, true);
    double dev_ns = 0, cpu_ns = 0;
    int tries = 0;
    for (int c = 0; c < 200000; c++)
      if (bt_device_line_take(d, BT_P_rot90)) {
        bt_device_line_time(d, BT_P_rot90, true, 1, (uint64_t)dev_per_cpu * 100);
        dev_ns += dev_per_cpu * 100.0;
        tries++;
      } else {
        bt_device_line_cpu_time(d, BT_P_rot90, 1, 100);
        cpu_ns += 100;
      }
    /* the wasted time: the device's less what the CPU would have taken for those calls */
    double waste = dev_ns - tries * 100.0;
    assert_true(waste <= (dev_ns + cpu_ns) / 64 + dev_per_cpu * 100.0); /* the first try, then 1/64 */
    assert_true(tries >= 2);                                            /* it is tried again */
    bt_device_close(d);
  }
  /* forced (--device cuda): every call on the device */
  bt_device *d = bt_device_open((bt_device_spec){kind, 0}, 4, 0, stdout, why, sizeof why);
  assert_int_equal(device_calls(d, &ex, 70, 0, &first), 70);
  bt_device_close(d);
  bt_ctx_free(&cx);
}

/* Under tight step limits a call errs part way (apply over the demonstrations counts a
 * step per grid): a device gives the very same errors and values. */
static void test_step_limits_equal_cpu(void **state) {
  (void)state;
  const long limits[] = {0, 1, 2, 3, 5};
  for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
    max_steps = limits[k];
    outcome cpu = run_with(0, NULL, 1, 0), d = run_with(1, (int[]){0}, 1, 0);
    max_steps = -1;
    assert_true(d.stats.launches > 0 || limits[k] == 0);
    assert_string_equal(d.results, cpu.results);
    free(cpu.results);
    free(d.results);
  }
}

/* The sample pattern's device step, one task at a time: apply / mapply of every
 * colour-count primitive over containers of demonstration grids (tuples, a pair, a set)
 * under step limits from none to plenty. Whenever the device answers, its value is the
 * CPU call's, errors included; where the CPU call runs out of steps, the device declines. */
static void test_demo_map_equals_cpu(void **state) {
  (void)state;
  char why[256] = "";
  bt_device *d = bt_device_open((bt_device_spec){kind, 0}, 4, -1, stdout, why, sizeof why);
  assert_non_null(d);
  const int fns[] = {BT_P_p_g, BT_P_palette, BT_P_mostcolor, BT_P_leastcolor, BT_P_numcolors};
  const uint64_t limits[] = {1, 2, 3, 4, 5, 1000};
  long answered = 0, declined_errors = 0;
  for (int t = 0; t < tasks.n; t++) {
    bt_ctx cx;
    bt_ctx_init(&cx, NULL);
    bt_exec_item it = {.cx = &cx, .S = bt_task_samples(&cx, &tasks.tasks[t])};
    bt_exec ex = {.n = 1, .items = &it, .phase = BT_CLASS_TASK};
    bt_device_forget(d); /* the last task's grids are freed */
    assert_true(bt_device_demo_counts(d, &ex, 1));
    bt_value inputs = bt_call_prim(&cx, BT_P_apply, (bt_value[]){bt_prim_value(BT_P_first), it.S});
    bt_value outputs = bt_call_prim(&cx, BT_P_apply, (bt_value[]){bt_prim_value(BT_P_second), it.S});
    bt_value *grids = bt_items(&cx, outputs.n);
    memcpy(grids, outputs.u.items, outputs.n * sizeof *grids);
    bt_value containers[4] = {inputs, outputs, bt_call_prim(&cx, BT_P_first, &it.S),
                              bt_set_build(&cx, grids, outputs.n)};
    for (int c = 0; c < 4; c++)
      for (int f = 0; f < 5; f++)
        for (int merge = 0; merge < 2; merge++)
          for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
            cx.lim.max_steps = limits[l];
            bt_ctx_begin(&cx);
            bt_value want = bt_call_prim(&cx, merge ? BT_P_mapply : BT_P_apply,
                                         (bt_value[]){bt_prim_value(fns[f]), containers[c]});
            bt_value got;
            bool ok = bt_device_demo_map(d, &ex, 0, fns[f], containers[c], merge, &got);
            cx.lim.max_steps = bt_default_limits.max_steps;
            if (!ok) {
              declined_errors += bt_is_err(want) && want.errc == BT_E_LIMIT;
              continue;
            }
            answered++;
            if (bt_is_err(want)) { /* what the CPU call makes of the values (mapply of ints) */
              assert_true(bt_is_err(got));
              assert_int_equal(got.errc, want.errc);
            } else
              assert_true(bt_same(got, want));
          }
    bt_ctx_free(&cx);
  }
  printf("demo map: %ld answered by the device (equal to the CPU), %ld over the step limit declined\n",
         answered, declined_errors);
  assert_true(answered > 0 && declined_errors > 0);
  bt_device_close(d);
}

static void check_fault(const char *spec) {
  setenv("BATT_FAULT", spec, 1);
  bt_device_fault_reset(NULL);
  outcome d = run_with(2, (int[]){0, 0}, 2, 0);
  unsetenv("BATT_FAULT");
  bt_device_fault_reset(NULL);
  assert_int_equal(d.stats.fallbacks, 1);
  assert_int_equal(d.warnings, 1);
  assert_true(d.stats.launches > 0);
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

static void test_kernel_fault_falls_back_with_one_warning(void **state) {
  (void)state;
  check_fault("kernel:3");
}

static void test_oom_falls_back_with_one_warning(void **state) {
  (void)state;
  check_fault("oom:1");
}

#ifdef BATT_EMU
/* Runs with an emulator switch set (emu.h), and counts the warnings that contain want. */
static outcome run_emu_fault(const char *var, const char *value, int n, const int *indices, int threads,
                             int device_tile, const char *want, int *matching) {
  setenv(var, value, 1);
  bt_emu_reset();
  outcome d = run_with(n, indices, threads, device_tile);
  unsetenv(var);
  bt_emu_reset();
  *matching = 0;
  for (const char *at = last_warnings; (at = strstr(at, want)); at++)
    ++*matching;
  printf("%s=%s: %ld launches, %ld fallbacks, %d warnings (%d naming %s)\n", var, value, d.stats.launches,
         d.stats.fallbacks, d.warnings, *matching, want);
  return d;
}

/* The device's buffers cannot be had when it opens: it says so once, its worker runs on
 * the CPU. */
static void test_emu_oom_at_open(void **state) {
  (void)state;
  int named;
  outcome d =
      run_emu_fault("BATT_EMU_MALLOC_FAIL", "1", 1, (int[]){0}, 1, 0, "its worker runs on the CPU", &named);
  assert_int_equal(d.device_workers, 0);
  assert_int_equal(d.stats.launches, 0);
  assert_int_equal(d.warnings, 1);
  assert_int_equal(named, 1);
  assert_non_null(strstr(last_warnings, "cudaErrorMemoryAllocation"));
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

/* The first launch needs more slots than the device opened with and the growth is refused
 * (its 8th cudaMalloc: the 7 before are cuda_open's buffers and pool): that tile runs on
 * the CPU with one warning, the device stays in use. */
static void test_emu_oom_on_first_tile(void **state) {
  (void)state;
  int named;
  outcome d = run_emu_fault("BATT_EMU_MALLOC_FAIL", "8", 1, (int[]){0}, 1, 1, "out of memory", &named);
  assert_int_equal(d.stats.fallbacks, 1);
  assert_int_equal(d.warnings, 1);
  assert_int_equal(named, 1);
  assert_true(d.stats.launches > 0);
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

/* A device of 100 KiB (too small for the pool): the buffers grow while they fit; the tile
 * that needs more falls back with one warning, and from then on tiles take only the slots
 * the buffers hold (the other items run on the CPU): one refusal, one warning, not one per
 * later tile (25 before the buffers were kept on a failed growth). */
static void test_emu_oom_after_growth(void **state) {
  (void)state;
  int named;
  outcome d = run_emu_fault("BATT_EMU_MEM_MIB", "0.1", 1, (int[]){0}, 1, 4, "out of memory", &named);
  assert_int_equal(d.stats.fallbacks, 1);
  assert_int_equal(d.warnings, 1);
  assert_int_equal(named, 1);
  assert_true(d.stats.cpu_items > 0);
  assert_true(d.stats.launches > d.stats.fallbacks);
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

/* A launch refused by the device (not out of memory): one warning, the device retired,
 * every later line on the CPU. */
static void test_emu_launch_failure(void **state) {
  (void)state;
  int named;
  outcome d = run_emu_fault("BATT_EMU_LAUNCH_FAIL", "3", 1, (int[]){0}, 1, 0, "cudaErrorLaunchOutOfResources",
                            &named);
  assert_int_equal(d.stats.fallbacks, 1);
  assert_int_equal(d.warnings, 1);
  assert_int_equal(named, 1);
  assert_true(d.stats.launches >= 1 && d.stats.launches <= 2); /* the 3rd kernel is in launch 2 or 3 */
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

/* A kernel faults on a card two workers share: the error is sticky for the card, so each
 * worker that launches again fails once, warns once and retires its device. */
static void test_emu_sticky_fault_two_workers(void **state) {
  (void)state;
  int named;
  outcome d =
      run_emu_fault("BATT_EMU_KERNEL_FAULT", "5", 2, (int[]){0, 0}, 2, 0, "cudaErrorIllegalAddress", &named);
  assert_int_equal(d.device_workers, 2);
  assert_true(d.warnings >= 1 && d.warnings <= 2);
  assert_int_equal(d.stats.fallbacks, d.warnings);
  assert_int_equal(named, d.warnings);
  assert_string_equal(d.results, cpu_results);
  free(d.results);
}

/* BATT_FAULT on a GPU goes through CUDA's own paths: kernel:N is a launch the emulated
 * runtime refuses (the device retires: no launch after it), oom:N an allocation it refuses
 * (the tile falls back, the device goes on). Before, both failed ahead of bt_cuda_run and
 * CUDA never saw them. */
static void test_emu_injected_faults_are_real(void **state) {
  (void)state;
  bt_emu_stats before = bt_emu_stats_get();
  setenv("BATT_FAULT", "kernel:3", 1);
  bt_device_fault_reset(NULL);
  outcome k = run_with(1, (int[]){0}, 1, 0);
  bool k_named = strstr(last_warnings, "cudaErrorInvalidConfiguration") != NULL; /* CUDA's own error */
  bt_emu_stats mid = bt_emu_stats_get();
  setenv("BATT_FAULT", "oom:2", 1);
  bt_device_fault_reset(NULL);
  outcome o = run_with(1, (int[]){0}, 1, 0);
  bool o_named = strstr(last_warnings, "cudaErrorMemoryAllocation") != NULL;
  unsetenv("BATT_FAULT");
  bt_device_fault_reset(NULL);
  bt_emu_stats after = bt_emu_stats_get();
  printf(
      "BATT_FAULT=kernel:3: %ld launches (the emulator ran %ld kernels), CUDA's error named: %d; oom:2: %ld "
      "launches, %ld failed mallocs, CUDA's error named: %d\n",
      k.stats.launches, mid.launches - before.launches, k_named, o.stats.launches,
      after.failed_mallocs - mid.failed_mallocs, o_named);
  assert_true(k_named && o_named);
  assert_int_equal(k.stats.launches, 2); /* retired at the third */
  assert_int_equal(k.stats.fallbacks, 1);
  assert_int_equal(after.failed_mallocs - mid.failed_mallocs, 1);
  assert_int_equal(o.stats.fallbacks, 1);
  assert_true(o.stats.launches > 2); /* still in use */
  assert_string_equal(k.results, cpu_results);
  assert_string_equal(o.results, cpu_results);
  free(k.results);
  free(o.results);
}

/* What a launch copies: a one-grid gather sends no second grids, a LABEL launch of three
 * connectivities brings back three labellings of six (the emulator counts the bytes). */
static void test_emu_copies_what_is_read(void **state) {
  (void)state;
  char why[256] = "";
  bt_device *d = bt_device_open((bt_device_spec){BT_DEVICE_CUDA, 0}, 8, 0, stdout, why, sizeof why);
  assert_non_null(d);
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  bt_tile_batch *b = bt_device_batch(d, 8);
  assert_non_null(b);
  long sent[2], back[2];
  for (int label = 0; label < 2; label++) {
    b->n = b->pool_ins = b->keeps = 0;
    int prim = label ? BT_P_o_g : BT_P_rot90;
    for (int s = 0; s < 8; s++) {
      bt_value args[2] = {grid_of(&cx, 5 + s, 9, s), bt_int(0)};
      assert_true(bt_tile_pack(&cx, b, b->n, prim, args));
      if (label) b->meta[b->n].p[0] = 0, bt_tile_pack_label_modes(b, b->n, 0x0B); /* modes 0, 1, 3 */
      b->n++;
    }
    bt_emu_stats s0 = bt_emu_stats_get();
    assert_true(bt_device_launch(d, label ? BT_TOP_LABEL : BT_TOP_GATHER, b, why, sizeof why));
    bt_emu_stats s1 = bt_emu_stats_get();
    sent[label] = s1.h2d_bytes - s0.h2d_bytes;
    back[label] = s1.d2h_bytes - s0.d2h_bytes;
  }
  long meta = 8 * (long)sizeof(bt_tile_meta), grids = 8L * BT_TILE_CELLS, counts = 8L * BT_TILE_COLORS * 2;
  printf("gather: %ld bytes sent, %ld back; label of 3 modes: %ld sent, %ld back\n", sent[0], back[0],
         sent[1], back[1]);
  assert_int_equal(sent[0], meta + grids);           /* a, not b */
  assert_int_equal(back[0], counts + grids);         /* counts and out */
  assert_int_equal(sent[1], meta + grids);           /* a */
  assert_int_equal(back[1], counts + 3 * 2 * grids); /* three labellings of 16-bit labels */
  bt_ctx_free(&cx);
  bt_device_close(d);
}

/* No device at all (cudaGetDeviceCount fails): auto runs on the CPU and says why. */
static void test_emu_no_device(void **state) {
  (void)state;
  setenv("BATT_EMU_DEVICES", "0", 1);
  bt_emu_reset();
  char why[256] = "", err[256] = "";
  bt_device_spec d[BT_MAX_DEVICES];
  FILE *msg = tmpfile();
  int count = bt_cuda_device_count(why, sizeof why);
  int resolved = bt_devices_resolve("auto", NULL, d, BT_MAX_DEVICES, msg, err, sizeof err);
  unsetenv("BATT_EMU_DEVICES");
  bt_emu_reset();
  rewind(msg);
  char line[512] = "";
  assert_non_null(fgets(line, sizeof line, msg));
  fclose(msg);
  printf("%s", line);
  assert_int_equal(count, 0);
  assert_string_equal(why, "cudaErrorNoDevice");
  assert_int_equal(resolved, 0);
  assert_non_null(strstr(line, "cudaErrorNoDevice"));
}

/* The device side of every emulated run: no barrier error, kernels did run. */
static void test_emu_barriers(void **state) {
  (void)state;
  bt_emu_stats s = bt_emu_stats_get();
  printf("emulator: %ld launches, %ld blocks, %ld barriers, %ld barrier errors, %ld faults, %ld failed "
         "mallocs, %ld failed launches\n",
         s.launches, s.blocks, s.barriers, s.barrier_errors, s.faults, s.failed_mallocs, s.failed_launches);
  assert_true(s.launches > 0);
  assert_int_equal(s.barrier_errors, 0);
}
#endif

static void test_tile_size_follows_memory(void **state) {
  (void)state;
  assert_int_equal(bt_device_tile_items(0), 4);
  assert_int_equal(bt_device_tile_items((size_t)80 << 30), 256);
  size_t per_item = bt_tile_slot_bytes() * BT_DEVICE_SLOTS_PER_ITEM * 8;
  assert_int_equal(bt_device_tile_items(per_item * 37), 37);
}

static void test_device_lists(void **state) {
  (void)state;
  bt_device_spec d[BT_MAX_DEVICES];
  char err[256];
  assert_int_equal(bt_devices_parse("cuda:0,cuda:0,twin:3", d, BT_MAX_DEVICES, err, sizeof err), 3);
  assert_int_equal(d[1].kind, BT_DEVICE_CUDA);
  assert_int_equal(d[2].kind, BT_DEVICE_TWIN);
  assert_int_equal(d[2].index, 3);
  assert_int_equal(bt_devices_parse("gpu:0", d, BT_MAX_DEVICES, err, sizeof err), -1);
  assert_string_equal(err, "'gpu:0' is not a device (cuda:N or twin:N)");
  assert_int_equal(bt_devices_parse("cuda:", d, BT_MAX_DEVICES, err, sizeof err), -1);
  assert_int_equal(bt_devices_resolve("cpu", NULL, d, BT_MAX_DEVICES, stdout, err, sizeof err), 0);
  assert_int_equal(bt_devices_resolve("cpu", "twin:0", d, BT_MAX_DEVICES, stdout, err, sizeof err), -1);
  assert_int_equal(bt_devices_resolve("gpu", NULL, d, BT_MAX_DEVICES, stdout, err, sizeof err), -1);
  assert_int_equal(bt_devices_resolve(NULL, "twin:0,twin:1", d, BT_MAX_DEVICES, stdout, err, sizeof err), 2);
  char why[256];
  if (bt_cuda_device_count(why, sizeof why) == 0) {
    FILE *msg = tmpfile();
    assert_int_equal(bt_devices_resolve("auto", NULL, d, BT_MAX_DEVICES, msg, err, sizeof err), 0);
    assert_int_equal(bt_devices_resolve(NULL, "cuda:0,twin:1", d, BT_MAX_DEVICES, msg, err, sizeof err), 1);
    assert_int_equal(d[0].kind, BT_DEVICE_TWIN);
    rewind(msg);
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof line, msg))
      lines++, assert_non_null(strstr(line, why));
    assert_int_equal(lines, 2);
    fclose(msg);
  }
}

static int setup(void **state) {
  (void)state;
  char train[1024], eval[1024];
  snprintf(train, sizeof train, "%s/training", arc_dir);
  snprintf(eval, sizeof eval, "%s/evaluation", arc_dir);
  const char *paths[2] = {train, eval};
  if (bt_tasks_load(&all, paths, 2, stderr) != 0) return -1;
  const char *limit = getenv("BATT_DEVICE_TASKS");
  int n = limit && atoi(limit) > 0 ? atoi(limit) : 80;
  tasks = all;
  if (n < tasks.n) tasks.n = n;
  outcome cpu = run_with(0, NULL, 2, 0);
  cpu_results = cpu.results;
  return strlen(cpu_results) > 1000 ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  free(cpu_results);
  bt_tasks_free(&all);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "twin") != 0 && strcmp(argv[1], "cuda") != 0)) {
    fprintf(stderr, "usage: test_device twin|cuda ARC_AGI_1_DIR\n");
    return 2;
  }
  arc_dir = argv[2];
  kind = strcmp(argv[1], "cuda") == 0 ? BT_DEVICE_CUDA : BT_DEVICE_TWIN;
  if (kind == BT_DEVICE_CUDA) {
    char why[256] = "";
    if (bt_cuda_device_count(why, sizeof why) == 0) {
      printf("skipped: no CUDA device (%s)\n", why);
      return 77;
    }
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_device_equals_cpu),
      cmocka_unit_test(test_two_devices_and_cpu_threads_equal_cpu),
      cmocka_unit_test(test_small_device_tiles_equal_cpu),
      cmocka_unit_test(test_residency_equals_cpu),
      cmocka_unit_test(test_residency_follows_moves),
      cmocka_unit_test(test_residency_pool_sizes),
      cmocka_unit_test(test_step_limits_equal_cpu),
      cmocka_unit_test(test_auto_equals_cpu),
      cmocka_unit_test(test_auto_line_choice),
      cmocka_unit_test(test_demo_map_equals_cpu),
      cmocka_unit_test(test_kernel_fault_falls_back_with_one_warning),
      cmocka_unit_test(test_oom_falls_back_with_one_warning),
      cmocka_unit_test(test_tile_size_follows_memory),
      cmocka_unit_test(test_device_lists),
#ifdef BATT_EMU
      cmocka_unit_test(test_emu_oom_at_open),
      cmocka_unit_test(test_emu_oom_on_first_tile),
      cmocka_unit_test(test_emu_oom_after_growth),
      cmocka_unit_test(test_emu_launch_failure),
      cmocka_unit_test(test_emu_sticky_fault_two_workers),
      cmocka_unit_test(test_emu_injected_faults_are_real),
      cmocka_unit_test(test_emu_copies_what_is_read),
      cmocka_unit_test(test_emu_no_device),
      cmocka_unit_test(test_emu_barriers),
#endif
  };
#ifdef BATT_EMU
  const char *group = "device_cuda_emu";
#else
  const char *group = kind == BT_DEVICE_CUDA ? "device_cuda" : "device_twin";
#endif
  return cmocka_run_group_tests_name(group, tests, setup, teardown);
}
