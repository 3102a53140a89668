#include "trainer.h"

#include <optional>
#include <string>

#include "convert.h"
#include "fit_worker.h"
#include "model.h"
#include "split.h"
#include "tensor.h"

namespace tsfm::binding {
namespace {

class EvaluateWorker : public TrainerWorker {
 public:
  EvaluateWorker(Napi::Env env, TrainerWrap* t, Napi::Object self, TrainerLease lease, SplitHandle split)
      : TrainerWorker(env, "tsfm:trainer.evaluate", t, self, std::move(lease)), split_(std::move(split)) {}

 protected:
  void Work(Trainer& t) override { r_ = t.evaluate(split_.split); }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("loss", r_.loss);
    o.Set("mse", r_.mse);
    o.Set("mae", r_.mae);
    o.Set("windows", static_cast<double>(r_.windows));
    return o;
  }

 private:
  SplitHandle split_;
  EvalResult r_;
};

// predict() and targets(): one tensor over the split's windows.
class WindowsWorker : public TrainerWorker {
 protected:
  WindowsWorker(Napi::Env env, const char* name, TrainerWrap* t, Napi::Object self, TrainerLease lease, SplitHandle split,
                bool unscale)
      : TrainerWorker(env, name, t, self, std::move(lease)), split_(std::move(split)), unscale_(unscale) {}
  Napi::Value Result(Napi::Env env) override { return tensor_to_js(env, out_); }

  SplitHandle split_;
  bool unscale_;
  torch::Tensor out_;
};

class PredictWorker : public WindowsWorker {
 public:
  PredictWorker(Napi::Env env, TrainerWrap* t, Napi::Object self, TrainerLease lease, SplitHandle split, bool unscale)
      : WindowsWorker(env, "tsfm:trainer.predict", t, self, std::move(lease), std::move(split), unscale) {}

 protected:
  void Work(Trainer& t) override { out_ = t.predict(split_.split, unscale_); }
};

class TargetsWorker : public WindowsWorker {
 public:
  TargetsWorker(Napi::Env env, TrainerWrap* t, Napi::Object self, TrainerLease lease, SplitHandle split, bool unscale)
      : WindowsWorker(env, "tsfm:trainer.targets", t, self, std::move(lease), std::move(split), unscale) {}

 protected:
  void Work(Trainer& t) override { out_ = t.targets(split_.split, unscale_); }
};

class SaveCheckpointWorker : public TrainerWorker {
 public:
  SaveCheckpointWorker(Napi::Env env, TrainerWrap* t, Napi::Object self, TrainerLease lease, std::string path)
      : TrainerWorker(env, "tsfm:trainer.saveCheckpoint", t, self, std::move(lease)), path_(std::move(path)) {}

 protected:
  void Work(Trainer& t) override { t.save_checkpoint(path_); }

 private:
  std::string path_;
};

class LoadCheckpointWorker : public TrainerWorker {
 public:
  LoadCheckpointWorker(Napi::Env env, TrainerWrap* t, Napi::Object self, TrainerLease lease, std::string path)
      : TrainerWorker(env, "tsfm:trainer.loadCheckpoint", t, self, std::move(lease)), path_(std::move(path)) {}

 protected:
  void Work(Trainer& t) override { t.load_checkpoint(path_); }

 private:
  std::string path_;
};

class LoadWeightsWorker : public TrainerWorker {
 public:
  LoadWeightsWorker(Napi::Env env, TrainerWrap* t, Napi::Object self, TrainerLease lease, std::string path)
      : TrainerWorker(env, "tsfm:trainer.loadWeights", t, self, std::move(lease)), path_(std::move(path)) {}

 protected:
  void Work(Trainer& t) override { t.load_weights(path_); }

 private:
  std::string path_;
};

bool unscale_arg(const Napi::CallbackInfo& info) {
  return info.Length() > 1 && info[1].IsObject() ? get_bool(info[1].As<Napi::Object>(), "unscale", true) : true;
}

std::string path_arg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "expected a checkpoint path");
  return info[0].As<Napi::String>().Utf8Value();
}

}  // namespace

