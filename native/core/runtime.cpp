#include "runtime.h"

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
  r.build_config = at::show_config();
  r.parallel_info = at::get_parallel_info();
  return r;
}

void set_threads(int64_t intra_op) {
  if (intra_op > 0) at::set_num_threads(static_cast<int>(intra_op));
}

}  // namespace tsfm
