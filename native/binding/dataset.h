#pragma once
// NativeDataset: channel columns (Float32Array, read in place) and their segments, as the core's SeriesStore.
//   new NativeDataset({ columns, segmentOffsets, segmentLengths, segmentSeries, numSeries })
//   dataset.info() -> { rows, channels, segments, disposed }
//   dataset.dispose(): drops its hold on the columns; a call already running keeps reading them
#include <napi.h>

#include <memory>
#include <vector>

#include "data/series_store.h"

namespace tsfm::binding {

// The store and references to the JS buffers it points into. Shared by the dataset and every split a
// worker holds (SplitHandle), so that dispose() during a call frees nothing the call reads. Released on the
// JS thread only: the dataset and the workers that hold it live there.
struct DatasetColumns {
  SeriesStore store;
  std::vector<Napi::Reference<Napi::Float32Array>> buffers;
};

class DatasetWrap : public Napi::ObjectWrap<DatasetWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static DatasetWrap* FromValue(const Napi::Value& v, const char* what);
  explicit DatasetWrap(const Napi::CallbackInfo& info);
  // Throws std::runtime_error once disposed.
  std::shared_ptr<const DatasetColumns> columns() const;

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  std::shared_ptr<const DatasetColumns> columns_;
  int64_t rows_ = 0, segments_ = 0;
};

}  // namespace tsfm::binding
