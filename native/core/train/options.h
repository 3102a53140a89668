#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "parallel/options.h"

namespace tsfm {

// training.finetune: what trains (models/lora.h applies it).
struct FinetuneOptions {
  std::string strategy = "full";  // full | head (the forecast head alone) | lora (low-rank adapters, base frozen)
  int64_t lora_rank = 8;
  double lora_alpha = 16;
  std::vector<std::string> lora_targets = {"mixer", "head"};  // mixer | head | patcher | adapter
};

struct TrainOptions {
  int64_t epochs = 10;
  int64_t batch_size = 64;
  double lr = 1e-3;
  double weight_decay = 1e-4;
  double warmup_fraction = 0.05;
  int64_t warmup_steps = -1;           // >= 0 overrides warmup_fraction
  std::string schedule = "cosine";     // cosine | constant | halving
  double grad_clip = 1.0;              // 0 disables
  std::string loss = "mse";            // mse | mae | pinball
  std::vector<double> quantiles;       // for pinball
  std::string early_metric = "val_loss";  // val_loss | val_mse | val_mae
  int64_t patience = 3;                // 0 disables early stopping
  double min_delta = 0.0;
  uint64_t seed = 42;
  int64_t threads = 0;                 // 0 = LibTorch's default
  std::string device = "cpu";          // cpu | cuda | cuda:N
  std::string precision = "fp32";      // fp32 | bf16 | fp16 (CUDA only)
  int64_t max_steps_per_epoch = 0;     // 0 = whole epoch
  int64_t val_max_windows = 0;         // 0 = all validation windows
  int64_t log_every = 50;
  bool deterministic = true;
  std::string checkpoint_dir;          // empty = no checkpoints
  int64_t checkpoint_every_epochs = 1;
  int64_t stop_after_steps = 0;        // testing aid: behave as if interrupted after this many global steps
  int64_t grad_accum_steps = 1;        // micro-batches per optimisation step (batch_size is the total)
  FinetuneOptions finetune;            // applied to the model when the trainer is built
  DistOptions dist;                    // data-parallel position and peers; world_size 1 = one process
  // Testing aid for fault handling: at global step fault_step, "exit" ends the process at once (a crash),
  // "throw" raises an error, "hang" blocks forever.
  std::string fault_kind;
  int64_t fault_step = -1;
  std::string prefetch = "auto";       // auto (background gather on CUDA) | on | off
  bool profile_steps = false;          // benchmark aid: time each step's phases (TrainResult::step_phases)
  // Benchmark aid: wall time from the start of this global step to the end of the last step, with one
  // device synchronisation at each end and none in between (TrainResult::timed_*); -1 = off.
  int64_t time_from_step = -1;
};

}  // namespace tsfm
