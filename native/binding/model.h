#pragma once
// NativeModel: a forecasting model of the core's registry (core/models/model.h).
//   new NativeModel({ family, contextLength, horizon, channels, quantiles?, params?, seed? })
//   model.info(), model.forward(x, batch), model.stateDict(), model.writeReferenceDump(x, batch, path), model.dispose()
#include <napi.h>

#include <memory>

#include "models/model.h"

namespace tsfm::binding {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static ModelWrap* FromValue(const Napi::Value& v, const char* what);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;
  // Throws std::runtime_error once disposed.
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

}  // namespace tsfm::binding
