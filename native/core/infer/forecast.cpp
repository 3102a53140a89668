#include "infer/forecast.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "train/autocast.h"

namespace tsfm {

torch::Device parse_device(const std::string& name, const std::string& setting) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw std::runtime_error(setting + ": '" + name + "' asked for, but this LibTorch sees no usable CUDA GPU");
    return torch::Device(name);
  }
  throw std::invalid_argument(setting + ": unknown device '" + name + "' (expected cpu, cuda or cuda:N)");
}

void check_precision(const std::string& precision, const torch::Device& device, const std::string& setting) {
  if (precision != "fp32" && !device.is_cuda())
    throw std::invalid_argument(setting + ": '" + precision + "' needs a CUDA device (got " + device.str() + ")");
  if (precision != "fp32" && precision != "bf16" && precision != "fp16")
    throw std::invalid_argument(setting + ": unknown '" + precision + "' (expected fp32, bf16 or fp16)");
}

torch::Tensor forward_at(ForecastModelImpl& model, const torch::Tensor& x, const torch::Device& device,
                         const std::string& precision) {
  const bool amp = device.is_cuda() && precision != "fp32";
  CudaAutocast autocast(amp, precision == "bf16" ? at::kBFloat16 : at::kHalf);
  auto out = model.forward(x);
  return amp ? out.to(torch::kFloat32) : out;
}

torch::Tensor target_positions(const BatchLayout& layout, const torch::Device& device) {
  // Built once per loop, on the device: a fresh index per step would be a host -> device copy (and a wait).
  std::vector<int64_t> pos;
  for (int64_t t : layout.target_channels) {
    auto it = std::find(layout.input_channels.begin(), layout.input_channels.end(), t);
    if (it == layout.input_channels.end()) throw std::invalid_argument("target channel " + std::to_string(t) + " is not a model input");
    pos.push_back(it - layout.input_channels.begin());
  }
  bool identity = pos.size() == layout.input_channels.size();
  for (size_t i = 0; identity && i < pos.size(); ++i) identity = pos[i] == static_cast<int64_t>(i);
  if (identity) return {};
  return torch::tensor(pos, torch::kLong).to(device);
}

torch::Tensor select_targets(const torch::Tensor& pred, const torch::Tensor& positions) {
  return positions.defined() ? pred.index_select(pred.dim() - 2, positions) : pred;
}

torch::Tensor forecast_split(ForecastModelImpl& model, const DataSplit& data, const ForecastSettings& s, bool unscale) {
  torch::NoGradGuard no_grad;
  model.eval();
  const int64_t n = data.index.size();
  const int64_t L = data.index.context();
  const int64_t cin = static_cast<int64_t>(data.layout.input_channels.size());
  const int64_t bs = std::max<int64_t>(1, s.batch_size);
  auto x_host = torch::empty({bs, cin, L});
  std::vector<int64_t> ids(static_cast<size_t>(bs));
  std::vector<int32_t> series(static_cast<size_t>(n));
  std::vector<torch::Tensor> parts;
  const auto targets_at = target_positions(data.layout, s.device);
  for (int64_t first = 0; first < n; first += bs) {
    const int64_t m = std::min(bs, n - first);
    for (int64_t i = 0; i < m; ++i) ids[i] = first + i;
    gather_batch(*data.store, data.index, data.scaling, data.layout, ids.data(), m, x_host.data_ptr<float>(), nullptr,
                 series.data() + first);
    auto pred = forward_at(model, x_host.narrow(0, 0, m).to(s.device), s.device, s.precision);
    parts.push_back(select_targets(pred, targets_at).to(torch::kCPU));
  }
  auto out = parts.empty() ? torch::empty({0}) : torch::cat(parts, 0).contiguous();
  if (unscale) unscale_targets(out, data, series);
  return out;
}

}  // namespace tsfm
