// TiDE (Das et al. 2023, "Long-term Forecasting with TiDE: Time-series Dense Encoder"), following the
// official code (google-research/google-research, tide/models.py), one forecast per channel:
//   RevIN per series window (affine=False, as the other families);
//   residual block (the code's MLPResidual): LayerNorm(Dropout(Linear(ReLU(Linear(v)))) + Linear(v));
//   feature projection: the C channels at each past step are the covariates x_t, projected by a residual
//     block (C -> hidden_size -> temporal_width) and flattened ([L * temporal_width]); temporal_width 0 drops it;
//   dense encoder: per target channel c, [y_c (L), projected covariates, one-hot of c (the static attribute)]
//     -> num_encoder_layers residual blocks of width hidden_size;
//   dense decoder: num_decoder_layers residual blocks, the last to H * decoder_output_dim, read as a
//     decoder_output_dim vector per horizon step;
//   temporal decoder: per step, a residual block (decoder_output_dim -> temporal_decoder_hidden -> 1, or Q
//     quantiles), without LayerNorm (over one output it would erase the value);
//   global linear residual: Linear(L -> H, or H * Q) of y_c, added to the output.
// The original also projects known future covariates into the temporal decoder; tsfm's windows give the
// model only the past, so the projection covers the past covariates alone.
#include <stdexcept>

#include "kernels/fused.h"
#include "models/common.h"

namespace tsfm {
namespace {

struct ResidualBlockImpl : torch::nn::Module {
  ResidualBlockImpl(int64_t in, int64_t hidden, int64_t out, bool layer_norm, double dropout) : dropout(dropout) {
    lin_a = register_module("lin_a", torch::nn::Linear(in, hidden));
    lin_b = register_module("lin_b", torch::nn::Linear(hidden, out));
    lin_res = register_module("lin_res", torch::nn::Linear(in, out));
    if (layer_norm) norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out}).eps(1e-5)));
  }
  torch::Tensor forward(const torch::Tensor& v) {
    auto h = kernels::dropout(lin_b->forward(torch::relu(lin_a->forward(v))), dropout, is_training());
    h = h + lin_res->forward(v);
    return norm ? norm->forward(h) : h;
  }
  double dropout;
  torch::nn::Linear lin_a{nullptr}, lin_b{nullptr}, lin_res{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(ResidualBlock);

class TideImpl : public ForecastModelImpl {
 public:
  explicit TideImpl(const ModelSpec& spec) : spec_(spec) {
    const int64_t L = spec.context_length, H = spec.horizon, C = spec.channels;
    const int64_t hidden = detail::param_int(spec, "hidden_size", 1);
    const int64_t enc_layers = detail::param_int(spec, "num_encoder_layers", 1);
    const int64_t dec_layers = detail::param_int(spec, "num_decoder_layers", 1);
    out_dim_ = detail::param_int(spec, "decoder_output_dim", 1);
    tw_ = detail::param_int(spec, "temporal_width", 0);
    const int64_t td_hidden = detail::param_int(spec, "temporal_decoder_hidden", 1);
    const bool ln = detail::param_bool(spec, "layer_norm");
    const double dropout = detail::param_double(spec, "dropout", 0.0, 1.0, true, false);
    q_ = spec.quantiles.empty() ? 1 : static_cast<int64_t>(spec.quantiles.size());

    if (tw_ > 0) {
      feature_projection_ = register_module("feature_projection", ResidualBlock(C, hidden, tw_, ln, dropout));
    }
    auto enc = register_module("encoder", torch::nn::ModuleList());
    int64_t in = L + L * tw_ + C;
    for (int64_t i = 0; i < enc_layers; ++i, in = hidden) {
      encoder_.push_back(ResidualBlock(in, hidden, hidden, ln, dropout));
      enc->push_back(encoder_.back());
    }
    auto dec = register_module("decoder", torch::nn::ModuleList());
    for (int64_t i = 0; i < dec_layers; ++i) {
      decoder_.push_back(ResidualBlock(hidden, hidden, i + 1 == dec_layers ? H * out_dim_ : hidden, ln, dropout));
      dec->push_back(decoder_.back());
    }
    temporal_decoder_ =
        register_module("temporal_decoder", ResidualBlock(out_dim_, td_hidden, q_, /*layer_norm=*/false, dropout));
    global_residual_ = register_module("global_residual", torch::nn::Linear(L, detail::head_outputs(spec)));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    detail::check_input(spec_, x);
    const int64_t B = x.size(0), C = x.size(1), L = x.size(2), H = spec_.horizon;
    auto stats = detail::instance_stats(x);
    auto z = detail::instance_normalise(x, stats);  // [B, C, L]
    std::vector<torch::Tensor> parts{z};
    if (feature_projection_) {
      auto proj = feature_projection_->forward(z.transpose(1, 2)).flatten(1);  // [B, L * tw]
      parts.push_back(proj.unsqueeze(1).expand({B, C, L * tw_}));
    }
    parts.push_back(torch::eye(C, z.options()).unsqueeze(0).expand({B, C, C}));  // one-hot static attribute
    auto h = torch::cat(parts, 2);
    for (auto& block : encoder_) h = block->forward(h);
    for (auto& block : decoder_) h = block->forward(h);
    auto steps = temporal_decoder_->forward(h.reshape({B, C, H, out_dim_}));  // [B, C, H, Q]
    auto raw = steps.transpose(2, 3).reshape({B, C, q_ * H}) + global_residual_->forward(z);
    return detail::instance_denormalise(detail::apply_head(spec_, raw), stats);
  }

  const ModelSpec& spec() const override { return spec_; }

 private:
  ModelSpec spec_;
  int64_t out_dim_ = 8, tw_ = 4, q_ = 1;
  ResidualBlock feature_projection_{nullptr}, temporal_decoder_{nullptr};
  std::vector<ResidualBlock> encoder_, decoder_;
  torch::nn::Linear global_residual_{nullptr};
};

}  // namespace

std::shared_ptr<ForecastModelImpl> make_tide(const ModelSpec& resolved) { return std::make_shared<TideImpl>(resolved); }

FamilyInfo tide_info() {
  return {"tide",
          "TiDE (Das et al. 2023): instance normalisation, feature projection of the past covariates, dense "
          "residual MLP encoder and decoder, per-step temporal decoder, global linear residual",
          {"point", "quantile"},
          {{"hidden_size", 256},
           {"num_encoder_layers", 2},
           {"num_decoder_layers", 2},
           {"decoder_output_dim", 8},
           {"temporal_width", 4},
           {"temporal_decoder_hidden", 128},
           {"layer_norm", 1},
           {"dropout", 0.3}}};
}

}  // namespace tsfm
