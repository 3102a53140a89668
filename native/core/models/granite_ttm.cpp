// IBM Granite TinyTimeMixer (TTM, Ekambaram et al. 2024), exactly as `TinyTimeMixerForPrediction` in
// ibm-granite/granite-tsfm (tsfm_public/models/tinytimemixer/modeling_tinytimemixer.py), so that its Hugging
// Face checkpoints (e.g. granite-timeseries-ttm-r2) load by name and forecast the same. The module tree
// reproduces the reference's attribute names: model_state() keys are the safetensors keys
// (backbone.encoder.patcher.weight, ..., head.base_forecast_block.bias).
//
// Forward, for x [B, C, L] (the reference works channels-last; the maths is per channel and identical):
//   scaling inside the model, per window and channel over L: std (loc = mean, scale = sqrt(var_pop + 1e-5)),
//     mean (loc = 0, scale = max(mean |x|, 1e-10)) or none; not detached, as in the reference;
//   patchify: the last patch_length + stride * (P - 1) steps, unfolded into P patches [B, C, P, patch_length];
//   encoder: Linear(patch_length -> d_model), then a mixer block;
//   mixer block: with adaptive_patching_levels = n > 0, n blocks, block i (k = n - 1 - i) reshapes
//     [B, C, P, D] -> [B, C, P * 2^k, D / 2^k] row-major (a sub-patch is a contiguous slice of features), runs
//     num_layers mixer layers at that size and reshapes back (no reduction when D / 2^k <= 4); else
//     num_layers mixer layers;
//   mixer layer: [mix_channel] channel mixer (LayerNorm, gate, then MLP across channels: the reference's
//     order), patch mixer (only when P > 1), feature mixer (both: LayerNorm, MLP, then gate), each + residual;
//     MLP = Linear(n -> n * expansion) -> exact GELU -> dropout -> Linear -> dropout; gate = x * softmax(Wx + b);
//   decoder (use_decoder): Linear(d_model -> decoder_d_model) when they differ, then a mixer block with
//     decoder_num_layers, decoder_adaptive_patching_levels, decoder_mix_channel and head_dropout;
//   head: flatten (P, D) patch-major -> dropout -> Linear(P * D -> prediction_length) -> the first
//     `horizon` steps (the reference's prediction_filter_length) -> y * scale + loc.
// Every linear layer is a LoraLinear (models/lora.h): a plain nn.Linear until training.finetune.strategy lora
// adds adapters to it.
// Not implemented (refused when a checkpoint's config.json asks for them, in ts/pretrained): self-attention in
// the patch mixer, resolution prefix tuning, positional encoding, raw decoder residual, categorical
// embeddings, the forecast channel mixer for exogenous channels, distribution heads, batch norm.
#include <stdexcept>

#include "kernels/fused.h"
#include "models/common.h"
#include "models/lora.h"

