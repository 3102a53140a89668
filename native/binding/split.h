#pragma once
// A split as JS passes it: { dataset, windows, scaling?, inputChannels, targetChannels }, checked against the
// dataset and converted to the core's DataSplit.
#include <napi.h>

#include <memory>

#include "data/split.h"
#include "dataset.h"

namespace tsfm::binding {

// Holds the dataset's columns, so the split stays readable for as long as the handle lives (a worker's run).
struct SplitHandle {
  DataSplit split;
  std::shared_ptr<const DatasetColumns> columns;
};

// Throws a TypeError or RangeError naming `what` (e.g. "train.windows") for anything malformed.
SplitHandle to_split(const Napi::Value& v, const char* what);

}  // namespace tsfm::binding
