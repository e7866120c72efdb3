/* emu.h: the switches and counters of the CUDA emulator (tests/emu), for tests. Plain C.
 *
 * The switches come from the environment, read at the first CUDA call and again by
 * bt_emu_reset:
 *   BATT_EMU_DEVICES=N       emulated devices (default 1; 0: cudaGetDeviceCount fails)
 *   BATT_EMU_MEM_MIB=X       memory of each device in MiB, fractions too (default 16384):
 *                            cudaMalloc fails past it
 *   BATT_EMU_MALLOC_FAIL=N   the N-th cudaMalloc of the process (from 1) fails, out of memory
 *   BATT_EMU_MALLOC_FAIL_FROM=N  every cudaMalloc from the N-th on fails
 *   BATT_EMU_LAUNCH_FAIL=N   the N-th kernel launch fails when launched (out of resources:
 *                            reported by cudaGetLastError, not sticky, the kernel never runs)
 *   BATT_EMU_KERNEL_FAULT=N  the N-th kernel launch faults when it runs (an illegal address:
 *                            sticky, every later call on its device fails)
 * A barrier that some threads of a block reach and others do not, threads waiting at
 * different barriers, or threads exiting while others wait, is a barrier error: counted,
 * reported on stderr, and the kernel faults (cudaErrorLaunchFailure, sticky). */
#ifndef BATT_EMU_H
#define BATT_EMU_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bt_emu_stats {
  long launches, blocks, barriers; /* kernels run, blocks run, barriers released */
  long barrier_errors;
  long max_block_barriers; /* the most barriers one block waited at */
  long mallocs, failed_mallocs, failed_launches, faults;
  long h2d_bytes, d2h_bytes; /* bytes of the copies asked for, host to device and back */
} bt_emu_stats;

/* Rereads the switches from the environment and restarts their counts (the stats stay). */
void bt_emu_reset(void);
bt_emu_stats bt_emu_stats_get(void);
/* 1 for the threaded build (one OS thread per CUDA thread, for ThreadSanitizer). */
int bt_emu_threaded(void);

#ifdef __cplusplus
}
#endif

#endif