namespace tsfm {
namespace {

// Sizes of one mixer layer.
struct MixSizes {
  int64_t channels, num_patches, d_model, expansion;
  double dropout, norm_eps;
  bool gated, mix_channel;
};

// TinyTimeMixerNormLayer (LayerNorm variant): holds the LayerNorm as `norm` (keys ...norm.norm.weight).
struct NormImpl : torch::nn::Module {
  NormImpl(int64_t d, double eps) {
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(eps)));
  }
  torch::Tensor forward(const torch::Tensor& x) { return norm->forward(x); }
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(Norm);

struct MlpImpl : torch::nn::Module {
  MlpImpl(int64_t n, int64_t expansion, double dropout) : dropout(dropout) {
    fc1 = register_module("fc1", LoraLinear(n, n * expansion));
    fc2 = register_module("fc2", LoraLinear(n * expansion, n));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = kernels::dropout(torch::gelu(fc1->forward(x)), dropout, is_training());
    return kernels::dropout(fc2->forward(h), dropout, is_training());
  }
  LoraLinear fc1{nullptr}, fc2{nullptr};
  double dropout;
};
TORCH_MODULE(Mlp);

struct GatedAttentionImpl : torch::nn::Module {
  explicit GatedAttentionImpl(int64_t n) { attn_layer = register_module("attn_layer", LoraLinear(n, n)); }
  torch::Tensor forward(const torch::Tensor& x) { return x * torch::softmax(attn_layer->forward(x), -1); }
  LoraLinear attn_layer{nullptr};
};
TORCH_MODULE(GatedAttention);

// One of the three mixers; `mixed` is the size of the mixed dimension (channels, patches or features).
struct MixerImpl : torch::nn::Module {
  enum Kind { Channel, Patch, Feature };
  MixerImpl(Kind kind, const MixSizes& s, int64_t mixed) : kind(kind) {
    norm = register_module("norm", Norm(s.d_model, s.norm_eps));
    mlp = register_module("mlp", Mlp(mixed, s.expansion, s.dropout));
    if (s.gated) gating_block = register_module("gating_block", GatedAttention(mixed));
  }
  torch::Tensor gate(const torch::Tensor& h) { return gating_block ? gating_block->forward(h) : h; }
  torch::Tensor forward(const torch::Tensor& x) {  // x: [B, C, P, D]
    auto h = norm->forward(x);
    if (kind == Channel) {  // [B, D, P, C]: the gate comes before the MLP here, as in the reference
      h = mlp->forward(gate(h.permute({0, 3, 2, 1}))).permute({0, 3, 2, 1});
    } else if (kind == Patch) {  // [B, C, D, P]
      h = gate(mlp->forward(h.transpose(2, 3))).transpose(2, 3);
    } else {
      h = gate(mlp->forward(h));
    }
    return h + x;
  }
  Kind kind;
  Norm norm{nullptr};
  Mlp mlp{nullptr};
  GatedAttention gating_block{nullptr};
};
TORCH_MODULE(Mixer);

struct MixerLayerImpl : torch::nn::Module {
  explicit MixerLayerImpl(const MixSizes& s) {
    if (s.num_patches > 1) patch_mixer = register_module("patch_mixer", Mixer(MixerImpl::Patch, s, s.num_patches));
    feature_mixer = register_module("feature_mixer", Mixer(MixerImpl::Feature, s, s.d_model));
    if (s.mix_channel)
      channel_feature_mixer = register_module("channel_feature_mixer", Mixer(MixerImpl::Channel, s, s.channels));
  }
  torch::Tensor forward(torch::Tensor x) {
    if (channel_feature_mixer) x = channel_feature_mixer->forward(x);
    if (patch_mixer) x = patch_mixer->forward(x);
    return feature_mixer->forward(x);
  }
  Mixer patch_mixer{nullptr}, feature_mixer{nullptr}, channel_feature_mixer{nullptr};
};
TORCH_MODULE(MixerLayer);

std::vector<MixerLayer> add_layers(torch::nn::Module& owner, const char* name, const MixSizes& s, int64_t n) {
  auto list = owner.register_module(name, torch::nn::ModuleList());
  std::vector<MixerLayer> layers;
  for (int64_t i = 0; i < n; ++i) {
    layers.push_back(MixerLayer(s));
    list->push_back(layers.back());
  }
  return layers;
}

// TinyTimeMixerAdaptivePatchingBlock: the layers run on factor-times more, factor-times narrower patches.
struct AdaptivePatchingBlockImpl : torch::nn::Module {
  AdaptivePatchingBlockImpl(const MixSizes& s, int64_t level, int64_t num_layers, const std::string& where) {
    factor = int64_t{1} << level;
    if (s.d_model / factor <= 4) factor = 1;  // the reference disables reduction below 4 features
    if (s.d_model % factor != 0)
      detail::param_error(where, "d_model " + std::to_string(s.d_model) + " must be divisible by 2^" +
                                     std::to_string(level) + " for adaptive patching level " + std::to_string(level));
    MixSizes sub = s;
    sub.num_patches = s.num_patches * factor;
    sub.d_model = s.d_model / factor;
    layers = add_layers(*this, "mixer_layers", sub, num_layers);
  }
  torch::Tensor forward(torch::Tensor x) {
    const int64_t b = x.size(0), c = x.size(1), p = x.size(2), d = x.size(3);
    x = x.reshape({b, c, p * factor, d / factor});
    for (auto& l : layers) x = l->forward(x);
    return x.reshape({b, c, p, d});
  }
  int64_t factor = 1;
  std::vector<MixerLayer> layers;
};
TORCH_MODULE(AdaptivePatchingBlock);

// TinyTimeMixerBlock: `mixers` holds adaptive patching blocks (levels > 0) or plain mixer layers.
struct MixerBlockImpl : torch::nn::Module {
  MixerBlockImpl(const MixSizes& s, int64_t levels, int64_t num_layers, const std::string& where) {
    if (levels > 0) {
      auto list = register_module("mixers", torch::nn::ModuleList());
      for (int64_t i = 0; i < levels; ++i) {
        adaptive.push_back(AdaptivePatchingBlock(s, levels - 1 - i, num_layers, where));
        list->push_back(adaptive.back());
      }
    } else {
      layers = add_layers(*this, "mixers", s, num_layers);
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    for (auto& a : adaptive) x = a->forward(x);
    for (auto& l : layers) x = l->forward(x);
    return x;
  }
  std::vector<AdaptivePatchingBlock> adaptive;
  std::vector<MixerLayer> layers;
};
TORCH_MODULE(MixerBlock);

struct EncoderImpl : torch::nn::Module {
  EncoderImpl(int64_t patch_length, const MixSizes& s, int64_t levels, int64_t num_layers) {
    patcher = register_module("patcher", LoraLinear(patch_length, s.d_model));
    mlp_mixer_encoder = register_module("mlp_mixer_encoder", MixerBlock(s, levels, num_layers, "adaptive_patching_levels"));
  }
  LoraLinear patcher{nullptr};
  MixerBlock mlp_mixer_encoder{nullptr};
};
TORCH_MODULE(Encoder);

struct BackboneImpl : torch::nn::Module {
  BackboneImpl(int64_t patch_length, const MixSizes& s, int64_t levels, int64_t num_layers) {
    encoder = register_module("encoder", Encoder(patch_length, s, levels, num_layers));
  }
  Encoder encoder{nullptr};
};
TORCH_MODULE(Backbone);

struct DecoderImpl : torch::nn::Module {
  DecoderImpl(int64_t d_model, const MixSizes& s, int64_t levels, int64_t num_layers) {
    if (d_model != s.d_model) adapter = register_module("adapter", LoraLinear(d_model, s.d_model));
    decoder_block = register_module("decoder_block", MixerBlock(s, levels, num_layers, "decoder_adaptive_patching_levels"));
  }
  torch::Tensor forward(torch::Tensor h) {
    if (adapter) h = adapter->forward(h);
    return decoder_block->forward(h);
  }
  LoraLinear adapter{nullptr};
  MixerBlock decoder_block{nullptr};
};
TORCH_MODULE(Decoder);

struct HeadImpl : torch::nn::Module {
  HeadImpl(int64_t in, int64_t out) { base_forecast_block = register_module("base_forecast_block", LoraLinear(in, out)); }
  LoraLinear base_forecast_block{nullptr};
};
TORCH_MODULE(Head);

enum Scaling { kNone = 0, kStd = 1, kMean = 2 };

class GraniteTtmImpl : public ForecastModelImpl {
 public:
  explicit GraniteTtmImpl(const ModelSpec& spec) : spec_(spec) {
    if (!spec.quantiles.empty())
      throw std::invalid_argument("model.quantiles: granite_ttm gives point forecasts only (its head is a point head)");
    const int64_t L = spec.context_length;
    patch_ = detail::param_int(spec, "patch_length", 1);
    stride_ = detail::param_int(spec, "patch_stride", 1);
    if (L <= patch_)
      detail::param_error("patch_length", "must be < context_length " + std::to_string(L) + " (got " + std::to_string(patch_) + ")");
    num_patches_ = (L - patch_) / stride_ + 1;
    start_ = L - (patch_ + stride_ * (num_patches_ - 1));
    scaling_ = static_cast<int>(detail::param_int(spec, "scaling", 0, 2));
    pred_len_ = detail::param_int(spec, "prediction_length", 0);
    if (pred_len_ == 0) pred_len_ = spec.horizon;
    if (pred_len_ < spec.horizon)
      detail::param_error("prediction_length", "the head's " + std::to_string(pred_len_) + " steps are fewer than horizon " +
                                                   std::to_string(spec.horizon));
    head_dropout_ = detail::param_double(spec, "head_dropout", 0.0, 1.0, true, false);

    MixSizes enc{spec.channels,
                 num_patches_,
                 detail::param_int(spec, "d_model", 1),
                 detail::param_int(spec, "expansion_factor", 1),
                 detail::param_double(spec, "dropout", 0.0, 1.0, true, false),
                 detail::param_double(spec, "norm_eps", 0.0, 1.0, false, true),
                 detail::param_bool(spec, "gated_attn"),
                 detail::param_bool(spec, "mix_channel")};
    const int64_t levels = detail::param_int(spec, "adaptive_patching_levels", 0, 16);
    backbone_ = register_module("backbone", Backbone(patch_, enc, levels, detail::param_int(spec, "num_layers", 1)));
    int64_t head_d = enc.d_model;
    if (detail::param_bool(spec, "use_decoder")) {
      MixSizes dec = enc;
      dec.d_model = detail::param_int(spec, "decoder_d_model", 1);
      dec.dropout = head_dropout_;
      dec.mix_channel = detail::param_bool(spec, "decoder_mix_channel");
      decoder_ = register_module("decoder", Decoder(enc.d_model, dec, detail::param_int(spec, "decoder_adaptive_patching_levels", 0, 16),
                                                    detail::param_int(spec, "decoder_num_layers", 1)));
      head_d = dec.d_model;
    }
    head_ = register_module("head", Head(num_patches_ * head_d, pred_len_));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    detail::check_input(spec_, x);
    torch::Tensor loc, scale;
    if (scaling_ == kStd) {
      loc = x.mean({-1}, true);
      scale = torch::sqrt((x - loc).pow(2).mean({-1}, true) + 1e-5);
    } else if (scaling_ == kMean) {
      scale = x.abs().mean({-1}, true).clamp_min(1e-10);
      loc = torch::zeros_like(scale);
    }
    auto z = scaling_ == kNone ? x : (x - loc) / scale;
    auto patches = z.narrow(2, start_, z.size(2) - start_).unfold(2, patch_, stride_);  // [B, C, P, patch]
    auto& enc = backbone_->encoder;
    auto h = enc->mlp_mixer_encoder->forward(enc->patcher->forward(patches));
    if (decoder_) h = decoder_->forward(h);
    h = kernels::dropout(h.flatten(2), head_dropout_, is_training());  // patch-major: index p * D + d
    auto y = head_->base_forecast_block->forward(h);                    // [B, C, prediction_length]
    if (pred_len_ != spec_.horizon) y = y.narrow(2, 0, spec_.horizon);
    return scaling_ == kNone ? y : y * scale + loc;
  }

