#pragma once
// What a training run is at a step boundary: its position, its early-stopping record and its history. It is
// what a checkpoint carries beside the weights and the optimiser's moments (the learning-rate schedule is a
// function of the global step, so it needs no state of its own), and what a resume restores.
#include <torch/torch.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace tsfm {

struct EpochRecord {
  int64_t epoch = 0;
  double train_loss = 0, val_loss = 0, val_mse = 0, val_mae = 0, lr = 0, seconds = 0;
  bool improved = false;
};

struct TrainState {
  int64_t epoch = 0, step_in_epoch = 0, global_step = 0;
  // Early stopping: the best epoch so far, its metric, and the epochs since it.
  int64_t best_epoch = -1, bad_epochs = 0;
  double best_metric = std::numeric_limits<double>::infinity();
  double loss_scale = 65536.0;  // fp16's dynamic loss scale
  std::vector<EpochRecord> history;
  // The CPU generator's state when the state was captured (capture_cpu_rng); undefined = not captured.
  torch::Tensor cpu_rng;

  // The state a checkpoint written at the end of epoch `epoch` resumes from: the next epoch's first step.
  TrainState at_next_epoch() const;
};

torch::Tensor capture_cpu_rng();
void restore_cpu_rng(const torch::Tensor& state);

// Writes the state under meta/ in `archive` (the keys checkpoints have always used), and reads it back.
void write_train_state(torch::serialize::OutputArchive& archive, const TrainState& state);
TrainState read_train_state(torch::serialize::InputArchive& archive);

}  // namespace tsfm
