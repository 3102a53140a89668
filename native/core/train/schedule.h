#pragma once
#include <cmath>
#include <cstdint>
#include <string>

namespace tsfm {

// Linear warm-up to the base rate, then cosine decay to zero (or constant).
inline double scheduled_lr(const std::string& kind, double base, int64_t step, int64_t warmup, int64_t total) {
  if (warmup > 0 && step < warmup) return base * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (kind == "constant" || total <= warmup) return base;
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(total - warmup);
  return base * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

}  // namespace tsfm
