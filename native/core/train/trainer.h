#pragma once
// A model with its AdamW optimiser and training state: fit (train/fit_loop.h runs it: epochs, steps with
// micro-batches, loss scaling and clipping, validation, early stopping, checkpoints, hooks), evaluation,
// forecasts, and checkpoints (train/train_state.h is what they carry besides weights and optimiser).
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/split.h"
#include "models/model.h"
#include "train/hooks.h"
#include "train/options.h"
#include "train/step_timer.h"
#include "train/train_state.h"
#include "train/validation.h"

namespace tsfm {

struct ProgressEvent {
  std::string kind;  // "step" | "epoch"
  int64_t epoch = 0, epochs = 0, step = 0, steps_per_epoch = 0, global_step = 0, total_steps = 0;
  double loss = 0, lr = 0, samples_per_sec = 0, eta_seconds = 0;
  double val_loss = 0, val_mse = 0, val_mae = 0;
  bool improved = false;
};
using ProgressFn = std::function<void(const ProgressEvent&)>;

struct TrainResult {
  std::string status;  // completed | early_stopped | interrupted
  int64_t epochs_completed = 0, global_step = 0, best_epoch = -1;
  double best_metric = 0, seconds = 0, samples_per_sec = 0;
  std::vector<EpochRecord> history;
  std::vector<StepPhases> step_phases;  // one per step when TrainOptions::profile_steps
  double timed_seconds = 0;             // TrainOptions::time_from_step: seconds over timed_steps steps
  int64_t timed_steps = 0;
  std::string stop_reason;              // why an early_stopped or interrupted run stopped; empty when completed
};

namespace dist {
class Communicator;
}

// The parameters the optimiser updates: all of them, less those a fine-tuning strategy froze.
std::vector<torch::Tensor> trainable_parameters(const ForecastModelImpl& model);

class Trainer {
 public:
  Trainer(std::shared_ptr<ForecastModelImpl> model, TrainOptions options);

  // Trains from the current state (a loaded checkpoint's, else the start) to training.epochs, early
  // stopping, `stop` or a hook (TrainOptions' test aids, then `extra`) ending it sooner.
  TrainResult fit(const DataSplit& train, const DataSplit* val, const ProgressFn& progress, const std::atomic<bool>& stop,
                  std::shared_ptr<TrainHooks> extra = nullptr);
  EvalResult evaluate(const DataSplit& data);
  // Forecasts for every window in index order: [N, C_target, H] or [N, Q, C_target, H]; in original
  // units when `unscale` (the split's scaling inverted), else on the scaled axis.
  torch::Tensor predict(const DataSplit& data, bool unscale);
  // Ground truth for the same windows, same layout as a point forecast.
  torch::Tensor targets(const DataSplit& data, bool unscale);

  void save_checkpoint(const std::string& path) const;
  void load_checkpoint(const std::string& path);  // everything: weights, optimizer, position, RNG
  void load_weights(const std::string& path);     // weights only (e.g. the best checkpoint for testing)

  const TrainOptions& options() const { return opts_; }
  ForecastModelImpl& model() { return *model_; }
  int64_t global_step() const { return state_.global_step; }
  const TrainState& state() const { return state_; }

 private:
  friend class FitLoop;  // one fit() call: it moves state_ and steps optimizer_
  void use_thread_setting() const;
  torch::Tensor forward(const torch::Tensor& x);
  EvalSetup eval_setup() const;
  void write_checkpoint(const std::string& path, const TrainState& state) const;

  std::shared_ptr<ForecastModelImpl> model_;
  TrainOptions opts_;
  torch::Device device_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  torch::Tensor quantile_levels_;
  TrainState state_;  // saved in checkpoints beside the weights and optimizer_, restored on resume
};

}  // namespace tsfm
