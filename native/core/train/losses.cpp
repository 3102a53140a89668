#include "train/losses.h"

#include <cmath>
#include <stdexcept>

namespace tsfm {

torch::Tensor forecast_loss(const std::string& kind, const torch::Tensor& pred, const torch::Tensor& target,
                            const torch::Tensor& quantile_levels) {
  if (kind == "pinball") {
    if (pred.dim() != 4) throw std::invalid_argument("pinball loss needs a quantile forecast");
    // levels broadcast over [B, Q, C, H]
    auto q = quantile_levels.view({1, -1, 1, 1});
    auto diff = target.unsqueeze(1) - pred;
    return torch::max(q * diff, (q - 1) * diff).mean();
  }
  if (pred.dim() != 3) throw std::invalid_argument("loss '" + kind + "' needs a point forecast (use pinball for quantiles)");
  if (kind == "mse") return torch::mse_loss(pred, target);
  if (kind == "mae") return torch::l1_loss(pred, target);
  throw std::invalid_argument("unknown loss '" + kind + "' (known: mse, mae, pinball)");
}

torch::Tensor point_of(const torch::Tensor& pred, const std::vector<double>& quantiles) {
  if (pred.dim() == 3) return pred;
  int64_t best = 0;
  for (size_t i = 1; i < quantiles.size(); ++i)
    if (std::abs(quantiles[i] - 0.5) < std::abs(quantiles[best] - 0.5)) best = static_cast<int64_t>(i);
  return pred.select(1, best);
}

}  // namespace tsfm
