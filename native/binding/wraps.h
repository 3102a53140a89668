#pragma once
// N-API classes over the core: Dataset (keeps the JS column buffers alive), Model, Trainer.
#include <napi.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "data/series_store.h"
#include "models/model.h"
#include "train/trainer.h"

namespace tsfm::binding {

class DatasetWrap : public Napi::ObjectWrap<DatasetWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static DatasetWrap* FromValue(const Napi::Value& v, const char* what);
  explicit DatasetWrap(const Napi::CallbackInfo& info);
  const SeriesStore& store() const;
  int64_t rows() const { return store_.rows; }

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  SeriesStore store_;
  std::vector<Napi::Reference<Napi::Float32Array>> buffers_;  // the columns stay alive while native code reads them
  bool disposed_ = false;
};

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static ModelWrap* FromValue(const Napi::Value& v, const char* what);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;
  std::shared_ptr<ForecastModelImpl> model() const;

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Forward(const Napi::CallbackInfo& info);
  Napi::Value StateDict(const Napi::CallbackInfo& info);
  Napi::Value WriteReferenceDump(const Napi::CallbackInfo& info);
  void release(Napi::Env env);
  std::shared_ptr<ForecastModelImpl> model_;
  int64_t reported_bytes_ = 0;
};

class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TrainerWrap(const Napi::CallbackInfo& info);
  ~TrainerWrap() override;
  // Only one asynchronous call may use the trainer at a time.
  bool try_acquire() { return !busy_.exchange(true); }
  void release() { busy_.store(false); }
  Trainer& trainer() { return *trainer_; }
  std::atomic<bool>& stop_flag() { return stop_; }

 private:
  Napi::Value Fit(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Targets(const Napi::CallbackInfo& info);
  Napi::Value SaveCheckpoint(const Napi::CallbackInfo& info);
  Napi::Value LoadCheckpoint(const Napi::CallbackInfo& info);
  Napi::Value LoadWeights(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  void check_usable(const Napi::Env& env);
  std::unique_ptr<Trainer> trainer_;
  Napi::ObjectReference model_ref_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> stop_{false};
};

// A split as JS passes it: { dataset, windows, scaling?, inputChannels, targetChannels }.
// Holds a reference to the dataset object so that it outlives an asynchronous call.
struct SplitHandle {
  DataSplit split;
  std::shared_ptr<Napi::ObjectReference> dataset_ref;
};
SplitHandle to_split(const Napi::Value& v, const char* what);

}  // namespace tsfm::binding
