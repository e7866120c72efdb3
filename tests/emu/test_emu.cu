// test_emu.cu: the CUDA emulator against what CUDA does, with kernels of its own
// (emu_test_kernels.cuh), and the project's kernels on a few grids against their twins.
//   test_emu semantics   streams run when synchronised; last, per-thread and sticky
//                        errors; the fault switches; barrier checks; poisoned shared memory
//   test_emu kernels     every tile operation on a few grids (1x1 to a 30x30 spiral),
//                        bit for bit against the twins (tile.c)
//   test_emu race        the planted shared-memory race (for ThreadSanitizer)
// Built twice: with fibers (test_emu) and with one OS thread per CUDA thread under
// ThreadSanitizer (test_emu_tsan, tsan_check.sh).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime.h>

#include "../../runtime/cuda/cuda_api.h"
#include "emu.h"
#include "emu_test_kernels.cuh"

#include "emu_host.h"
#include "emu_kernels.h"

#undef BATT_EMU_TEST_KERNELS_CUH
namespace emu_host {
#include "emu_test_kernels.cuh"
}

#define EMU_KERNEL(k) emu_kernel_of((const void *)(k), #k, emu_host::k)
static const emu_kernel test_kernels[] = {
    EMU_KERNEL(index_kernel), EMU_KERNEL(neighbour_kernel), EMU_KERNEL(peek_kernel),
    EMU_KERNEL(vote_kernel),  EMU_KERNEL(divergent_kernel), EMU_KERNEL(two_barriers_kernel),
};
static struct registration {
  registration() { emu_register_kernels(test_kernels, sizeof test_kernels / sizeof *test_kernels); }
} registered;

/* The twins (tile.c; its header is C's). */
extern "C" {
bool bt_tile_batch_init(bt_tile_batch *b, int cap);
void bt_tile_batch_free(bt_tile_batch *b);
void bt_tile_twin(bt_tile_op op, bt_tile_batch *b);
}

static int checks, failed;

