// kernels_emu.cu: the project's CUDA code for the emulator, compiled by clang in CUDA
// host-only mode against tests/emu/cuda_runtime.h. The .cu files come in unmodified: their
// launches call the kernels' stubs. The kernels (kernels.cuh) come in a second time as
// host code (emu_host.h), and each stub is paired with its host twin.
#include "../../runtime/cuda/detect.cu"
#include "../../runtime/cuda/kernels.cu"

#include "emu_host.h"
#include "emu_kernels.h"

#undef BATT_CUDA_KERNELS_CUH
namespace emu_host {
#include "../../runtime/cuda/kernels.cuh"
}

// Every kernel of kernels.cuh (a launch of one missing here fails with
// cudaErrorInvalidDeviceFunction, and the tests with it).
#define EMU_KERNEL(k) emu_kernel_of((const void *)(k), #k, emu_host::k)
static const emu_kernel project_kernels[] = {
    EMU_KERNEL(pool_fetch_kernel),
    EMU_KERNEL(pool_keep_kernel),
    EMU_KERNEL(counts_kernel),
    EMU_KERNEL(label_kernel),
    EMU_KERNEL(cell_kernel<BT_TOP_GATHER>),
    EMU_KERNEL(cell_kernel<BT_TOP_MAP>),
    EMU_KERNEL(cell_kernel<BT_TOP_CELLWISE>),
};

static struct registration {
  registration() { emu_register_kernels(project_kernels, sizeof project_kernels / sizeof *project_kernels); }
} registered; // after the table: a translation unit initialises in order
