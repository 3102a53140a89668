#include "runtime.h"

#include <dlfcn.h>

#include <atomic>

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/torch.h>
#include <torch/version.h>

namespace tsfm {

RuntimeInfo runtime_info() {
  RuntimeInfo r;
  r.torch_version = TORCH_VERSION;
  r.cuda_available = torch::cuda::is_available();
  r.cuda_device_count = r.cuda_available ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
#ifdef TSFM_HAVE_DISTRIBUTED
  r.distributed = true;
#endif
  r.intra_op_threads = at::get_num_threads();
  r.inter_op_threads = at::get_num_interop_threads();
  r.blas_threads = blas_threads();
  r.blas_core = blas_core();
  r.build_config = at::show_config();
  r.parallel_info = at::get_parallel_info();
  return r;
}

namespace {
// Looked up at run time: the addon links LibTorch, not OpenBLAS, and LibTorch may run on MKL or another BLAS.
template <typename Fn>
Fn blas_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}
}  // namespace

namespace {
std::atomic<int64_t> g_requested_threads{0};
thread_local int64_t t_applied_threads = 0;

void apply_threads(int64_t n) {
  at::set_num_threads(static_cast<int>(n));
  if (auto set = blas_symbol<void (*)(int)>("openblas_set_num_threads")) set(static_cast<int>(n));
  t_applied_threads = n;
}
}  // namespace

void set_threads(int64_t intra_op) {
  if (intra_op <= 0) return;
  g_requested_threads.store(intra_op);
  apply_threads(intra_op);
}

void use_threads_here() {
  const int64_t n = g_requested_threads.load();
  if (n > 0 && n != t_applied_threads) apply_threads(n);
}

void use_thread_setting(int64_t threads) {
  if (threads > 0) set_threads(threads);
  else use_threads_here();
}

int64_t requested_threads() { return g_requested_threads.load(); }

int64_t blas_threads() {
  if (auto get = blas_symbol<int (*)()>("openblas_get_num_threads")) return get();
  return -1;
}

std::string blas_core() {
  if (auto get = blas_symbol<char* (*)()>("openblas_get_corename"))
    if (const char* name = get()) return name;
  return "";
}

}  // namespace tsfm
