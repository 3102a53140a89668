#pragma once
// The binding's one asynchronous pattern. Each operation is a named PromiseWorker: Run() does the work on a
// libuv pool thread (no JS there), Result() builds the value the promise resolves to on the JS thread. A
// std::exception from Run() rejects the promise with a JS Error carrying its message, as does a Napi::Error
// from Result(). Keep() holds a JS object (a dataset, the wrapper itself) until the worker has settled, so
// nothing the pool thread reads is collected under it. A pool thread never waits on the JS thread: Node joins
// the pool at exit, so such a wait would hang process.exit().
#include <napi.h>

#include <utility>
#include <vector>

#include "convert.h"

namespace tsfm::binding {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  PromiseWorker(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) { return env.Undefined(); }
  void Keep(const Napi::Object& o) { kept_.push_back(Napi::Persistent(o)); }
  Napi::Promise::Deferred& deferred() { return deferred_; }

  // Settle the promise on the JS thread; a worker whose results also reach JS another way (fit's progress
  // events) overrides them to settle after that.
  void OnOK() override {
    try {
      deferred_.Resolve(Result(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Execute() final {
    try {
      Run();
    } catch (const std::exception& e) {
      SetError(message_of(e));
    }
  }

  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> kept_;
};

// Queues a new W(env, args...) and returns its promise.
template <typename W, typename... Args>
Napi::Promise queue_promise(Napi::Env env, Args&&... args) {
  auto* worker = new W(env, std::forward<Args>(args)...);
  auto promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace tsfm::binding
