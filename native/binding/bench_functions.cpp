#include "bench_functions.h"

#include <functional>
#include <string>
#include <vector>

#include "bench/gather.h"
#include "bench/micro.h"
#include "convert.h"
#include "parallel/options.h"
#include "promise_worker.h"
#include "runtime.h"
#include "split.h"

namespace tsfm::binding {
namespace {

Napi::Object throughput_to_js(Napi::Env env, const ThroughputResult& t) {
  auto r = Napi::Object::New(env);
  r.Set("work", t.work);
  r.Set("seconds", t.seconds);
  r.Set("repeats", static_cast<double>(t.repeats));
  return r;
}

Napi::Object options_arg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsObject() ? info[i].As<Napi::Object>() : Napi::Object::New(info.Env());
}

class GatherWorker : public PromiseWorker {
 public:
  GatherWorker(Napi::Env env, SplitHandle split, int64_t batch_size, int64_t batches, uint64_t seed, bool shuffle)
      : PromiseWorker(env, "tsfm:benchGather"), split_(std::move(split)), batch_size_(batch_size), batches_(batches),
        seed_(seed), shuffle_(shuffle) {}

 protected:
  void Run() override {
    use_threads_here();
    r_ = bench_gather(split_.split, batch_size_, batches_, seed_, shuffle_);
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("windows", r_.windows);
    o.Set("bytes", r_.bytes);
    o.Set("seconds", r_.seconds);
    return o;
  }

 private:
  SplitHandle split_;
  int64_t batch_size_, batches_;
  uint64_t seed_;
  bool shuffle_;
  GatherThroughput r_;
};

// One core micro-benchmark on a pool thread, under the bench's thread setting.
class ThroughputWorker : public PromiseWorker {
 public:
  ThroughputWorker(Napi::Env env, const char* name, std::function<ThroughputResult()> run)
      : PromiseWorker(env, name), run_(std::move(run)) {}

 protected:
  void Run() override {
    use_threads_here();
    r_ = run_();
  }
  Napi::Value Result(Napi::Env env) override { return throughput_to_js(env, r_); }

 private:
  std::function<ThroughputResult()> run_;
  ThroughputResult r_;
};

class AllReduceWorker : public PromiseWorker {
 public:
  AllReduceWorker(Napi::Env env, DistOptions dist, std::string device, std::vector<int64_t> sizes, double min_seconds)
      : PromiseWorker(env, "tsfm:benchAllReduce"), dist_(std::move(dist)), device_(std::move(device)), sizes_(std::move(sizes)),
        min_seconds_(min_seconds) {}

 protected:
  void Run() override {
    use_threads_here();
    r_ = allreduce_throughput(dist_, device_, sizes_, min_seconds_);
  }
  Napi::Value Result(Napi::Env env) override {
    auto arr = Napi::Array::New(env, r_.size());
    for (size_t i = 0; i < r_.size(); ++i) arr.Set(static_cast<uint32_t>(i), throughput_to_js(env, r_[i]));
    return arr;
  }

 private:
  DistOptions dist_;
  std::string device_;
  std::vector<int64_t> sizes_;
  double min_seconds_;
  std::vector<ThroughputResult> r_;
};

// benchGather(split, { batchSize, batches, seed, shuffle }) -> Promise<{ windows, bytes, seconds }>
Napi::Value BenchGatherJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto split = to_split(info[0], "split");
  auto o = options_arg(info, 1);
  return queue_promise<GatherWorker>(env, std::move(split), static_cast<int64_t>(get_number(o, "batchSize", 256)),
                                     static_cast<int64_t>(get_number(o, "batches", 100)),
                                     static_cast<uint64_t>(get_number(o, "seed", 0)), get_bool(o, "shuffle", true));
}

// memcpyBandwidth({ bytes, minSeconds }) -> Promise<{ work: bytes copied, seconds, repeats }>
Napi::Value MemcpyBandwidthJs(const Napi::CallbackInfo& info) {
  auto o = options_arg(info, 0);
  const int64_t bytes = static_cast<int64_t>(get_number(o, "bytes", 64 << 20));
  const double min_seconds = get_number(o, "minSeconds", 0.5);
  return queue_promise<ThroughputWorker>(info.Env(), "tsfm:memcpyBandwidth", [=] { return memcpy_bandwidth(bytes, min_seconds); });
}

// benchMatmul({ device, dtype, size, minSeconds }) -> Promise<{ work: FLOPs, seconds, repeats }>
Napi::Value BenchMatmulJs(const Napi::CallbackInfo& info) {
  auto o = options_arg(info, 0);
  const std::string device = get_string(o, "device", "cpu"), dtype = get_string(o, "dtype", "fp32");
  const int64_t n = static_cast<int64_t>(get_number(o, "size", 1024));
  const double min_seconds = get_number(o, "minSeconds", 0.5);
  return queue_promise<ThroughputWorker>(info.Env(), "tsfm:benchMatmul", [=] { return matmul_throughput(device, dtype, n, min_seconds); });
}

// benchCopy({ device, bytes, pinned, direction: 'h2d' | 'd2h', minSeconds }) -> Promise<{ work: bytes, seconds, repeats }>
Napi::Value BenchCopyJs(const Napi::CallbackInfo& info) {
  auto o = options_arg(info, 0);
  const std::string device = get_string(o, "device", "cuda"), direction = get_string(o, "direction", "h2d");
  if (direction != "h2d" && direction != "d2h") throw Napi::RangeError::New(info.Env(), "direction: expected 'h2d' or 'd2h'");
  const int64_t bytes = static_cast<int64_t>(get_number(o, "bytes", 64 << 20));
  const bool pinned = get_bool(o, "pinned", true);
  const double min_seconds = get_number(o, "minSeconds", 0.5);
  return queue_promise<ThroughputWorker>(info.Env(), "tsfm:benchCopy",
                                         [=] { return copy_bandwidth(device, bytes, pinned, direction == "h2d", min_seconds); });
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
  return queue_promise<AllReduceWorker>(env, std::move(d), get_string(o, "device", "cpu"), get_int_array(env, o.Get("sizes"), "sizes"),
                                        get_number(o, "minSeconds", 0.5));
}

}  // namespace

void export_bench_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("benchGather", Napi::Function::New(env, BenchGatherJs));
  exports.Set("memcpyBandwidth", Napi::Function::New(env, MemcpyBandwidthJs));
  exports.Set("benchMatmul", Napi::Function::New(env, BenchMatmulJs));
  exports.Set("benchCopy", Napi::Function::New(env, BenchCopyJs));
  exports.Set("benchAllReduce", Napi::Function::New(env, BenchAllReduceJs));
}

}  // namespace tsfm::binding
