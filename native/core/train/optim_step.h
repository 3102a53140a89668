#pragma once
// The optimizer half of a training step without per-parameter kernels or host synchronisation:
// a multi-tensor AdamW (one list kernel per operation on CUDA instead of about eight kernels per
// parameter; what PyTorch's foreach AdamW does) and gradient-norm clipping that returns the norm as a
// device tensor instead of reading it back (torch::nn::utils::clip_grad_norm_ returns a double, a host
// sync every step). Both are plain LibTorch and run on any device; on the CPU they compute exactly what
// torch::optim::AdamW and clip_grad_norm_ compute.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "kernels/fused.h"

namespace tsfm {

// One AdamW step over every parameter with a gradient, on the optimizer's own state (the same
// AdamWParamState entries torch::optim::AdamW creates and serialises, so checkpoints are unchanged and
// either implementation can resume the other's). Options come from each param group (lr, betas, eps,
// weight decay). amsgrad falls back to the optimizer's own step.
void adamw_step_multi_tensor(torch::optim::AdamW& optimizer);

// Scales the gradients so that their global L2 norm is at most max_norm (as clip_grad_norm_ does:
// coefficient max_norm / (norm + 1e-6), clamped at 1) and returns the norm before clipping as a 0-dim
// tensor on the gradients' device. Nothing is read back to the host. Returns an undefined tensor when no
// parameter has a gradient.
torch::Tensor clip_grad_norm_no_sync(const std::vector<torch::Tensor>& parameters, double max_norm);

// Runs both against LibTorch's own (torch::optim::AdamW, torch::nn::utils::clip_grad_norm_) on `device`
// ("cpu", "cuda", "cuda:N"): a few steps over parameters of mixed shapes, one of them skipping a step,
// with clipping active and inactive. Leaves the global random state untouched.
std::vector<kernels::KernelCheck> check_optimizer_step(const std::string& device);

}  // namespace tsfm
