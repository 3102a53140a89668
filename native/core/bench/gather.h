#pragma once
// The data-pipeline benchmark of `tsfm bench`: the training loop's batch gather alone, as the sampler feeds it.
#include <cstdint>

#include "data/split.h"

namespace tsfm {

struct GatherThroughput {
  double windows = 0;  // windows gathered
  double bytes = 0;    // bytes of x and y written
  double seconds = 0;
};

// Gathers `batches` batches of `batch_size` windows in epoch-sampler order (reshuffled each epoch when
// `shuffle`), as fit() does before each step. Throws std::invalid_argument when the split holds fewer windows
// than one batch.
GatherThroughput bench_gather(const DataSplit& split, int64_t batch_size, int64_t batches, uint64_t seed, bool shuffle);

}  // namespace tsfm
