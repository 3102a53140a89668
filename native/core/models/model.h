#pragma once
// Forecasting model interface of the tsfm core: a family registry (dlinear, ttm, patchtst) behind one
// abstract module type. Every model maps x: [B, C, L] to a point forecast [B, C, H] or, when quantile
// levels are given, a quantile forecast [B, Q, C, H] that is non-decreasing along Q.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tsfm {

struct ModelSpec {
  std::string family;             // "dlinear" | "ttm" | "patchtst"
  int64_t context_length = 512;   // L
  int64_t horizon = 96;           // H
  int64_t channels = 1;           // C (input channels; channel-independent models treat them as separate series)
  std::vector<double> quantiles;  // empty => point forecast; else sorted levels in (0,1), e.g. {0.1,0.5,0.9}
  std::map<std::string, double> params;  // family hyper-parameters; unknown keys => std::invalid_argument
};

struct FamilyInfo {
  std::string family;
  std::string description;
  std::vector<std::string> outputs;  // "point", "quantile"
  std::map<std::string, double> defaults;
};

class ForecastModelImpl : public torch::nn::Module {
 public:
  // x: [B, C, L] float -> point: [B, C, H]; quantile: [B, Q, C, H], non-decreasing along Q.
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // The spec the model was built from, with spec().params holding every family parameter
  // (defaults merged in).
  virtual const ModelSpec& spec() const = 0;
  int64_t parameter_count() const;  // trainable parameters
  virtual ~ForecastModelImpl() = default;
};

// Throws std::invalid_argument with a one-line message (unknown family with a did-you-mean list, unknown
// or out-of-range params, bad sizes, bad quantile levels).
std::shared_ptr<ForecastModelImpl> create_model(const ModelSpec& spec);
std::vector<FamilyInfo> list_model_families();

// Validates and returns the spec with the family defaults merged into params (what create_model builds
// from). Throws like create_model.
ModelSpec resolve_model_spec(const ModelSpec& spec);

// The model's full state (parameters and buffers, e.g. BatchNorm running statistics) by dotted name; the
// names and shapes match the plain-PyTorch reference in bench/python/models.py.
std::map<std::string, torch::Tensor> model_state(const ForecastModelImpl& model);

// Writes a reference dump for bench/python/check_equivalence.py: a torch.load()-able pickle (written with
// torch::pickle_save) of a dict {"spec": JSON string, "state": {name: tensor}, "input": x, "output": y,
// "grads": {name: tensor}}, where y is the model's forward(x) computed in eval mode with no grad and grads
// are the parameter gradients of 0.5 * sum(forward(x)^2) in eval mode (the model's train/eval mode and its
// parameters' gradients are restored afterwards). Tensors are stored on the CPU.
void write_reference_dump(ForecastModelImpl& model, const torch::Tensor& x, const std::string& path);

}  // namespace tsfm
