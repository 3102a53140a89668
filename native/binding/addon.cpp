// Module entry: registers the classes and the free functions. Each function converts arguments,
// calls the core, converts the result: no logic of its own.
#include <napi.h>

#include <chrono>
#include <cstring>

#include "bench/micro.h"
#include "convert.h"
#include "data/sampler.h"
#include "device_memory.h"
#include "kernels/fused.h"
#include "train/optim_step.h"
#include "parallel/options.h"
#include "predictor.h"
#include "pretrained.h"
#include "runtime.h"
#include "workers.h"
#include "wraps.h"

namespace tsfm::binding {
namespace {

// Runs `work` off the JS thread; `done` builds the result on the JS thread.
class LambdaWorker : public Napi::AsyncWorker {
 public:
  LambdaWorker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done,
               std::vector<std::shared_ptr<Napi::ObjectReference>> keep)
      : Napi::AsyncWorker(env, "tsfm:task"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
        done_(std::move(done)), keep_(std::move(keep)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const std::exception& e) {
      SetError(message_of(e));
    }
  }
  void OnOK() override { deferred_.Resolve(done_(Env())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  std::vector<std::shared_ptr<Napi::ObjectReference>> keep_;
};

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

// setFusedKernels(enabled: boolean): the TSFM_FUSED_KERNELS switch at run time.
Napi::Value SetFusedKernelsJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "setFusedKernels(enabled: boolean)");
  kernels::set_fused_kernels_enabled(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value KernelChecksToJs(Napi::Env e, const std::vector<kernels::KernelCheck>& checks) {
  auto arr = Napi::Array::New(e, checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    auto o = Napi::Object::New(e);
    o.Set("name", checks[i].name);
    o.Set("ok", checks[i].ok);
    o.Set("maxError", checks[i].max_error);
    o.Set("detail", checks[i].detail);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

// Runs a self-check on a pool thread; resolves to its { name, ok, maxError, detail }[].
Napi::Value RunChecksAsync(Napi::Env env, std::function<std::vector<kernels::KernelCheck>()> check) {
  auto result = std::make_shared<std::vector<kernels::KernelCheck>>();
  auto work = [result, check = std::move(check)]() {
    use_threads_here();
    *result = check();
  };
  auto done = [result](Napi::Env e) -> Napi::Value { return KernelChecksToJs(e, *result); };
  auto* w = new LambdaWorker(env, work, done, {});
  auto p = w->Promise();
  w->Queue();
  return p;
}

// checkFusedKernels() -> Promise<{ name, ok, maxError, detail }[]>
Napi::Value CheckFusedKernelsJs(const Napi::CallbackInfo& info) {
  return RunChecksAsync(info.Env(), [] { return kernels::check_fused_kernels(); });
}

// checkOptimizerStep(device: string) -> Promise<{ name, ok, maxError, detail }[]>
Napi::Value CheckOptimizerStepJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "checkOptimizerStep(device: string)");
  const std::string device = info[0].As<Napi::String>().Utf8Value();
  return RunChecksAsync(info.Env(), [device] { return check_optimizer_step(device); });
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

Napi::Value SetThreadsJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "setThreads(n: number)");
  set_threads(info[0].As<Napi::Number>().Int64Value());
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

// gatherBatch(split, ids) -> { x: {data, shape}, y: {data, shape}, series: Int32Array }
Napi::Value GatherBatchJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto h = to_split(info[0], "split");
  auto ids = get_int_array(env, info[1], "ids");
  const int64_t n = static_cast<int64_t>(ids.size());
  for (int64_t id : ids)
    if (id < 0 || id >= h.split.index.size())
      throw Napi::RangeError::New(env, "ids: window " + std::to_string(id) + " out of range [0, " + std::to_string(h.split.index.size()) + ")");
  const int64_t L = h.split.index.context(), H = h.split.index.horizon();
  auto x = torch::empty({n, static_cast<int64_t>(h.split.layout.input_channels.size()), L});
  auto y = torch::empty({n, static_cast<int64_t>(h.split.layout.target_channels.size()), H});
  auto series = Napi::Int32Array::New(env, static_cast<size_t>(n));
  gather_batch(*h.split.store, h.split.index, h.split.scaling, h.split.layout, ids.data(), n, x.data_ptr<float>(),
               y.data_ptr<float>(), series.Data());
  auto o = Napi::Object::New(env);
  o.Set("x", tensor_to_js(env, x));
  o.Set("y", tensor_to_js(env, y));
  o.Set("series", series);
  return o;
}

Napi::Value WindowCountJs(const Napi::CallbackInfo& info) {
  auto h = to_split(info[0], "split");
  return Napi::Number::New(info.Env(), static_cast<double>(h.split.index.size()));
}

// samplerOrder(n, { seed, epoch, rank, worldSize, shuffle }) -> Float64Array of window ids for this rank
Napi::Value SamplerOrderJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int64_t n = info[0].As<Napi::Number>().Int64Value();
  auto o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  try {
    EpochSampler s(n, get_bool(o, "shuffle", true), static_cast<uint64_t>(get_number(o, "seed", 0)),
                   static_cast<int64_t>(get_number(o, "rank", 0)), static_cast<int64_t>(get_number(o, "worldSize", 1)));
    s.set_epoch(static_cast<int64_t>(get_number(o, "epoch", 0)));
    auto out = Napi::Float64Array::New(env, static_cast<size_t>(s.size()));
    for (int64_t k = 0; k < s.size(); ++k) out[static_cast<size_t>(k)] = static_cast<double>(s.at(k));
    return out;
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
}

// benchGather(split, { batchSize, batches, seed, shuffle }) -> Promise<{ windows, bytes, seconds }>
Napi::Value BenchGatherJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto h = std::make_shared<SplitHandle>(to_split(info[0], "split"));
  auto o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  const int64_t bs = static_cast<int64_t>(get_number(o, "batchSize", 256));
  const int64_t batches = static_cast<int64_t>(get_number(o, "batches", 100));
  const uint64_t seed = static_cast<uint64_t>(get_number(o, "seed", 0));
  const bool shuffle = get_bool(o, "shuffle", true);
  auto result = std::make_shared<std::array<double, 3>>();
  auto work = [h, bs, batches, seed, shuffle, result]() {
    use_threads_here();
    const auto& sp = h->split;
    EpochSampler sampler(sp.index.size(), shuffle, seed);
    const int64_t per_epoch = sampler.size() / bs;
    if (per_epoch < 1) throw std::runtime_error("benchGather: fewer windows than one batch");
    const int64_t cin = static_cast<int64_t>(sp.layout.input_channels.size());
    const int64_t cout = static_cast<int64_t>(sp.layout.target_channels.size());
    std::vector<float> x(static_cast<size_t>(bs * cin * sp.index.context())), y(static_cast<size_t>(bs * cout * sp.index.horizon()));
    std::vector<int64_t> ids(static_cast<size_t>(bs));
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t k = b % per_epoch;
      if (k == 0) sampler.set_epoch(b / per_epoch);
      for (int64_t i = 0; i < bs; ++i) ids[i] = sampler.at(k * bs + i);
      gather_batch(*sp.store, sp.index, sp.scaling, sp.layout, ids.data(), bs, x.data(), y.data(), nullptr);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    (*result)[0] = static_cast<double>(bs * batches);
    (*result)[1] = static_cast<double>(bs * batches) * (cin * sp.index.context() + cout * sp.index.horizon()) * sizeof(float);
    (*result)[2] = secs;
  };
  auto done = [result](Napi::Env e) -> Napi::Value {
    auto r = Napi::Object::New(e);
    r.Set("windows", (*result)[0]);
    r.Set("bytes", (*result)[1]);
    r.Set("seconds", (*result)[2]);
    return r;
  };
  auto* w = new LambdaWorker(env, work, done, {h->dataset_ref});
  auto p = w->Promise();
  w->Queue();
  return p;
}

// Queues `run` (a core micro-benchmark) on a worker: resolves { work, seconds, repeats }.
Napi::Value throughput_promise(Napi::Env env, std::function<ThroughputResult()> run) {
  auto result = std::make_shared<ThroughputResult>();
  auto work = [run, result]() {
    use_threads_here();  // the bench's thread setting, on whichever pool thread runs this
    *result = run();
  };
  auto done = [result](Napi::Env e) -> Napi::Value {
    auto r = Napi::Object::New(e);
    r.Set("work", result->work);
    r.Set("seconds", result->seconds);
    r.Set("repeats", static_cast<double>(result->repeats));
    return r;
  };
  auto* w = new LambdaWorker(env, work, done, {});
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Object options_arg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsObject() ? info[i].As<Napi::Object>() : Napi::Object::New(info.Env());
}

// memcpyBandwidth({ bytes, minSeconds }) -> Promise<{ work: bytes copied, seconds, repeats }>
Napi::Value MemcpyBandwidthJs(const Napi::CallbackInfo& info) {
  auto o = options_arg(info, 0);
  const int64_t bytes = static_cast<int64_t>(get_number(o, "bytes", 64 << 20));
  const double min_seconds = get_number(o, "minSeconds", 0.5);
  return throughput_promise(info.Env(), [=] { return memcpy_bandwidth(bytes, min_seconds); });
}

// benchMatmul({ device, dtype, size, minSeconds }) -> Promise<{ work: FLOPs, seconds, repeats }>
Napi::Value BenchMatmulJs(const Napi::CallbackInfo& info) {
  auto o = options_arg(info, 0);
  const std::string device = get_string(o, "device", "cpu"), dtype = get_string(o, "dtype", "fp32");
  const int64_t n = static_cast<int64_t>(get_number(o, "size", 1024));
  const double min_seconds = get_number(o, "minSeconds", 0.5);
  return throughput_promise(info.Env(), [=] { return matmul_throughput(device, dtype, n, min_seconds); });
}

// benchCopy({ device, bytes, pinned, direction: 'h2d' | 'd2h', minSeconds }) -> Promise<{ work: bytes, seconds, repeats }>
Napi::Value BenchCopyJs(const Napi::CallbackInfo& info) {
  auto o = options_arg(info, 0);
  const std::string device = get_string(o, "device", "cuda"), direction = get_string(o, "direction", "h2d");
  if (direction != "h2d" && direction != "d2h") throw Napi::RangeError::New(info.Env(), "direction: expected 'h2d' or 'd2h'");
  const int64_t bytes = static_cast<int64_t>(get_number(o, "bytes", 64 << 20));
  const bool pinned = get_bool(o, "pinned", true);
  const double min_seconds = get_number(o, "minSeconds", 0.5);
  return throughput_promise(info.Env(), [=] { return copy_bandwidth(device, bytes, pinned, direction == "h2d", min_seconds); });
}

// benchAllReduce({ rank, worldSize, masterAddr, masterPort, backend, device, sizes, minSeconds, timeoutMs })
//   -> Promise<{ work: bytes reduced, seconds, repeats }[]> (one per size; every rank calls it alike)
Napi::Value BenchAllReduceJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = options_arg(info, 0);
  DistOptions d;
  d.rank = static_cast<int64_t>(get_number(o, "rank", 0));
  d.world_size = static_cast<int64_t>(get_number(o, "worldSize", 1));
  d.master_addr = get_string(o, "masterAddr", d.master_addr);
  d.master_port = static_cast<int64_t>(get_number(o, "masterPort", static_cast<double>(d.master_port)));
  d.backend = get_string(o, "backend", d.backend);
  d.timeout_ms = static_cast<int64_t>(get_number(o, "timeoutMs", 60000));
  d.rendezvous_timeout_ms = d.timeout_ms;
  d.force = true;
  if (d.world_size < 1 || d.rank < 0 || d.rank >= d.world_size)
    throw Napi::RangeError::New(env, "benchAllReduce: need 0 <= rank < worldSize");
  const std::string device = get_string(o, "device", "cpu");
  const std::vector<int64_t> sizes = get_int_array(env, o.Get("sizes"), "sizes");
  const double min_seconds = get_number(o, "minSeconds", 0.5);
  auto result = std::make_shared<std::vector<ThroughputResult>>();
  auto work = [=]() {
    use_threads_here();
    *result = allreduce_throughput(d, device, sizes, min_seconds);
  };
  auto done = [result](Napi::Env e) -> Napi::Value {
    auto arr = Napi::Array::New(e, result->size());
    for (size_t i = 0; i < result->size(); ++i) {
      auto r = Napi::Object::New(e);
      r.Set("work", (*result)[i].work);
      r.Set("seconds", (*result)[i].seconds);
      r.Set("repeats", static_cast<double>((*result)[i].repeats));
      arr.Set(static_cast<uint32_t>(i), r);
    }
    return arr;
  };
  auto* w = new LambdaWorker(env, work, done, {});
  auto p = w->Promise();
  w->Queue();
  return p;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  auto dataset = DatasetWrap::Define(env);
  auto model = ModelWrap::Define(env);
  auto trainer = TrainerWrap::Define(env);
  auto predictor = PredictorWrap::Define(env);
  data->dataset = Napi::Persistent(dataset);
  data->model = Napi::Persistent(model);
  data->trainer = Napi::Persistent(trainer);
  data->predictor = Napi::Persistent(predictor);
  env.SetInstanceData<AddonData>(data);  // freed with the environment (shutdown-safe)
  exports.Set("NativeDataset", dataset);
  exports.Set("NativeModel", model);
  exports.Set("NativeTrainer", trainer);
  exports.Set("NativePredictor", predictor);
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfoJs));
  exports.Set("setThreads", Napi::Function::New(env, SetThreadsJs));
  exports.Set("benchAllReduce", Napi::Function::New(env, BenchAllReduceJs));
  exports.Set("setFusedKernels", Napi::Function::New(env, SetFusedKernelsJs));
  exports.Set("checkFusedKernels", Napi::Function::New(env, CheckFusedKernelsJs));
  exports.Set("checkOptimizerStep", Napi::Function::New(env, CheckOptimizerStepJs));
  exports.Set("cudaPeakMemory", Napi::Function::New(env, CudaPeakMemoryJs));
  exports.Set("resetCudaPeakMemory", Napi::Function::New(env, ResetCudaPeakMemoryJs));
  exports.Set("listModelFamilies", Napi::Function::New(env, ListModelFamiliesJs));
  exports.Set("hfWeights", Napi::Function::New(env, HfWeightsJs));  // pretrained.h
  exports.Set("gatherBatch", Napi::Function::New(env, GatherBatchJs));
  exports.Set("windowCount", Napi::Function::New(env, WindowCountJs));
  exports.Set("samplerOrder", Napi::Function::New(env, SamplerOrderJs));
  exports.Set("benchGather", Napi::Function::New(env, BenchGatherJs));
  exports.Set("memcpyBandwidth", Napi::Function::New(env, MemcpyBandwidthJs));
  exports.Set("benchMatmul", Napi::Function::New(env, BenchMatmulJs));
  exports.Set("benchCopy", Napi::Function::New(env, BenchCopyJs));
  return exports;
}

}  // namespace
}  // namespace tsfm::binding

static Napi::Object InitTsfm(Napi::Env env, Napi::Object exports) { return tsfm::binding::Init(env, exports); }
NODE_API_MODULE(tsfm, InitTsfm)
