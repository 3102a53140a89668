#include "device_memory.h"

#ifdef TSFM_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace tsfm {

#ifdef TSFM_WITH_CUDA
// allocated_bytes[0] is the aggregate over pool types (StatType::AGGREGATE) in LibTorch 1.x and 2.x alike.
int64_t cuda_peak_allocated_bytes(int device) {
  return c10::cuda::CUDACachingAllocator::getDeviceStats(device).allocated_bytes[0].peak;
}
void cuda_reset_peak_allocated(int device) { c10::cuda::CUDACachingAllocator::resetPeakStats(device); }
#else
int64_t cuda_peak_allocated_bytes(int) { return -1; }
void cuda_reset_peak_allocated(int) {}
#endif

}  // namespace tsfm
