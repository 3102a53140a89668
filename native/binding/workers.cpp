#include "workers.h"

#include "convert.h"

namespace tsfm::binding {

Napi::Object tensor_to_js(Napi::Env env, torch::Tensor t) {
  t = t.contiguous();
  if (t.scalar_type() != torch::kFloat32) t = t.to(torch::kFloat32);
  auto* owned = new torch::Tensor(t);
  const size_t bytes = static_cast<size_t>(owned->numel()) * sizeof(float);
  Napi::ArrayBuffer buffer;
  if (bytes == 0) {
    delete owned;
    buffer = Napi::ArrayBuffer::New(env, 0);
  } else {
    buffer = Napi::ArrayBuffer::New(
        env, owned->data_ptr(), bytes,
        [](Napi::Env e, void*, torch::Tensor* held) {
          Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(held->numel() * sizeof(float)));
          delete held;
        },
        owned);
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  }
  auto o = Napi::Object::New(env);
  o.Set("data", Napi::Float32Array::New(env, bytes / sizeof(float), buffer, 0));
  auto shape = Napi::Array::New(env, static_cast<size_t>(t.dim()));
  for (int64_t i = 0; i < t.dim(); ++i) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
  o.Set("shape", shape);
  return o;
}

namespace {
Napi::Object progress_to_js(Napi::Env env, const ProgressEvent& ev) {
  auto o = Napi::Object::New(env);
  o.Set("kind", ev.kind);
  o.Set("epoch", static_cast<double>(ev.epoch));
  o.Set("epochs", static_cast<double>(ev.epochs));
  o.Set("step", static_cast<double>(ev.step));
  o.Set("stepsPerEpoch", static_cast<double>(ev.steps_per_epoch));
  o.Set("globalStep", static_cast<double>(ev.global_step));
  o.Set("totalSteps", static_cast<double>(ev.total_steps));
  o.Set("loss", ev.loss);
  o.Set("lr", ev.lr);
  o.Set("samplesPerSec", ev.samples_per_sec);
  o.Set("etaSeconds", ev.eta_seconds);
  if (ev.kind == "epoch") {
    o.Set("valLoss", ev.val_loss);
    o.Set("valMse", ev.val_mse);
    o.Set("valMae", ev.val_mae);
    o.Set("improved", ev.improved);
  }
  return o;
}
}  // namespace

FitWorker::FitWorker(Napi::Env env, TrainerWrap* trainer, Napi::Object self, SplitHandle train,
                     std::optional<SplitHandle> val, Napi::Function progress)
    : Napi::AsyncWorker(env, "tsfm:fit"),
      deferred_(Napi::Promise::Deferred::New(env)),
      trainer_(trainer),
      self_(Napi::Persistent(self)),
      train_(std::move(train)),
      val_(std::move(val)),
      callback_error_(std::make_shared<std::string>()) {
  if (!progress.IsEmpty()) {
    // The promise settles in the finalizer, which runs once every queued progress call has been delivered:
    // a caller never sees fit() resolve before its last epoch event.
    settle_ = new std::function<void(Napi::Env)>();
    tsfn_ = Napi::ThreadSafeFunction::New(env, progress, "tsfm:progress", 0, 1,
                                          [](Napi::Env env, std::function<void(Napi::Env)>* settle) {
                                            std::unique_ptr<std::function<void(Napi::Env)>> owned(settle);
                                            if (*owned) (*owned)(env);
                                          },
                                          settle_);
    has_progress_ = true;
  }
}

FitWorker::~FitWorker() = default;

void FitWorker::Execute() {
  auto err = callback_error_;
  auto* stop = &trainer_->stop_flag();
  ProgressFn fn;
  if (has_progress_) {
    fn = [this, err, stop](const ProgressEvent& ev) {
      auto* copy = new ProgressEvent(ev);
      // Non-blocking: training never waits for the JS thread.
      tsfn_.NonBlockingCall(copy, [err, stop](Napi::Env env, Napi::Function cb, ProgressEvent* data) {
        std::unique_ptr<ProgressEvent> owned(data);
        if (env == nullptr || cb.IsEmpty()) return;
        try {
          cb.Call({progress_to_js(env, *owned)});
        } catch (const Napi::Error& e) {
          // A throwing progress callback stops training; fit() rejects with its message.
          if (err->empty()) *err = "progress callback threw: " + e.Message();
          stop->store(true);
        }
      });
    };
  }
  try {
    result_ = trainer_->trainer().fit(train_.split, val_ ? &val_->split : nullptr, fn, *stop);
  } catch (const std::exception& e) {
    SetError(message_of(e));
  }
}

