#pragma once
// Epoch sampler: a seeded pseudo-random permutation of [0, n) computed on the fly (no index array, so
// shuffling 10^8 windows costs no memory), sharded by rank with equal counts per rank.
#include <cstdint>

namespace tsfm {

class EpochSampler {
 public:
  EpochSampler(int64_t n, bool shuffle, uint64_t seed, int64_t rank = 0, int64_t world_size = 1);

  void set_epoch(int64_t epoch);
  // Windows this rank visits per epoch: floor(n / world) so every rank takes the same number of steps.
  int64_t size() const { return per_rank_; }
  // The k-th window id this rank visits in the current epoch.
  int64_t at(int64_t k) const;

 private:
  uint64_t permute(uint64_t x) const;  // bijection on [0, 2^bits_), cycle-walked into [0, n)
  int64_t n_, per_rank_, rank_, world_;
  bool shuffle_;
  uint64_t seed_, epoch_key_ = 0;
  int bits_ = 0;
};

}  // namespace tsfm
