#include "predictor.h"

#include <string>

#include "addon_data.h"
#include "convert.h"
#include "promise_worker.h"
#include "split.h"
#include "tensor.h"

namespace tsfm::binding {
namespace {

// Reads the checkpoint and builds the model off the JS thread; resolves to a new NativePredictor.
class OpenWorker : public PromiseWorker {
 public:
  OpenWorker(Napi::Env env, ModelSpec spec, std::string checkpoint, PredictorOptions options)
      : PromiseWorker(env, "tsfm:predictor.open"), spec_(std::move(spec)), checkpoint_(std::move(checkpoint)),
        options_(std::move(options)) {}

 protected:
  void Run() override { predictor_ = std::make_shared<Predictor>(spec_, checkpoint_, options_); }
  Napi::Value Result(Napi::Env env) override {
    auto* data = env.GetInstanceData<AddonData>();
    return data->predictor.New({Napi::External<std::shared_ptr<Predictor>>::New(env, &predictor_)});
  }

 private:
  ModelSpec spec_;
  std::string checkpoint_;
  PredictorOptions options_;
  std::shared_ptr<Predictor> predictor_;
};

class PredictWorker : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, std::shared_ptr<Predictor> predictor, SplitHandle split, bool unscale)
      : PromiseWorker(env, "tsfm:predictor.predict"), predictor_(std::move(predictor)), split_(std::move(split)),
        unscale_(unscale) {}

 protected:
  void Run() override { out_ = predictor_->predict(split_.split, unscale_); }
  Napi::Value Result(Napi::Env env) override { return tensor_to_js(env, out_); }

 private:
  std::shared_ptr<Predictor> predictor_;  // outlives a dispose() during the call
  SplitHandle split_;                     // holds the dataset's columns
  bool unscale_;
  torch::Tensor out_;
};

}  // namespace

Napi::Function PredictorWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativePredictor",
                     {StaticMethod("open", &PredictorWrap::Open), InstanceMethod("predict", &PredictorWrap::Predict),
                      InstanceMethod("info", &PredictorWrap::Info), InstanceMethod("dispose", &PredictorWrap::Dispose)});
}

PredictorWrap::PredictorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PredictorWrap>(info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsExternal())
    throw Napi::TypeError::New(env, "NativePredictor: create one with NativePredictor.open(spec, checkpoint, options?)");
  predictor_ = *info[0].As<Napi::External<std::shared_ptr<Predictor>>>().Data();
  reported_bytes_ = predictor_->weight_bytes();
  Napi::MemoryManagement::AdjustExternalMemory(env, reported_bytes_);
}

// NativePredictor.open(spec, checkpoint, options?) -> Promise<NativePredictor>
Napi::Value PredictorWrap::Open(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsString())
    throw Napi::TypeError::New(env, "NativePredictor.open(spec: object, checkpoint: string, options?: object)");
  auto spec = to_model_spec(info[0].As<Napi::Object>());
  auto options = to_predictor_options(info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env));
  return queue_promise<OpenWorker>(env, std::move(spec), info[1].As<Napi::String>().Utf8Value(), std::move(options));
}

std::shared_ptr<Predictor> PredictorWrap::predictor(Napi::Env env) const {
  if (!predictor_) throw Napi::Error::New(env, "predictor was disposed");
  return predictor_;
}

// predict(split, { unscale? }) -> Promise<{ data, shape }>
Napi::Value PredictorWrap::Predict(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto p = predictor(env);
  auto split = to_split(info[0], "split");
  const bool unscale = info.Length() > 1 && info[1].IsObject() ? get_bool(info[1].As<Napi::Object>(), "unscale", true) : true;
  return queue_promise<PredictWorker>(env, std::move(p), std::move(split), unscale);
}

Napi::Value PredictorWrap::Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto p = predictor(env);
  auto o = model_info_to_js(env, p->spec(), p->parameter_count());
  o.Set("checkpoint", p->checkpoint());
  o.Set("device", p->options().device);
  o.Set("precision", p->options().precision);
  o.Set("batchSize", static_cast<double>(p->options().batch_size));
  return o;
}

Napi::Value PredictorWrap::Dispose(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (predictor_) {
    predictor_.reset();
    Napi::MemoryManagement::AdjustExternalMemory(env, -reported_bytes_);
    reported_bytes_ = 0;
  }
  return env.Undefined();
}

}  // namespace tsfm::binding
