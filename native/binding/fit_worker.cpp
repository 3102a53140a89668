#include "fit_worker.h"


namespace tsfm::binding {

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

Napi::Object result_to_js(Napi::Env env, const TrainResult& r) {
  auto o = Napi::Object::New(env);
  o.Set("status", r.status);
  if (!r.stop_reason.empty()) o.Set("stopReason", r.stop_reason);
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

}  // namespace

FitWorker::FitWorker(Napi::Env env, TrainerWrap* trainer, Napi::Object self, TrainerLease lease, SplitHandle train,
                     std::optional<SplitHandle> val, Napi::Function progress)
    : TrainerWorker(env, "tsfm:trainer.fit", trainer, self, std::move(lease)),
      train_(std::move(train)),
      val_(std::move(val)),
      callback_error_(std::make_shared<std::string>()) {
  if (progress.IsEmpty()) return;
  pending_ = new Settle();
  tsfn_ = Napi::ThreadSafeFunction::New(env, progress, "tsfm:progress", 0, 1,
                                        [](Napi::Env env, Settle* settle) {
                                          std::unique_ptr<Settle> owned(settle);
                                          if (*owned) (*owned)(env);
                                        },
                                        pending_);
}

void FitWorker::Work(Trainer& trainer) {
  auto err = callback_error_;
  auto* stop = &wrap()->stop_flag();
  ProgressFn fn;
  if (pending_) {
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
  result_ = trainer.fit(train_.split, val_ ? &val_->split : nullptr, fn, *stop);
}

void FitWorker::settle(Settle settle) {
  if (!pending_) {
    settle(Env());
    return;
  }
  *pending_ = std::move(settle);
  tsfn_.Release();  // the finalizer runs once every queued event has been delivered
}

void FitWorker::OnOK() {
  auto promise = deferred();
  auto err = callback_error_;
  auto result = std::make_shared<TrainResult>(std::move(result_));
  settle([promise, err, result](Napi::Env env) {
    if (!err->empty()) promise.Reject(Napi::Error::New(env, *err).Value());
    else promise.Resolve(result_to_js(env, *result));
  });
}

void FitWorker::OnError(const Napi::Error& e) {
  auto promise = deferred();
  auto error = std::make_shared<Napi::ObjectReference>(Napi::Persistent(e.Value()));
  settle([promise, error](Napi::Env) { promise.Reject(error->Value()); });
}

}  // namespace tsfm::binding
