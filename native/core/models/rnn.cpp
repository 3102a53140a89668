// LSTM (Hochreiter & Schmidhuber 1997) and GRU (Cho et al. 2014) forecasters, the recurrent baselines of
// the forecasting benchmarks (e.g. GlucoBench's and neuralforecast's RNN models), in the direct
// multi-horizon encoder-decoder form (as MQ-RNN, Wen et al. 2017, without its future covariates):
//   RevIN per series window (affine=False, as the other families);
//   encoder: a num_layers torch LSTM / GRU (dropout between layers) over the context, the C channels of each
//     step as its input features;
//   decoder: Linear(hidden_size -> C * H, or C * H * Q) from the top layer's last hidden state, one forecast
//     per channel.
// The recurrence is the stock torch::nn module (cuDNN on a GPU), so names and shapes match torch.nn.LSTM/GRU.
#include <stdexcept>

#include "kernels/fused.h"
#include "models/common.h"

namespace tsfm {
namespace {

class RnnImpl : public ForecastModelImpl {
 public:
  RnnImpl(const ModelSpec& spec, bool lstm) : spec_(spec) {
    const int64_t hidden = detail::param_int(spec, "hidden_size", 1);
    const int64_t layers = detail::param_int(spec, "num_layers", 1);
    dropout_ = detail::param_double(spec, "dropout", 0.0, 1.0, true, false);
    // torch applies the inter-layer dropout only between layers (none after the last).
    const double between = layers > 1 ? dropout_ : 0.0;
    if (lstm) {
      auto o = torch::nn::LSTMOptions(spec.channels, hidden).num_layers(layers).batch_first(true).dropout(between);
      lstm_ = register_module("rnn", torch::nn::LSTM(o));
    } else {
      auto o = torch::nn::GRUOptions(spec.channels, hidden).num_layers(layers).batch_first(true).dropout(between);
      gru_ = register_module("rnn", torch::nn::GRU(o));
    }
    head_ = register_module("head", torch::nn::Linear(hidden, spec.channels * detail::head_outputs(spec)));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    detail::check_input(spec_, x);
    const int64_t B = x.size(0), C = x.size(1);
    auto stats = detail::instance_stats(x);
    auto seq = detail::instance_normalise(x, stats).transpose(1, 2);  // [B, L, C]
    auto out = lstm_ ? std::get<0>(lstm_->forward(seq)) : std::get<0>(gru_->forward(seq));  // [B, L, hidden]
    auto last = kernels::dropout(out.select(1, out.size(1) - 1), dropout_, is_training());
    auto raw = head_->forward(last).reshape({B, C, -1});
    return detail::instance_denormalise(detail::apply_head(spec_, raw), stats);
  }

  const ModelSpec& spec() const override { return spec_; }

 private:
  ModelSpec spec_;
  double dropout_ = 0.1;
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear head_{nullptr};
};

const std::map<std::string, double> kRnnDefaults = {{"hidden_size", 128}, {"num_layers", 2}, {"dropout", 0.1}};

}  // namespace

std::shared_ptr<ForecastModelImpl> make_lstm(const ModelSpec& resolved) {
  return std::make_shared<RnnImpl>(resolved, /*lstm=*/true);
}
std::shared_ptr<ForecastModelImpl> make_gru(const ModelSpec& resolved) {
  return std::make_shared<RnnImpl>(resolved, /*lstm=*/false);
}

FamilyInfo lstm_info() {
  return {"lstm",
          "LSTM encoder over the context (channels as step features, instance normalisation), linear decoder "
          "to the whole horizon from its last hidden state",
          {"point", "quantile"},
          kRnnDefaults};
}
FamilyInfo gru_info() {
  return {"gru",
          "GRU encoder over the context (channels as step features, instance normalisation), linear decoder "
          "to the whole horizon from its last hidden state",
          {"point", "quantile"},
          kRnnDefaults};
}

}  // namespace tsfm
