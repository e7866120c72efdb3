// kernels.cuh: the tile kernels. One thread block per slot, one thread per cell of the
// 32x32 tile. Each kernel equals its CPU twin (tile.c, bt_tile_twin_slot) bit for bit;
// the per-cell rules come from tile_format.h, shared with the twins. kernels.cu compiles
// this text with nvcc; the emulator (tests/emu) compiles the very same text for the CPU.
#ifndef BATT_CUDA_KERNELS_CUH
#define BATT_CUDA_KERNELS_CUH

#include "../tile_format.h"

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
      /* the lut read where it lies: indexing the local copy m by a cell's value would put m
         in local memory */
      v = bt_tile_map_cell(&meta[s], as[c], bs[c], bt_tile_most_common(counts16));
    } else {
      v = as[c] == bs[c] ? as[c] : m.p[0];
    }
  }
  out[(size_t)s * BT_TILE_CELLS + c] = (uint8_t)v;
}

#endif
