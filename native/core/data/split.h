#pragma once
// A split as the core reads it: windows over a store, the scaling applied while gathering and which
// channels go in and come out. Training, evaluation and inference all take one.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "data/batch.h"
#include "data/series_store.h"
#include "data/window_index.h"

namespace tsfm {

struct DataSplit {
  const SeriesStore* store = nullptr;
  WindowIndex index;
  Scaling scaling;
  BatchLayout layout;
};

// Inverts the split's per-series scaling of the target channels in place: y * std + mean. `out` is a
// contiguous CPU float tensor [N, ..., C_target, H] (point or quantile forecasts, or targets); series[w] is
// window w's series.
void unscale_targets(torch::Tensor& out, const DataSplit& data, const std::vector<int32_t>& series);

}  // namespace tsfm
