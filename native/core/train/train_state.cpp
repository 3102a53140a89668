#include "train/train_state.h"

#include <ATen/Context.h>

#include <mutex>

namespace tsfm {
namespace {

constexpr int64_t kHistoryFields = 8;  // one epoch record in meta/history

int64_t read_int(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue v;
  archive.read(key, v);
  return v.toInt();
}

double read_double(torch::serialize::InputArchive& archive, const char* key) {
  c10::IValue v;
  archive.read(key, v);
  return v.toDouble();
}

}  // namespace

TrainState TrainState::at_next_epoch() const {
  TrainState next = *this;
  next.epoch = epoch + 1;
  next.step_in_epoch = 0;
  return next;
}

torch::Tensor capture_cpu_rng() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void restore_cpu_rng(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

void write_train_state(torch::serialize::OutputArchive& archive, const TrainState& s) {
  archive.write("meta/epoch", c10::IValue(s.epoch));
  archive.write("meta/step_in_epoch", c10::IValue(s.step_in_epoch));
  archive.write("meta/global_step", c10::IValue(s.global_step));
  archive.write("meta/best_epoch", c10::IValue(s.best_epoch));
  archive.write("meta/bad_epochs", c10::IValue(s.bad_epochs));
  archive.write("meta/best_metric", c10::IValue(s.best_metric));
  archive.write("meta/loss_scale", c10::IValue(s.loss_scale));
  archive.write("meta/cpu_rng", s.cpu_rng.defined() ? s.cpu_rng : capture_cpu_rng(), /*is_buffer=*/true);
  std::vector<double> hist;
  for (const auto& h : s.history)
    hist.insert(hist.end(), {static_cast<double>(h.epoch), h.train_loss, h.val_loss, h.val_mse, h.val_mae, h.lr, h.seconds,
                             h.improved ? 1.0 : 0.0});
  archive.write("meta/history", torch::tensor(hist, torch::kFloat64), /*is_buffer=*/true);
}

TrainState read_train_state(torch::serialize::InputArchive& archive) {
  TrainState s;
  s.epoch = read_int(archive, "meta/epoch");
  s.step_in_epoch = read_int(archive, "meta/step_in_epoch");
  s.global_step = read_int(archive, "meta/global_step");
  s.best_epoch = read_int(archive, "meta/best_epoch");
  s.bad_epochs = read_int(archive, "meta/bad_epochs");
  s.best_metric = read_double(archive, "meta/best_metric");
  s.loss_scale = read_double(archive, "meta/loss_scale");
  archive.read("meta/cpu_rng", s.cpu_rng, /*is_buffer=*/true);
  torch::Tensor hist;
  archive.read("meta/history", hist, /*is_buffer=*/true);
  auto h = hist.to(torch::kFloat64).contiguous();
  const double* d = h.data_ptr<double>();
  for (int64_t i = 0; i + kHistoryFields <= h.numel(); i += kHistoryFields) {
    EpochRecord r;
    r.epoch = static_cast<int64_t>(d[i]);
    r.train_loss = d[i + 1];
    r.val_loss = d[i + 2];
    r.val_mse = d[i + 3];
    r.val_mae = d[i + 4];
    r.lr = d[i + 5];
    r.seconds = d[i + 6];
    r.improved = d[i + 7] != 0;
    s.history.push_back(r);
  }
  return s;
}

}  // namespace tsfm
