#pragma once
// NativeTrainer.fit() off the JS thread. Progress events reach the JS callback through a thread-safe function
// without ever making training wait for the JS thread; the promise settles only after the last queued event
// has been delivered (in the thread-safe function's finalizer, on the JS thread), so a caller never sees fit()
// resolve before its final epoch event.
#include <napi.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "split.h"
#include "trainer.h"

namespace tsfm::binding {

class FitWorker : public TrainerWorker {
 public:
  FitWorker(Napi::Env env, TrainerWrap* trainer, Napi::Object self, TrainerLease lease, SplitHandle train,
            std::optional<SplitHandle> val, Napi::Function progress);

 protected:
  void Work(Trainer& trainer) override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  using Settle = std::function<void(Napi::Env)>;
  // Runs `settle` now without a progress callback, else once the finalizer runs after the last event.
  void settle(Settle settle);

  SplitHandle train_;
  std::optional<SplitHandle> val_;
  Napi::ThreadSafeFunction tsfn_;
  Settle* pending_ = nullptr;  // the finalizer's: owned and run by it; null without a progress callback
  std::shared_ptr<std::string> callback_error_;
  TrainResult result_;
};

}  // namespace tsfm::binding
