#pragma once
// What LibTorch this process runs on: versions, devices, threads, BLAS (for the loader and `tsfm doctor`).
#include <cstdint>
#include <string>

namespace tsfm {

struct RuntimeInfo {
  std::string torch_version;
  bool cuda_available = false;
  int64_t cuda_device_count = 0;
  bool distributed = false;
  int64_t intra_op_threads = 0;
  int64_t inter_op_threads = 0;
  int64_t blas_threads = -1;  // OpenBLAS's pool; -1 when not on OpenBLAS
  std::string blas_core;      // the kernel set OpenBLAS picked for this CPU ("Haswell", "Prescott"...); "" when not on OpenBLAS
  std::string build_config;   // at::show_config(): compiler, BLAS, OpenMP, CUDA/cuDNN versions
  std::string parallel_info;  // at::get_parallel_info()
};

RuntimeInfo runtime_info();
// Sets LibTorch's intra-op threads and, when the BLAS it runs on is OpenBLAS, OpenBLAS's own pool to the
// same count: OpenBLAS (pthread build, Debian's) otherwise keeps one busy-waiting thread per core beside
// LibTorch's, which on a loaded machine made small-model training 10x slower.
void set_threads(int64_t intra_op);
// Applies the count last given to set_threads() to the calling thread. LibTorch's OpenMP thread count is
// per thread and a worker thread adopts the global count only once, at its first parallel region: work
// queued on a pool thread calls this first, so a later set_threads() reaches it.
void use_threads_here();
// What a call with its own thread setting does first on a pool thread: `threads` > 0 is set_threads(threads),
// 0 is use_threads_here().
void use_thread_setting(int64_t threads);
// The count last given to set_threads() (0: never set).
int64_t requested_threads();
// OpenBLAS's thread count, or -1 when the process does not run on OpenBLAS.
int64_t blas_threads();
// The kernel set OpenBLAS chose at load (openblas_get_corename), or "" when the process does not run on
// OpenBLAS. An OpenBLAS older than the CPU falls back to its SSE3 "Prescott" kernels.
std::string blas_core();

}  // namespace tsfm
