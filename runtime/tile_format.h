/* tile_format.h: the layout of a batch of tiles, shared by the C runtime (tile.c) and
 * the CUDA kernels (cuda/kernels.cu), with the per-cell rules both apply. Plain C, no
 * runtime types, so nvcc compiles it too.
 *
 * A batch holds n slots, one grid (or pair of grids) each. Every grid is padded to a
 * 32x32 tile of uint8 cells, row-major; cells outside its h x w are 0. Kernels and twins
 * must write every output byte the same way: the tests compare them bit for bit. */
#ifndef BATT_TILE_FORMAT_H
#define BATT_TILE_FORMAT_H

#include <stdint.h>

#ifdef __CUDACC__
#define BT_HD __host__ __device__
#else
#define BT_HD
#endif

#define BT_TILE_SIDE 32
#define BT_TILE_CELLS (BT_TILE_SIDE * BT_TILE_SIDE)
#define BT_TILE_MAX 30 /* largest side that travels */
#define BT_TILE_COLORS 10
#define BT_TILE_CONNS 6 /* connectivities of the labelling (bt_tile_conn) */
#define BT_TILE_NOLABEL 0xFFFF
#define BT_TILE_KEEP 255 /* mask cell: leave the grid's cell */
#define BT_TILE_BG 254   /* mask cell: write the grid's most common colour */

/* One launch runs one operation over every slot of a batch. */
typedef enum bt_tile_op {
  BT_TOP_COUNTS = 0, /* counts of colours 0..9 */
  BT_TOP_LABEL,      /* counts, and the labellings whose bits are in p[0] */
  BT_TOP_GATHER,     /* out[i][j] = a or b at a source cell given by p[0] (bt_tile_gather) */
  BT_TOP_MAP,        /* out = mask b where set (BG: most common colour), else lut[a] */
  BT_TOP_CELLWISE,   /* out = a == b ? a : p[0] */
  BT_TOP_COUNT_OPS
} bt_tile_op;

/* What GATHER reads: the eight mir_rot_t modes, then the scalings and slices. */
typedef enum bt_tile_gather {
  BT_TG_HMIRROR = 0,
  BT_TG_DMIRROR,
  BT_TG_VMIRROR,
  BT_TG_CMIRROR,
  BT_TG_ROT90,
  BT_TG_ROT180,
  BT_TG_ROT270,
  BT_TG_IDENTITY,
  BT_TG_UPSCALE,   /* p[1]: factor */
  BT_TG_DOWNSCALE, /* p[1]: factor */
  BT_TG_CROP,      /* p[1], p[2]: first row and column */
  BT_TG_HCONCAT,   /* a then b, side by side */
  BT_TG_VCONCAT,   /* a then b, one above the other */
} bt_tile_gather;

/* Whether op writes an output grid (out) and reads the second grid or mask (b): GATHER,
 * MAP and CELLWISE; COUNTS and LABEL read a only. */
static inline BT_HD int bt_tile_op_cells(int op) {
  return op == BT_TOP_GATHER || op == BT_TOP_MAP || op == BT_TOP_CELLWISE;
}

/* Connectivities: univalued 4/8, any value 4/8 (background included), any value but the
 * background 4/8. objects() mode k (univalued k&4, diagonal k&2, without_bg k&1) uses
 * bt_tile_conn(k); a univalued mode without background drops the background's objects. */
static inline int bt_tile_conn(int mode) {
  int diag = (mode & 2) ? 1 : 0;
  if (mode & 4) return diag;
  return 2 + ((mode & 1) ? 2 : 0) + diag;
}

typedef struct bt_tile_meta {
  uint8_t ha, wa, hb, wb, ho, wo; /* grid a, grid b (or the mask), the output */
  uint8_t lut[BT_TILE_COLORS];    /* MAP: colour of each cell value where unmasked */
  int16_t p[4];                   /* the operation's parameters */
  /* Residency: a device keeps a pool of tiles across the launches of a chunk of tasks.
   * pool_in: grid a is pool tile pool_in - 1 (the host did not pack it: the device
   * copies it into a before the operation); keep_a, keep_out: after the operation, a
   * (out) is kept as pool tile keep_a - 1 (keep_out - 1). 0: none. */
  int32_t pool_in, keep_a, keep_out;
} bt_tile_meta;

