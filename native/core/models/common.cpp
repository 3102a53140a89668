#include "models/common.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace tsfm {

int64_t ForecastModelImpl::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : parameters(/*recurse=*/true)) {
    if (p.requires_grad()) n += p.numel();
  }
  return n;
}

namespace detail {

namespace {
std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
double lookup(const ModelSpec& spec, const std::string& key) {
  auto it = spec.params.find(key);
  if (it == spec.params.end()) {
    throw std::invalid_argument("model.params." + key + ": missing (internal error: defaults not merged for family '" +
                                spec.family + "')");
  }
  return it->second;
}
}  // namespace

void param_error(const std::string& key, const std::string& what) {
  throw std::invalid_argument("model.params." + key + ": " + what);
}

double param_double(const ModelSpec& spec, const std::string& key, double min, double max, bool min_inclusive,
                    bool max_inclusive) {
  double v = lookup(spec, key);
  bool ok = std::isfinite(v) && (min_inclusive ? v >= min : v > min) && (max_inclusive ? v <= max : v < max);
  if (!ok) {
    param_error(key, "must be in " + std::string(min_inclusive ? "[" : "(") + fmt(min) + ", " + fmt(max) +
                         (max_inclusive ? "]" : ")") + " (got " + fmt(v) + ")");
  }
  return v;
}

int64_t param_int(const ModelSpec& spec, const std::string& key, int64_t min, int64_t max) {
  double v = lookup(spec, key);
  if (!std::isfinite(v) || std::floor(v) != v) param_error(key, "must be an integer (got " + fmt(v) + ")");
  if (v < static_cast<double>(min) || v > static_cast<double>(max)) {
    param_error(key, "must be an integer >= " + std::to_string(min) +
                         (max == INT64_MAX ? std::string() : " and <= " + std::to_string(max)) + " (got " + fmt(v) +
                         ")");
  }
  return static_cast<int64_t>(v);
}

bool param_bool(const ModelSpec& spec, const std::string& key) {
  double v = lookup(spec, key);
  if (v != 0.0 && v != 1.0) param_error(key, "must be 0 or 1 (got " + fmt(v) + ")");
  return v == 1.0;
}

void check_input(const ModelSpec& spec, const torch::Tensor& x) {
  auto shape_str = [&]() {
    std::ostringstream os;
    os << x.sizes();
    return os.str();
  };
  if (!x.defined()) throw std::invalid_argument(spec.family + ".forward: input tensor is undefined");
  if (x.dim() != 3 || x.size(1) != spec.channels || x.size(2) != spec.context_length) {
    throw std::invalid_argument(spec.family + ".forward: expected input [batch, " + std::to_string(spec.channels) +
                                ", " + std::to_string(spec.context_length) + "] (batch, channels, context_length), got " +
                                shape_str());
  }
  if (!x.is_floating_point()) throw std::invalid_argument(spec.family + ".forward: input must be a floating-point tensor");
}

InstanceStats instance_stats(const torch::Tensor& x) {
  InstanceStats s;
  s.mean = x.mean({-1}, /*keepdim=*/true).detach();
  s.stdev = torch::sqrt(x.var({-1}, /*unbiased=*/false, /*keepdim=*/true) + kRevinEps).detach();
  return s;
}

torch::Tensor instance_normalise(const torch::Tensor& x, const InstanceStats& s) { return (x - s.mean) / s.stdev; }

torch::Tensor instance_denormalise(const torch::Tensor& y, const InstanceStats& s) {
  if (y.dim() == 3) return y * s.stdev + s.mean;           // [B, C, H]
  return y * s.stdev.unsqueeze(1) + s.mean.unsqueeze(1);  // [B, Q, C, H]; positive scale keeps the order
}

int64_t head_outputs(const ModelSpec& spec) {
  return spec.horizon * (spec.quantiles.empty() ? 1 : static_cast<int64_t>(spec.quantiles.size()));
}

int64_t quantile_anchor(const std::vector<double>& quantiles) {
  int64_t best = 0;
  for (size_t i = 1; i < quantiles.size(); ++i) {
    if (std::abs(quantiles[i] - 0.5) < std::abs(quantiles[best] - 0.5)) best = static_cast<int64_t>(i);
  }
  return best;
}

torch::Tensor apply_head(const ModelSpec& spec, const torch::Tensor& raw) {
  const int64_t B = raw.size(0), C = raw.size(1), H = spec.horizon;
  if (spec.quantiles.empty()) return raw;  // [B, C, H]
  const int64_t Q = static_cast<int64_t>(spec.quantiles.size());
  auto r = raw.reshape({B, C, Q, H});
  const int64_t a = quantile_anchor(spec.quantiles);
  auto anchor = r.narrow(2, a, 1);  // [B, C, 1, H]
  std::vector<torch::Tensor> parts;
  if (a > 0) {
    // level j < a: anchor - sum_{k=j}^{a-1} softplus(r_k)  (reverse cumulative sum)
    auto inc = torch::softplus(r.narrow(2, 0, a));
    parts.push_back(anchor - inc.flip({2}).cumsum(2).flip({2}));
  }
  parts.push_back(anchor);
  if (a < Q - 1) {
    auto inc = torch::softplus(r.narrow(2, a + 1, Q - a - 1));
    parts.push_back(anchor + inc.cumsum(2));
  }
  return torch::cat(parts, 2).permute({0, 2, 1, 3}).contiguous();  // [B, Q, C, H]
}

}  // namespace detail
}  // namespace tsfm
