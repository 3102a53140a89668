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
  std::string build_config;   // at::show_config(): compiler, BLAS, OpenMP, CUDA/cuDNN versions
  std::string parallel_info;  // at::get_parallel_info()
};

RuntimeInfo runtime_info();
void set_threads(int64_t intra_op);

}  // namespace tsfm
