#include "pretrained.h"

#include <memory>
#include <string>

#include "convert.h"
#include "io/hf_checkpoint.h"
#include "model.h"
#include "promise_worker.h"

namespace tsfm::binding {
namespace {

class HfWeightsWorker : public PromiseWorker {
 public:
  HfWeightsWorker(Napi::Env env, Napi::Object model_obj, std::shared_ptr<ForecastModelImpl> model, bool save, std::string dir)
      : PromiseWorker(env, "tsfm:hfWeights"), model_(std::move(model)), save_(save), dir_(std::move(dir)) {
    Keep(model_obj);  // the JS model stays alive while the worker runs
  }

 protected:
  void Run() override {
    if (save_) {
      save_hf_weights(*model_, dir_);
    } else {
      count_ = load_hf_weights(*model_, dir_);
    }
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Number::New(env, static_cast<double>(count_)); }

 private:
  std::shared_ptr<ForecastModelImpl> model_;
  bool save_;
  std::string dir_;
  int64_t count_ = 0;
};

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
  return queue_promise<HfWeightsWorker>(env, info[0].As<Napi::Object>(), std::move(model), op == "save",
                                        info[2].As<Napi::String>().Utf8Value());
}

}  // namespace

void export_pretrained_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("hfWeights", Napi::Function::New(env, HfWeightsJs));
}

}  // namespace tsfm::binding
