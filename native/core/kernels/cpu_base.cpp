// The fused CPU kernels for any CPU of the target architecture (baseline instruction set).
#define TSFM_KERNEL_ISA "baseline"
#define TSFM_KERNEL_TABLE base_kernels
#include "kernels/cpu_impl.inl"
