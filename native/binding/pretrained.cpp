#include "pretrained.h"

#include <memory>
#include <string>

#include "convert.h"
#include "io/hf_checkpoint.h"
#include "wraps.h"

namespace tsfm::binding {
namespace {

class HfWeightsWorker : public Napi::AsyncWorker {
 public:
  HfWeightsWorker(Napi::Env env, Napi::Object model_obj, std::shared_ptr<ForecastModelImpl> model, bool save, std::string dir)
      : Napi::AsyncWorker(env, "tsfm:hfWeights"), deferred_(Napi::Promise::Deferred::New(env)),
        model_ref_(Napi::Persistent(model_obj)), model_(std::move(model)), save_(save), dir_(std::move(dir)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      if (save_) {
        save_hf_weights(*model_, dir_);
      } else {
        count_ = load_hf_weights(*model_, dir_);
      }
    } catch (const std::exception& e) {
      SetError(message_of(e));
    }
  }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), static_cast<double>(count_))); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference model_ref_;  // the JS model stays alive while the worker runs
  std::shared_ptr<ForecastModelImpl> model_;
  bool save_;
  std::string dir_;
  int64_t count_ = 0;
};

}  // namespace

Napi::Value HfWeightsJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 3 || !info[1].IsString() || !info[2].IsString())
    throw Napi::TypeError::New(env, "hfWeights(model: NativeModel, op: 'load' | 'save', dir: string)");
  auto* mw = ModelWrap::FromValue(info[0], "hfWeights: model");
  const std::string op = info[1].As<Napi::String>().Utf8Value();
  if (op != "load" && op != "save") throw Napi::TypeError::New(env, "hfWeights: op must be 'load' or 'save' (got '" + op + "')");
  std::shared_ptr<ForecastModelImpl> model;
  try {
    model = mw->model();
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
  auto* w = new HfWeightsWorker(env, info[0].As<Napi::Object>(), model, op == "save", info[2].As<Napi::String>().Utf8Value());
  auto p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace tsfm::binding
