#include "models/lora.h"

#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tsfm {

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x) {
  auto y = torch::nn::functional::linear(x, weight, bias);
  if (!lora_A.defined()) return y;
  return y + torch::nn::functional::linear(torch::nn::functional::linear(x, lora_A), lora_B) * scale;
}

void LoraLinearImpl::add_adapter(int64_t r, double a) {
  if (lora_A.defined()) {
    if (r != rank || a != alpha) throw std::logic_error("LoraLinear: adapter already added with other settings");
    return;
  }
  rank = r;
  alpha = a;
  scale = a / static_cast<double>(r);
  auto opts = weight.options().requires_grad(true);
  auto A = torch::empty({r, weight.size(1)}, opts);
  {
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_uniform_(A, std::sqrt(5.0));  // as nn.Linear (and peft) initialise lora_A
  }
  lora_A = register_parameter("lora_A", A);
  lora_B = register_parameter("lora_B", torch::zeros({weight.size(0), r}, opts));
}

torch::Tensor LoraLinearImpl::merged_weight() const {
  torch::NoGradGuard no_grad;
  if (!lora_A.defined()) return weight.detach();
  return (weight + torch::matmul(lora_B, lora_A) * scale).detach();
}

void LoraLinearImpl::load(torch::serialize::InputArchive& archive) {
  archive.read("weight", weight);
  if (bias.defined()) archive.read("bias", bias);
  if (lora_A.defined()) {
    torch::Tensor a, b;
    const bool has_a = archive.try_read("lora_A", a), has_b = archive.try_read("lora_B", b);
    if (has_a != has_b) throw std::runtime_error("checkpoint holds lora_A without lora_B (or the reverse)");
    if (has_a) {
      torch::NoGradGuard no_grad;
      if (a.sizes() != lora_A.sizes() || b.sizes() != lora_B.sizes())
        throw std::runtime_error("checkpoint adapters have rank " + std::to_string(a.size(0)) + ", the model's have rank " +
                                 std::to_string(rank));
      lora_A.copy_(a);
      lora_B.copy_(b);
    }
  }
}

std::string lora_group(const std::string& name) {
  if (name.rfind("head.", 0) == 0 || name == "head") return "head";
  if (name.find("_mixer.") != std::string::npos) return "mixer";
  if (name.size() >= 7 && name.compare(name.size() - 7, 7, "patcher") == 0) return "patcher";
  if (name.size() >= 7 && name.compare(name.size() - 7, 7, "adapter") == 0) return "adapter";
  return "";
}

namespace {
const std::set<std::string> kGroups = {"mixer", "head", "patcher", "adapter"};

std::vector<std::pair<std::string, LoraLinearImpl*>> lora_layers(ForecastModelImpl& model) {
  std::vector<std::pair<std::string, LoraLinearImpl*>> out;
  for (const auto& m : model.named_modules("", /*include_self=*/false))
    if (auto* l = dynamic_cast<LoraLinearImpl*>(m.value().get())) out.emplace_back(m.key(), l);
  return out;
}
}  // namespace

void apply_finetune(ForecastModelImpl& model, const FinetuneOptions& o) {
  const std::string& fam = model.spec().family;
  if (o.strategy == "full") return;
  if (o.strategy == "head") {
    bool any = false;
    for (auto& p : model.named_parameters(/*recurse=*/true)) {
      const bool head = p.key().rfind("head.", 0) == 0;
      any = any || head;
      p.value().set_requires_grad(head);
    }
    if (!any)
      throw std::invalid_argument("training.finetune.strategy: head needs a model with a forecast head (parameters under head.); family " +
                                  fam + " has none");
    return;
  }
  if (o.strategy != "lora")
    throw std::invalid_argument("training.finetune.strategy: unknown '" + o.strategy + "' (expected full, head or lora)");
  if (o.lora_rank < 1) throw std::invalid_argument("training.finetune.lora.rank: must be >= 1 (got " + std::to_string(o.lora_rank) + ")");
  if (!(o.lora_alpha > 0)) throw std::invalid_argument("training.finetune.lora.alpha: must be > 0");
  if (o.lora_targets.empty()) throw std::invalid_argument("training.finetune.lora.targets: name at least one of mixer, head, patcher, adapter");
  for (const auto& t : o.lora_targets)
    if (!kGroups.count(t))
      throw std::invalid_argument("training.finetune.lora.targets: unknown target '" + t + "' (expected mixer, head, patcher or adapter)");
  const std::set<std::string> wanted(o.lora_targets.begin(), o.lora_targets.end());
  // Base weights first (frozen), then the adapters (trainable): register_parameter keeps requires_grad.
  for (auto& p : model.parameters(/*recurse=*/true)) p.set_requires_grad(false);
  int64_t n = 0;
  for (auto& [name, layer] : lora_layers(model)) {
    if (!wanted.count(lora_group(name))) continue;
    layer->add_adapter(o.lora_rank, o.lora_alpha);
    layer->lora_A.set_requires_grad(true);
    layer->lora_B.set_requires_grad(true);
    ++n;
  }
  if (n == 0)
    throw std::invalid_argument("training.finetune.strategy: lora adapts granite_ttm's linear layers; family " + fam +
                                " has none among training.finetune.lora.targets");
}

std::string adapter_signature(const ForecastModelImpl& model) {
  int64_t n = 0, rank = 0;
  double alpha = 0;
  for (auto& [name, layer] : lora_layers(const_cast<ForecastModelImpl&>(model)))
    if (layer->adapted()) {
      ++n;
      rank = layer->rank;
      alpha = layer->alpha;
    }
  if (n == 0) return "";
  std::ostringstream o;
  o << "lora rank=" << rank << " alpha=" << alpha << " layers=" << n;
  return o.str();
}

std::string finetune_signature(const ForecastModelImpl& model, const std::string& strategy) {
  if (strategy == "lora") return adapter_signature(model);
  return strategy.empty() ? "full" : strategy;
}

int64_t total_parameter_count(const ForecastModelImpl& model) {
  int64_t n = 0;
  for (const auto& p : model.parameters(/*recurse=*/true)) n += p.numel();
  return n;
}

}  // namespace tsfm
