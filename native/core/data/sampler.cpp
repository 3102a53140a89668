#include "data/sampler.h"

#include <stdexcept>
#include <string>

namespace tsfm {
namespace {
uint64_t mix64(uint64_t z) {  // splitmix64 finaliser
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

EpochSampler::EpochSampler(int64_t n, bool shuffle, uint64_t seed, int64_t rank, int64_t world_size)
    : n_(n), rank_(rank), world_(world_size), shuffle_(shuffle), seed_(seed) {
  if (n < 0) throw std::invalid_argument("sampler: negative window count");
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw std::invalid_argument("sampler: rank " + std::to_string(rank) + " outside world of size " + std::to_string(world_size));
  per_rank_ = n_ / world_;
  bits_ = 2;  // even bit count for a balanced Feistel network
  while ((uint64_t{1} << bits_) < static_cast<uint64_t>(n_)) bits_ += 2;
  set_epoch(0);
}

void EpochSampler::set_epoch(int64_t epoch) { epoch_key_ = mix64(seed_ ^ mix64(static_cast<uint64_t>(epoch) + 1)); }

uint64_t EpochSampler::permute(uint64_t x) const {
  const int half = bits_ / 2;
  const uint64_t mask = (uint64_t{1} << half) - 1;
  // Cycle-walking keeps a bijection on [0, 2^bits) inside [0, n): expected < 4 rounds since 2^bits < 4n.
  do {
    uint64_t l = x >> half, r = x & mask;
    for (int round = 0; round < 4; ++round) {
      uint64_t f = mix64(r ^ epoch_key_ ^ (static_cast<uint64_t>(round) << 56)) & mask;
      uint64_t nl = r;
      r = l ^ f;
      l = nl;
    }
    x = (l << half) | r;
  } while (x >= static_cast<uint64_t>(n_));
  return x;
}

int64_t EpochSampler::at(int64_t k) const {
  if (k < 0 || k >= per_rank_) throw std::out_of_range("sampler position " + std::to_string(k) + " out of range");
  const uint64_t position = static_cast<uint64_t>(k) * world_ + rank_;
  return static_cast<int64_t>(shuffle_ ? permute(position) : position);
}

}  // namespace tsfm
