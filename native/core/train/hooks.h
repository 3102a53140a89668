#pragma once
// Observers of a training run, called by the epoch loop at fixed points: the test and benchmark aids
// (stop after N steps, fault injection, wall-time and per-phase timing) live here instead of in the step,
// and a caller can add its own (Trainer::fit's `extra`). A hook that returns Stop ends the run as if it were
// interrupted (last.pt saved); the reason it gives is the run's stop_reason.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "train/options.h"
#include "train/step_timer.h"
#include "train/train_state.h"

namespace tsfm {

struct TrainResult;

enum class HookAction { Continue, Stop };

class TrainHooks {
 public:
  virtual ~TrainHooks() = default;
  // Before a step runs (the state says which); Stop: the step does not run.
  virtual HookAction on_step_begin(const TrainState&) { return HookAction::Continue; }
  // The end of one phase of the current step (StepPhases' fields, in order).
  virtual void on_phase(double StepPhases::*) {}
  virtual HookAction on_step_end(const TrainState&) { return HookAction::Continue; }
  // An epoch's steps are done (or were stopped), before validation.
  virtual void on_steps_done(const TrainState&) {}
  // After validation and early stopping of an epoch; Stop ends the run after it.
  virtual HookAction on_epoch_end(const TrainState&, const EpochRecord&) { return HookAction::Continue; }
  // Why the hook asked to stop (when it did).
  virtual std::string stop_reason() const { return "stopped by a training hook"; }
  // Adds what the hook measured to the result.
  virtual void on_fit_end(TrainResult&) {}
};

// Several hooks as one: every hook sees every call; the first that asks to stop gives the reason.
class HookList final : public TrainHooks {
 public:
  void add(std::shared_ptr<TrainHooks> hook);
  HookAction on_step_begin(const TrainState& s) override;
  void on_phase(double StepPhases::*phase) override;
  HookAction on_step_end(const TrainState& s) override;
  void on_steps_done(const TrainState& s) override;
  HookAction on_epoch_end(const TrainState& s, const EpochRecord& r) override;
  std::string stop_reason() const override { return reason_; }
  void on_fit_end(TrainResult& r) override;

 private:
  HookAction first_stop(HookAction a, const TrainHooks& h);
  std::vector<std::shared_ptr<TrainHooks>> hooks_;
  std::string reason_;
};

// The hooks TrainOptions asks for: stop_after_steps, fault_kind/fault_step, time_from_step, profile_steps.
HookList hooks_from_options(const TrainOptions& opts, torch::Device device);

}  // namespace tsfm
