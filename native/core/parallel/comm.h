#pragma once
// A data-parallel process group: TCPStore rendezvous (with a timeout and a clear error naming the ranks
// that never joined), then ProcessGroupGloo (CPU) or ProcessGroupNCCL (CUDA). Plain LibTorch, no N-API.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "parallel/options.h"

namespace tsfm::dist {

class Communicator {
 public:
  // Blocks until every rank has joined or opts.timeout_ms has passed (then throws).
  static std::unique_ptr<Communicator> connect(const DistOptions& opts, const torch::Device& device);
  ~Communicator();

  int64_t rank() const { return rank_; }
  int64_t world_size() const { return world_; }
  const std::string& backend_name() const { return backend_name_; }
  // Tensors live on this device (CPU for Gloo, the rank's GPU for NCCL).
  const torch::Device& device() const { return device_; }

  // Copies rank 0's values into `tensors` on every rank (in place).
  void broadcast(std::vector<torch::Tensor>& tensors);
  // In-place sum over ranks; blocking.
  void allreduce_sum(torch::Tensor& t);
  // In-place sum over ranks; returns a handle to wait on (lets gradient buckets overlap the backward pass).
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;
  };
  std::unique_ptr<Pending> allreduce_sum_async(torch::Tensor& t);
  void barrier();

 private:
  Communicator() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t rank_ = 0, world_ = 1;
  std::string backend_name_;
  torch::Device device_ = torch::kCPU;
};

// Whether this build can run distributed training, and with NCCL.
bool distributed_available();
bool nccl_available();

}  // namespace tsfm::dist