#define CHECK(cond)                                                                                          \
  do {                                                                                                       \
    checks++;                                                                                                \
    if (!(cond)) {                                                                                           \
      failed++;                                                                                              \
      fprintf(stderr, "test_emu:%d: failed: %s\n", __LINE__, #cond);                                         \
    }                                                                                                        \
  } while (0)

#define CHECK_ERR(call, want)                                                                                \
  do {                                                                                                       \
    cudaError_t got_ = (call);                                                                               \
    checks++;                                                                                                \
    if (got_ != (want)) {                                                                                    \
      failed++;                                                                                              \
      fprintf(stderr, "test_emu:%d: %s gave %s, not %s\n", __LINE__, #call, cudaGetErrorName(got_),          \
              cudaGetErrorName(want));                                                                       \
    }                                                                                                        \
  } while (0)

static void with_switch(const char *var, const char *value) {
  if (value)
    setenv(var, value, 1);
  else
    unsetenv(var);
  bt_emu_reset();
}

static void *peek_last_error(void *out) {
  *(cudaError_t *)out = cudaPeekAtLastError();
  return NULL;
}

static void streams_run_when_synchronised(void) {
  int *d = NULL, h[3 * 64];
  cudaStream_t s;
  CHECK_ERR(cudaStreamCreate(&s), cudaSuccess);
  CHECK_ERR(cudaMalloc(&d, sizeof h), cudaSuccess);
  memset(h, 0xFF, sizeof h);
  index_kernel<<<3, 64, 0, s>>>(d);
  CHECK_ERR(cudaGetLastError(), cudaSuccess);
  CHECK_ERR(cudaMemcpyAsync(h, d, sizeof h, cudaMemcpyDeviceToHost, s), cudaSuccess);
  CHECK(h[0] == -1 && h[3 * 64 - 1] == -1); /* nothing ran yet */
  CHECK_ERR(cudaStreamSynchronize(s), cudaSuccess);
  bool all = true;
  for (int b = 0; b < 3; b++)
    for (int t = 0; t < 64; t++)
      all &= h[b * 64 + t] == b * 100000 + 3000 + t;
  CHECK(all);
  /* a copy past the end of an allocation is refused */
  CHECK_ERR(cudaMemcpyAsync(h, d + 1, sizeof h, cudaMemcpyDeviceToHost, s), cudaErrorInvalidValue);
  CHECK_ERR(cudaGetLastError(), cudaErrorInvalidValue);
  CHECK_ERR(cudaGetLastError(), cudaSuccess);
  /* events: elapsed time only once both have run */
  cudaEvent_t a, b;
  float ms = -1;
  CHECK_ERR(cudaEventCreate(&a), cudaSuccess);
  CHECK_ERR(cudaEventCreate(&b), cudaSuccess);
  CHECK_ERR(cudaEventRecord(a, s), cudaSuccess);
  index_kernel<<<1, 32, 0, s>>>(d);
  CHECK_ERR(cudaEventRecord(b, s), cudaSuccess);
  CHECK_ERR(cudaEventElapsedTime(&ms, a, b), cudaErrorNotReady);
  CHECK_ERR(cudaStreamSynchronize(s), cudaSuccess);
  CHECK_ERR(cudaEventElapsedTime(&ms, a, b), cudaSuccess);
  CHECK(ms >= 0);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  CHECK_ERR(cudaFree(d), cudaSuccess);
  CHECK_ERR(cudaFree(d), cudaErrorInvalidValue); /* twice */
  cudaGetLastError();
  CHECK_ERR(cudaStreamDestroy(s), cudaSuccess);
}

static void last_error_is_per_thread(void) {
  int *d = NULL;
  CHECK_ERR(cudaMalloc(&d, 64 * sizeof(int)), cudaSuccess);
  index_kernel<<<1, 2048>>>(d); /* more threads than a block has */
  CHECK_ERR(cudaPeekAtLastError(), cudaErrorInvalidConfiguration);
  cudaError_t other = cudaSuccess;
  pthread_t t;
  pthread_create(&t, NULL, peek_last_error, &other);
  pthread_join(t, NULL);
  CHECK(other == cudaSuccess);
  CHECK_ERR(cudaGetLastError(), cudaErrorInvalidConfiguration);
  CHECK_ERR(cudaGetLastError(), cudaSuccess);
  CHECK_ERR(cudaSetDevice(1), cudaErrorInvalidDevice); /* a one-GPU machine */
  CHECK_ERR(cudaGetLastError(), cudaErrorInvalidDevice);
  int n = 0;
  CHECK_ERR(cudaGetDeviceCount(&n), cudaSuccess);
  CHECK(n == 1);
  with_switch("BATT_EMU_DEVICES", "2");
  CHECK_ERR(cudaSetDevice(1), cudaSuccess);
  CHECK_ERR(cudaSetDevice(0), cudaSuccess);
  with_switch("BATT_EMU_DEVICES", "0");
  CHECK_ERR(cudaGetDeviceCount(&n), cudaErrorNoDevice);
  with_switch("BATT_EMU_DEVICES", NULL);
  cudaGetLastError();
  CHECK_ERR(cudaFree(d), cudaSuccess);
}

static void switches_fail_what_they_name(void) {
  void *p[3] = {NULL, NULL, NULL};
  with_switch("BATT_EMU_MALLOC_FAIL", "2");
  CHECK_ERR(cudaMalloc(&p[0], 16), cudaSuccess);
  CHECK_ERR(cudaMalloc(&p[1], 16), cudaErrorMemoryAllocation);
  CHECK_ERR(cudaGetLastError(), cudaErrorMemoryAllocation);
  CHECK_ERR(cudaMalloc(&p[2], 16), cudaSuccess); /* not sticky */
  with_switch("BATT_EMU_MALLOC_FAIL", NULL);
  cudaFree(p[0]);
  cudaFree(p[2]);
  with_switch("BATT_EMU_MEM_MIB", "1");
  size_t free_b = 0, total = 0;
  CHECK_ERR(cudaMemGetInfo(&free_b, &total), cudaSuccess);
  CHECK(total == 1 << 20 && free_b == total);
  CHECK_ERR(cudaMalloc(&p[0], 2 << 20), cudaErrorMemoryAllocation);
  with_switch("BATT_EMU_MEM_MIB", NULL);

  int *d = NULL, h[32];
  CHECK_ERR(cudaMalloc(&d, sizeof h), cudaSuccess);
  with_switch("BATT_EMU_LAUNCH_FAIL", "1");
  index_kernel<<<1, 32>>>(d);
  CHECK_ERR(cudaGetLastError(), cudaErrorLaunchOutOfResources);
  index_kernel<<<1, 32>>>(d);
  CHECK_ERR(cudaGetLastError(), cudaSuccess); /* not sticky */
  with_switch("BATT_EMU_LAUNCH_FAIL", NULL);

  cudaStream_t s;
  CHECK_ERR(cudaStreamCreate(&s), cudaSuccess);
  /* a pointer to pageable host memory in a kernel: an illegal address, sticky */
  index_kernel<<<1, 32, 0, s>>>(h);
  CHECK_ERR(cudaStreamSynchronize(s), cudaErrorIllegalAddress);
  CHECK_ERR(cudaMalloc(&p[0], 16), cudaErrorIllegalAddress);
  bt_emu_reset();
  with_switch("BATT_EMU_KERNEL_FAULT", "1");
  index_kernel<<<1, 32, 0, s>>>(d);
  CHECK_ERR(cudaGetLastError(), cudaSuccess); /* the launch itself is fine */
  CHECK_ERR(cudaStreamSynchronize(s), cudaErrorIllegalAddress);
  /* sticky: every later call, on every thread, until the device is reset */
  CHECK_ERR(cudaMalloc(&p[0], 16), cudaErrorIllegalAddress);
  CHECK_ERR(cudaGetLastError(), cudaErrorIllegalAddress);
  CHECK_ERR(cudaGetLastError(), cudaErrorIllegalAddress);
  cudaError_t other = cudaSuccess;
  pthread_t t;
  pthread_create(&t, NULL, peek_last_error, &other);
  pthread_join(t, NULL);
  CHECK(other == cudaErrorIllegalAddress);
  with_switch("BATT_EMU_KERNEL_FAULT", NULL);
  CHECK_ERR(cudaGetLastError(), cudaSuccess);
  cudaStreamDestroy(s);
  cudaFree(d);
}

/* A kernel that breaks a barrier rule: a barrier error, and the launch fails for good. */
static void expect_barrier_error(int which) {
  int *d = NULL;
  CHECK_ERR(cudaMalloc(&d, 256 * sizeof(int)), cudaSuccess);
  long before = bt_emu_stats_get().barrier_errors;
  if (which == 0)
    divergent_kernel<<<1, 256>>>(d, 5);
  else
    two_barriers_kernel<<<1, 256>>>(d);
  CHECK_ERR(cudaGetLastError(), cudaErrorLaunchFailure);
  CHECK(bt_emu_stats_get().barrier_errors == before + 1);
  CHECK_ERR(cudaDeviceSynchronize(), cudaErrorLaunchFailure);
  bt_emu_reset();
  cudaFree(d);
}

static void barriers_are_checked(void) {
  int *d = NULL, h[1024];
  CHECK_ERR(cudaMalloc(&d, sizeof h), cudaSuccess);
  divergent_kernel<<<1, 256>>>(d, 256); /* every thread waits: fine */
  CHECK_ERR(cudaDeviceSynchronize(), cudaSuccess);
  expect_barrier_error(0);
  expect_barrier_error(1);
  vote_kernel<<<1, 1000>>>(d, 7);
  CHECK_ERR(cudaMemcpy(h, d, 3 * sizeof(int), cudaMemcpyDeviceToHost), cudaSuccess);
  CHECK(h[0] == 1 && h[1] == 0 && h[2] == 334);
  vote_kernel<<<1, 1000>>>(d, 5000);
  CHECK_ERR(cudaMemcpy(h, d, 3 * sizeof(int), cudaMemcpyDeviceToHost), cudaSuccess);
  CHECK(h[0] == 0 && h[1] == 1);
  /* shared memory holds 0xA5 bytes where the block wrote nothing */
  peek_kernel<<<1, 1024>>>((unsigned *)d);
  CHECK_ERR(cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost), cudaSuccess);
  CHECK(h[0] == 7 && (unsigned)h[1] == 0xA5A5A5A5u && (unsigned)h[1023] == 0xA5A5A5A5u);
  /* with the barrier each thread reads what its neighbour wrote */
  neighbour_kernel<<<1, 1024>>>(d, 1);
  CHECK_ERR(cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost), cudaSuccess);
  bool all = true;
  for (int t = 0; t < 1024; t++)
    all &= h[t] == (t + 1) % 1024 * 3 + 1;
  CHECK(all);
  if (!bt_emu_threaded()) { /* fibers run in order: without it, a neighbour has not written yet */
    neighbour_kernel<<<1, 1024>>>(d, 0);
    CHECK_ERR(cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost), cudaSuccess);
    CHECK((unsigned)h[0] == 0xA5A5A5A5u);
  }
  CHECK_ERR(cudaFree(d), cudaSuccess);
}

