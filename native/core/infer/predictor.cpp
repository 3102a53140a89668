#include "infer/predictor.h"
#include "models/lora.h"

#include <stdexcept>

#include "infer/forecast.h"
#include "io/checkpoint.h"
#include "runtime.h"

namespace tsfm {

Predictor::Predictor(const ModelSpec& spec, std::string checkpoint, PredictorOptions options)
    : opts_(std::move(options)), device_(parse_device(opts_.device, "device")), checkpoint_(std::move(checkpoint)) {
  check_precision(opts_.precision, device_, "precision");
  if (opts_.batch_size < 1) throw std::invalid_argument("batchSize: must be >= 1");
  model_ = create_model(spec);
  // Adapters first (a LoRA checkpoint's weights include them); nothing trains here, so head/full change nothing.
  if (opts_.finetune.strategy == "lora") apply_finetune(*model_, opts_.finetune);
  // The spec is checked against the checkpoint's before any weight is read.
  auto archive = open_checkpoint(checkpoint_, model_->spec());
  // A LoRA checkpoint's adapters must find the same adapters here: without them the base weights alone would
  // load and forecast silently wrong.
  const std::string theirs = checkpoint_finetune(archive);
  if (theirs.rfind("lora", 0) == 0 && theirs != adapter_signature(*model_))
    throw std::runtime_error("checkpoint " + checkpoint_ + " carries LoRA adapters (" + theirs + "), but the predictor's model has " +
                             (adapter_signature(*model_).empty() ? std::string("none") : adapter_signature(*model_)) +
                             ": open it with the run's training.finetune");
  read_model_weights(archive, *model_);
  model_->to(device_);
  model_->eval();
}

int64_t Predictor::weight_bytes() const {
  int64_t bytes = 0;
  for (const auto& p : model_->parameters()) bytes += p.numel() * static_cast<int64_t>(p.element_size());
  for (const auto& b : model_->buffers()) bytes += b.numel() * static_cast<int64_t>(b.element_size());
  return bytes;
}

void Predictor::check_split(const DataSplit& data) const {
  const auto& s = model_->spec();
  if (!data.store) throw std::invalid_argument("predict: no data");
  if (data.index.context() != s.context_length || data.index.horizon() != s.horizon)
    throw std::invalid_argument("predict: windows are " + std::to_string(data.index.context()) + "+" +
                                std::to_string(data.index.horizon()) + " but the model expects " +
                                std::to_string(s.context_length) + "+" + std::to_string(s.horizon));
  if (static_cast<int64_t>(data.layout.input_channels.size()) != s.channels)
    throw std::invalid_argument("predict: data has " + std::to_string(data.layout.input_channels.size()) +
                                " input channels but the model expects " + std::to_string(s.channels));
}

torch::Tensor Predictor::predict(const DataSplit& data, bool unscale) {
  check_split(data);
  std::lock_guard<std::mutex> lock(mutex_);
  use_thread_setting(opts_.threads);
  c10::InferenceMode inference;  // no autograd bookkeeping at all, beyond forecast_split's no-grad
  return forecast_split(*model_, data, {device_, opts_.precision, opts_.batch_size}, unscale);
}

}  // namespace tsfm
