#pragma once
// NativePredictor: a trained model for inference over the core's Predictor (core/infer/predictor.h).
//   NativePredictor.open(spec, checkpoint, { device?, precision?, batchSize?, threads? }) -> Promise<NativePredictor>
//   predictor.predict(split, { unscale? }) -> Promise<{ data: Float32Array, shape }>
//   predictor.info() -> the model's info, with checkpoint, device, precision and batchSize
//   predictor.dispose(): idempotent; a running predict() finishes first (it holds the core object)
#include <napi.h>

#include <memory>

#include "infer/predictor.h"

namespace tsfm::binding {

class PredictorWrap : public Napi::ObjectWrap<PredictorWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // Called by open() with an External holding the loaded predictor; from JS it throws a TypeError.
  explicit PredictorWrap(const Napi::CallbackInfo& info);

 private:
  static Napi::Value Open(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<Predictor> predictor(Napi::Env env) const;

  std::shared_ptr<Predictor> predictor_;
  int64_t reported_bytes_ = 0;
};

}  // namespace tsfm::binding
