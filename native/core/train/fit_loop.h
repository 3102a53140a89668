#pragma once
// One Trainer::fit call, by responsibility: joining the data-parallel ranks, the epoch loop, one optimisation
// step (micro-batches, fp16 loss scaling, clipping), the end of an epoch (validation, early stopping,
// checkpoints) and progress reports. The position lives in the trainer's TrainState, so a loaded checkpoint
// resumes where it was; test and benchmark aids are TrainHooks (train/hooks.h), not branches here.
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "data/prefetch.h"
#include "data/sampler.h"
#include "parallel/comm.h"
#include "parallel/grad_sync.h"
#include "train/early_stopping.h"
#include "train/hooks.h"
#include "train/trainer.h"

namespace tsfm {

class FitLoop {
 public:
  FitLoop(Trainer& trainer, const DataSplit& train, const DataSplit* val, const ProgressFn& progress,
          const std::atomic<bool>& stop, std::shared_ptr<TrainHooks> extra);
  TrainResult run();

 private:
  using Clock = std::chrono::steady_clock;
  // Sums over an epoch's steps (losses stay on the device: no host sync per step), and over the steps since
  // the last progress report.
  struct EpochTotals {
    explicit EpochTotals(const torch::Device& device);
    void add(const torch::Tensor& step_loss, int64_t samples);
    torch::Tensor loss, window_loss;
    int64_t steps = 0, window_steps = 0, window_samples = 0;
    Clock::time_point window_start;
  };
  enum class EpochEnd { Continue, EarlyStop, HookStop };

  void join_ranks();
  void check_data() const;
  int64_t steps_per_epoch(int64_t windows, int64_t per_step) const;
  void request_batch(int64_t step, int64_t micro);
  bool should_stop_before_step();
  // False when the epoch's steps were stopped (stop flag, ranks' agreement or a hook).
  bool run_steps(EpochTotals& totals);
  torch::Tensor train_step(double lr);  // the step's summed micro-step losses, on the device
  torch::Tensor micro_step(int64_t micro);
  void apply_gradients();
  EpochEnd end_epoch(const EpochTotals& totals, Clock::time_point t_epoch);
  double mean_train_loss(const EpochTotals& totals) const;
  double validate(EpochRecord& rec);  // the early-stopping metric
  void save_epoch_checkpoints(bool improved, bool stopping) const;
  void save_last() const;
  void report_step(EpochTotals& totals, double lr) const;
  void report_epoch(const EpochRecord& rec) const;
  TrainResult finish(TrainResult result);
  bool writes_checkpoints() const;

  Trainer& t_;
  const TrainOptions& opts_;
  TrainState& s_;
  const DataSplit& train_;
  const ProgressFn& progress_;
  const std::atomic<bool>& stop_;
  HookList hooks_;
  EarlyStopping early_;
  const int64_t world_, rank_, accum_;
  std::unique_ptr<dist::Communicator> comm_;
  std::unique_ptr<dist::GradientSync> grad_sync_;  // declared after comm_: goes first
  std::unique_ptr<EpochSampler> sampler_;
  int64_t batch_ = 0, steps_ = 0, total_steps_ = 0, warmup_ = 0, global_batch_ = 0;
  bool fp16_ = false;
  torch::Tensor targets_at_;
  DataSplit val_thinned_;
  const DataSplit* val_ = nullptr;
  std::unique_ptr<BatchPrefetcher> batches_;
  std::vector<int64_t> ids_;
  Clock::time_point t_start_;
  int64_t samples_ = 0;
  // How often ranks compare stop requests: every step on CPU (free), every 10 on CUDA (reading the flag
  // waits for the GPU, which would otherwise run ahead of the host).
  int64_t stop_check_every_ = 1;
  bool stop_agreed_ = false, stop_pending_ = false;
  std::string stop_reason_;
};

}  // namespace tsfm
