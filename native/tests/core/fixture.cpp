#include "fixture.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>

namespace tsfm::test {

Fixture::Fixture(int64_t context, int64_t horizon) {
  const int64_t series = 3, length = 200;
  columns.assign(2, std::vector<float>(static_cast<size_t>(series * length)));
  for (int64_t s = 0; s < series; ++s)
    for (int64_t t = 0; t < length; ++t) {
      const size_t row = static_cast<size_t>(s * length + t);
      columns[0][row] = 120.0f + 40.0f * std::sin(0.1f * t + s) + 3.0f * s;
      columns[1][row] = 5.0f * std::cos(0.07f * t) + s;
    }
  for (const auto& c : columns) store.channels.push_back(c.data());
  store.rows = series * length;
  std::vector<int64_t> starts, counts;
  for (int64_t s = 0; s < series; ++s) {
    store.segment_offsets.push_back(s * length);
    store.segment_lengths.push_back(length);
    store.segment_series.push_back(static_cast<int32_t>(s));
    starts.push_back(s * length);
    counts.push_back(length - context - horizon + 1);
  }
  store.num_series = series;
  store.validate();
  split.store = &store;
  split.index = WindowIndex(starts, counts, 1, context, horizon);
  split.layout.input_channels = {0, 1};
  split.layout.target_channels = {0};
  split.scaling.num_channels = 2;
  for (int64_t s = 0; s < series; ++s) {
    split.scaling.mean.insert(split.scaling.mean.end(), {120.0f + 3.0f * s, static_cast<float>(s)});
    split.scaling.stdev.insert(split.scaling.stdev.end(), {28.0f, 3.5f});
  }
}

namespace {
// The run's scratch directory, removed at exit.
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() / ("tsfm-core-tests-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};
}  // namespace

std::string temp_path(const std::string& name) {
  static const TempDir dir;
  return (dir.path / name).string();
}

TrainOptions short_run(const ModelSpec& spec) {
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = 32;
  o.max_steps_per_epoch = 3;
  o.threads = 1;
  o.patience = 0;
  o.seed = 3;
  o.loss = spec.quantiles.empty() ? "mse" : "pinball";
  return o;
}

std::unique_ptr<Trainer> trained(const ModelSpec& spec, const DataSplit& data) {
  auto t = std::make_unique<Trainer>(create_model(spec), short_run(spec));
  std::atomic<bool> stop{false};
  t->fit(data, nullptr, {}, stop);
  return t;
}

}  // namespace tsfm::test
