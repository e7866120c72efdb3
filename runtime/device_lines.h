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
 * connectivity the modes need; stored[k] is set for each item whose lines ts it stored. */
void bt_device_line_objects(bt_device *d, bt_exec *ex, bt_operand grid, int n, const int32_t *ts,
                            const int32_t *modes, uint8_t *stored);

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
