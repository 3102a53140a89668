// TTM-style mixer (Ekambaram et al. 2024, "Tiny Time Mixers (TTMs)", built on TSMixer / PatchTSMixer).
// Layout follows Hugging Face's PatchTSMixer / TinyTimeMixer backbone:
//   RevIN-style instance normalisation per series window (mean / std scaler, restored on the output);
//   non-overlapping patches (stride = patch_length; L must be divisible by patch_length, as TTM requires);
//   patch embedding Linear(patch_length -> d_model)  ("patcher");
//   num_layers mixer layers, each:
//     [channel_mix=1] channel mixer: LayerNorm -> gated attention over channels -> MLP across channels, + residual
//     patch mixer:    LayerNorm -> MLP across patches (inter-patch / time mixing) -> gated attention, + residual
//     feature mixer:  LayerNorm -> MLP across hidden features -> gated attention, + residual
//   with MLP = Linear(n -> n*expansion) -> GELU -> Dropout -> Linear(-> n) -> Dropout and
//   gated attention = x * softmax(Linear(n -> n)(x)) over the mixed dimension;
//   head: flatten patches x d_model -> Dropout -> Linear(-> H, or H * Q for quantiles).
// Channel-independent unless channel_mix = 1 (TTM's decoder-style channel mixing inside every layer).
// Not implemented (documented simplifications): TTM's adaptive patching across levels (each level of the
// original re-patches at a different resolution), its optional per-level self-attention, resolution-prefix
// tuning and the separate decoder/exogenous-fusion stages: this is a single-resolution backbone + head.
#include <stdexcept>

#include "kernels/fused.h"
#include "models/common.h"

namespace tsfm {
namespace {

// PatchTSMixerMLP: fc1 -> GELU -> dropout -> fc2 -> dropout, acting on the last dim.
struct MixerMlpImpl : torch::nn::Module {
  MixerMlpImpl(int64_t n, int64_t expansion, double dropout) : dropout(dropout) {
    fc1 = register_module("fc1", torch::nn::Linear(n, n * expansion));
    fc2 = register_module("fc2", torch::nn::Linear(n * expansion, n));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = kernels::dropout(torch::gelu(fc1->forward(x)), dropout, is_training());
    return kernels::dropout(fc2->forward(h), dropout, is_training());
  }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  double dropout;
};
TORCH_MODULE(MixerMlp);

// Gated attention: x * softmax(attn_layer(x), dim=-1).
struct GatedAttentionImpl : torch::nn::Module {
  explicit GatedAttentionImpl(int64_t n) { attn_layer = register_module("attn_layer", torch::nn::Linear(n, n)); }
  torch::Tensor forward(const torch::Tensor& x) { return x * torch::softmax(attn_layer->forward(x), -1); }
  torch::nn::Linear attn_layer{nullptr};
};
TORCH_MODULE(GatedAttention);

// One mixing block over a chosen dimension of [B, C, N, D]: `dim_size` is the size of the mixed dim.
// kind 0 = channels (dim 1), 1 = patches (dim 2), 2 = features (dim 3).
struct MixBlockImpl : torch::nn::Module {
  MixBlockImpl(int kind, int64_t d_model, int64_t dim_size, int64_t expansion, double dropout, bool gated)
      : kind(kind) {
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model}).eps(1e-5)));
    mlp = register_module("mlp", MixerMlp(dim_size, expansion, dropout));
    if (gated) gate = register_module("gate", GatedAttention(dim_size));
  }
  torch::Tensor forward(const torch::Tensor& x) {  // x: [B, C, N, D]
    auto h = norm->forward(x);
    if (kind == 0) {  // channels: [B, C, N, D] -> [B, D, N, C]
      h = h.permute({0, 3, 2, 1});
      if (gate) h = gate->forward(h);
      h = mlp->forward(h).permute({0, 3, 2, 1});
    } else if (kind == 1) {  // patches: [B, C, N, D] -> [B, C, D, N]
      h = mlp->forward(h.transpose(2, 3));
      if (gate) h = gate->forward(h);
      h = h.transpose(2, 3);
    } else {  // features
      h = mlp->forward(h);
      if (gate) h = gate->forward(h);
    }
    return x + h;
  }
  int kind;
  torch::nn::LayerNorm norm{nullptr};
  MixerMlp mlp{nullptr};
  GatedAttention gate{nullptr};
};
TORCH_MODULE(MixBlock);

