#include "data/split.h"

#include <algorithm>

namespace tsfm {

void unscale_targets(torch::Tensor& out, const DataSplit& data, const std::vector<int32_t>& series) {
  if (data.scaling.identity()) return;
  const int64_t n = out.size(0), H = out.size(-1);
  const int64_t cout = static_cast<int64_t>(data.layout.target_channels.size());
  const int64_t per_window = out.numel() / std::max<int64_t>(1, n);
  float* p = out.data_ptr<float>();
  for (int64_t w = 0; w < n; ++w) {
    const float* mean = data.scaling.mean.data() + series[w] * data.scaling.num_channels;
    const float* sd = data.scaling.stdev.data() + series[w] * data.scaling.num_channels;
    float* base = p + w * per_window;
    const int64_t groups = per_window / (cout * H);  // quantiles, or 1
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t c = 0; c < cout; ++c) {
        const int64_t ch = data.layout.target_channels[c];
        float* row = base + (g * cout + c) * H;
        for (int64_t t = 0; t < H; ++t) row[t] = row[t] * sd[ch] + mean[ch];
      }
  }
}

}  // namespace tsfm
