/* device.h: the accelerators a run may use, and running program lines on them.
 *
 * A device is a CUDA GPU (cuda:N) or a twin (twin:N): a device that takes exactly the
 * tile path of a GPU (pack, launch, unpack, fallback) but runs the CPU twins instead of
 * kernels, so every part of the device layer is testable on any machine. A run opens
 * one bt_device per device worker (the same GPU listed twice gives two workers with
 * their own streams and buffers). */
#ifndef BATT_DEVICE_H
#define BATT_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "program.h"
#include "tile.h"

/* Number of usable CUDA devices; 0 with the reason in why (no driver, no device,
 * driver too old, built without CUDA). */
int bt_cuda_device_count(char *why, size_t whylen);

typedef enum bt_device_kind { BT_DEVICE_TWIN = 1, BT_DEVICE_CUDA = 2 } bt_device_kind;

typedef struct bt_device_spec {
  int kind; /* bt_device_kind */
  int index;
} bt_device_spec;

#define BT_MAX_DEVICES 16

/* Parses a device list "cuda:0,cuda:1,twin:0" (an entry may repeat); returns the count,
 * or -1 with a message in err. */
int bt_devices_parse(const char *list, bt_device_spec *out, int max, char *err, size_t errlen);
/* The device workers of --device MODE (cpu, cuda or auto; NULL: auto, or cuda when a
 * list is given) and --devices LIST (NULL: every CUDA device). Without a usable GPU the
 * CUDA entries are dropped and one line on msg says why (the CPU does their work); twin
 * entries stay. Returns the count, or -1 with a message in err for a bad option. */
int bt_devices_resolve(const char *mode, const char *list, bt_device_spec *out, int max, FILE *msg, char *err,
                       size_t errlen);
/* "cuda:0", "twin:1". */
void bt_device_name(bt_device_spec spec, char *buf, size_t len);

/* What a device offers: name, memory, peak bandwidth (bytes/s; 0 for a twin). */
typedef struct bt_device_props {
  char name[128];
  size_t total_mem, free_mem;
  double peak_bytes_per_s;
} bt_device_props;
bool bt_device_props_get(bt_device_spec spec, bt_device_props *p, char *why, size_t whylen);

/* Items per tile for a device worker with free_mem bytes free (docs/cuda.md):
 * free_mem / 8 / (slot bytes x BT_DEVICE_SLOTS_PER_ITEM), clamped to [4, 256]. A twin
 * counts as 1 GiB free (BATT_TWIN_MEM_MIB overrides, for tests of the formula). */
#define BT_DEVICE_SLOTS_PER_ITEM 4
int bt_device_tile_items(size_t free_mem);

typedef struct bt_device bt_device;

/* Counters of one device worker. */
typedef struct bt_device_stats {
  long launches;   /* tiles that ran on the device */
  long grids;      /* slots in them */
  long fallbacks;  /* tiles that failed and ran on the CPU */
  long cpu_items;  /* items of kernel lines that did not fit a tile */
  long demo_grids; /* demonstration grids counted for the sample pattern (in grids too) */
  long resident;   /* grids of slots taken from the device's pool instead of packed */
} bt_device_stats;

/* Opens a device for one worker with room for cap slots per launch and a pool of `pool`
 * tiles for residency (below; -1: the default for cap, 0: none); NULL with the reason
 * when it cannot start. warnings go to warn (NULL: stderr). */
bt_device *bt_device_open(bt_device_spec spec, int cap, int pool, FILE *warn, char *why, size_t whylen);
void bt_device_close(bt_device *d);
/* --device auto: the device takes a kind of line (a primitive with a kernel, the fused
 * objects call) only where it is measured faster than the CPU per item (device_lines.h).
 * Off (--device cuda, the default of bt_device_open): every such line goes to the device. */
void bt_device_choose(bt_device *d, bool choose);
const bt_device_stats *bt_device_stats_of(const bt_device *d);
const char *bt_device_label(const bt_device *d);

/* Runs op over the batch on the device. False when the launch failed (injected fault,
 * out of memory, kernel error) with the reason in why: the caller runs those slots on
 * the CPU. */
bool bt_device_launch(bt_device *d, bt_tile_op op, bt_tile_batch *b, char *why, size_t whylen);
/* The device's own batch (page-locked host memory on a GPU, as its launches use), with
 * room for at least `slots` slots; NULL when that memory cannot be had. For benchmarks
 * that pack a batch themselves and launch it (bt_device_launch). */
bt_tile_batch *bt_device_batch(bt_device *d, int slots);
/* Milliseconds the last launch's kernel took on the GPU (0 for a twin). */
double bt_device_last_kernel_ms(const bt_device *d);

/* Residency: a device keeps the grids of a chunk's launches (inputs, outputs) in a pool
 * of tiles, BT_DEVICE_POOL_PER_ITEM per item of its tile (at most BT_DEVICE_POOL_MAX),
 * and a later line whose grid argument is the very same value (by identity; the value
 * of an item whose arena was compacted since is not) reads it from there instead of
 * packing and copying it again. Values are known by their address: whoever releases the
 * memory of values a device has seen (the runner, at the end of each chunk) calls
 * bt_device_forget first. */
#define BT_DEVICE_POOL_PER_ITEM 128
#define BT_DEVICE_POOL_MAX 65536
void bt_device_forget(bt_device *d);

/* Fault injection for tests (BATT_FAULT=kernel:N or oom:N): whether launch number
 * `launch` (1-based, counted across all devices of the process) is to fail, and how. */
const char *bt_device_fault(long launch);
/* Re-reads the fault spec (NULL: from BATT_FAULT) and restarts the launch count. */
void bt_device_fault_reset(const char *spec);

#endif
