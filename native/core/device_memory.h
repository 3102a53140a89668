#pragma once
// Device memory of LibTorch's CUDA caching allocator, for the benchmark's peak-memory column. Compiled
// against the allocator only in a CUDA build (TSFM_WITH_CUDA); a CPU build answers "unknown".
#include <cstdint>

namespace tsfm {

// Peak bytes handed out to tensors on CUDA device `device` since the last reset (what
// torch.cuda.max_memory_allocated reports); -1 in a build without CUDA.
int64_t cuda_peak_allocated_bytes(int device);
// Starts a new peak; nothing in a build without CUDA.
void cuda_reset_peak_allocated(int device);

}  // namespace tsfm
