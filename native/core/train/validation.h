#pragma once
// Evaluation of a model on a split's windows: loss, squared and absolute error, summed on the device and
// reduced at the end (per rank for data-parallel validation, whose sums the ranks all-reduce).
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/split.h"
#include "models/model.h"

namespace tsfm {

struct EvalResult {
  double loss = 0, mse = 0, mae = 0;
  int64_t windows = 0;
};

struct EvalSetup {
  torch::Device device;
  std::string precision;   // fp32 | bf16 | fp16
  std::string loss;        // mse | mae | pinball
  int64_t batch_size = 256;
  torch::Tensor quantile_levels;  // on `device`; empty for point models
};

// [loss sum, squared error sum, absolute error sum, windows] over the windows rank, rank + world, ... of `data`.
torch::Tensor eval_sums(ForecastModelImpl& model, const DataSplit& data, const EvalSetup& setup, int64_t rank, int64_t world);
// Means from (all-reduced) sums.
EvalResult eval_from_sums(const torch::Tensor& sums, const DataSplit& data);

// `val` thinned to at most `max_windows` windows (0 = all) in `storage`; returns the split to validate on.
const DataSplit* thinned_validation(const DataSplit* val, int64_t max_windows, DataSplit& storage);

}  // namespace tsfm
