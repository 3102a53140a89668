// Training hooks (train/hooks.h) end a run, and early stopping ends it on its own terms.
#include <atomic>
#include <filesystem>

#include "fixture.h"
#include "harness.h"
#include "train/hooks.h"

namespace tsfm::test {
namespace {

ModelSpec dlinear() {
  ModelSpec s;
  s.family = "dlinear";
  s.context_length = 32;
  s.horizon = 8;
  s.channels = 2;
  return s;
}

// Stops at the end of global step `at`, and counts what it saw.
class StopAtStep final : public TrainHooks {
 public:
  explicit StopAtStep(int64_t at) : at_(at) {}
  HookAction on_step_end(const TrainState& s) override {
    ++steps;
    return s.global_step >= at_ ? HookAction::Stop : HookAction::Continue;
  }
  HookAction on_epoch_end(const TrainState&, const EpochRecord&) override {
    ++epochs;
    return HookAction::Continue;
  }
  std::string stop_reason() const override { return "stop at step " + std::to_string(at_); }
  int64_t steps = 0, epochs = 0;

 private:
  int64_t at_;
};

class StopAfterFirstEpoch final : public TrainHooks {
 public:
  HookAction on_epoch_end(const TrainState&, const EpochRecord&) override { return HookAction::Stop; }
  std::string stop_reason() const override { return "one epoch is enough"; }
};

}  // namespace

TSFM_TEST("hooks: a hook that stops at a step's end ends the run before the next step, resumable") {
  Fixture f(32, 8);
  auto opts = short_run(dlinear());
  opts.epochs = 3;
  opts.checkpoint_dir = temp_path("hook-stop");
  std::filesystem::create_directories(opts.checkpoint_dir);
  Trainer t(create_model(dlinear()), opts);
  auto hook = std::make_shared<StopAtStep>(4);
  std::atomic<bool> stop{false};
  auto r = t.fit(f.split, nullptr, {}, stop, hook);
  TSFM_CHECK_EQ(r.status, std::string("interrupted"));
  TSFM_CHECK_EQ(r.stop_reason, std::string("stop at step 4"));
  TSFM_CHECK_EQ(r.global_step, 4);
  TSFM_CHECK_EQ(hook->steps, 4);
  TSFM_CHECK_EQ(hook->epochs, 1);  // the first epoch (3 steps) ended before the stop
  TSFM_CHECK_EQ(r.history.size(), size_t{1});
  // last.pt holds the stopped position: a resumed run finishes the remaining 5 steps.
  Trainer resumed(create_model(dlinear()), opts);
  resumed.load_checkpoint(opts.checkpoint_dir + "/last.pt");
  TSFM_CHECK_EQ(resumed.global_step(), 4);
  auto rest = resumed.fit(f.split, nullptr, {}, stop);
  TSFM_CHECK_EQ(rest.status, std::string("completed"));
  TSFM_CHECK_EQ(rest.global_step, 9);
  TSFM_CHECK_EQ(rest.history.size(), size_t{3});
}

TSFM_TEST("hooks: a hook that stops at an epoch's end ends the run there; stop_after_steps is a hook too") {
  Fixture f(32, 8);
  auto opts = short_run(dlinear());
  opts.epochs = 3;
  Trainer t(create_model(dlinear()), opts);
  std::atomic<bool> stop{false};
  auto r = t.fit(f.split, nullptr, {}, stop, std::make_shared<StopAfterFirstEpoch>());
  TSFM_CHECK_EQ(r.status, std::string("interrupted"));
  TSFM_CHECK_EQ(r.stop_reason, std::string("one epoch is enough"));
  TSFM_CHECK_EQ(r.history.size(), size_t{1});
  TSFM_CHECK_EQ(t.state().epoch, 1);  // resumes at the next epoch
  opts.stop_after_steps = 2;
  Trainer u(create_model(dlinear()), opts);
  auto s = u.fit(f.split, nullptr, {}, stop);
  TSFM_CHECK_EQ(s.status, std::string("interrupted"));
  TSFM_CHECK_EQ(s.stop_reason, std::string("stop_after_steps 2"));
  TSFM_CHECK_EQ(s.global_step, 2);
}

TSFM_TEST("early stopping: patience epochs without an improvement of min_delta end the run, with the reason") {
  Fixture f(32, 8);
  auto opts = short_run(dlinear());
  opts.epochs = 5;
  opts.patience = 2;
  opts.min_delta = 1e6;  // no epoch after the first can improve by that much
  Trainer t(create_model(dlinear()), opts);
  std::atomic<bool> stop{false};
  auto r = t.fit(f.split, &f.split, {}, stop);
  TSFM_CHECK_EQ(r.status, std::string("early_stopped"));
  TSFM_CHECK_EQ(r.history.size(), size_t{3});
  TSFM_CHECK_EQ(r.best_epoch, 0);
  TSFM_CHECK(r.history[0].improved && !r.history[1].improved && !r.history[2].improved);
  TSFM_CHECK_EQ(r.stop_reason, std::string("early stopping: val_loss did not improve by more than 1e+06 for 2 epochs (best epoch 1)"));
  // Off (patience 0): every epoch runs.
  opts.patience = 0;
  Trainer u(create_model(dlinear()), opts);
  auto all = u.fit(f.split, &f.split, {}, stop);
  TSFM_CHECK_EQ(all.status, std::string("completed"));
  TSFM_CHECK_EQ(all.history.size(), size_t{5});
  TSFM_CHECK(all.stop_reason.empty());
}

}  // namespace tsfm::test
