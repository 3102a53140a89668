#pragma once
// Micro-benchmarks for `tsfm bench`: matrix-multiply throughput per dtype and host <-> device copy
// bandwidth, on the same LibTorch the trainer uses.
#include <cstdint>
#include <string>
#include <vector>

namespace tsfm {

struct ThroughputResult {
  double work = 0;     // FLOPs (matmul) or bytes (copy) done in the timed repeats
  double seconds = 0;  // wall time of the timed repeats
  int64_t repeats = 0;
};

// n x n @ n x n products in `dtype` (fp32 | tf32 | bf16 | fp16) on `device` (cpu | cuda[:N]), repeated
// until `min_seconds` have passed (after one warm-up product). tf32 is CUDA-only (cuBLAS TF32 math);
// a dtype the device cannot multiply throws std::invalid_argument.
ThroughputResult matmul_throughput(const std::string& device, const std::string& dtype, int64_t n, double min_seconds);

// Copies `bytes` between host and a CUDA device (`to_device` or back), from pinned or pageable host
// memory, repeated until `min_seconds`. Throws std::invalid_argument when no CUDA device is usable.
ThroughputResult copy_bandwidth(const std::string& device, int64_t bytes, bool pinned, bool to_device, double min_seconds);

// Single-threaded std::memcpy of a `bytes` buffer (the peer of the data-pipeline benchmarks).
ThroughputResult memcpy_bandwidth(int64_t bytes, double min_seconds);

struct DistOptions;

// In-place float32 sum all-reduce over the ranks of `dist` (this process is dist.rank; every rank calls this
// with the same sizes) on `device` (cpu: Gloo; cuda:N: NCCL under backend auto): for each size in bytes,
// one warm-up op, then doubling batches of ops until the ranks' mean timed seconds reach `min_seconds` (the
// ranks agree on stopping through a separate all-reduce, so none waits on a collective the others skip).
// Returns per size work = bytes reduced (bytes x repeats), seconds, repeats.
std::vector<ThroughputResult> allreduce_throughput(const DistOptions& dist, const std::string& device,
                                                   const std::vector<int64_t>& sizes, double min_seconds);

}  // namespace tsfm
