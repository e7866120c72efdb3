// kernels.cu: the host side of the tile kernels (kernels.cuh): buffers, stream, copies,
// events, and the launches.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <cuda_runtime.h>

#include "cuda_api.h"
#include "kernels.cuh"

struct bt_cuda_ctx {
  int dev, cap;
  cudaStream_t stream;
  cudaEvent_t start, stop;
  bt_tile_meta *meta;
  uint8_t *a, *b, *out;
  uint16_t *counts, *labels;
  uint8_t *pool;  // pool_tiles tiles kept across launches (residency, tile_format.h)
  int pool_tiles; // the tiles pool holds, or (pool NULL) the tiles it is to hold when asked for
  float kernel_ms;
};

extern "C" void *bt_cuda_host_alloc(size_t bytes) {
  void *p = NULL;
  if (cudaHostAlloc(&p, bytes ? bytes : 1, cudaHostAllocPortable) != cudaSuccess) {
    cudaGetLastError(); // not sticky: the caller takes pageable memory instead
    return NULL;
  }
  return p;
}

extern "C" void bt_cuda_host_free(void *p) {
  if (p) cudaFreeHost(p);
}

/* Says why e happened and consumes it: CUDA keeps the last error of a thread until it is
 * read, and a later, healthy call must not find it (a sticky error comes back from every
 * later call anyway). */
static int fail(cudaError_t e, char *why, size_t whylen) {
  snprintf(why, whylen, "%s: %s", cudaGetErrorName(e), cudaGetErrorString(e));
  cudaGetLastError();
  return e == cudaErrorMemoryAllocation ? BT_CUDA_OOM : BT_CUDA_FAILED;
}

/* Each CUDA call of a launch is checked where it is made. */
#define CUDA_CHECK(call)                                                                                     \
  do {                                                                                                       \
    if ((e = (call)) != cudaSuccess) return fail(e, why, whylen);                                            \
  } while (0)

/* The context without working buffers (the pointers forgotten, not freed). */
static void no_buffers(bt_cuda_ctx *c) {
  c->meta = NULL, c->a = c->b = c->out = NULL, c->counts = c->labels = NULL;
  c->cap = 0;
}

static void free_buffers(bt_cuda_ctx *c) {
  cudaFree(c->meta);
  cudaFree(c->a);
  cudaFree(c->b);
  cudaFree(c->out);
  cudaFree(c->counts);
  cudaFree(c->labels);
  no_buffers(c);
}

static cudaError_t alloc_buffers(bt_cuda_ctx *c, int cap) {
  size_t n = (size_t)cap;
  cudaError_t e;
  if ((e = cudaMalloc(&c->meta, n * sizeof(bt_tile_meta))) != cudaSuccess) return e;
  if ((e = cudaMalloc(&c->a, n * BT_TILE_CELLS)) != cudaSuccess) return e;
  if ((e = cudaMalloc(&c->b, n * BT_TILE_CELLS)) != cudaSuccess) return e;
  if ((e = cudaMalloc(&c->out, n * BT_TILE_CELLS)) != cudaSuccess) return e;
  if ((e = cudaMalloc(&c->counts, n * BT_TILE_COLORS * sizeof(uint16_t))) != cudaSuccess) return e;
  if ((e = cudaMalloc(&c->labels, n * BT_TILE_CONNS * BT_TILE_CELLS * sizeof(uint16_t))) != cudaSuccess)
    return e;
  c->cap = cap;
  return cudaSuccess;
}

extern "C" int bt_cuda_props_get(int dev, bt_cuda_props *p, char *why, size_t whylen) {
  cudaDeviceProp prop;
  cudaError_t e;
  int clock_khz = 0;
  if ((e = cudaGetDeviceProperties(&prop, dev)) != cudaSuccess ||
      (e = cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, dev)) != cudaSuccess ||
      (e = cudaSetDevice(dev)) != cudaSuccess ||
      (e = cudaMemGetInfo(&p->free_mem, &p->total_mem)) != cudaSuccess)
    return fail(e, why, whylen);
  snprintf(p->name, sizeof p->name, "%.127s", prop.name);
  p->peak_bytes_per_s = 2.0 * clock_khz * 1e3 * (prop.memoryBusWidth / 8.0);
  p->sm_count = prop.multiProcessorCount;
  return BT_CUDA_OK;
}

