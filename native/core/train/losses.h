#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace tsfm {

// pred: point [B, C, H] or quantile [B, Q, C, H]; target: [B, C, H].
torch::Tensor forecast_loss(const std::string& kind, const torch::Tensor& pred, const torch::Tensor& target,
                            const torch::Tensor& quantile_levels);

// The point forecast of a prediction: itself, or the median-nearest quantile.
torch::Tensor point_of(const torch::Tensor& pred, const std::vector<double>& quantiles);

}  // namespace tsfm
