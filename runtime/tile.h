/* tile.h: the tile format shared by the CUDA kernels (cuda/kernels.cu) and their CPU
 * twins (tile.c), and the bridge between it and runtime values.
 *
 * A batch holds n slots, one grid (or pair of grids) each. Every grid is padded to a
 * 32x32 tile of uint8 cells, row-major, cells outside its h x w are 0. A slot's meta
 * carries the dimensions, the operation's parameters and a colour look-up table, so one
 * launch serves a whole program line across the items of a tile even when their
 * arguments differ (the layout itself is in tile_format.h, shared with the kernels).
 *
 * Only grids of plain ints 0..9 up to 30x30 travel; anything else stays on the CPU. */
#ifndef BATT_TILE_H
#define BATT_TILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "batt.h"
#include "tile_format.h"

/* Bytes of one slot across every array (what a launch may move per grid). */
size_t bt_tile_slot_bytes(void);
bool bt_tile_batch_init(bt_tile_batch *b, int cap);
/* The same with the arrays from alloc (zeroed memory; NULL: calloc), freed by release. */
bool bt_tile_batch_init_mem(bt_tile_batch *b, int cap, void *(*alloc)(size_t), void (*release)(void *));
void bt_tile_batch_free(bt_tile_batch *b);

/* The CPU twin of every kernel: runs op over slots [0, b->n). */
void bt_tile_twin(bt_tile_op op, bt_tile_batch *b);
/* The twin of one slot (the CUDA kernels follow this, thread by cell). */
void bt_tile_twin_slot(bt_tile_op op, bt_tile_batch *b, int s);

/* ---- the bridge to runtime values --------------------------------------------------- */

/* The tile operation a line of primitive prim launches (BT_TOP_*, the catalogue's `kernel`),
 * -1 when it has no batch kernel. */
int bt_tile_prim_op(int prim);

/* Fills slot s with the arguments of prim; false when they do not fit the tile format
 * (that item then runs on the CPU). May allocate small values in cx. */
bool bt_tile_pack(bt_ctx *cx, bt_tile_batch *b, int s, int prim, const bt_value *args);
/* Which argument of prim is the grid that goes into a. */
int bt_tile_grid_arg(int prim);
/* bt_tile_pack when that grid is pool tile `tile` of the device (it is a grid that
 * travelled before): it is not checked or written; meta.pool_in says where it is. Not
 * for LABEL, whose unpacking reads a on the host. */
bool bt_tile_pack_resident(bt_ctx *cx, bt_tile_batch *b, int s, int prim, const bt_value *args, int tile);
/* The twins of the pool copies around a launch: a of each slot with pool_in from the
 * pool, then (after the operation) a and out into the pool where keep_a / keep_out. */
void bt_tile_pool_fetch(bt_tile_batch *b, const uint8_t *pool);
void bt_tile_pool_keep(const bt_tile_batch *b, uint8_t *pool);

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
