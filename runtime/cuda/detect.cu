// detect.cu: asks the CUDA runtime how many devices there are; any error means none.
#include <cstdio>

#include <cuda_runtime.h>

#include "cuda_api.h"

extern "C" int bt_cuda_probe(char *why, size_t whylen) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    snprintf(why, whylen, "%s", cudaGetErrorName(e));
    return 0;
  }
  if (n == 0) snprintf(why, whylen, "no CUDA device");
  return n;
}
