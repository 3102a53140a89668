#pragma once
// Internal helpers shared by the model families: parameter access, input checks, instance normalisation
// (RevIN without affine) and the output heads (point / monotone quantile). Not part of the public API.
#include <cstdint>
#include <string>
#include <vector>

#include "models/model.h"

namespace tsfm {
namespace detail {

// --- parameters (spec.params has been merged with defaults and key-checked by the registry) ---
double param_double(const ModelSpec& spec, const std::string& key, double min, double max, bool min_inclusive = true,
                    bool max_inclusive = true);
int64_t param_int(const ModelSpec& spec, const std::string& key, int64_t min, int64_t max = INT64_MAX);
bool param_bool(const ModelSpec& spec, const std::string& key);
[[noreturn]] void param_error(const std::string& key, const std::string& what);

// --- forward input check: x must be [B, C, L] floating point with C, L as in the spec ---
void check_input(const ModelSpec& spec, const torch::Tensor& x);

// --- instance normalisation (RevIN as in the PatchTST code, affine=False, subtract_last=False) ---
// Per series window over the last (time) dim: mean and stdev = sqrt(var(biased) + eps), both detached.
struct InstanceStats {
  torch::Tensor mean;   // [B, C, 1]
  torch::Tensor stdev;  // [B, C, 1]
};
constexpr double kRevinEps = 1e-5;
InstanceStats instance_stats(const torch::Tensor& x);
torch::Tensor instance_normalise(const torch::Tensor& x, const InstanceStats& s);
// Restores the scale of a head output: [B, C, H] (point) or [B, Q, C, H] (quantile).
torch::Tensor instance_denormalise(const torch::Tensor& y, const InstanceStats& s);

// --- output heads ---
// Number of values the final layer produces per channel: H for a point forecast, H * Q for quantiles.
int64_t head_outputs(const ModelSpec& spec);
// raw: [B, C, n_outputs] (quantile layout: Q-major, i.e. index q * H + h) ->
//   point:    [B, C, H]
//   quantile: [B, Q, C, H], monotone: the level nearest 0.5 is the anchor; levels above add cumulative
//             softplus increments, levels below subtract them (so the outputs are strictly increasing).
torch::Tensor apply_head(const ModelSpec& spec, const torch::Tensor& raw);
int64_t quantile_anchor(const std::vector<double>& quantiles);

}  // namespace detail

// Family factories and descriptions (one .cpp per family).
std::shared_ptr<ForecastModelImpl> make_dlinear(const ModelSpec& resolved);
FamilyInfo dlinear_info();
std::shared_ptr<ForecastModelImpl> make_ttm(const ModelSpec& resolved);
FamilyInfo ttm_info();
std::shared_ptr<ForecastModelImpl> make_patchtst(const ModelSpec& resolved);
FamilyInfo patchtst_info();
std::shared_ptr<ForecastModelImpl> make_granite_ttm(const ModelSpec& resolved);
FamilyInfo granite_ttm_info();
std::shared_ptr<ForecastModelImpl> make_tsmixer(const ModelSpec& resolved);
FamilyInfo tsmixer_info();
std::shared_ptr<ForecastModelImpl> make_nhits(const ModelSpec& resolved);
FamilyInfo nhits_info();
std::shared_ptr<ForecastModelImpl> make_tide(const ModelSpec& resolved);
FamilyInfo tide_info();
std::shared_ptr<ForecastModelImpl> make_lstm(const ModelSpec& resolved);
FamilyInfo lstm_info();
std::shared_ptr<ForecastModelImpl> make_gru(const ModelSpec& resolved);
FamilyInfo gru_info();

}  // namespace tsfm
