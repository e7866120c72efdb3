// emu_test_kernels.cuh: kernels that test the emulator itself (test_emu.cu), not the
// project's. Some break the rules on purpose: a barrier only some threads reach, threads
// at different barriers, a read of another thread's shared memory without a barrier (the
// race ThreadSanitizer must report).
#ifndef BATT_EMU_TEST_KERNELS_CUH
#define BATT_EMU_TEST_KERNELS_CUH

// out[global thread] = its coordinates.
__global__ void __launch_bounds__(1024) index_kernel(int *out) {
  int g = blockIdx.x * blockDim.x + threadIdx.x;
  out[g] = (int)(blockIdx.x * 100000 + gridDim.x * 1000 + threadIdx.x);
}

// Each thread writes its cell of shared memory and reads its neighbour's, after a barrier
// when with_barrier (else a data race: the planted one).
__global__ void __launch_bounds__(1024) neighbour_kernel(int *out, int with_barrier) {
  __shared__ int v[1024];
  int t = threadIdx.x;
  v[t] = t * 3 + 1;
  if (with_barrier) __syncthreads();
  out[blockIdx.x * blockDim.x + t] = v[(t + 1) % blockDim.x];
}

// What a block finds in shared memory it did not write (all but s[0]).
__global__ void __launch_bounds__(1024) peek_kernel(unsigned *out) {
  __shared__ unsigned s[1024];
  if (threadIdx.x == 0) s[0] = 7;
  __syncthreads();
  out[threadIdx.x] = s[threadIdx.x];
}

// The block's votes: any, all, how many.
__global__ void __launch_bounds__(1024) vote_kernel(int *out, int pick) {
  int t = threadIdx.x;
  int any = __syncthreads_or(t == pick), all = __syncthreads_and(t != pick),
      count = __syncthreads_count(t % 3 == 0);
  if (t == 0) out[0] = any, out[1] = all, out[2] = count;
}

// Threads below `waiting` wait at a barrier the others leave the kernel without.
__global__ void __launch_bounds__(1024) divergent_kernel(int *out, int waiting) {
  if ((int)threadIdx.x < waiting) __syncthreads();
  out[threadIdx.x] = 1;
}

// Odd and even threads wait at two different barriers.
__global__ void __launch_bounds__(1024) two_barriers_kernel(int *out) {
  if (threadIdx.x % 2)
    __syncthreads();
  else
    __syncthreads_or(1);
  out[threadIdx.x] = 2;
}

#endif
