/* exec.h: running a compiled program (program.h) over tiles of items (frame.h). */
#ifndef BATT_EXEC_H
#define BATT_EXEC_H

#include "frame.h"

/* Runs one phase of p over n items. const_frame is the result of the CONST phase
 * (NULL while running it). */
void bt_exec_run(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                 const bt_value *const_frame);
/* The same, adding each line's time to prof (arrays of p->n_lines + 1). */
void bt_exec_run_profiled(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                          const bt_value *const_frame, bt_profile *prof);
/* The same with the lines that have a kernel going through device (NULL: none). */
void bt_exec_run_on(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                    const bt_value *const_frame, bt_profile *prof, bt_device *device);
/* The same, running only the lines marked in need (NULL: all). */
void bt_exec_run_need(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                      const bt_value *const_frame, bt_profile *prof, bt_device *device, const uint8_t *need);
/* Marks in blocks (p->n_blocks bytes) the blocks of p's code that hold a line of need. */
void bt_exec_need_blocks(const bt_program *p, const uint8_t *need, uint8_t *blocks);
/* bt_exec_run_need with the blocks of need (bt_exec_need_blocks) made already: a caller
 * that runs the same lines on item after item makes them once (NULL: every block). */
void bt_exec_run_blocks(const bt_program *p, bt_class phase, bt_exec_item *items, int n,
                        const bt_value *const_frame, bt_profile *prof, bt_device *device, const uint8_t *need,
                        const uint8_t *need_block);

#endif
