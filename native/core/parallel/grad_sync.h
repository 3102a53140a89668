#pragma once
// Bucketed gradient all-reduce driven by autograd hooks, as PyTorch's DDP Reducer does: parameters are
// grouped into buckets in reverse registration order (about the order backward produces their gradients);
// a bucket's all-reduce starts as soon as its last gradient arrives, while backward keeps running on the
// earlier layers. finish() waits for every bucket and writes the averaged gradients into .grad.
#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <vector>

#include "parallel/comm.h"

namespace tsfm::dist {

class GradientSync {
 public:
  GradientSync(std::vector<torch::Tensor> params, Communicator& comm, double bucket_mb);
  ~GradientSync();  // removes the hooks
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Call before each backward. sync=false (a non-final micro-step of gradient accumulation) leaves the
  // gradients local: the hooks do nothing and no collective runs.
  void prepare(bool sync);
  // After backward: completes the reduction (buckets whose gradients never arrived are reduced here) and
  // stores gradient / world size in every parameter's .grad. No-op when prepare(false).
  void finish();
  size_t bucket_count() const { return buckets_.size(); }
  // A flag that travels with the gradients (one extra element of the last bucket): after finish(), whether
  // any rank raised it in this step. Lets ranks agree to stop at the same step without a collective of its own.
  void raise_flag(bool raised) { flag_ = raised; }
  bool flag_seen();

 private:
  struct Bucket {
    torch::Tensor flat;
    std::vector<size_t> params;    // indices into params_
    std::vector<int64_t> offsets;  // element offset of each parameter in flat
    size_t pending = 0;
    std::unique_ptr<Communicator::Pending> work;
  };
  void on_grad(size_t param, const torch::Tensor& grad);
  void launch_ready_locked();

  std::vector<torch::Tensor> params_;
  std::vector<size_t> bucket_of_, slot_of_;
  std::vector<bool> arrived_;
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hook_ids_;
  Communicator& comm_;
  std::mutex mutex_;
  size_t next_launch_ = 0;  // buckets start in index order on every rank, so collectives match up
  bool active_ = false;
  bool flag_ = false;
};

}  // namespace tsfm::dist
