#include "train/hooks.h"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "train/trainer.h"

namespace tsfm {
namespace {

using Clock = std::chrono::steady_clock;

// Testing aid: behave as if interrupted once the run reaches global step `at`.
class StopAfterSteps final : public TrainHooks {
 public:
  explicit StopAfterSteps(int64_t at) : at_(at) {}
  HookAction on_step_begin(const TrainState& s) override {
    return s.global_step >= at_ ? HookAction::Stop : HookAction::Continue;
  }
  std::string stop_reason() const override { return "stop_after_steps " + std::to_string(at_); }

 private:
  int64_t at_;
};

// Testing aid for fault handling: at global step `at`, "exit" ends the process at once (a crash, no
// unwinding, no message), "throw" raises an error, "hang" blocks forever.
class FaultInjection final : public TrainHooks {
 public:
  FaultInjection(std::string kind, int64_t at) : kind_(std::move(kind)), at_(at) {}
  HookAction on_step_begin(const TrainState& s) override {
    if (s.global_step != at_) return HookAction::Continue;
    if (kind_ == "exit") std::_Exit(3);
    if (kind_ == "throw") throw std::runtime_error("injected fault at step " + std::to_string(s.global_step));
    if (kind_ == "hang")
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    return HookAction::Continue;
  }

 private:
  std::string kind_;
  int64_t at_;
};

// Benchmark aid: wall time from the start of global step `from` to the end of the last step, with one device
// synchronisation at each end and none in between.
class WallTimeFrom final : public TrainHooks {
 public:
  WallTimeFrom(int64_t from, torch::Device device) : from_(from), cuda_(device.is_cuda()) {}
  HookAction on_step_begin(const TrainState& s) override {
    if (s.global_step == from_) {
      sync();
      t0_ = Clock::now();
      timing_ = true;
    }
    return HookAction::Continue;
  }
  void on_steps_done(const TrainState& s) override {
    if (!timing_) return;
    sync();
    seconds_ = std::chrono::duration<double>(Clock::now() - t0_).count();
    steps_ = s.global_step - from_;
  }
  void on_fit_end(TrainResult& r) override {
    r.timed_seconds = seconds_;
    r.timed_steps = steps_;
  }

 private:
  void sync() const {
    if (cuda_) torch::cuda::synchronize();
  }
  int64_t from_;
  bool cuda_, timing_ = false;
  Clock::time_point t0_;
  double seconds_ = 0;
  int64_t steps_ = 0;
};

// Benchmark aid: each step's phases (step_timer.h).
class PhaseProfile final : public TrainHooks {
 public:
  explicit PhaseProfile(torch::Device device) : timer_(true, device) {}
  HookAction on_step_begin(const TrainState&) override {
    timer_.start();
    return HookAction::Continue;
  }
  void on_phase(double StepPhases::*phase) override { timer_.mark(phase); }
  HookAction on_step_end(const TrainState&) override {
    timer_.finish();
    return HookAction::Continue;
  }
  void on_fit_end(TrainResult& r) override { r.step_phases = timer_.steps(); }

 private:
  StepTimer timer_;
};

}  // namespace

void HookList::add(std::shared_ptr<TrainHooks> hook) {
  if (hook) hooks_.push_back(std::move(hook));
}

HookAction HookList::first_stop(HookAction a, const TrainHooks& h) {
  if (a == HookAction::Stop && reason_.empty()) reason_ = h.stop_reason();
  return a;
}

// Stops at the first hook that stops: the step does not run, so the later ones (a fault, a timer) must not
// act on it.
HookAction HookList::on_step_begin(const TrainState& s) {
  for (auto& h : hooks_)
    if (first_stop(h->on_step_begin(s), *h) == HookAction::Stop) return HookAction::Stop;
  return HookAction::Continue;
}

void HookList::on_phase(double StepPhases::*phase) {
  for (auto& h : hooks_) h->on_phase(phase);
}

HookAction HookList::on_step_end(const TrainState& s) {
  HookAction out = HookAction::Continue;
  for (auto& h : hooks_)
    if (first_stop(h->on_step_end(s), *h) == HookAction::Stop) out = HookAction::Stop;
  return out;
}

void HookList::on_steps_done(const TrainState& s) {
  for (auto& h : hooks_) h->on_steps_done(s);
}

HookAction HookList::on_epoch_end(const TrainState& s, const EpochRecord& r) {
  HookAction out = HookAction::Continue;
  for (auto& h : hooks_)
    if (first_stop(h->on_epoch_end(s, r), *h) == HookAction::Stop) out = HookAction::Stop;
  return out;
}

void HookList::on_fit_end(TrainResult& r) {
  for (auto& h : hooks_) h->on_fit_end(r);
}

HookList hooks_from_options(const TrainOptions& opts, torch::Device device) {
  HookList hooks;
  // In this order: a run stopped before a step neither faults nor times it.
  if (opts.stop_after_steps > 0) hooks.add(std::make_shared<StopAfterSteps>(opts.stop_after_steps));
  if (opts.fault_step >= 0 && !opts.fault_kind.empty())
    hooks.add(std::make_shared<FaultInjection>(opts.fault_kind, opts.fault_step));
  if (opts.time_from_step >= 0) hooks.add(std::make_shared<WallTimeFrom>(opts.time_from_step, device));
  if (opts.profile_steps) hooks.add(std::make_shared<PhaseProfile>(device));
  return hooks;
}

}  // namespace tsfm
