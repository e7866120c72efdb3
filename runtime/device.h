/* device.h: what accelerators this process can use. */
#ifndef BATT_DEVICE_H
#define BATT_DEVICE_H

#include <stddef.h>

/* Number of usable CUDA devices; 0 with the reason in why (no driver, no device,
 * driver too old, built without CUDA). */
int bt_cuda_device_count(char *why, size_t whylen);

#endif
