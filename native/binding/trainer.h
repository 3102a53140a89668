#pragma once
// NativeTrainer: the core's training loop over a NativeModel (core/train/trainer.h).
//   new NativeTrainer(model, options)
//   trainer.fit({ train, val? }, onProgress?), evaluate(split), predict(split, { unscale? }),
//   targets(split, { unscale? }), saveCheckpoint(path), loadCheckpoint(path), loadWeights(path): promises
//   trainer.stop(), trainer.dispose()
// One call at a time: a second while one runs throws "trainer is busy with another call".
#include <napi.h>

#include <atomic>
#include <memory>
#include <utility>

#include "promise_worker.h"
#include "train/trainer.h"

namespace tsfm::binding {

// The trainer's one-call slot, held by a worker from queueing until its work is done. Given back on the pool
// thread before the promise settles, so a caller that awaited the call finds the trainer free.
class TrainerLease {
 public:
  explicit TrainerLease(std::atomic<bool>* busy) : busy_(busy) {}
  TrainerLease(TrainerLease&& o) noexcept : busy_(std::exchange(o.busy_, nullptr)) {}
  TrainerLease& operator=(TrainerLease&&) = delete;
  ~TrainerLease() {
    if (busy_) busy_->store(false);
  }

 private:
  std::atomic<bool>* busy_;
};

class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TrainerWrap(const Napi::CallbackInfo& info);
  ~TrainerWrap() override;
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
  void check_usable(const Napi::Env& env) const;
  // Takes the one-call slot or throws "trainer is busy with another call".
  TrainerLease lease(const Napi::Env& env);

  std::unique_ptr<Trainer> trainer_;
  Napi::ObjectReference model_ref_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> stop_{false};
};

// A trainer operation: keeps the JS trainer alive and holds its lease until Work() is done.
class TrainerWorker : public PromiseWorker {
 protected:
  TrainerWorker(Napi::Env env, const char* name, TrainerWrap* trainer, Napi::Object self, TrainerLease lease)
      : PromiseWorker(env, name), trainer_(trainer), lease_(std::move(lease)) {
    Keep(self);
  }
  virtual void Work(Trainer& trainer) = 0;
  TrainerWrap* wrap() const { return trainer_; }

 private:
  void Run() final {
    TrainerLease held = std::move(lease_);  // given back when Work() returns or throws
    Work(trainer_->trainer());
  }
  TrainerWrap* trainer_;
  TrainerLease lease_;
};

}  // namespace tsfm::binding
