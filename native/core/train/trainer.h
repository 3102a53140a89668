#pragma once
// The training loop: AdamW, warm-up + cosine schedule, gradient clipping, early stopping with
// best-checkpoint keeping, mixed precision on CUDA, checkpoint/resume and cooperative interruption.
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/split.h"
#include "models/model.h"
#include "train/options.h"
#include "train/step_timer.h"

namespace tsfm {

struct ProgressEvent {
  std::string kind;  // "step" | "epoch"
  int64_t epoch = 0, epochs = 0, step = 0, steps_per_epoch = 0, global_step = 0, total_steps = 0;
  double loss = 0, lr = 0, samples_per_sec = 0, eta_seconds = 0;
  double val_loss = 0, val_mse = 0, val_mae = 0;
  bool improved = false;
};
using ProgressFn = std::function<void(const ProgressEvent&)>;

struct EpochRecord {
  int64_t epoch = 0;
  double train_loss = 0, val_loss = 0, val_mse = 0, val_mae = 0, lr = 0, seconds = 0;
  bool improved = false;
};

struct TrainResult {
  std::string status;  // completed | early_stopped | interrupted
  int64_t epochs_completed = 0, global_step = 0, best_epoch = -1;
  double best_metric = 0, seconds = 0, samples_per_sec = 0;
  std::vector<EpochRecord> history;
  std::vector<StepPhases> step_phases;  // one per step when TrainOptions::profile_steps
  double timed_seconds = 0;             // TrainOptions::time_from_step: seconds over timed_steps steps
  int64_t timed_steps = 0;
};

struct EvalResult {
  double loss = 0, mse = 0, mae = 0;
  int64_t windows = 0;
};

namespace dist {
class Communicator;
}

class Trainer {
 public:
  Trainer(std::shared_ptr<ForecastModelImpl> model, TrainOptions options);

  TrainResult fit(const DataSplit& train, const DataSplit* val, const ProgressFn& progress, const std::atomic<bool>& stop);
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
  int64_t global_step() const { return global_step_; }

 private:
  void use_thread_setting() const;
  torch::Tensor forward(const torch::Tensor& x);
  int64_t steps_per_epoch(int64_t windows, int64_t per_step) const;
  // Loss, squared and absolute error sums over the windows rank, rank + world, ... of `data`.
  torch::Tensor eval_sums(const DataSplit& data, int64_t rank, int64_t world);
  EvalResult eval_from_sums(const torch::Tensor& sums, const DataSplit& data) const;
  void inject_fault() const;
  bool writes_files() const { return opts_.dist.rank == 0; }  // rank 0 alone writes checkpoints

  std::shared_ptr<ForecastModelImpl> model_;
  TrainOptions opts_;
  torch::Device device_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  torch::Tensor quantile_levels_;
  // Position and early-stopping state: saved in checkpoints, restored on resume.
  int64_t epoch_ = 0, step_in_epoch_ = 0, global_step_ = 0, best_epoch_ = -1, bad_epochs_ = 0;
  double best_metric_ = std::numeric_limits<double>::infinity();
  double loss_scale_ = 65536.0;  // fp16 only
  std::vector<EpochRecord> history_;
};

}  // namespace tsfm