extern "C" bt_cuda_ctx *bt_cuda_open(int dev, int cap, int pool_tiles, char *why, size_t whylen) {
  bt_cuda_ctx *c = (bt_cuda_ctx *)calloc(1, sizeof *c);
  if (!c) return NULL;
  c->dev = dev;
  cudaError_t e;
  if ((e = cudaSetDevice(dev)) != cudaSuccess || (e = cudaStreamCreate(&c->stream)) != cudaSuccess ||
      (e = cudaEventCreate(&c->start)) != cudaSuccess || (e = cudaEventCreate(&c->stop)) != cudaSuccess ||
      (e = alloc_buffers(c, cap > 0 ? cap : 1)) != cudaSuccess) {
    fail(e, why, whylen);
    bt_cuda_close(c);
    return NULL;
  }
  c->pool_tiles = pool_tiles > 0 ? pool_tiles : 0; // allocated by bt_cuda_pool_tiles
  return c;
}

extern "C" int bt_cuda_pool_tiles(bt_cuda_ctx *c) {
  if (c->pool || c->pool_tiles == 0) return c->pool_tiles;
  if (cudaSetDevice(c->dev) != cudaSuccess ||
      cudaMalloc(&c->pool, (size_t)c->pool_tiles * BT_TILE_CELLS) != cudaSuccess) {
    cudaGetLastError(); // no pool: every grid is packed, as without residency
    c->pool = NULL;
    c->pool_tiles = 0;
  }
  return c->pool_tiles;
}

extern "C" int bt_cuda_capacity(const bt_cuda_ctx *c) { return c->cap; }

extern "C" void bt_cuda_close(bt_cuda_ctx *c) {
  if (!c) return;
  cudaSetDevice(c->dev);
  free_buffers(c);
  cudaFree(c->pool);
  if (c->start) cudaEventDestroy(c->start);
  if (c->stop) cudaEventDestroy(c->stop);
  if (c->stream) cudaStreamDestroy(c->stream);
  free(c);
}

extern "C" float bt_cuda_last_kernel_ms(const bt_cuda_ctx *c) { return c->kernel_ms; }