struct MixerLayerImpl : torch::nn::Module {
  MixerLayerImpl(int64_t channels, int64_t num_patches, int64_t d_model, int64_t expansion, double dropout,
                 bool gated, bool channel_mix) {
    if (channel_mix) {
      channel_mixer =
          register_module("channel_mixer", MixBlock(0, d_model, channels, expansion, dropout, gated));
    }
    patch_mixer = register_module("patch_mixer", MixBlock(1, d_model, num_patches, expansion, dropout, gated));
    feature_mixer = register_module("feature_mixer", MixBlock(2, d_model, d_model, expansion, dropout, gated));
  }
  torch::Tensor forward(torch::Tensor x) {
    if (channel_mixer) x = channel_mixer->forward(x);
    x = patch_mixer->forward(x);
    return feature_mixer->forward(x);
  }
  MixBlock channel_mixer{nullptr}, patch_mixer{nullptr}, feature_mixer{nullptr};
};
TORCH_MODULE(MixerLayer);

class TtmImpl : public ForecastModelImpl {
 public:
  explicit TtmImpl(const ModelSpec& spec) : spec_(spec) {
    const int64_t L = spec.context_length;
    patch_ = detail::param_int(spec, "patch_length", 1);
    if (patch_ > L) {
      detail::param_error("patch_length", "must be <= context_length " + std::to_string(L) + " (got " +
                                              std::to_string(patch_) + ")");
    }
    if (L % patch_ != 0) {
      detail::param_error("patch_length", "must divide context_length " + std::to_string(L) + " (got " +
                                              std::to_string(patch_) + "; TTM uses non-overlapping patches)");
    }
    const int64_t d_model = detail::param_int(spec, "d_model", 1);
    const int64_t layers = detail::param_int(spec, "num_layers", 0);
    const int64_t expansion = detail::param_int(spec, "expansion", 1);
    dropout_ = detail::param_double(spec, "dropout", 0.0, 1.0, true, false);
    const bool gated = detail::param_bool(spec, "gated_attention");
    const bool channel_mix = detail::param_bool(spec, "channel_mix");
    num_patches_ = L / patch_;

    patcher_ = register_module("patcher", torch::nn::Linear(patch_, d_model));
    auto list = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) {
      layers_.push_back(MixerLayer(spec.channels, num_patches_, d_model, expansion, dropout_, gated, channel_mix));
      list->push_back(layers_.back());
    }
    head_ = register_module("head", torch::nn::Linear(num_patches_ * d_model, detail::head_outputs(spec)));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    detail::check_input(spec_, x);
    auto stats = detail::instance_stats(x);
    auto z = detail::instance_normalise(x, stats);
    auto h = patcher_->forward(z.unfold(2, patch_, patch_));  // [B, C, N, P] -> [B, C, N, D]
    for (auto& layer : layers_) h = layer->forward(h);
    h = kernels::dropout(h.flatten(2), dropout_, is_training());  // [B, C, N * D]
    auto y = detail::apply_head(spec_, head_->forward(h));
    return detail::instance_denormalise(y, stats);
  }

  const ModelSpec& spec() const override { return spec_; }

 private:
  ModelSpec spec_;
  int64_t patch_ = 16, num_patches_ = 0;
  double dropout_ = 0.2;
  torch::nn::Linear patcher_{nullptr}, head_{nullptr};
  std::vector<MixerLayer> layers_;
};

}  // namespace

std::shared_ptr<ForecastModelImpl> make_ttm(const ModelSpec& resolved) { return std::make_shared<TtmImpl>(resolved); }

FamilyInfo ttm_info() {
  return {"ttm",
          "TinyTimeMixer-style patch mixer (Ekambaram et al. 2024): instance normalisation, non-overlapping "
          "patches, MLP mixing across patches and features with gated attention, optional channel mixing",
          {"point", "quantile"},
          {{"patch_length", 16},
           {"d_model", 64},
           {"num_layers", 8},
           {"expansion", 2},
           {"dropout", 0.2},
           {"gated_attention", 1},
           {"channel_mix", 0}}};
}

}  // namespace tsfm
