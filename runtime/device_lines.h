/* device_lines.h: program lines through a device. Each call packs the items whose
 * arguments fit a tile, launches, and stores those items' values; it reports which items
 * it stored and never runs the CPU path: the caller (exec.c, fused.c) runs the others. */
#ifndef BATT_DEVICE_LINES_H
#define BATT_DEVICE_LINES_H

#include "device.h"
#include "frame.h"

/* Line t = prim(args) for the items of ex whose arguments fit a tile: stored[k] is set for
 * each item stored, cleared for the others (a failed launch, with one warning, stores
 * none). False when prim has no kernel or the device cannot take the line (nothing
 * stored). */
bool bt_device_line_call(bt_device *d, bt_exec *ex, int t, int prim, int nargs, const bt_operand *args,
                         uint8_t *stored);

/* The fused objects call (bt_exec_objects): one LABEL launch asks, per grid, for every
 * connectivity the modes need; stored[k] is set for each item whose lines ts it stored.
 * False when the device does not take the call (nothing stored). */
bool bt_device_line_objects(bt_device *d, bt_exec *ex, bt_operand grid, int n, const int32_t *ts,
                            const int32_t *modes, uint8_t *stored);

/* The choice of --device auto (bt_device_choose). Each kind of line (key: the primitive;
 * BT_P_o_g for the fused objects call) runs its first call on the device and its next
 * on the CPU, then where its time per item was lower (a running average), and
 * one call in 64 on the other side, so that the choice follows a change. Once the device
 * has run three kinds over twice as slow as the CPU and none faster, a kind not tried yet
 * waits for its 64th call. The caller
 * reports the CPU's time of a line the device did not take: */
void bt_device_line_cpu_time(bt_device *d, int key, int items, uint64_t ns);
/* The same choice for a caller that times both sides itself: the sample pattern's
 * counts of the demonstration grids (key BT_DEVICE_KEY_SAMPLE), whose device side is
 * bt_device_demo_counts and the maps read off it. */
#define BT_DEVICE_KEY_SAMPLE bt_n_prims
bool bt_device_line_take(bt_device *d, int key);
void bt_device_line_time(bt_device *d, int key, bool on_device, int items, uint64_t ns);

/* The sample pattern's kernel (bt_exec_sample, task phase: an item per task). One COUNTS
 * launch over every demonstration grid (input and output of each pair of S) of every
 * item; false when nothing is on the device (no grids, a failed launch: one warning). */
bool bt_device_demo_counts(bt_device *d, bt_exec *ex, int first_line);
/* apply(f, c) (merge: mapply) for item k from those counts, when f is a colour-count
 * primitive of one argument and every item of c is one of the item's demonstration grids
 * (the very values S holds); the value the CPU call gives, in *out. False otherwise
 * (the caller runs the call). */
bool bt_device_demo_map(bt_device *d, bt_exec *ex, int k, int f, bt_value c, bool merge, bt_value *out);

#endif
