#pragma once
// Gathers windows into one contiguous batch: the only copy on the data path. Scaling (train-fitted
// per-series affine) is fused into the copy so the source columns are never rewritten.
#include <cstdint>
#include <vector>

#include "data/series_store.h"
#include "data/window_index.h"

namespace tsfm {

struct Scaling {
  // mean/std laid out [series][channel]; empty means identity.
  std::vector<float> mean, stdev;
  int64_t num_channels = 0;
  bool identity() const { return mean.empty(); }
};

struct BatchLayout {
  std::vector<int64_t> input_channels;   // channels fed to the model, in order
  std::vector<int64_t> target_channels;  // channels whose horizon is the target
};

// x: [n, |input|, context], y: [n, |target|, horizon] (may be null), series: [n] (may be null).
void gather_batch(const SeriesStore& store, const WindowIndex& index, const Scaling& scaling, const BatchLayout& layout,
                  const int64_t* window_ids, int64_t n, float* x, float* y, int32_t* series);

}  // namespace tsfm
