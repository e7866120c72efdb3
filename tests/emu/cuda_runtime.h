/* cuda_runtime.h of the CUDA emulator (tests/emu): the part of the CUDA runtime API the
 * project uses, implemented on the CPU by emu.cc, and the device-side built-ins
 * (threadIdx, __syncthreads, atomicAdd, ...) the kernels use. clang compiles the
 * project's .cu files against it in CUDA host-only mode: a launch <<<...>>> becomes
 * __cudaPushCallConfiguration and a call of the kernel's stub, which calls
 * cudaLaunchKernel. kernels_emu.cu compiles the kernel bodies a second time as host code
 * (emu_host.h) and gives each stub its host twin. docs/cuda.md describes what it models. */
#ifndef BATT_EMU_CUDA_RUNTIME_H
#define BATT_EMU_CUDA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __CUDA__
#ifndef __CUDACC__
#define __CUDACC__ 1 /* what nvcc defines; tile_format.h keys its __host__ __device__ on it */
#endif
#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define EMU_HD __host__ __device__
#else
#define EMU_HD
#endif

/* The error codes CUDA gives them. */
typedef enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidPitchValue = 12,
  cudaErrorInvalidDeviceFunction = 98,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorIllegalAddress = 700,
  cudaErrorLaunchOutOfResources = 701,
  cudaErrorLaunchFailure = 719,
} cudaError_t;

typedef enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
} cudaMemcpyKind;

typedef enum cudaDeviceAttr { cudaDevAttrMemoryClockRate = 36 } cudaDeviceAttr;

#define cudaHostAllocDefault 0u
#define cudaHostAllocPortable 1u

typedef struct emu_stream *cudaStream_t;
typedef struct emu_event *cudaEvent_t;

typedef struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int multiProcessorCount;
  int memoryBusWidth;
  int maxThreadsPerBlock;
} cudaDeviceProp;

struct uint3 {
  unsigned x, y, z;
};

struct dim3 {
  unsigned x, y, z;
  EMU_HD dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
  EMU_HD dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

extern "C" {
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaSetDevice(int dev);
cudaError_t cudaGetDevice(int *dev);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int dev);
cudaError_t cudaDeviceGetAttribute(int *value, cudaDeviceAttr attr, int dev);
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes);
cudaError_t cudaDeviceSynchronize(void);
const char *cudaGetErrorName(cudaError_t e);
const char *cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);

cudaError_t cudaMalloc(void **p, size_t bytes);
cudaError_t cudaFree(void *p);
cudaError_t cudaHostAlloc(void **p, size_t bytes, unsigned flags);
cudaError_t cudaMallocHost(void **p, size_t bytes);
cudaError_t cudaFreeHost(void *p);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s);
cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                              size_t height, cudaMemcpyKind kind, cudaStream_t s);
cudaError_t cudaMemset(void *p, int value, size_t bytes);

cudaError_t cudaStreamCreate(cudaStream_t *s);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaEventCreate(cudaEvent_t *e);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t stop);

/* What clang's host stubs call (CUDA 9.2 and later). */
unsigned __cudaPushCallConfiguration(dim3 grid, dim3 block, size_t shmem = 0, void *stream = 0);
cudaError_t __cudaPopCallConfiguration(dim3 *grid, dim3 *block, size_t *shmem, void *stream);
cudaError_t cudaLaunchKernel(const void *func, dim3 grid, dim3 block, void **args, size_t shmem,
                             cudaStream_t s);

/* Device side: barriers (emu.cc; clang knows __syncthreads as a device built-in). */
EMU_HD void emu_syncthreads(void);
EMU_HD int emu_syncthreads_or(int predicate);
EMU_HD int emu_syncthreads_and(int predicate);
EMU_HD int emu_syncthreads_count(int predicate);
}
#define __syncthreads() emu_syncthreads()
#define __syncthreads_or(p) emu_syncthreads_or(p)
#define __syncthreads_and(p) emu_syncthreads_and(p)
#define __syncthreads_count(p) emu_syncthreads_count(p)

/* The running CUDA thread's coordinates (emu.cc). */
EMU_HD uint3 emu_thread_idx(void);
EMU_HD uint3 emu_block_idx(void);
EMU_HD dim3 emu_block_dim(void);
EMU_HD dim3 emu_grid_dim(void);

#define threadIdx (emu_thread_idx())
#define blockIdx (emu_block_idx())
#define blockDim (emu_block_dim())
#define gridDim (emu_grid_dim())

/* No fiber runs while another is between two switches: a plain read-modify-write is
 * atomic there; the threaded (TSan) build needs the real thing. */
static inline EMU_HD unsigned atomicAdd(unsigned *p, unsigned v) {
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static inline EMU_HD int atomicAdd(int *p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static inline EMU_HD unsigned atomicMin(unsigned *p, unsigned v) {
  unsigned old = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (v < old && !__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  return old;
}

/* The typed forms of the C++ API. */
template <class T> static inline cudaError_t cudaMalloc(T **p, size_t bytes) {
  return cudaMalloc((void **)p, bytes);
}
template <class T> static inline cudaError_t cudaHostAlloc(T **p, size_t bytes, unsigned flags) {
  return cudaHostAlloc((void **)p, bytes, flags);
}

#endif
