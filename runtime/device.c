/* device.c: run-time detection of CUDA devices (never required: the CPU path is
 * always there). */
#include <stdio.h>

#include "device.h"

#ifdef BATT_HAVE_CUDA
int bt_cuda_probe(char *why, size_t whylen); /* cuda/detect.cu */

int bt_cuda_device_count(char *why, size_t whylen) { return bt_cuda_probe(why, whylen); }
#else
int bt_cuda_device_count(char *why, size_t whylen) {
  snprintf(why, whylen, "built without CUDA");
  return 0;
}
#endif
