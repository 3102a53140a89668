#pragma once
// Shared data for the core tests: a small synthetic dataset as a training split, and a model trained on it
// for a few steps with its checkpoint on disk.
#include <memory>
#include <string>
#include <vector>

#include "data/split.h"
#include "models/model.h"
#include "train/trainer.h"

namespace tsfm::test {

// Three series of two channels (one segment each), windows of context + horizon at stride 1, per-series
// scaling; channels 0 and 1 in, channel 0 out. Not movable: the split points into the fixture.
struct Fixture {
  std::vector<std::vector<float>> columns;
  SeriesStore store;
  DataSplit split;
  Fixture(const Fixture&) = delete;
  Fixture(int64_t context, int64_t horizon);
};

// A fresh path under the system temp directory (the directory is created, the file is not).
std::string temp_path(const std::string& name);

// Options of a short CPU run: one epoch of three steps, one thread.
TrainOptions short_run(const ModelSpec& spec);

// A trainer over create_model(spec) that has run short_run on `data`.
std::unique_ptr<Trainer> trained(const ModelSpec& spec, const DataSplit& data);

}  // namespace tsfm::test
