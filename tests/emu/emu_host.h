/* emu_host.h: after this, CUDA source compiles as host code: kernels and device functions
 * become host functions, a __shared__ variable one static in the section emu_shared, which
 * the emulator poisons before each block and guards so that one block runs at a time.
 * kernels_emu.cu includes it before it includes the kernels a second time. */
#undef __global__
#undef __device__
#undef __shared__
#undef __launch_bounds__
#define __global__ __host__
#define __device__ __host__
#define __shared__ static __attribute__((section("emu_shared")))
#define __launch_bounds__(...)
