// TrainState (what a checkpoint carries beside weights and optimiser) written and read back, alone and
// through a trainer's checkpoint.
#include <atomic>
#include <cmath>
#include <sstream>

#include "fixture.h"
#include "harness.h"
#include "train/train_state.h"

namespace tsfm::test {
namespace {

void check_same(const TrainState& a, const TrainState& b) {
  TSFM_CHECK_EQ(a.epoch, b.epoch);
  TSFM_CHECK_EQ(a.step_in_epoch, b.step_in_epoch);
  TSFM_CHECK_EQ(a.global_step, b.global_step);
  TSFM_CHECK_EQ(a.best_epoch, b.best_epoch);
  TSFM_CHECK_EQ(a.bad_epochs, b.bad_epochs);
  TSFM_CHECK_EQ(a.best_metric, b.best_metric);
  TSFM_CHECK_EQ(a.loss_scale, b.loss_scale);
  TSFM_CHECK_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    TSFM_CHECK_EQ(a.history[i].epoch, b.history[i].epoch);
    TSFM_CHECK_EQ(a.history[i].train_loss, b.history[i].train_loss);
    TSFM_CHECK_EQ(a.history[i].val_loss, b.history[i].val_loss);
    TSFM_CHECK_EQ(a.history[i].val_mse, b.history[i].val_mse);
    TSFM_CHECK_EQ(a.history[i].val_mae, b.history[i].val_mae);
    TSFM_CHECK_EQ(a.history[i].lr, b.history[i].lr);
    TSFM_CHECK_EQ(a.history[i].seconds, b.history[i].seconds);
    TSFM_CHECK_EQ(a.history[i].improved, b.history[i].improved);
  }
}

TrainState round_trip(const TrainState& s) {
  std::ostringstream bytes;
  torch::serialize::OutputArchive out;
  write_train_state(out, s);
  out.save_to(bytes);
  std::istringstream in_bytes(bytes.str());
  torch::serialize::InputArchive in;
  in.load_from(in_bytes);
  return read_train_state(in);
}

}  // namespace

TSFM_TEST("train state: every field and the CPU generator survive a write and a read") {
  TrainState s;
  s.epoch = 4;
  s.step_in_epoch = 7;
  s.global_step = 47;
  s.best_epoch = 2;
  s.bad_epochs = 1;
  s.best_metric = 0.125;
  s.loss_scale = 1024;
  s.history = {{0, 0.9, 0.8, 0.7, 0.6, 1e-3, 1.5, true}, {1, 0.5, 0.55, 0.45, 0.35, 5e-4, 1.25, false}};
  torch::manual_seed(11);
  s.cpu_rng = capture_cpu_rng();
  const auto draw = torch::rand({4});
  const auto back = round_trip(s);
  check_same(s, back);
  // The restored generator draws what it drew when it was captured.
  restore_cpu_rng(back.cpu_rng);
  TSFM_CHECK(torch::equal(torch::rand({4}), draw));
  // A fresh state (no best yet: an infinite metric) comes back as it was.
  TrainState fresh;
  fresh.cpu_rng = capture_cpu_rng();
  check_same(fresh, round_trip(fresh));
  TSFM_CHECK(std::isinf(round_trip(fresh).best_metric));
}

TSFM_TEST("train state: a trainer's checkpoint carries its state, and load_checkpoint restores it") {
  Fixture f(32, 8);
  ModelSpec spec;
  spec.family = "dlinear";
  spec.context_length = 32;
  spec.horizon = 8;
  spec.channels = 2;
  auto opts = short_run(spec);
  opts.epochs = 2;
  Trainer first(create_model(spec), opts);
  std::atomic<bool> stop{false};
  first.fit(f.split, &f.split, {}, stop);
  TSFM_CHECK_EQ(first.state().global_step, 6);
  TSFM_CHECK_EQ(first.state().history.size(), size_t{2});
  const auto path = temp_path("state.pt");
  first.save_checkpoint(path);
  Trainer second(create_model(spec), opts);
  second.load_checkpoint(path);
  check_same(first.state(), second.state());
}

}  // namespace tsfm::test
