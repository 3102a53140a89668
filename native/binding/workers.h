#pragma once
// Asynchronous work off the JS thread. Each worker holds references to every JS object whose native
// state it uses (trainer, model, datasets), so nothing is collected while it runs.
#include <napi.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "wraps.h"

namespace tsfm::binding {

struct AddonData {
  Napi::FunctionReference dataset, model, trainer, predictor;
};

// A CPU tensor handed to JS without a copy: the ArrayBuffer owns the tensor until V8 collects it.
Napi::Object tensor_to_js(Napi::Env env, torch::Tensor t);

class FitWorker : public Napi::AsyncWorker {
 public:
  FitWorker(Napi::Env env, TrainerWrap* trainer, Napi::Object self, SplitHandle train, std::optional<SplitHandle> val,
            Napi::Function progress);
  ~FitWorker() override;
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  // Settles the promise now, or after the last progress call when there is a progress callback.
  void settle(std::function<void(Napi::Env)> fn);

  Napi::Promise::Deferred deferred_;
  TrainerWrap* trainer_;
  Napi::ObjectReference self_;
  SplitHandle train_;
  std::optional<SplitHandle> val_;
  Napi::ThreadSafeFunction tsfn_;
  bool has_progress_ = false;
  std::function<void(Napi::Env)>* settle_ = nullptr;  // owned by the thread-safe function's finalizer
  TrainResult result_;
  std::shared_ptr<std::string> callback_error_;
};

class TrainerTask : public Napi::AsyncWorker {
 public:
  enum class Kind { Evaluate, Predict, Targets, Save, Load, LoadWeights };
  TrainerTask(Napi::Env env, TrainerWrap* trainer, Napi::Object self, Kind kind, SplitHandle split, bool unscale,
              std::string path);
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  TrainerWrap* trainer_;
  Napi::ObjectReference self_;
  Kind kind_;
  SplitHandle split_;
  bool unscale_;
  std::string path_;
  EvalResult eval_;
  torch::Tensor tensor_;
};

}  // namespace tsfm::binding
