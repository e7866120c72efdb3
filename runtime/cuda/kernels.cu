// kernels.cu: the tile kernels. One thread block per slot, one thread per cell of the
// 32x32 tile. Each kernel equals its CPU twin (tile.c, bt_tile_twin_slot) bit for bit;
// the per-cell rules come from tile_format.h, shared with the twins.
#include <cstdio>
#include <cstdlib>

#include <cuda_runtime.h>

#include "cuda_api.h"

struct bt_cuda_ctx {
  int dev, cap;
  cudaStream_t stream;
  cudaEvent_t start, stop;
  bt_tile_meta *meta;
  uint8_t *a, *b, *out;
  uint16_t *counts, *labels;
  uint8_t *pool; // pool_tiles tiles kept across launches (residency, tile_format.h)
  int pool_tiles;
  float kernel_ms;
};

/* A block is a whole 32 x 32 tile, one thread a cell: 1024 threads. The bounds make nvcc
 * keep each kernel within 32 registers a thread (two blocks an SM; past 64 a launch of
 * 1024 threads fails), spilling if it must: tests/ptxas_check.sh checks what it reports. */
#define BLOCKS_PER_SM 2

// Residency: grid a of each slot with pool_in from the pool (before the operation), and
// a / out of each slot with keep_a / keep_out into it (after). 256 threads, 4 bytes each.
__global__ void __launch_bounds__(BT_TILE_CELLS / 4)
    pool_fetch_kernel(const bt_tile_meta *meta, const uint8_t *pool, uint8_t *a) {
  int s = blockIdx.x, from = meta[s].pool_in;
  if (!from) return;
  const uint32_t *src = (const uint32_t *)(pool + (size_t)(from - 1) * BT_TILE_CELLS);
  ((uint32_t *)(a + (size_t)s * BT_TILE_CELLS))[threadIdx.x] = src[threadIdx.x];
}

__global__ void __launch_bounds__(BT_TILE_CELLS / 4)
    pool_keep_kernel(const bt_tile_meta *meta, const uint8_t *a, const uint8_t *out, uint8_t *pool) {
  int s = blockIdx.x, ka = meta[s].keep_a, ko = meta[s].keep_out;
  if (ka)
    ((uint32_t *)(pool + (size_t)(ka - 1) * BT_TILE_CELLS))[threadIdx.x] =
        ((const uint32_t *)(a + (size_t)s * BT_TILE_CELLS))[threadIdx.x];
  if (ko)
    ((uint32_t *)(pool + (size_t)(ko - 1) * BT_TILE_CELLS))[threadIdx.x] =
        ((const uint32_t *)(out + (size_t)s * BT_TILE_CELLS))[threadIdx.x];
}

// Colour counts of the slot's grid into counts16 (shared), written out by thread c < 10.
__device__ void tile_counts(const bt_tile_meta &m, const uint8_t *a, unsigned *cnt, uint16_t *counts16,
                            uint16_t *counts_out) {
  int c = threadIdx.x, i = c / BT_TILE_SIDE, j = c % BT_TILE_SIDE;
  if (c < BT_TILE_COLORS) cnt[c] = 0;
  __syncthreads();
  if (i < m.ha && j < m.wa) atomicAdd(&cnt[a[c]], 1u);
  __syncthreads();
  if (c < BT_TILE_COLORS) {
    counts16[c] = (uint16_t)cnt[c];
    counts_out[c] = (uint16_t)cnt[c];
  }
  __syncthreads();
}

__global__ void __launch_bounds__(BT_TILE_CELLS, BLOCKS_PER_SM)
    counts_kernel(const bt_tile_meta *meta, const uint8_t *a, uint16_t *counts) {
  __shared__ unsigned cnt[BT_TILE_COLORS];
  __shared__ uint16_t counts16[BT_TILE_COLORS];
  int s = blockIdx.x;
  tile_counts(meta[s], a + (size_t)s * BT_TILE_CELLS, cnt, counts16, counts + (size_t)s * BT_TILE_COLORS);
}

// Min-label propagation with pointer jumping: every cell ends with the smallest padded
// index of its component, whatever the order of updates (the twin's flood seed).
__global__ void __launch_bounds__(BT_TILE_CELLS, BLOCKS_PER_SM)
    label_kernel(const bt_tile_meta *meta, const uint8_t *a, uint16_t *counts, uint16_t *labels) {
  __shared__ uint8_t av[BT_TILE_CELLS];
  __shared__ uint16_t lab[BT_TILE_CELLS];
  __shared__ unsigned cnt[BT_TILE_COLORS];
  __shared__ uint16_t counts16[BT_TILE_COLORS];
  const int di[8] = {-1, 1, 0, 0, -1, -1, 1, 1}, dj[8] = {0, 0, -1, 1, -1, 1, -1, 1};
  int s = blockIdx.x, c = threadIdx.x, i = c / BT_TILE_SIDE, j = c % BT_TILE_SIDE;
  const bt_tile_meta m = meta[s];
  av[c] = a[(size_t)s * BT_TILE_CELLS + c];
  tile_counts(m, av, cnt, counts16, counts + (size_t)s * BT_TILE_COLORS);
  int bg = bt_tile_most_common(counts16);
  bool inside = i < m.ha && j < m.wa;
  for (int conn = 0; conn < BT_TILE_CONNS; conn++) {
    uint16_t *dst = labels + ((size_t)s * BT_TILE_CONNS + conn) * BT_TILE_CELLS;
    if (!(m.p[0] & (1 << conn))) {
      dst[c] = BT_TILE_NOLABEL;
      continue;
    }
    lab[c] = inside && !(conn >= 4 && av[c] == bg) ? (uint16_t)c : (uint16_t)BT_TILE_NOLABEL;
    __syncthreads();
    int nsteps = (conn & 1) ? 8 : 4;
    for (;;) {
      uint16_t best = lab[c];
      if (best != BT_TILE_NOLABEL) {
        for (int k = 0; k < nsteps; k++) {
          int ni = i + di[k], nj = j + dj[k], nc = ni * BT_TILE_SIDE + nj;
          if (ni < 0 || nj < 0 || ni >= m.ha || nj >= m.wa) continue;
          uint16_t other = lab[nc];
          if (other != BT_TILE_NOLABEL && other < best && bt_tile_joins(conn, av, c, nc, bg)) best = other;
        }
        uint16_t jump = lab[best];
        if (jump < best) best = jump;
      }
      __syncthreads();
      int changed = best != lab[c];
      lab[c] = best;
      if (!__syncthreads_or(changed)) break;
    }
    dst[c] = lab[c];
    __syncthreads();
  }
}

