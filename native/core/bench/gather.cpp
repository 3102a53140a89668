#include "bench/gather.h"

#include <chrono>
#include <stdexcept>
#include <vector>

#include "data/batch.h"
#include "data/sampler.h"

namespace tsfm {

GatherThroughput bench_gather(const DataSplit& sp, int64_t bs, int64_t batches, uint64_t seed, bool shuffle) {
  if (bs < 1) throw std::invalid_argument("benchGather: batchSize must be >= 1");
  EpochSampler sampler(sp.index.size(), shuffle, seed);
  const int64_t per_epoch = sampler.size() / bs;
  if (per_epoch < 1) throw std::invalid_argument("benchGather: fewer windows than one batch");
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
  GatherThroughput r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.windows = static_cast<double>(bs * batches);
  r.bytes = r.windows * static_cast<double>(cin * sp.index.context() + cout * sp.index.horizon()) * sizeof(float);
  return r;
}

}  // namespace tsfm