/* ---- the project's kernels on a few grids -------------------------------------------------- */

static void put_grid(bt_tile_batch *b, int s, int h, int w, int kind) {
  bt_tile_meta *m = &b->meta[s];
  memset(m, 0, sizeof *m);
  m->ha = m->hb = m->ho = (uint8_t)h;
  m->wa = m->wb = m->wo = (uint8_t)w;
  uint8_t *a = b->a + (size_t)s * BT_TILE_CELLS, *bb = b->b + (size_t)s * BT_TILE_CELLS;
  memset(a, 0, BT_TILE_CELLS);
  memset(bb, 0, BT_TILE_CELLS);
  for (int i = 0; i < h; i++)
    for (int j = 0; j < w; j++) {
      int v = kind == 0   ? 3
              : kind == 1 ? (i + j) % 2 * 5
                          : (int)((unsigned)(i * 31 + j * 17) * 2654435761u >> 29) % 10;
      if (kind == 3) v = (i % 2 == 0 || j == (i % 4 == 1 ? w - 1 : 0)) ? 1 : 0; /* serpentine */
      a[i * BT_TILE_SIDE + j] = (uint8_t)v;
      bb[i * BT_TILE_SIDE + j] = (uint8_t)((v + i) % 10);
    }
  for (int c = 0; c < BT_TILE_COLORS; c++)
    m->lut[c] = (uint8_t)(9 - c);
}

