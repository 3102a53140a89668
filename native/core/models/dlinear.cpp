// DLinear (Zeng et al. 2023, "Are Transformers Effective for Time Series Forecasting?"), following the
// official code (cure-lab/LTSF-Linear, models/DLinear.py):
//   trend    = moving average over time (AvgPool1d, stride 1) of the series padded at both ends by
//              replicating the first / last value (kernel_size - 1) / 2 times;
//   seasonal = x - trend;
//   y        = Linear_Seasonal(seasonal) + Linear_Trend(trend), each Linear(L -> H) along time.
// individual = 1 gives every channel its own pair of linear layers (ModuleLists indexed by channel).
// No normalisation, default nn.Linear initialisation, as in the paper. For quantile output the layers
// produce H * Q values per channel which go through the shared monotone quantile head.
#include <stdexcept>

#include "models/common.h"

namespace tsfm {
namespace {

class DLinearImpl : public ForecastModelImpl {
 public:
  explicit DLinearImpl(const ModelSpec& spec) : spec_(spec) {
    kernel_ = detail::param_int(spec, "kernel_size", 1);
    if (kernel_ % 2 == 0) {
      detail::param_error("kernel_size", "must be odd so the moving average keeps the series length (got " +
                                             std::to_string(kernel_) + ")");
    }
    individual_ = detail::param_bool(spec, "individual");
    const int64_t L = spec.context_length, out = detail::head_outputs(spec);
    if (individual_) {
      seasonal_list_ = register_module("Linear_Seasonal", torch::nn::ModuleList());
      trend_list_ = register_module("Linear_Trend", torch::nn::ModuleList());
      for (int64_t c = 0; c < spec.channels; ++c) {
        seasonal_.push_back(torch::nn::Linear(L, out));
        trend_.push_back(torch::nn::Linear(L, out));
        seasonal_list_->push_back(seasonal_.back());
        trend_list_->push_back(trend_.back());
      }
    } else {
      seasonal_.push_back(register_module("Linear_Seasonal", torch::nn::Linear(L, out)));
      trend_.push_back(register_module("Linear_Trend", torch::nn::Linear(L, out)));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    detail::check_input(spec_, x);
    const int64_t pad = (kernel_ - 1) / 2;
    torch::Tensor padded = x;
    if (pad > 0) {
      auto front = x.narrow(2, 0, 1).expand({-1, -1, pad});
      auto end = x.narrow(2, x.size(2) - 1, 1).expand({-1, -1, pad});
      padded = torch::cat({front, x, end}, 2);
    }
    auto trend = torch::avg_pool1d(padded, {kernel_}, {1}, {0});  // [B, C, L]
    auto seasonal = x - trend;
    torch::Tensor raw;
    if (individual_) {
      std::vector<torch::Tensor> outs;
      for (int64_t c = 0; c < spec_.channels; ++c) {
        outs.push_back(seasonal_[c]->forward(seasonal.select(1, c)) + trend_[c]->forward(trend.select(1, c)));
      }
      raw = torch::stack(outs, 1);  // [B, C, out]
    } else {
      raw = seasonal_[0]->forward(seasonal) + trend_[0]->forward(trend);
    }
    return detail::apply_head(spec_, raw);
  }

  const ModelSpec& spec() const override { return spec_; }

 private:
  ModelSpec spec_;
  int64_t kernel_ = 25;
  bool individual_ = false;
  torch::nn::ModuleList seasonal_list_{nullptr}, trend_list_{nullptr};
  std::vector<torch::nn::Linear> seasonal_, trend_;
};

}  // namespace

std::shared_ptr<ForecastModelImpl> make_dlinear(const ModelSpec& resolved) {
  return std::make_shared<DLinearImpl>(resolved);
}

FamilyInfo dlinear_info() {
  return {"dlinear",
          "DLinear (Zeng et al. 2023): moving-average trend/seasonal decomposition, one linear layer over time "
          "for each part; no normalisation",
          {"point", "quantile"},
          {{"kernel_size", 25}, {"individual", 0}}};
}

}  // namespace tsfm
