#pragma once
// Per-step phase timing for the benchmark's step-time breakdown. Off unless TrainOptions::profile_steps:
// then each mark on a CUDA device synchronises it, so a phase owns the kernels it queued (the sync costs
// a little throughput, which is why the bench reports samples/s from the same steps and says so).
#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <vector>

namespace tsfm {

struct StepPhases {
  double data = 0;           // sampler ids, batch gather, host -> device copy
  double forward = 0;        // model forward and loss
  double backward = 0;       // autograd backward (and fp16 unscaling)
  double communication = 0;  // gradient all-reduce (DDP: mark it right after the all-reduce); 0 on one rank
  double optimizer = 0;      // lr update, grad clipping, optimizer step
  // Process CPU seconds over the whole step (all threads): unlike wall time it barely moves when other
  // processes compete for the cores, so shared machines can still compare implementations.
  double cpu = 0;
  double total() const { return data + forward + backward + communication + optimizer; }
};

class StepTimer {
 public:
  StepTimer(bool enabled, torch::Device device) : enabled_(enabled), cuda_(device.is_cuda()) {}
  bool enabled() const { return enabled_; }
  void start() {
    if (!enabled_) return;
    sync();
    current_ = StepPhases{};
    cpu0_ = std::clock();
    last_ = Clock::now();
  }
  // Adds the time since the previous mark (or start) to `phase`.
  void mark(double StepPhases::*phase) {
    if (!enabled_) return;
    sync();
    const auto now = Clock::now();
    current_.*phase += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }
  void finish() {
    if (!enabled_) return;
    current_.cpu = static_cast<double>(std::clock() - cpu0_) / CLOCKS_PER_SEC;
    steps_.push_back(current_);
  }
  const std::vector<StepPhases>& steps() const { return steps_; }

 private:
  using Clock = std::chrono::steady_clock;
  void sync() const {
    if (cuda_) torch::cuda::synchronize();
  }
  bool enabled_, cuda_;
  StepPhases current_;
  Clock::time_point last_;
  std::clock_t cpu0_ = 0;
  std::vector<StepPhases> steps_;
};

}  // namespace tsfm
