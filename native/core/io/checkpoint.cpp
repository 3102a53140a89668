#include "io/checkpoint.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace tsfm {

std::string spec_signature(const ModelSpec& s) {
  std::ostringstream o;
  o << "family=" << s.family << " context=" << s.context_length << " horizon=" << s.horizon << " channels=" << s.channels
    << " quantiles=" << s.quantiles.size();
  for (const auto& [k, v] : s.params) o << " " << k << "=" << v;
  return o.str();
}

torch::serialize::InputArchive open_checkpoint(const std::string& path, const ModelSpec& spec) {
  if (!std::filesystem::exists(path)) throw std::runtime_error("checkpoint not found: " + path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error&) {
    throw std::runtime_error("checkpoint " + path + " is unreadable (not a tsfm checkpoint, or truncated)");
  }
  c10::IValue sig;
  if (!archive.try_read("meta/signature", sig)) throw std::runtime_error("checkpoint " + path + " is not a tsfm checkpoint");
  const std::string expected = spec_signature(spec);
  if (sig.toStringRef() != expected)
    throw std::runtime_error("checkpoint " + path + " belongs to another model (" + sig.toStringRef() + "), not this one (" +
                             expected + ")");
  return archive;
}

void read_model_weights(torch::serialize::InputArchive& archive, ForecastModelImpl& model) {
  torch::serialize::InputArchive model_archive;
  archive.read("model", model_archive);
  model.load(model_archive);
}

std::string checkpoint_finetune(torch::serialize::InputArchive& archive) {
  c10::IValue v;
  return archive.try_read("meta/finetune", v) ? v.toStringRef() : "full";
}

}  // namespace tsfm
