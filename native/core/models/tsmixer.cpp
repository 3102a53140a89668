// TSMixer (Chen et al. 2023, "TSMixer: An All-MLP Architecture for Time Series Forecasting"), the basic
// model of the official code (google-research/google-research, tsmixer/tsmixer_basic/models/tsmixer.py):
//   RevIN per series window (here affine=False, as the other families);
//   num_blocks residual mixing blocks on x [B, C, L]:
//     time mixing:    x = x + Dropout(ReLU(Linear(L -> L)(Norm(x))))             (the same map for every channel)
//     feature mixing: x = x + Dropout(Linear(ff_dim -> C)(Dropout(ReLU(Linear(C -> ff_dim)(Norm(x)^T)))))^T
//   where Norm is LayerNorm over the whole [C, L] window (the code's norm_type='L'; its BatchNorm option is
//   not offered);
//   temporal projection: Linear(L -> H, or H * Q for quantiles) along time, per channel.
// Channels are mixed by the feature-mixing MLPs, so every input channel informs every forecast.
#include <stdexcept>

#include "kernels/fused.h"
#include "models/common.h"

namespace tsfm {
namespace {

struct MixingBlockImpl : torch::nn::Module {
  MixingBlockImpl(int64_t channels, int64_t length, int64_t ff_dim, double dropout) : dropout(dropout) {
    auto norm_opts = torch::nn::LayerNormOptions({channels, length}).eps(1e-5);
    time_norm = register_module("time_norm", torch::nn::LayerNorm(norm_opts));
    time_fc = register_module("time_fc", torch::nn::Linear(length, length));
    feature_norm = register_module("feature_norm", torch::nn::LayerNorm(norm_opts));
    feature_fc1 = register_module("feature_fc1", torch::nn::Linear(channels, ff_dim));
    feature_fc2 = register_module("feature_fc2", torch::nn::Linear(ff_dim, channels));
  }
  torch::Tensor forward(torch::Tensor x) {  // x: [B, C, L]
    auto t = torch::relu(time_fc->forward(time_norm->forward(x)));
    x = x + kernels::dropout(t, dropout, is_training());
    auto f = feature_norm->forward(x).transpose(1, 2);  // [B, L, C]
    f = kernels::dropout(torch::relu(feature_fc1->forward(f)), dropout, is_training());
    f = kernels::dropout(feature_fc2->forward(f), dropout, is_training()).transpose(1, 2);
    return x + f;
  }
  double dropout;
  torch::nn::LayerNorm time_norm{nullptr}, feature_norm{nullptr};
  torch::nn::Linear time_fc{nullptr}, feature_fc1{nullptr}, feature_fc2{nullptr};
};
TORCH_MODULE(MixingBlock);

class TsMixerImpl : public ForecastModelImpl {
 public:
  explicit TsMixerImpl(const ModelSpec& spec) : spec_(spec) {
    const int64_t blocks = detail::param_int(spec, "num_blocks", 0);
    const int64_t ff_dim = detail::param_int(spec, "ff_dim", 1);
    const double dropout = detail::param_double(spec, "dropout", 0.0, 1.0, true, false);
    auto list = register_module("blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < blocks; ++i) {
      blocks_.push_back(MixingBlock(spec.channels, spec.context_length, ff_dim, dropout));
      list->push_back(blocks_.back());
    }
    head_ = register_module("head", torch::nn::Linear(spec.context_length, detail::head_outputs(spec)));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    detail::check_input(spec_, x);
    auto stats = detail::instance_stats(x);
    auto h = detail::instance_normalise(x, stats);
    for (auto& block : blocks_) h = block->forward(h);
    return detail::instance_denormalise(detail::apply_head(spec_, head_->forward(h)), stats);
  }

  const ModelSpec& spec() const override { return spec_; }

 private:
  ModelSpec spec_;
  std::vector<MixingBlock> blocks_;
  torch::nn::Linear head_{nullptr};
};

}  // namespace

std::shared_ptr<ForecastModelImpl> make_tsmixer(const ModelSpec& resolved) {
  return std::make_shared<TsMixerImpl>(resolved);
}

FamilyInfo tsmixer_info() {
  return {"tsmixer",
          "TSMixer (Chen et al. 2023): instance normalisation, residual time-mixing and feature-mixing MLPs "
          "with LayerNorm, linear temporal projection to the horizon",
          {"point", "quantile"},
          {{"num_blocks", 2}, {"ff_dim", 64}, {"dropout", 0.1}}};
}

}  // namespace tsfm
