/* cuda_api.h: the private interface between the C runtime (device.c) and the CUDA code
 * (detect.cu, kernels.cu): plain C types only, so no C file sees a CUDA header. */
#ifndef BATT_CUDA_API_H
#define BATT_CUDA_API_H

#include <stddef.h>

#include "../tile_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Page-locked host memory, usable by every device (NULL when it cannot be had), and its
 * release: a batch in it is copied by DMA without a staging copy. */
void *bt_cuda_host_alloc(size_t bytes);
void bt_cuda_host_free(void *p);

/* Number of CUDA devices; 0 with the reason (the CUDA error's name) in why. */
int bt_cuda_probe(char *why, size_t whylen);

typedef struct bt_cuda_props {
  char name[128];
  size_t total_mem, free_mem;
  double peak_bytes_per_s; /* 2 x memory clock x bus width */
  int sm_count;
} bt_cuda_props;

/* Properties of device dev; 0 on success, else the error's name in why. */
int bt_cuda_props_get(int dev, bt_cuda_props *p, char *why, size_t whylen);

/* A stream and device buffers for cap slots on device dev (one per worker), and room for
 * a pool of pool_tiles tiles for residency, allocated when first asked for (a device that
 * is never used for residency never holds it). */
typedef struct bt_cuda_ctx bt_cuda_ctx;
bt_cuda_ctx *bt_cuda_open(int dev, int cap, int pool_tiles, char *why, size_t whylen);
/* The pool's tiles: allocated now if not yet; 0 when it cannot be had (then never). */
int bt_cuda_pool_tiles(bt_cuda_ctx *c);
/* The slots its buffers hold now (they grow with a larger batch, when the GPU has room). */
int bt_cuda_capacity(const bt_cuda_ctx *c);
void bt_cuda_close(bt_cuda_ctx *c);

enum { BT_CUDA_OK = 0, BT_CUDA_OOM = 1, BT_CUDA_FAILED = 2 };
/* Fault injection (BATT_FAULT, device.c) through the real paths: an allocation that CUDA
 * refuses (BT_CUDA_OOM), or a launch with an invalid configuration (BT_CUDA_FAILED). */
enum { BT_CUDA_INJECT_NONE = 0, BT_CUDA_INJECT_OOM = 1, BT_CUDA_INJECT_KERNEL = 2 };
/* Copies the slots of b in, fetches the grids that are in the pool (meta.pool_in), runs
 * op's kernel on every slot, keeps grids in the pool (keep_a, keep_out), copies the
 * outputs back (counts; out, or the labellings some slot asked for, LABEL) and waits. The
 * second grids (b) of a gather travel only when a slot has one (hb, wb). BT_CUDA_OOM when buffers could not
 * grow, BT_CUDA_FAILED for any other error (the context may be unusable after it). */
int bt_cuda_run(bt_cuda_ctx *c, int op, bt_tile_batch *b, int inject, char *why, size_t whylen);
/* Milliseconds the kernel alone took in the last bt_cuda_run (CUDA events). */
float bt_cuda_last_kernel_ms(const bt_cuda_ctx *c);

#ifdef __cplusplus
}
#endif

#endif
