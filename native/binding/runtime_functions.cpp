#include "runtime_functions.h"

#include <functional>
#include <string>
#include <vector>

#include "device_memory.h"
#include "kernels/fused.h"
#include "models/model.h"
#include "promise_worker.h"
#include "runtime.h"
#include "train/optim_step.h"

namespace tsfm::binding {
namespace {

Napi::Value RuntimeInfoJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto r = runtime_info();
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", r.torch_version);
  o.Set("cudaAvailable", r.cuda_available);
  o.Set("cudaDeviceCount", static_cast<double>(r.cuda_device_count));
  o.Set("distributed", r.distributed);
  o.Set("intraOpThreads", static_cast<double>(r.intra_op_threads));
  o.Set("interOpThreads", static_cast<double>(r.inter_op_threads));
  o.Set("blasThreads", static_cast<double>(r.blas_threads));
  o.Set("blasCore", r.blas_core);
  o.Set("buildConfig", r.build_config);
  o.Set("parallelInfo", r.parallel_info);
  o.Set("fusedKernels", kernels::fused_kernels_mode());
  return o;
}

Napi::Value SetThreadsJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "setThreads(n: number)");
  set_threads(info[0].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

// setFusedKernels(enabled: boolean): the TSFM_FUSED_KERNELS switch at run time.
Napi::Value SetFusedKernelsJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "setFusedKernels(enabled: boolean)");
  kernels::set_fused_kernels_enabled(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

// A self-check on a pool thread; resolves to its { name, ok, maxError, detail }[].
class KernelCheckWorker : public PromiseWorker {
 public:
  KernelCheckWorker(Napi::Env env, const char* name, std::function<std::vector<kernels::KernelCheck>()> check)
      : PromiseWorker(env, name), check_(std::move(check)) {}

 protected:
  void Run() override {
    use_threads_here();
    checks_ = check_();
  }
  Napi::Value Result(Napi::Env env) override {
    auto arr = Napi::Array::New(env, checks_.size());
    for (size_t i = 0; i < checks_.size(); ++i) {
      auto o = Napi::Object::New(env);
      o.Set("name", checks_[i].name);
      o.Set("ok", checks_[i].ok);
      o.Set("maxError", checks_[i].max_error);
      o.Set("detail", checks_[i].detail);
      arr.Set(static_cast<uint32_t>(i), o);
    }
    return arr;
  }

 private:
  std::function<std::vector<kernels::KernelCheck>()> check_;
  std::vector<kernels::KernelCheck> checks_;
};

// checkFusedKernels() -> Promise<{ name, ok, maxError, detail }[]>
Napi::Value CheckFusedKernelsJs(const Napi::CallbackInfo& info) {
  return queue_promise<KernelCheckWorker>(info.Env(), "tsfm:checkFusedKernels", [] { return kernels::check_fused_kernels(); });
}

// checkOptimizerStep(device: string) -> Promise<{ name, ok, maxError, detail }[]>
Napi::Value CheckOptimizerStepJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "checkOptimizerStep(device: string)");
  const std::string device = info[0].As<Napi::String>().Utf8Value();
  return queue_promise<KernelCheckWorker>(info.Env(), "tsfm:checkOptimizerStep", [device] { return check_optimizer_step(device); });
}

// cudaPeakMemory(device) -> peak bytes allocated on that CUDA device since the last reset; -1 without CUDA.
Napi::Value CudaPeakMemoryJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "cudaPeakMemory(device: number)");
  return Napi::Number::New(info.Env(), static_cast<double>(cuda_peak_allocated_bytes(info[0].As<Napi::Number>().Int32Value())));
}

Napi::Value ResetCudaPeakMemoryJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "resetCudaPeakMemory(device: number)");
  cuda_reset_peak_allocated(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value ListModelFamiliesJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto fams = list_model_families();
  auto arr = Napi::Array::New(env, fams.size());
  for (size_t i = 0; i < fams.size(); ++i) {
    auto o = Napi::Object::New(env);
    o.Set("family", fams[i].family);
    o.Set("description", fams[i].description);
    auto outs = Napi::Array::New(env, fams[i].outputs.size());
    for (size_t j = 0; j < fams[i].outputs.size(); ++j) outs.Set(static_cast<uint32_t>(j), fams[i].outputs[j]);
    o.Set("outputs", outs);
    auto d = Napi::Object::New(env);
    for (const auto& [k, v] : fams[i].defaults) d.Set(k, v);
    o.Set("defaults", d);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

}  // namespace

void export_runtime_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfoJs));
  exports.Set("setThreads", Napi::Function::New(env, SetThreadsJs));
  exports.Set("setFusedKernels", Napi::Function::New(env, SetFusedKernelsJs));
  exports.Set("checkFusedKernels", Napi::Function::New(env, CheckFusedKernelsJs));
  exports.Set("checkOptimizerStep", Napi::Function::New(env, CheckOptimizerStepJs));
  exports.Set("cudaPeakMemory", Napi::Function::New(env, CudaPeakMemoryJs));
  exports.Set("resetCudaPeakMemory", Napi::Function::New(env, ResetCudaPeakMemoryJs));
  exports.Set("listModelFamilies", Napi::Function::New(env, ListModelFamiliesJs));
}

}  // namespace tsfm::binding
