#pragma once
// Forecasting with a model over a split, shared by the trainer (validation, predict) and the predictor: the
// device and precision settings, the forward pass at a precision and the batched loop over every window.
#include <torch/torch.h>

#include <string>

#include "data/split.h"
#include "models/model.h"

namespace tsfm {

// "cpu", "cuda" or "cuda:N"; `setting` names the option in errors (e.g. "training.device").
torch::Device parse_device(const std::string& name, const std::string& setting);
// fp32 anywhere, bf16 and fp16 on CUDA only; `setting` names the option in errors.
void check_precision(const std::string& precision, const torch::Device& device, const std::string& setting);

// model(x), under CUDA autocast for bf16/fp16; the output is float32 either way.
torch::Tensor forward_at(ForecastModelImpl& model, const torch::Tensor& x, const torch::Device& device,
                         const std::string& precision);

// Models forecast every input channel; losses, metrics and forecasts look at the target channels only.
// Their positions among the inputs, on `device` (undefined: all inputs, in order). Throws when a target is
// not an input.
torch::Tensor target_positions(const BatchLayout& layout, const torch::Device& device);
// pred: [..., C, H] -> [..., C_target, H].
torch::Tensor select_targets(const torch::Tensor& pred, const torch::Tensor& positions);

struct ForecastSettings {
  torch::Device device = torch::kCPU;
  std::string precision = "fp32";
  int64_t batch_size = 256;  // windows per forward pass
};

// Forecasts for every window in index order, on the CPU: [N, C_target, H] or [N, Q, C_target, H]; in original
// units when `unscale` (the split's scaling inverted), else on the scaled axis. Eval mode, no gradients.
torch::Tensor forecast_split(ForecastModelImpl& model, const DataSplit& data, const ForecastSettings& settings, bool unscale);

}  // namespace tsfm