  const ModelSpec& spec() const override { return spec_; }

 private:
  ModelSpec spec_;
  int64_t patch_ = 64, stride_ = 64, num_patches_ = 8, start_ = 0, pred_len_ = 96;
  int scaling_ = kStd;
  double head_dropout_ = 0.4;
  Backbone backbone_{nullptr};
  Decoder decoder_{nullptr};
  Head head_{nullptr};
};

}  // namespace

std::shared_ptr<ForecastModelImpl> make_granite_ttm(const ModelSpec& resolved) {
  return std::make_shared<GraniteTtmImpl>(resolved);
}

FamilyInfo granite_ttm_info() {
  // Defaults are the architecture of ibm-granite/granite-timeseries-ttm-r2 (512-96-r2); a checkpoint's
  // config.json maps onto these keys (ts/pretrained). scaling: 0 none, 1 std, 2 mean.
  return {"granite_ttm",
          "IBM Granite TinyTimeMixer, exactly as granite-tsfm's TinyTimeMixerForPrediction (loads its Hugging Face "
          "checkpoints): adaptive patching, gated mixers, decoder, in-model std scaling",
          {"point"},
          {{"patch_length", 64},
           {"patch_stride", 64},
           {"d_model", 192},
           {"num_layers", 2},
           {"adaptive_patching_levels", 3},
           {"expansion_factor", 2},
           {"dropout", 0.4},
           {"head_dropout", 0.4},
           {"gated_attn", 1},
           {"mix_channel", 0},
           {"use_decoder", 1},
           {"decoder_d_model", 128},
           {"decoder_num_layers", 2},
           {"decoder_adaptive_patching_levels", 0},
           {"decoder_mix_channel", 0},
           {"norm_eps", 1e-5},
           {"scaling", 1},
           {"prediction_length", 0}}};
}

}  // namespace tsfm
