// N-HiTS (Challu et al. 2023, "N-HiTS: Neural Hierarchical Interpolation for Time Series Forecasting"),
// following neuralforecast's NHITS (models/nhits.py), channel-independent (each channel is its own series):
//   RevIN per series window (affine=False, as the other families);
//   num_stacks stacks of blocks_per_stack blocks; stack s (0 = the first) uses
//     pooling kernel  k_s = pool_base^(num_stacks - 1 - s)       (MaxPool1d, stride k_s, ceil_mode: multi-rate input)
//     downsampling    r_s = downsample_base^(num_stacks - 1 - s) (n_coef = max(H / r_s, 1) forecast coefficients)
//   so with the defaults (3 stacks, bases 2) the kernels and ratios are 4, 2, 1, as the paper's hierarchy;
//   block: pooled residual -> mlp_layers x (Linear -> ReLU), Dropout -> Linear(-> L + n_coef * Q) = theta;
//     backcast = theta[:L]; forecast = linear interpolation (align_corners=False) of each quantile's n_coef
//     coefficients to H steps (the hierarchical interpolation of the basis expansion);
//   doubly residual stacking: residual -= backcast, forecast += block forecast, starting from the naive level
//   (the last normalised value, as neuralforecast), added after the quantile head so the levels stay ordered.
// As in neuralforecast, the residual is kept reversed in time, so the pooling windows start at the newest value
// (a partial window, when k_s does not divide L, holds the oldest values).
#include <stdexcept>

#include "kernels/fused.h"
#include "models/common.h"

namespace tsfm {
namespace {

namespace F = torch::nn::functional;

struct NhitsBlockImpl : torch::nn::Module {
  NhitsBlockImpl(int64_t L, int64_t kernel, int64_t n_coef, int64_t n_quantiles, int64_t hidden, int64_t mlp_layers,
                 double dropout)
      : L(L), kernel(kernel), n_coef(n_coef), n_quantiles(n_quantiles), dropout(dropout) {
    auto list = register_module("layers", torch::nn::ModuleList());
    int64_t in = (L + kernel - 1) / kernel;  // ceil_mode pooling
    for (int64_t i = 0; i < mlp_layers; ++i) {
      layers.push_back(torch::nn::Linear(in, hidden));
      list->push_back(layers.back());
      in = hidden;
    }
    theta = register_module("theta", torch::nn::Linear(in, L + n_coef * n_quantiles));
  }
  // r: [N, L] residual -> {backcast [N, L], forecast [N, Q * H] (Q-major)}
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& r, int64_t H) {
    auto h = kernel > 1 ? torch::max_pool1d(r.unsqueeze(1), {kernel}, {kernel}, {0}, {1}, /*ceil_mode=*/true).squeeze(1)
                        : r;
    for (auto& layer : layers) h = torch::relu(layer->forward(h));
    h = kernels::dropout(h, dropout, is_training());
    auto t = theta->forward(h);
    auto backcast = t.narrow(1, 0, L);
    auto knots = t.narrow(1, L, n_coef * n_quantiles).reshape({-1, n_quantiles, n_coef});
    auto forecast = F::interpolate(knots, F::InterpolateFuncOptions()
                                              .size(std::vector<int64_t>{H})
                                              .mode(torch::kLinear)
                                              .align_corners(false));
    return {backcast, forecast.reshape({-1, n_quantiles * H})};
  }
  int64_t L, kernel, n_coef, n_quantiles;
  double dropout;
  std::vector<torch::nn::Linear> layers;
  torch::nn::Linear theta{nullptr};
};
TORCH_MODULE(NhitsBlock);

int64_t int_pow(int64_t base, int64_t exp) {
  int64_t v = 1;
  for (int64_t i = 0; i < exp; ++i) v *= base;
  return v;
}

class NhitsImpl : public ForecastModelImpl {
 public:
  explicit NhitsImpl(const ModelSpec& spec) : spec_(spec) {
    const int64_t L = spec.context_length, H = spec.horizon;
    const int64_t stacks = detail::param_int(spec, "num_stacks", 1, 8);
    const int64_t per_stack = detail::param_int(spec, "blocks_per_stack", 1);
    const int64_t pool_base = detail::param_int(spec, "pool_base", 1, 16);
    const int64_t down_base = detail::param_int(spec, "downsample_base", 1, 16);
    const int64_t hidden = detail::param_int(spec, "hidden_size", 1);
    const int64_t mlp_layers = detail::param_int(spec, "mlp_layers", 1);
    const double dropout = detail::param_double(spec, "dropout", 0.0, 1.0, true, false);
    const int64_t Q = spec.quantiles.empty() ? 1 : static_cast<int64_t>(spec.quantiles.size());
    auto list = register_module("blocks", torch::nn::ModuleList());
    for (int64_t s = 0; s < stacks; ++s) {
      const int64_t kernel = std::min(int_pow(pool_base, stacks - 1 - s), L);
      const int64_t n_coef = std::max<int64_t>(H / int_pow(down_base, stacks - 1 - s), 1);
      for (int64_t b = 0; b < per_stack; ++b) {
        blocks_.push_back(NhitsBlock(L, kernel, n_coef, Q, hidden, mlp_layers, dropout));
        list->push_back(blocks_.back());
      }
    }
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    detail::check_input(spec_, x);
    const int64_t B = x.size(0), C = x.size(1), L = x.size(2);
    auto stats = detail::instance_stats(x);
    auto z = detail::instance_normalise(x, stats);
    auto residual = z.reshape({B * C, L}).flip({1});
    torch::Tensor forecast;
    for (auto& block : blocks_) {
      auto out = block->forward(residual, spec_.horizon);
      residual = residual - out.first;
      forecast = forecast.defined() ? forecast + out.second : out.second;
    }
    auto y = detail::apply_head(spec_, forecast.reshape({B, C, -1}));
    auto level = z.narrow(2, L - 1, 1);  // [B, C, 1]: the naive forecast the blocks correct
    y = y.dim() == 3 ? y + level : y + level.unsqueeze(1);
    return detail::instance_denormalise(y, stats);
  }

  const ModelSpec& spec() const override { return spec_; }

 private:
  ModelSpec spec_;
  std::vector<NhitsBlock> blocks_;
};

}  // namespace

std::shared_ptr<ForecastModelImpl> make_nhits(const ModelSpec& resolved) {
  return std::make_shared<NhitsImpl>(resolved);
}

FamilyInfo nhits_info() {
  return {"nhits",
          "N-HiTS (Challu et al. 2023): instance normalisation, stacks of MLP blocks on max-pooled inputs at "
          "several rates, forecasts by hierarchical interpolation of coefficients, doubly residual stacking",
          {"point", "quantile"},
          {{"num_stacks", 3},
           {"blocks_per_stack", 1},
           {"pool_base", 2},
           {"downsample_base", 2},
           {"hidden_size", 512},
           {"mlp_layers", 2},
           {"dropout", 0.0}}};
}

}  // namespace tsfm