Napi::Function TrainerWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeTrainer",
                     {InstanceMethod("fit", &TrainerWrap::Fit), InstanceMethod("stop", &TrainerWrap::Stop),
                      InstanceMethod("evaluate", &TrainerWrap::Evaluate), InstanceMethod("predict", &TrainerWrap::Predict),
                      InstanceMethod("targets", &TrainerWrap::Targets),
                      InstanceMethod("saveCheckpoint", &TrainerWrap::SaveCheckpoint),
                      InstanceMethod("loadCheckpoint", &TrainerWrap::LoadCheckpoint),
                      InstanceMethod("loadWeights", &TrainerWrap::LoadWeights), InstanceMethod("dispose", &TrainerWrap::Dispose)});
}

// new NativeTrainer(model, options)
TrainerWrap::TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
  auto env = info.Env();
  if (info.Length() < 2 || !info[1].IsObject()) throw Napi::TypeError::New(env, "NativeTrainer(model, options)");
  auto* mw = ModelWrap::FromValue(info[0], "model");
  auto opts = to_train_options(info[1].As<Napi::Object>());
  try {
    trainer_ = std::make_unique<Trainer>(mw->model(), opts);
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
  model_ref_ = Napi::Persistent(info[0].As<Napi::Object>());  // the model lives as long as its trainer
}

TrainerWrap::~TrainerWrap() { stop_.store(true); }

void TrainerWrap::check_usable(const Napi::Env& env) const {
  if (!trainer_) throw Napi::Error::New(env, "trainer was disposed");
}

TrainerLease TrainerWrap::lease(const Napi::Env& env) {
  if (busy_.exchange(true)) throw Napi::Error::New(env, "trainer is busy with another call");
  return TrainerLease(&busy_);
}

Napi::Value TrainerWrap::Stop(const Napi::CallbackInfo& info) {
  stop_.store(true);
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_.load()) throw Napi::Error::New(info.Env(), "trainer is busy: stop() it and await the running call before dispose()");
  trainer_.reset();
  if (!model_ref_.IsEmpty()) model_ref_.Reset();
  return info.Env().Undefined();
}

// fit({ train, val? }, onProgress?) -> Promise<fit result>
Napi::Value TrainerWrap::Fit(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "fit({ train, val? }, onProgress?)");
  auto o = info[0].As<Napi::Object>();
  auto train = to_split(o.Get("train"), "train");
  std::optional<SplitHandle> val;
  if (!o.Get("val").IsUndefined() && !o.Get("val").IsNull()) val = to_split(o.Get("val"), "val");
  Napi::Function progress;
  if (info.Length() > 1 && info[1].IsFunction()) progress = info[1].As<Napi::Function>();
  auto held = lease(env);
  stop_.store(false);
  return queue_promise<FitWorker>(env, this, Value(), std::move(held), std::move(train), std::move(val), progress);
}

Napi::Value TrainerWrap::Evaluate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  auto split = to_split(info[0], "split");
  return queue_promise<EvaluateWorker>(env, this, Value(), lease(env), std::move(split));
}

Napi::Value TrainerWrap::Predict(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  auto split = to_split(info[0], "split");
  return queue_promise<PredictWorker>(env, this, Value(), lease(env), std::move(split), unscale_arg(info));
}

Napi::Value TrainerWrap::Targets(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  check_usable(env);
  auto split = to_split(info[0], "split");
  return queue_promise<TargetsWorker>(env, this, Value(), lease(env), std::move(split), unscale_arg(info));
}

Napi::Value TrainerWrap::SaveCheckpoint(const Napi::CallbackInfo& info) {
  check_usable(info.Env());
  auto path = path_arg(info);
  return queue_promise<SaveCheckpointWorker>(info.Env(), this, Value(), lease(info.Env()), std::move(path));
}

Napi::Value TrainerWrap::LoadCheckpoint(const Napi::CallbackInfo& info) {
  check_usable(info.Env());
  auto path = path_arg(info);
  return queue_promise<LoadCheckpointWorker>(info.Env(), this, Value(), lease(info.Env()), std::move(path));
}

Napi::Value TrainerWrap::LoadWeights(const Napi::CallbackInfo& info) {
  check_usable(info.Env());
  auto path = path_arg(info);
  return queue_promise<LoadWeightsWorker>(info.Env(), this, Value(), lease(info.Env()), std::move(path));
}

}  // namespace tsfm::binding
