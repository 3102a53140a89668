#include "train/validation.h"

#include "data/batch.h"
#include "infer/forecast.h"
#include "train/losses.h"

namespace tsfm {

torch::Tensor eval_sums(ForecastModelImpl& model, const DataSplit& data, const EvalSetup& setup, int64_t rank, int64_t world) {
  torch::NoGradGuard no_grad;
  model.eval();
  const auto& device = setup.device;
  const int64_t n = data.index.size();
  const int64_t L = data.index.context();
  const int64_t cin = static_cast<int64_t>(data.layout.input_channels.size());
  const int64_t cout = static_cast<int64_t>(data.layout.target_channels.size());
  const int64_t H = data.index.horizon();
  const int64_t mine = n > rank ? (n - rank + world - 1) / world : 0;  // windows rank, rank + world, ...
  const int64_t bs = setup.batch_size;
  auto x_host = torch::empty({bs, cin, L});
  auto y_host = torch::empty({bs, cout, H});
  std::vector<int64_t> ids(static_cast<size_t>(bs));
  const auto targets_at = target_positions(data.layout, device);
  // Sums stay on the device until the end: no host sync per batch.
  auto zero = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  auto loss_sum = zero.clone(), se = zero.clone(), ae = zero.clone();
  for (int64_t first = 0; first < mine; first += bs) {
    const int64_t m = std::min(bs, mine - first);
    for (int64_t i = 0; i < m; ++i) ids[i] = (first + i) * world + rank;
    gather_batch(*data.store, data.index, data.scaling, data.layout, ids.data(), m, x_host.data_ptr<float>(),
                 y_host.data_ptr<float>(), nullptr);
    auto x = x_host.narrow(0, 0, m).to(device);
    auto y = y_host.narrow(0, 0, m).to(device);
    auto pred = select_targets(forward_at(model, x, device, setup.precision), targets_at);
    loss_sum += forecast_loss(setup.loss, pred, y, setup.quantile_levels).to(torch::kFloat64) * static_cast<double>(m);
    auto point = point_of(pred, model.spec().quantiles);
    se += (point - y).pow(2).sum().to(torch::kFloat64);
    ae += (point - y).abs().sum().to(torch::kFloat64);
  }
  return torch::stack({loss_sum, se, ae, zero + static_cast<double>(mine)});
}

EvalResult eval_from_sums(const torch::Tensor& sums, const DataSplit& data) {
  auto s = sums.to(torch::kCPU).contiguous();
  const double* d = s.data_ptr<double>();
  EvalResult r;
  r.windows = static_cast<int64_t>(d[3]);
  if (r.windows == 0) return r;
  const double points = d[3] * static_cast<double>(data.layout.target_channels.size()) * data.index.horizon();
  r.loss = d[0] / d[3];
  r.mse = d[1] / points;
  r.mae = d[2] / points;
  return r;
}

const DataSplit* thinned_validation(const DataSplit* val, int64_t max_windows, DataSplit& storage) {
  if (!val || max_windows <= 0) return val;
  storage = *val;
  storage.index = val->index.thinned(max_windows);
  return &storage;
}

}  // namespace tsfm