extern "C" int bt_cuda_run(bt_cuda_ctx *c, int op, bt_tile_batch *b, int inject, char *why, size_t whylen) {
  cudaError_t e;
  cudaGetLastError(); /* what an earlier call left on this thread is not this launch's */
  CUDA_CHECK(cudaSetDevice(c->dev));
  if (b->n > c->cap) {
    /* the new buffers first: when they cannot be had, the old ones stay, and later tiles
       that fit them run without asking again */
    bt_cuda_ctx grown = *c;
    no_buffers(&grown);
    if ((e = alloc_buffers(&grown, b->n)) != cudaSuccess) {
      free_buffers(&grown);
      return fail(e, why, whylen); /* an allocation failure is not sticky: fail clears it */
    }
    free_buffers(c);
    *c = grown;
  }
  if (inject == BT_CUDA_INJECT_OOM) { /* a real allocation failure, taken as any other */
    void *p = NULL;
    if ((e = cudaMalloc(&p, (size_t)1 << 62)) == cudaSuccess) cudaFree(p);
    return fail(e == cudaSuccess ? cudaErrorMemoryAllocation : e, why, whylen);
  }
  size_t n = (size_t)b->n;
  if (n == 0) return BT_CUDA_OK;
  if ((b->keeps || b->pool_ins) && !bt_cuda_pool_tiles(c)) /* the pool, allocated when first used */
    return fail(cudaErrorMemoryAllocation, why, whylen);
  bool cells = bt_tile_op_cells(op), reads_b = false;
  unsigned conns = 0;              /* LABEL: the connectivities some slot asks for */
  for (size_t s = 0; s < n; s++) { /* a map reads b as its mask; a gather, hconcat / vconcat's */
    reads_b |= op != BT_TOP_GATHER || (b->meta[s].hb && b->meta[s].wb);
    conns |= (unsigned)(uint16_t)b->meta[s].p[0];
  }
  cudaStream_t st = c->stream;
  CUDA_CHECK(cudaMemcpyAsync(c->meta, b->meta, n * sizeof(bt_tile_meta), cudaMemcpyHostToDevice, st));
  size_t packed = n - (size_t)b->pool_ins; // the pool's slots come last (tile_format.h)
  if (packed) CUDA_CHECK(cudaMemcpyAsync(c->a, b->a, packed * BT_TILE_CELLS, cudaMemcpyHostToDevice, st));
  if (cells && reads_b) /* gathers of one grid leave b unread */
    CUDA_CHECK(cudaMemcpyAsync(c->b, b->b, n * BT_TILE_CELLS, cudaMemcpyHostToDevice, st));
  if (b->pool_ins) {
    pool_fetch_kernel<<<(unsigned)n, BT_TILE_CELLS / 4, 0, st>>>(c->meta, c->pool, c->a);
    CUDA_CHECK(cudaGetLastError());
  }
  CUDA_CHECK(cudaEventRecord(c->start, st));
  dim3 grid((unsigned)n),
      block(inject == BT_CUDA_INJECT_KERNEL ? 0 : BT_TILE_CELLS); /* 0: a launch that fails */
  switch (op) {
  case BT_TOP_COUNTS: counts_kernel<<<grid, block, 0, st>>>(c->meta, c->a, c->counts); break;
  case BT_TOP_LABEL: label_kernel<<<grid, block, 0, st>>>(c->meta, c->a, c->counts, c->labels); break;
  case BT_TOP_GATHER:
    cell_kernel<BT_TOP_GATHER><<<grid, block, 0, st>>>(c->meta, c->a, c->b, c->out, c->counts);
    break;
  case BT_TOP_MAP:
    cell_kernel<BT_TOP_MAP><<<grid, block, 0, st>>>(c->meta, c->a, c->b, c->out, c->counts);
    break;
  default:
    cell_kernel<BT_TOP_CELLWISE><<<grid, block, 0, st>>>(c->meta, c->a, c->b, c->out, c->counts);
    break;
  }
  CUDA_CHECK(cudaGetLastError()); /* the launch itself (configuration, resources) */
  CUDA_CHECK(cudaEventRecord(c->stop, st));
  if (b->keeps) {
    pool_keep_kernel<<<(unsigned)n, BT_TILE_CELLS / 4, 0, st>>>(c->meta, c->a, c->out, c->pool);
    CUDA_CHECK(cudaGetLastError());
  }
  CUDA_CHECK(cudaMemcpyAsync(b->counts, c->counts, n * BT_TILE_COLORS * sizeof(uint16_t),
                             cudaMemcpyDeviceToHost, st));
  if (cells) CUDA_CHECK(cudaMemcpyAsync(b->out, c->out, n * BT_TILE_CELLS, cudaMemcpyDeviceToHost, st));
  const size_t plane = BT_TILE_CELLS * sizeof(uint16_t), pitch = BT_TILE_CONNS * plane;
  for (int conn = 0; op == BT_TOP_LABEL && conn < BT_TILE_CONNS; conn++) /* the labellings asked for */
    if (conns & (1u << conn))
      CUDA_CHECK(cudaMemcpy2DAsync((uint8_t *)b->labels + conn * plane, pitch,
                                   (const uint8_t *)c->labels + conn * plane, pitch, plane, n,
                                   cudaMemcpyDeviceToHost, st));
  CUDA_CHECK(cudaStreamSynchronize(st)); /* what the kernels met on the device */
  for (int conn = 0; op == BT_TOP_LABEL && conn < BT_TILE_CONNS; conn++) /* the others: none, as a slot not */
    if (!(conns & (1u << conn)))                                         /* asking gets (tile_format.h)     */
      for (size_t s = 0; s < n; s++)
        memset((uint8_t *)b->labels + s * pitch + conn * plane, 0xFF, plane);
  CUDA_CHECK(cudaEventElapsedTime(&c->kernel_ms, c->start, c->stop));
  return BT_CUDA_OK;
}
