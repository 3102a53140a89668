#pragma once
// Inference with a trained model: the model a spec describes, its weights read from a tsfm checkpoint, in
// eval mode on one device. No optimiser, no training options: what a trained run needs to forecast.
#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <string>

#include "data/split.h"
#include "models/model.h"
#include "train/options.h"  // FinetuneOptions

namespace tsfm {

struct PredictorOptions {
  std::string device = "cpu";      // cpu | cuda | cuda:N
  std::string precision = "fp32";  // fp32 | bf16 | fp16 (CUDA only)
  int64_t batch_size = 256;        // windows per forward pass
  int64_t threads = 0;             // intra-op threads for its calls; 0: the process-wide setting
  FinetuneOptions finetune;        // the run's training.finetune: a LoRA run's model has adapters to load
};

class Predictor {
 public:
  // Builds the model `spec` describes and loads its weights from `checkpoint` (written by the trainer). Throws
  // naming the file when it is missing, unreadable or another model's, and for bad options.
  Predictor(const ModelSpec& spec, std::string checkpoint, PredictorOptions options);

  // Forecasts for every window of `data` in index order, on the CPU: [N, C_target, H] or [N, Q, C_target, H];
  // in original units when `unscale`. The windows and channels must be the model's. Calls are serialised.
  torch::Tensor predict(const DataSplit& data, bool unscale);

  const ModelSpec& spec() const { return model_->spec(); }
  int64_t parameter_count() const { return model_->parameter_count(); }
  // Bytes held by its parameters and buffers (the binding reports them to V8 as external memory).
  int64_t weight_bytes() const;
  const std::string& checkpoint() const { return checkpoint_; }
  const PredictorOptions& options() const { return opts_; }

 private:
  void check_split(const DataSplit& data) const;

  PredictorOptions opts_;
  torch::Device device_;
  std::string checkpoint_;
  std::shared_ptr<ForecastModelImpl> model_;
  std::mutex mutex_;  // one forward loop at a time: thread and autocast settings are per call
};

}  // namespace tsfm
