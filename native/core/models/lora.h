#pragma once
// Fine-tuning strategies on a built model (training.finetune): `full` trains every parameter, `head` only the
// forecast head (parameters under `head.`), `lora` low-rank adapters on chosen linear layers with every base
// weight frozen (Hu et al. 2021): y = W x + b + (alpha / rank) B A x, A [rank, in] Kaiming-uniform as
// nn.Linear initialises its weight (peft's default), B [out, rank] zero, so an adapted model forecasts exactly
// as the unadapted one until B moves. A family opts in by building its linear layers as LoraLinear (same
// parameter names as torch::nn::Linear, plus `lora_A` / `lora_B` once adapted).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "models/model.h"
#include "train/options.h"  // FinetuneOptions

namespace tsfm {

struct LoraLinearImpl : torch::nn::LinearImpl {
  using torch::nn::LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& x);
  void add_adapter(int64_t rank, double alpha);
  bool adapted() const { return lora_A.defined(); }
  // W + (alpha / rank) B A, or W itself when not adapted.
  torch::Tensor merged_weight() const;
  // Like Module::load, but a checkpoint without adapters (weights of an unadapted model) leaves them as
  // initialised: LoRA can start from any full checkpoint.
  void load(torch::serialize::InputArchive& archive) override;
  torch::Tensor lora_A, lora_B;
  int64_t rank = 0;
  double alpha = 0, scale = 0;
};
TORCH_MODULE(LoraLinear);

// The LoRA target group of a linear layer by its dotted name: "head" (head.*), "mixer" (inside a patch,
// feature or channel mixer: MLPs and gates), "patcher" (the patch embedding), "adapter" (the decoder's input
// projection), or "" for none of them.
std::string lora_group(const std::string& module_name);

// Applies the strategy: adds adapters (lora), sets requires_grad (frozen = false). Throws
// std::invalid_argument naming training.finetune.* for an unknown strategy or target, a model without a head
// (head) or without adaptable layers (lora). Idempotent for the same options.
void apply_finetune(ForecastModelImpl& model, const FinetuneOptions& options);

// One line describing how a model is set up for fine-tuning (stored in checkpoints, compared on resume):
// "full", "head" or "lora rank=8 alpha=16 layers=N"; the adapter part alone by adapter_signature ("" when
// the model has no adapters).
std::string finetune_signature(const ForecastModelImpl& model, const std::string& strategy);
std::string adapter_signature(const ForecastModelImpl& model);

// Parameter count including frozen ones (ForecastModelImpl::parameter_count() counts trainable ones).
int64_t total_parameter_count(const ForecastModelImpl& model);

}  // namespace tsfm