static void kernels_equal_twins(void) {
  const int dims[][3] = {{1, 1, 0}, {30, 30, 3}, {30, 30, 1}, {7, 13, 2}, {30, 29, 2}};
  const int n = sizeof dims / sizeof *dims;
  bt_tile_batch gpu, cpu;
  CHECK(bt_tile_batch_init(&gpu, n) && bt_tile_batch_init(&cpu, n));
  char why[256] = "";
  bt_cuda_ctx *c = bt_cuda_open(0, n, 0, why, sizeof why);
  CHECK(c != NULL);
  long slots = 0, differ = 0;
  for (int op = 0; c && op < BT_TOP_COUNT_OPS; op++) {
    for (int s = 0; s < n; s++) {
      put_grid(&cpu, s, dims[s][0], dims[s][1], dims[s][2]);
      cpu.meta[s].p[0] = (int16_t)(op == BT_TOP_LABEL ? 0x3F : op == BT_TOP_GATHER ? BT_TG_ROT90 : 4);
      if (op == BT_TOP_GATHER) cpu.meta[s].ho = cpu.meta[s].wa, cpu.meta[s].wo = cpu.meta[s].ha;
    }
    cpu.n = gpu.n = n;
    memcpy(gpu.meta, cpu.meta, n * sizeof *cpu.meta);
    memcpy(gpu.a, cpu.a, (size_t)n * BT_TILE_CELLS);
    memcpy(gpu.b, cpu.b, (size_t)n * BT_TILE_CELLS);
    CHECK(bt_cuda_run(c, op, &gpu, BT_CUDA_INJECT_NONE, why, sizeof why) == BT_CUDA_OK);
    bt_tile_twin((bt_tile_op)op, &cpu);
    for (int s = 0; s < n; s++) {
      bool same =
          !memcmp(gpu.counts + s * BT_TILE_COLORS, cpu.counts + s * BT_TILE_COLORS, 2 * BT_TILE_COLORS);
      if (op == BT_TOP_LABEL)
        same &= !memcmp(gpu.labels + (size_t)s * BT_TILE_CONNS * BT_TILE_CELLS,
                        cpu.labels + (size_t)s * BT_TILE_CONNS * BT_TILE_CELLS,
                        2 * BT_TILE_CONNS * BT_TILE_CELLS);
      else if (op != BT_TOP_COUNTS)
        same &=
            !memcmp(gpu.out + (size_t)s * BT_TILE_CELLS, cpu.out + (size_t)s * BT_TILE_CELLS, BT_TILE_CELLS);
      slots++;
      differ += !same;
    }
  }
  CHECK(differ == 0);
  bt_emu_stats st = bt_emu_stats_get();
  printf("test_emu: kernels: %ld slots compared with the twins, %ld differ, %ld barrier errors\n", slots,
         differ, st.barrier_errors);
  CHECK(st.barrier_errors == 0);
  bt_cuda_close(c);
  bt_tile_batch_free(&gpu);
  bt_tile_batch_free(&cpu);
}

static void planted_race(void) {
  int *d = NULL;
  CHECK_ERR(cudaMalloc(&d, 64 * sizeof(int)), cudaSuccess);
  neighbour_kernel<<<1, 64>>>(d, 0);
  CHECK_ERR(cudaDeviceSynchronize(), cudaSuccess);
  cudaFree(d);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "semantics";
  if (!strcmp(mode, "semantics")) {
    streams_run_when_synchronised();
    last_error_is_per_thread();
    switches_fail_what_they_name();
    barriers_are_checked();
  } else if (!strcmp(mode, "kernels")) {
    kernels_equal_twins();
  } else if (!strcmp(mode, "race")) {
    planted_race();
  } else {
    fprintf(stderr, "usage: test_emu [semantics|kernels|race]\n");
    return 2;
  }
  printf("test_emu %s (%s): %d checks, %d failed\n", mode, bt_emu_threaded() ? "threads" : "fibers", checks,
         failed);
  return failed ? 1 : 0;
}