static Napi::Object result_to_js(Napi::Env env, const TrainResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("status", r.status);
  o.Set("epochsCompleted", static_cast<double>(r.epochs_completed));
  o.Set("globalStep", static_cast<double>(r.global_step));
  o.Set("bestEpoch", static_cast<double>(r.best_epoch));
  o.Set("bestMetric", r.best_metric);
  o.Set("seconds", r.seconds);
  o.Set("samplesPerSec", r.samples_per_sec);
  if (r.timed_steps > 0) {
    o.Set("timedSeconds", r.timed_seconds);
    o.Set("timedSteps", static_cast<double>(r.timed_steps));
  }
  auto hist = Napi::Array::New(env, r.history.size());
  for (size_t i = 0; i < r.history.size(); ++i) {
    const auto& h = r.history[i];
    auto e = Napi::Object::New(env);
    e.Set("epoch", static_cast<double>(h.epoch));
    e.Set("trainLoss", h.train_loss);
    e.Set("valLoss", h.val_loss);
    e.Set("valMse", h.val_mse);
    e.Set("valMae", h.val_mae);
    e.Set("lr", h.lr);
    e.Set("seconds", h.seconds);
    e.Set("improved", h.improved);
    hist.Set(static_cast<uint32_t>(i), e);
  }
  o.Set("history", hist);
  if (!r.step_phases.empty()) {
    // { data, forward, backward, communication, optimizer, cpu }: seconds per step, one Float64Array each.
    const size_t n = r.step_phases.size();
    auto phases = Napi::Object::New(env);
    const std::pair<const char*, double StepPhases::*> fields[] = {{"data", &StepPhases::data},
                                                                  {"forward", &StepPhases::forward},
                                                                  {"backward", &StepPhases::backward},
                                                                  {"communication", &StepPhases::communication},
                                                                  {"optimizer", &StepPhases::optimizer},
                                                                  {"cpu", &StepPhases::cpu}};
    for (const auto& [name, field] : fields) {
      auto a = Napi::Float64Array::New(env, n);
      for (size_t i = 0; i < n; ++i) a[i] = r.step_phases[i].*field;
      phases.Set(name, a);
    }
    o.Set("stepPhases", phases);
  }
  return o;
}

void FitWorker::settle(std::function<void(Napi::Env)> fn) {
  if (!has_progress_) {
    fn(Env());
    return;
  }
  *settle_ = std::move(fn);
  tsfn_.Release();
}

void FitWorker::OnOK() {
  trainer_->release();
  auto deferred = deferred_;
  auto err = callback_error_;
  auto result = std::make_shared<TrainResult>(std::move(result_));
  settle([deferred, err, result](Napi::Env env) {
    if (!err->empty()) deferred.Reject(Napi::Error::New(env, *err).Value());
    else deferred.Resolve(result_to_js(env, *result));
  });
}

void FitWorker::OnError(const Napi::Error& e) {
  trainer_->release();
  auto deferred = deferred_;
  auto error = std::make_shared<Napi::ObjectReference>(Napi::Persistent(e.Value()));
  settle([deferred, error](Napi::Env) { deferred.Reject(error->Value()); });
}

TrainerTask::TrainerTask(Napi::Env env, TrainerWrap* trainer, Napi::Object self, Kind kind, SplitHandle split, bool unscale,
                         std::string path)
    : Napi::AsyncWorker(env, "tsfm:trainer"),
      deferred_(Napi::Promise::Deferred::New(env)),
      trainer_(trainer),
      self_(Napi::Persistent(self)),
      kind_(kind),
      split_(std::move(split)),
      unscale_(unscale),
      path_(std::move(path)) {}

void TrainerTask::Execute() {
  try {
    auto& t = trainer_->trainer();
    switch (kind_) {
      case Kind::Evaluate: eval_ = t.evaluate(split_.split); break;
      case Kind::Predict: tensor_ = t.predict(split_.split, unscale_); break;
      case Kind::Targets: tensor_ = t.targets(split_.split, unscale_); break;
      case Kind::Save: t.save_checkpoint(path_); break;
      case Kind::Load: t.load_checkpoint(path_); break;
      case Kind::LoadWeights: t.load_weights(path_); break;
    }
  } catch (const std::exception& e) {
    SetError(message_of(e));
  }
}

void TrainerTask::OnOK() {
  auto env = Env();
  trainer_->release();
  switch (kind_) {
    case Kind::Evaluate: {
      auto o = Napi::Object::New(env);
      o.Set("loss", eval_.loss);
      o.Set("mse", eval_.mse);
      o.Set("mae", eval_.mae);
      o.Set("windows", static_cast<double>(eval_.windows));
      deferred_.Resolve(o);
      break;
    }
    case Kind::Predict:
    case Kind::Targets: deferred_.Resolve(tensor_to_js(env, tensor_)); break;
    default: deferred_.Resolve(env.Undefined());
  }
}

void TrainerTask::OnError(const Napi::Error& e) {
  trainer_->release();
  deferred_.Reject(e.Value());
}

}  // namespace tsfm::binding
