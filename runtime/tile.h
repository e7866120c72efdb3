/* tile.h: the tile format shared by the CUDA kernels (cuda/kernels.cu) and their CPU
 * twins (tile.c), and the bridge between it and runtime values.
 *
 * A batch holds n slots, one grid (or pair of grids) each. Every grid is padded to a
 * 32x32 tile of uint8 cells, row-major, cells outside its h x w are 0. A slot's meta
 * carries the dimensions, the operation's parameters and a colour look-up table, so one
 * launch serves a whole program line across the items of a tile even when their
 * arguments differ. Kernels and twins must write every output byte the same way: the
 * tests compare them bit for bit.
 *
 * Only grids of plain ints 0..9 up to 30x30 travel; anything else stays on the CPU. */
#ifndef BATT_TILE_H
#define BATT_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batt.h"

#define BT_TILE_SIDE 32
#define BT_TILE_CELLS (BT_TILE_SIDE * BT_TILE_SIDE)
#define BT_TILE_MAX 30  /* largest side that travels */
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
  BT_TG_HMIRROR = 0, BT_TG_DMIRROR, BT_TG_VMIRROR, BT_TG_CMIRROR,
  BT_TG_ROT90, BT_TG_ROT180, BT_TG_ROT270, BT_TG_IDENTITY,
  BT_TG_UPSCALE,   /* p[1]: factor */
  BT_TG_DOWNSCALE, /* p[1]: factor */
  BT_TG_CROP,      /* p[1], p[2]: first row and column */
  BT_TG_HCONCAT,   /* a then b, side by side */
  BT_TG_VCONCAT,   /* a then b, one above the other */
} bt_tile_gather;

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
} bt_tile_meta;

/* A batch in host memory (the device keeps a mirror of the same layout). */
typedef struct bt_tile_batch {
  int n, cap;
  bt_tile_meta *meta; /* cap */
  uint8_t *a;         /* cap x 1024: first grid */
  uint8_t *b;         /* cap x 1024: second grid or mask */
  uint8_t *out;       /* cap x 1024: output grid */
  uint16_t *counts;   /* cap x 10: colour counts of a */
  uint16_t *labels;   /* cap x 6 x 1024: per connectivity, each cell's component as the
                         smallest padded index (i * 32 + j) in it, or BT_TILE_NOLABEL */
} bt_tile_batch;

/* Bytes of one slot across every array (what a launch may move per grid). */
size_t bt_tile_slot_bytes(void);
bool bt_tile_batch_init(bt_tile_batch *b, int cap);
void bt_tile_batch_free(bt_tile_batch *b);

/* The CPU twin of every kernel: runs op over slots [0, b->n). */
void bt_tile_twin(bt_tile_op op, bt_tile_batch *b);
/* The twin of one slot (the CUDA kernels follow this, thread by cell). */
void bt_tile_twin_slot(bt_tile_op op, bt_tile_batch *b, int s);

/* ---- the bridge to runtime values --------------------------------------------------- */

/* Which primitives have a kernel (the catalogue's `kernel` property), and the operation
 * a line of that primitive launches. -1 when none. */
int bt_tile_prim_op(int prim);

/* Fills slot s with the arguments of prim; false when they do not fit the tile format
 * (that item then runs on the CPU). May allocate small values in cx. */
bool bt_tile_pack(bt_ctx *cx, bt_tile_batch *b, int s, int prim, const bt_value *args);
/* The value prim would have returned, from slot s after the launch. */
bt_value bt_tile_unpack(bt_ctx *cx, const bt_tile_batch *b, int s, int prim, const bt_value *args);

/* The grid of ints 0..9, 1..30 a side: its dims; false otherwise. */
bool bt_tile_grid_ok(bt_value g, int *h, int *w);
/* objects() of slot s under mode k (0..7) from its labels, as bt_call_prim gives it. */
bt_value bt_tile_objects(bt_ctx *cx, const bt_tile_batch *b, int s, bt_value grid, int mode);
/* Slot s of a LABEL batch asks for every connectivity the modes in mode_mask (bit k:
 * mode k) need: one labelling per connectivity serves several modes. */
void bt_tile_pack_label_modes(bt_tile_batch *b, int s, unsigned mode_mask);

#endif