/* A batch in host memory (the device keeps a mirror of the same layout). */
typedef struct bt_tile_batch {
  int n, cap;
  int pool_ins, keeps;     /* slots with pool_in, with keep_a or keep_out (0: no pool copies).
                              The pool_in slots are the last pool_ins of the batch: only the
                              grids a of the first n - pool_ins slots are copied in */
  bt_tile_meta *meta;      /* cap */
  uint8_t *a;              /* cap x 1024: first grid */
  uint8_t *b;              /* cap x 1024: second grid or mask */
  uint8_t *out;            /* cap x 1024: output grid */
  uint16_t *counts;        /* cap x 10: colour counts of a */
  uint16_t *labels;        /* cap x 6 x 1024: per connectivity, each cell's component as the
                              smallest padded index (i * 32 + j) in it, or BT_TILE_NOLABEL */
  void (*release)(void *); /* how the arrays are freed (NULL: free; a GPU's page-locked
                              buffers have their own) */
} bt_tile_batch;

/* The most common colour of a slot, ties to the lowest (arc-dsl's mostcolor in
 * canonical order). */
static inline BT_HD int bt_tile_most_common(const uint16_t *counts) {
  int best = 0;
  for (int c = 1; c < BT_TILE_COLORS; c++)
    if (counts[c] > counts[best]) best = c;
  return best;
}

/* Whether neighbouring cells x and y (both inside the grid) join under conn. */
static inline BT_HD int bt_tile_joins(int conn, const uint8_t *a, int x, int y, int bg) {
  if (conn < 2) return a[x] == a[y];
  if (conn < 4) return 1;
  return a[x] != bg && a[y] != bg;
}

/* The cell GATHER reads for output (i, j): from a (returns 0) or b (1), at *si, *sj. */
static inline BT_HD int bt_tile_gather_source(const bt_tile_meta *m, int i, int j, int *si, int *sj) {
  int h = m->ha, w = m->wa, from_b = 0;
  switch (m->p[0]) {
  case BT_TG_HMIRROR: *si = h - 1 - i, *sj = j; break;
  case BT_TG_DMIRROR: *si = j, *sj = i; break;
  case BT_TG_VMIRROR: *si = i, *sj = w - 1 - j; break;
  case BT_TG_CMIRROR: *si = h - 1 - j, *sj = w - 1 - i; break;
  case BT_TG_ROT90: *si = h - 1 - j, *sj = i; break;
  case BT_TG_ROT180: *si = h - 1 - i, *sj = w - 1 - j; break;
  case BT_TG_ROT270: *si = j, *sj = w - 1 - i; break;
  case BT_TG_UPSCALE: *si = i / m->p[1], *sj = j / m->p[1]; break;
  case BT_TG_DOWNSCALE: *si = i * m->p[1], *sj = j * m->p[1]; break;
  case BT_TG_CROP: *si = m->p[1] + i, *sj = m->p[2] + j; break;
  case BT_TG_HCONCAT: from_b = j >= w, *si = i, *sj = from_b ? j - w : j; break;
  case BT_TG_VCONCAT: from_b = i >= h, *si = from_b ? i - h : i, *sj = j; break;
  default: *si = i, *sj = j; break;
  }
  return from_b;
}

/* MAP on one cell: the mask's colour where it has one, the background where it says
 * so, else the cell through the look-up table. */
static inline BT_HD int bt_tile_map_cell(const bt_tile_meta *m, int a, int mask, int bg) {
  return mask < BT_TILE_COLORS ? mask : mask == BT_TILE_BG ? bg : m->lut[a];
}

#endif
