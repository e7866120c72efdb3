/* device_impl.h: what the device layer (device.c) shares with the code that runs program
 * lines through it (device_lines.c): the device's buffers, its pool of resident grids and
 * launching with a warning. Nothing here knows frames or items. */
#ifndef BATT_DEVICE_IMPL_H
#define BATT_DEVICE_IMPL_H

#include "device.h"

typedef struct bt_cuda_ctx bt_cuda_ctx;

/* A grid kept in the device's pool, known by the identity of its rows. */
typedef struct bt_resident {
  const bt_value *rows;
  uint32_t n;
  int32_t owner;  /* who holds its memory (for the runner: an item); -1: the whole chunk */
  uint32_t moves; /* the owner's compactions when it was kept (a later one moves it) */
  uint32_t gen;   /* the chunk it was kept in (bt_device_forget starts another) */
  int32_t tile;
} bt_resident;

struct bt_device {
  bt_device_spec spec;
  char label[32];
  FILE *warn;
  bt_cuda_ctx *cuda; /* NULL for a twin */
  bool broken;       /* a kernel error left the GPU unusable: everything runs on the CPU */
  int slot_limit;    /* after buffers could not grow: the slots a launch may have (0: any) */
  bt_tile_batch batch;
  bt_value *args; /* 4 per item of the line being run */
  int *slot_of;   /* per item: its slot, or -1 when it runs on the CPU */
  int cap_items;
  int *demo_slot; /* bt_device_demo_counts: slot of each demonstration grid, or -1 */
  int cap_demo;
  bool demo_ok;              /* the counts of the last bt_device_demo_counts are in batch */
  int pool_tiles, pool_used; /* residency: tiles of the pool, tiles given out this chunk */
  uint8_t *pool_host;        /* a twin's pool (a GPU's is on the GPU) */
  bt_resident *table;        /* table_mask + 1 entries (a power of two, at least 2 x
                                pool_tiles), open addressing */
  size_t table_mask;
  uint32_t gen;
  bt_device_stats stats;
  bool choose;               /* bt_device_choose: each kind of line goes where it runs faster */
  struct bt_line_cost *cost; /* per primitive, for the choice (device_lines.c); NULL until used */
  int kinds_lost, kinds_won; /* kinds of line the device ran over 2x slower / faster than the CPU */
  double dev_call_ns;        /* the last line the device ran: its time */
  double cpu_since_dev;      /* the time of the lines timed on the CPU since */
};

/* Room for n items (args, slot_of) and n slots; false when memory is short. */
bool bt_device_reserve(bt_device *d, int n);
/* Room for n slots in the batch. */
bool bt_device_reserve_slots(bt_device *d, int n);
/* Launches op over the batch; on failure one warning naming what the tile was for. An
 * empty batch is a success. */
bool bt_device_launch_or_warn(bt_device *d, bt_tile_op op, const char *what);

/* The pool tile holding grid v for owner (with that many moves), or -1; a grid kept
 * for the whole chunk (owner -1) matches any owner. */
int bt_device_resident_find(const bt_device *d, bt_value v, int32_t owner, uint32_t moves);
/* Grid v is in pool tile `tile` from now on (owner -1: for the whole chunk). */
void bt_device_resident_add(bt_device *d, bt_value v, int32_t owner, uint32_t moves, int tile);
/* A pool tile for a grid to keep, 1-based; 0 when the pool is full. */
int32_t bt_device_pool_take(bt_device *d);

#endif
