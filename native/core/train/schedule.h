#pragma once
#include <cmath>
#include <cstdint>
#include <string>

namespace tsfm {

// Linear warm-up to the base rate, then cosine decay to zero, constant, or halving every epoch (the
// "type1" schedule of the LTSF-Linear/PatchTST benchmark scripts: epoch e runs at base * 0.5^e).
inline double scheduled_lr(const std::string& kind, double base, int64_t step, int64_t warmup, int64_t total,
                           int64_t steps_per_epoch = 1) {
  if (warmup > 0 && step < warmup) return base * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (kind == "halving") return base * std::pow(0.5, static_cast<double>(step / std::max<int64_t>(1, steps_per_epoch)));
  if (kind == "constant" || total <= warmup) return base;
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(total - warmup);
  return base * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

}  // namespace tsfm
