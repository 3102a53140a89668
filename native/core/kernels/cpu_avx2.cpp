// The fused CPU kernels built with AVX2 + FMA (CMakeLists.txt adds -mavx2 -mfma to this file only on x86-64);
// used only after the dispatcher in fused.cpp has checked that the CPU has both.
#if defined(TSFM_KERNELS_AVX2)
#define TSFM_KERNEL_ISA "avx2"
#define TSFM_KERNEL_TABLE avx2_table
#include "kernels/cpu_impl.inl"

namespace tsfm {
namespace kernels {
const CpuKernelTable* avx2_kernels() { return &avx2_table(); }
}  // namespace kernels
}  // namespace tsfm
#else
#include "kernels/cpu_kernels.h"

namespace tsfm {
namespace kernels {
const CpuKernelTable* avx2_kernels() { return nullptr; }
}  // namespace kernels
}  // namespace tsfm
#endif
