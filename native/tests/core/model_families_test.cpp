// Every trainable model family: output shapes for point and quantile heads, quantile levels in order, a
// gradient reaching every parameter, and one-line refusals of out-of-range parameters.
#include <cmath>

#include "harness.h"
#include "models/model.h"

namespace tsfm::test {
namespace {

ModelSpec small_spec(const std::string& family) {
  ModelSpec s;
  s.family = family;
  s.context_length = 30;  // no multiple of N-HiTS's 4-step pooling
  s.horizon = 7;
  s.channels = 2;
  if (family == "ttm") s.params = {{"patch_length", 5}, {"d_model", 8}, {"num_layers", 1}};
  if (family == "patchtst") {
    s.params = {{"patch_length", 6}, {"stride", 3}, {"d_model", 8}, {"num_heads", 2}, {"num_layers", 1}, {"d_ff", 8}};
  }
  if (family == "tsmixer") s.params = {{"ff_dim", 8}};
  if (family == "nhits") s.params = {{"hidden_size", 16}};
  if (family == "tide") s.params = {{"hidden_size", 16}, {"temporal_decoder_hidden", 8}};
  if (family == "lstm" || family == "gru") s.params = {{"hidden_size", 8}};
  return s;
}

}  // namespace

TSFM_TEST("model families: point and quantile shapes, ordered quantiles, gradients to every parameter") {
  torch::manual_seed(3);
  for (const auto& info : list_model_families()) {
    if (info.family == "granite_ttm") continue;  // its own tests (checkpoint layouts) cover it
    for (bool quantile : {false, true}) {
      ModelSpec spec = small_spec(info.family);
      if (quantile) spec.quantiles = {0.1, 0.5, 0.9};
      auto model = create_model(spec);
      TSFM_CHECK(model->parameter_count() > 0);
      auto x = torch::randn({3, spec.channels, spec.context_length}) * 5 + 100;
      auto y = model->forward(x);
      const std::vector<int64_t> want = quantile ? std::vector<int64_t>{3, 3, 2, 7} : std::vector<int64_t>{3, 2, 7};
      TSFM_CHECK_EQ(y.sizes().vec(), want);
      TSFM_CHECK(torch::isfinite(y).all().item<bool>());
      // Non-decreasing, as the interface promises: DLinear has no normalisation, so on inputs near 100 its raw
      // outputs are large and negative and their softplus increments underflow to 0.
      if (quantile && !(y.diff(1, 1) >= 0).all().item<bool>()) {
        fail(__FILE__, __LINE__, info.family + ": quantiles cross");
      }
      y.pow(2).mean().backward();
      for (const auto& p : model->named_parameters()) {
        if (!p.value().grad().defined() || !torch::isfinite(p.value().grad()).all().item<bool>()) {
          fail(__FILE__, __LINE__, info.family + ": no finite gradient for " + p.key());
        }
      }
    }
  }
}

TSFM_TEST("model families: out-of-range parameters are refused naming the key") {
  auto with = [](const std::string& family, const std::string& key, double v) {
    ModelSpec s = small_spec(family);
    s.params[key] = v;
    return s;
  };
  TSFM_CHECK_THROWS(create_model(with("nhits", "num_stacks", 0)), "model.params.num_stacks");
  TSFM_CHECK_THROWS(create_model(with("nhits", "mlp_layers", 1.5)), "model.params.mlp_layers: must be an integer");
  TSFM_CHECK_THROWS(create_model(with("tide", "layer_norm", 2)), "model.params.layer_norm: must be 0 or 1");
  TSFM_CHECK_THROWS(create_model(with("tsmixer", "dropout", 1)), "model.params.dropout");
  TSFM_CHECK_THROWS(create_model(with("lstm", "num_layers", 0)), "model.params.num_layers");
  TSFM_CHECK_THROWS(create_model(with("gru", "hiden_size", 8)), "did you mean 'hidden_size'");
}

}  // namespace tsfm::test
