#include "train/optim_step.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/version.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>

namespace tsfm {
namespace {

// The key torch::optim keeps a parameter's state under: its TensorImpl address, as a string in LibTorch
// 1.x and as the pointer itself in 2.x. Deduced from the map, so one source builds against both.
template <typename StateMap>
typename StateMap::key_type state_key(const StateMap&, const torch::Tensor& p) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream o;  // = c10::guts::to_string(p.unsafeGetTensorImpl())
    o << p.unsafeGetTensorImpl();
    return o.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

// Parameters that share a step count update together (normally all of them; a parameter that had no
// gradient at some step lags behind and gets its own bias correction, as in torch::optim::AdamW).
struct Bucket {
  std::vector<torch::Tensor> params, grads, exp_avg, exp_avg_sq;
};

}  // namespace

void adamw_step_multi_tensor(torch::optim::AdamW& optimizer) {
  torch::NoGradGuard no_grad;
  auto& state = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
    if (o.amsgrad()) {
      optimizer.step();
      return;
    }
    std::map<int64_t, Bucket> buckets;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      TORCH_CHECK(!p.grad().is_sparse(), "AdamW does not support sparse gradients");
      const auto key = state_key(state, p);
      auto it = state.find(key);
      if (it == state.end()) {
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        s->step(0);
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state.emplace(key, std::move(s)).first;
      }
      auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
      s.step(s.step() + 1);
      auto& b = buckets[s.step()];
      b.params.push_back(p);
      b.grads.push_back(p.grad());
      b.exp_avg.push_back(s.exp_avg());
      b.exp_avg_sq.push_back(s.exp_avg_sq());
    }
    const double lr = o.lr(), beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& [step, b] : buckets) {
      // The same operations, in the same order, as torch::optim::AdamW::step, one list at a time.
      if (o.weight_decay() != 0) at::_foreach_mul_(b.params, at::Scalar(1 - lr * o.weight_decay()));
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(step));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(step));
      at::_foreach_mul_(b.exp_avg, at::Scalar(beta1));
      at::_foreach_add_(b.exp_avg, b.grads, at::Scalar(1 - beta1));
      at::_foreach_mul_(b.exp_avg_sq, at::Scalar(beta2));
      at::_foreach_addcmul_(b.exp_avg_sq, b.grads, b.grads, at::Scalar(1 - beta2));
      auto denom = at::_foreach_sqrt(b.exp_avg_sq);
      at::_foreach_div_(denom, at::Scalar(std::sqrt(bias_correction2)));
      at::_foreach_add_(denom, at::Scalar(o.eps()));
      at::_foreach_addcdiv_(b.params, b.exp_avg, denom, at::Scalar(-lr / bias_correction1));
    }
  }
}

torch::Tensor clip_grad_norm_no_sync(const std::vector<torch::Tensor>& parameters, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return {};
  const auto norms = at::_foreach_norm(grads, at::Scalar(2.0));
  auto total = torch::stack(norms).norm(2);
  // Clamped at 1: gradients under the limit are multiplied by exactly one, which leaves them unchanged.
  auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  at::_foreach_mul_(grads, coef);  // the list-by-tensor overload arrived in 2.1
#else
  for (auto& g : grads) g.mul_(coef);
#endif
  return total;
}

std::vector<kernels::KernelCheck> check_optimizer_step(const std::string& device_name) {
  const torch::Device device(device_name);
  torch::NoGradGuard no_grad;
  at::Generator gen = at::detail::createCPUGenerator(1234);  // its own generator: the global one is untouched
  auto rand = [&](std::vector<int64_t> shape, double scale) {
    return (at::randn(shape, gen, torch::TensorOptions().dtype(torch::kFloat32)) * scale).to(device);
  };
  const std::vector<std::vector<int64_t>> shapes = {{7}, {16, 5}, {3, 4, 8}, {1}, {64, 33}};
  std::vector<torch::Tensor> mine, theirs;
  for (const auto& shape : shapes) {
    auto p = rand(shape, 1.0);
    mine.push_back(p.clone().requires_grad_(true));
    theirs.push_back(p.clone().requires_grad_(true));
  }
  const auto options = torch::optim::AdamWOptions(3e-3).weight_decay(0.05).betas({0.85, 0.99}).eps(1e-7);
  torch::optim::AdamW opt_mine(mine, options), opt_theirs(theirs, options);
  double adam_err = 0, clip_err = 0, norm_err = 0;
  for (int step = 0; step < 6; ++step) {
    // Large gradients on even steps (clipped), small ones on odd steps (left alone); the second parameter
    // has none at step 2, so its step count (and bias correction) lags behind the others'.
    const double scale = step % 2 == 0 ? 10.0 : 1e-3;
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (step == 2 && i == 1) {
        mine[i].mutable_grad() = torch::Tensor();
        theirs[i].mutable_grad() = torch::Tensor();
        continue;
      }
      auto g = rand(shapes[i], scale);
      mine[i].mutable_grad() = g.clone();
      theirs[i].mutable_grad() = g.clone();
    }
    auto norm = clip_grad_norm_no_sync(mine, 1.0).item<double>();
    const double norm_ref = torch::nn::utils::clip_grad_norm_(theirs, 1.0);
    norm_err = std::max(norm_err, std::abs(norm - norm_ref) / std::max(1.0, std::abs(norm_ref)));
    for (size_t i = 0; i < shapes.size(); ++i)
      if (mine[i].grad().defined())
        clip_err = std::max(clip_err, (mine[i].grad() - theirs[i].grad()).abs().max().item<double>());
    adamw_step_multi_tensor(opt_mine);
    opt_theirs.step();
    for (size_t i = 0; i < shapes.size(); ++i)
      adam_err = std::max(adam_err, (mine[i] - theirs[i]).abs().max().item<double>());
  }
  // The CPU runs the very same per-tensor kernels (exact); CUDA's multi-tensor kernels may round differently.
  const double tol = device.is_cuda() ? 1e-6 : 0.0;
  auto check = [&](const std::string& name, double err, const std::string& what) {
    kernels::KernelCheck c;
    c.name = name + " (" + device_name + ")";
    c.max_error = err;
    c.ok = err <= tol;
    std::ostringstream d;
    d << what << ", max abs difference " << err << " (tolerance " << tol << ")";
    c.detail = d.str();
    return c;
  };
  return {check("multi-tensor AdamW", adam_err, "parameters after 6 steps against torch::optim::AdamW"),
          check("gradient clipping", clip_err, "clipped gradients against torch::nn::utils::clip_grad_norm_"),
          check("gradient norm", norm_err, "total gradient norm (relative) against torch::nn::utils::clip_grad_norm_")};
}

}  // namespace tsfm
