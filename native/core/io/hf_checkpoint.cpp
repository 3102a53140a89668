#include "io/hf_checkpoint.h"

#include <sys/stat.h>

#include <sstream>
#include <stdexcept>

#include "io/safetensors.h"
#include "models/lora.h"

namespace tsfm {
namespace {

std::string weights_path(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) throw std::runtime_error(dir + ": no such checkpoint directory");
  if (!S_ISDIR(st.st_mode))
    throw std::runtime_error(dir + ": not a directory (a Hugging Face checkpoint is a directory with config.json and model.safetensors)");
  std::string path = dir + (dir.empty() || dir.back() == '/' ? "" : "/") + "model.safetensors";
  if (::stat(path.c_str(), &st) != 0)
    throw std::runtime_error(path + ": no such file (a Hugging Face checkpoint directory holds config.json and model.safetensors)");
  return path;
}

bool is_adapter(const std::string& name) {
  auto ends = [&](const char* tail) {
    const std::string t(tail);
    return name.size() >= t.size() && name.compare(name.size() - t.size(), t.size(), t) == 0;
  };
  return ends(".lora_A") || ends(".lora_B");
}

// The model's state as the reference knows it: LoRA adapters merged into their layers' weights.
std::map<std::string, torch::Tensor> plain_state(const ForecastModelImpl& model) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& [name, t] : model_state(model))
    if (!is_adapter(name)) state[name] = t;
  for (const auto& m : model.named_modules("", /*include_self=*/false))
    if (auto* l = dynamic_cast<const LoraLinearImpl*>(m.value().get()); l && l->adapted()) state[m.key() + ".weight"] = l->merged_weight();
  return state;
}

std::string sizes_str(c10::IntArrayRef s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

}  // namespace

int64_t load_hf_weights(ForecastModelImpl& model, const std::string& dir) {
  const std::string path = weights_path(dir);
  SafetensorsFile file(path);
  // Adapters (training.finetune.strategy lora) are not in a reference checkpoint: they keep their start values.
  std::map<std::string, torch::Tensor> targets;
  for (const auto& [name, t] : model_state(model))
    if (!is_adapter(name)) targets[name] = t;
  // Check everything first so that a bad file leaves the model as it was.
  for (const auto& [name, t] : targets) {
    auto it = file.entries().find(name);
    if (it == file.entries().end())
      throw std::runtime_error(path + ": missing tensor '" + name + "' (model family " + model.spec().family + ")");
    if (it->second.dtype != "F32")
      throw std::runtime_error(path + ": tensor '" + name + "' has dtype " + it->second.dtype + ", expected F32");
    if (c10::IntArrayRef(it->second.shape) != t.sizes())
      throw std::runtime_error(path + ": tensor '" + name + "' has shape " + sizes_str(it->second.shape) + ", the model expects " +
                               sizes_str(t.sizes()) + " (config.json and weights disagree?)");
  }
  for (const auto& kv : file.entries()) {
    if (!targets.count(kv.first))
      throw std::runtime_error(path + ": unexpected tensor '" + kv.first + "' (not part of a " + model.spec().family +
                               " model with this configuration)");
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : targets) t.copy_(file.tensor(name).to(t.device()));
  return static_cast<int64_t>(targets.size());
}

void save_hf_weights(const ForecastModelImpl& model, const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw std::runtime_error(dir + ": no such directory");
  std::map<std::string, torch::Tensor> state;
  for (const auto& [name, t] : plain_state(model)) state[name] = t.detach().to(torch::kCPU, torch::kFloat32);
  write_safetensors(dir + (dir.back() == '/' ? "" : "/") + "model.safetensors", state, {{"format", "pt"}});
}

}  // namespace tsfm
