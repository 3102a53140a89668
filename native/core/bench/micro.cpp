#include "bench/micro.h"

#include "parallel/comm.h"
#include "parallel/options.h"

#include <ATen/Context.h>
#include <torch/torch.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace tsfm {
namespace {

using Clock = std::chrono::steady_clock;

torch::Device bench_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) throw std::invalid_argument("device '" + name + "': this LibTorch sees no usable CUDA GPU");
    return torch::Device(name);
  }
  throw std::invalid_argument("unknown device '" + name + "' (expected cpu, cuda or cuda:N)");
}

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

// Runs `op` once to warm up, then until `min_seconds` have passed; returns repeats and seconds.
template <typename Op>
ThroughputResult timed(const torch::Device& d, double min_seconds, double work_per_op, Op op) {
  op();
  sync(d);
  ThroughputResult r;
  const auto t0 = Clock::now();
  do {
    op();
    ++r.repeats;
    if (r.repeats % 4 == 0 || !d.is_cuda()) sync(d);
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (r.seconds < min_seconds);
  sync(d);
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.work = work_per_op * static_cast<double>(r.repeats);
  return r;
}

// Restores cuBLAS's TF32 switch when the tf32 run ends.
struct Tf32Guard {
  bool before;
  explicit Tf32Guard(bool on) : before(at::globalContext().allowTF32CuBLAS()) { at::globalContext().setAllowTF32CuBLAS(on); }
  ~Tf32Guard() { at::globalContext().setAllowTF32CuBLAS(before); }
};

}  // namespace

ThroughputResult matmul_throughput(const std::string& device, const std::string& dtype, int64_t n, double min_seconds) {
  const auto d = bench_device(device);
  if (n < 1) throw std::invalid_argument("matmul size must be >= 1");
  torch::ScalarType st;
  if (dtype == "fp32" || dtype == "tf32") st = torch::kFloat32;
  else if (dtype == "bf16") st = torch::kBFloat16;
  else if (dtype == "fp16") st = torch::kFloat16;
  else throw std::invalid_argument("unknown dtype '" + dtype + "' (expected fp32, tf32, bf16 or fp16)");
  if (dtype == "tf32" && !d.is_cuda()) throw std::invalid_argument("tf32 is a CUDA tensor-core mode; not available on " + device);
  Tf32Guard tf32(dtype == "tf32");
  torch::NoGradGuard no_grad;
  auto opts = torch::TensorOptions().dtype(st).device(d);
  auto a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts), c = torch::empty({n, n}, opts);
  try {
    torch::mm_out(c, a, b);
  } catch (const c10::Error& e) {
    throw std::invalid_argument(dtype + " matmul is not supported on " + device);
  }
  return timed(d, min_seconds, 2.0 * n * n * n, [&] { torch::mm_out(c, a, b); });
}

ThroughputResult copy_bandwidth(const std::string& device, int64_t bytes, bool pinned, bool to_device, double min_seconds) {
  const auto d = bench_device(device);
  if (!d.is_cuda()) throw std::invalid_argument("host <-> device copies need a CUDA device (got " + device + ")");
  const int64_t n = std::max<int64_t>(1, bytes / 4);
  auto host = torch::empty({n}, torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(pinned)).fill_(1);
  auto dev = torch::empty({n}, torch::TensorOptions().dtype(torch::kFloat32).device(d));
  // non_blocking only overlaps from pinned memory; pageable copies are staged by the driver either way.
  if (to_device) return timed(d, min_seconds, n * 4.0, [&] { dev.copy_(host, /*non_blocking=*/pinned); });
  return timed(d, min_seconds, n * 4.0, [&] { host.copy_(dev, /*non_blocking=*/pinned); });
}

ThroughputResult memcpy_bandwidth(int64_t bytes, double min_seconds) {
  if (bytes < 1) throw std::invalid_argument("memcpy size must be >= 1 byte");
  std::vector<char> a(static_cast<size_t>(bytes), 1), b(static_cast<size_t>(bytes), 0);
  std::memcpy(b.data(), a.data(), a.size());  // fault the pages in first
  ThroughputResult r;
  const auto t0 = Clock::now();
  do {
    const bool odd = r.repeats % 2;
    std::memcpy(odd ? a.data() : b.data(), odd ? b.data() : a.data(), a.size());
    ++r.repeats;
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (r.seconds < min_seconds);
  r.work = static_cast<double>(bytes) * static_cast<double>(r.repeats);
  return r;
}

std::vector<ThroughputResult> allreduce_throughput(const DistOptions& dist, const std::string& device,
                                                   const std::vector<int64_t>& sizes, double min_seconds) {
  const auto d = bench_device(device);
  auto comm = dist::Communicator::connect(dist, d);
  std::vector<ThroughputResult> out;
  for (const int64_t bytes : sizes) {
    if (bytes < 4) throw std::invalid_argument("allreduce_throughput: sizes must be >= 4 bytes");
    auto t = torch::ones({bytes / 4}, torch::TensorOptions().dtype(torch::kFloat).device(d));
    comm->allreduce_sum(t);  // warm-up (and NCCL's communicator set-up)
    sync(d);
    ThroughputResult r;
    for (int64_t batch = 1;; batch *= 2) {
      const auto t0 = Clock::now();
      for (int64_t i = 0; i < batch; ++i) comm->allreduce_sum(t);
      sync(d);
      r.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
      r.repeats += batch;
      auto elapsed = torch::full({1}, r.seconds, torch::TensorOptions().dtype(torch::kDouble).device(d));
      comm->allreduce_sum(elapsed);
      if (elapsed.item<double>() / static_cast<double>(comm->world_size()) >= min_seconds) break;
    }
    r.work = static_cast<double>(bytes / 4 * 4) * static_cast<double>(r.repeats);
    out.push_back(r);
  }
  comm->barrier();
  return out;
}

}  // namespace tsfm