// GATHER, MAP and CELLWISE: one output cell per thread.
template <int OP>
__global__ void __launch_bounds__(BT_TILE_CELLS, BLOCKS_PER_SM)
    cell_kernel(const bt_tile_meta *meta, const uint8_t *a, const uint8_t *b, uint8_t *out,
                uint16_t *counts) {
  __shared__ unsigned cnt[BT_TILE_COLORS];
  __shared__ uint16_t counts16[BT_TILE_COLORS];
  int s = blockIdx.x, c = threadIdx.x, i = c / BT_TILE_SIDE, j = c % BT_TILE_SIDE;
  const bt_tile_meta m = meta[s];
  const uint8_t *as = a + (size_t)s * BT_TILE_CELLS, *bs = b + (size_t)s * BT_TILE_CELLS;
  tile_counts(m, as, cnt, counts16, counts + (size_t)s * BT_TILE_COLORS);
  int v = 0;
  if (i < m.ho && j < m.wo) {
    if (OP == BT_TOP_GATHER) {
      int si, sj;
      int from_b = bt_tile_gather_source(&m, i, j, &si, &sj);
      v = (from_b ? bs : as)[si * BT_TILE_SIDE + sj];
    } else if (OP == BT_TOP_MAP) {
      v = bt_tile_map_cell(&m, as[c], bs[c], bt_tile_most_common(counts16));
    } else {
      v = as[c] == bs[c] ? as[c] : m.p[0];
    }
  }
  out[(size_t)s * BT_TILE_CELLS + c] = (uint8_t)v;
}

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

static void free_buffers(bt_cuda_ctx *c) {
  cudaFree(c->meta);
  cudaFree(c->a);
  cudaFree(c->b);
  cudaFree(c->out);
  cudaFree(c->counts);
  cudaFree(c->labels);
  c->meta = NULL, c->a = c->b = c->out = NULL, c->counts = c->labels = NULL;
  c->cap = 0;
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
  if (pool_tiles > 0 && cudaMalloc(&c->pool, (size_t)pool_tiles * BT_TILE_CELLS) == cudaSuccess)
    c->pool_tiles = pool_tiles;
  else
    cudaGetLastError(); // no pool: every grid is packed, as without residency
  return c;
}

extern "C" int bt_cuda_pool_tiles(const bt_cuda_ctx *c) { return c->pool_tiles; }

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
    if ((e = alloc_buffers(&grown, b->n)) != cudaSuccess) {
      free_buffers(&grown);
      return fail(e, why, whylen); /* an allocation failure is not sticky: fail clears it */
    }
    free_buffers(c);
    c->meta = grown.meta, c->a = grown.a, c->b = grown.b, c->out = grown.out;
    c->counts = grown.counts, c->labels = grown.labels, c->cap = grown.cap;
  }
  if (inject == BT_CUDA_INJECT_OOM) { /* a real allocation failure, taken as any other */
    void *p = NULL;
    if ((e = cudaMalloc(&p, (size_t)1 << 62)) == cudaSuccess) cudaFree(p);
    return fail(e == cudaSuccess ? cudaErrorMemoryAllocation : e, why, whylen);
  }
  size_t n = (size_t)b->n;
  if (n == 0) return BT_CUDA_OK;
  bool cells = bt_tile_op_cells(op), reads_b = false;
  unsigned conns = 0; /* LABEL: the connectivities some slot asks for */
  for (size_t s = 0; s < n; s++) {
    reads_b |= b->meta[s].hb && b->meta[s].wb;
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
  dim3 grid((unsigned)n), block(inject == BT_CUDA_INJECT_KERNEL ? 0 : BT_TILE_CELLS); /* 0: a launch that fails */
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
      CUDA_CHECK(cudaMemcpy2DAsync((uint8_t *)b->labels + conn * plane, pitch, (const uint8_t *)c->labels + conn * plane,
                                   pitch, plane, n, cudaMemcpyDeviceToHost, st));
  CUDA_CHECK(cudaStreamSynchronize(st)); /* what the kernels met on the device */
  for (int conn = 0; op == BT_TOP_LABEL && conn < BT_TILE_CONNS; conn++) /* the others: none, as a slot not */
    if (!(conns & (1u << conn)))                                         /* asking gets (tile_format.h)     */
      for (size_t s = 0; s < n; s++)
        memset((uint8_t *)b->labels + s * pitch + conn * plane, 0xFF, plane);
  CUDA_CHECK(cudaEventElapsedTime(&c->kernel_ms, c->start, c->stop));
  return BT_CUDA_OK;
}
