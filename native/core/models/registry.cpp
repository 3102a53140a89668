// Model family registry: defaults, validation of ModelSpec, construction, state export and the reference
// dump read by bench/python/check_equivalence.py.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "models/common.h"

namespace tsfm {
namespace {

using Factory = std::shared_ptr<ForecastModelImpl> (*)(const ModelSpec&);
struct Family {
  FamilyInfo (*info)();
  Factory make;
};
const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {dlinear_info, make_dlinear}, {ttm_info, make_ttm}, {patchtst_info, make_patchtst},
      {granite_ttm_info, make_granite_ttm}, {tsmixer_info, make_tsmixer}, {nhits_info, make_nhits},
      {tide_info, make_tide}, {lstm_info, make_lstm}, {gru_info, make_gru}};
  return kFamilies;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "(did you mean 'x'? known: a, b, c)" or "(known: a, b, c)".
std::string known_list(const std::string& given, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = std::numeric_limits<size_t>::max();
  std::string joined;
  for (const auto& k : known) {
    if (!joined.empty()) joined += ", ";
    joined += k;
    size_t d = edit_distance(given, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  std::string out = "(";
  if (!best.empty() && best_d <= std::max<size_t>(2, given.size() / 3)) out += "did you mean '" + best + "'? ";
  return out + "known: " + joined + ")";
}

std::string fmt(double v) {
  std::ostringstream os;
  os << std::setprecision(17) << v;
  return os.str();
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string spec_json(const ModelSpec& s) {
  std::ostringstream os;
  os << "{\"family\":" << json_string(s.family) << ",\"context_length\":" << s.context_length
     << ",\"horizon\":" << s.horizon << ",\"channels\":" << s.channels << ",\"quantiles\":[";
  for (size_t i = 0; i < s.quantiles.size(); ++i) os << (i ? "," : "") << fmt(s.quantiles[i]);
  os << "],\"params\":{";
  bool first = true;
  for (const auto& kv : s.params) {
    os << (first ? "" : ",") << json_string(kv.first) << ":" << fmt(kv.second);
    first = false;
  }
  os << "}}";
  return os.str();
}

}  // namespace

std::vector<FamilyInfo> list_model_families() {
  std::vector<FamilyInfo> out;
  for (const auto& f : families()) out.push_back(f.info());
  return out;
}

ModelSpec resolve_model_spec(const ModelSpec& spec) {
  const Family* family = nullptr;
  std::vector<std::string> names;
  for (const auto& f : families()) {
    names.push_back(f.info().family);
    if (f.info().family == spec.family) family = &f;
  }
  if (!family) {
    throw std::invalid_argument("model.family: unknown model family '" + spec.family + "' " +
                                known_list(spec.family, names));
  }
  if (spec.context_length < 1) {
    throw std::invalid_argument("model.context_length: must be >= 1 (got " + std::to_string(spec.context_length) + ")");
  }
  if (spec.horizon < 1) {
    throw std::invalid_argument("model.horizon: must be >= 1 (got " + std::to_string(spec.horizon) + ")");
  }
  if (spec.channels < 1) {
    throw std::invalid_argument("model.channels: must be >= 1 (got " + std::to_string(spec.channels) + ")");
  }
  for (size_t i = 0; i < spec.quantiles.size(); ++i) {
    double q = spec.quantiles[i];
    if (!(q > 0.0 && q < 1.0)) {
      throw std::invalid_argument("model.quantiles[" + std::to_string(i) + "]: quantile levels must be in (0, 1) (got " +
                                  fmt(q) + ")");
    }
    if (i > 0 && !(q > spec.quantiles[i - 1])) {
      throw std::invalid_argument("model.quantiles[" + std::to_string(i) +
                                  "]: quantile levels must be strictly increasing (got " + fmt(spec.quantiles[i - 1]) +
                                  " then " + fmt(q) + ")");
    }
  }
  FamilyInfo info = family->info();
  ModelSpec resolved = spec;
  resolved.params = info.defaults;
  std::vector<std::string> keys;
  for (const auto& kv : info.defaults) keys.push_back(kv.first);
  for (const auto& kv : spec.params) {
    if (!info.defaults.count(kv.first)) {
      throw std::invalid_argument("model.params." + kv.first + ": unknown parameter for model family '" + spec.family +
                                  "' " + known_list(kv.first, keys));
    }
    resolved.params[kv.first] = kv.second;
  }
  return resolved;
}

std::shared_ptr<ForecastModelImpl> create_model(const ModelSpec& spec) {
  ModelSpec resolved = resolve_model_spec(spec);
  for (const auto& f : families()) {
    if (f.info().family == resolved.family) return f.make(resolved);
  }
  throw std::logic_error("unreachable: family '" + resolved.family + "' vanished from the registry");
}

std::map<std::string, torch::Tensor> model_state(const ForecastModelImpl& model) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : model.named_parameters(/*recurse=*/true)) state[p.key()] = p.value();
  for (const auto& b : model.named_buffers(/*recurse=*/true)) state[b.key()] = b.value();
  return state;
}

void write_reference_dump(ForecastModelImpl& model, const torch::Tensor& x, const std::string& path) {
  const bool was_training = model.is_training();
  model.eval();
  torch::Tensor y;
  {
    torch::NoGradGuard no_grad;
    y = model.forward(x);
  }
  // Gradients of 0.5 * sum(y^2) in eval mode (so the Python side can compare backward passes too, the fused
  // kernels' included); the parameters' own gradients are put back afterwards.
  c10::Dict<std::string, torch::Tensor> grads;
  {
    torch::AutoGradMode grad_on(true);
    std::vector<torch::Tensor> kept;
    for (auto& p : model.parameters()) {
      kept.push_back(p.grad());
      p.mutable_grad() = torch::Tensor();
    }
    (0.5 * model.forward(x).pow(2).sum()).backward();
    for (const auto& p : model.named_parameters(/*recurse=*/true)) {
      if (p.value().grad().defined()) grads.insert(p.key(), p.value().grad().detach().cpu().contiguous());
    }
    size_t i = 0;
    for (auto& p : model.parameters()) p.mutable_grad() = kept[i++];
  }
  model.train(was_training);

  c10::Dict<std::string, torch::Tensor> state;
  for (const auto& kv : model_state(model)) state.insert(kv.first, kv.second.detach().cpu().contiguous());
  c10::impl::GenericDict dump(c10::StringType::get(), c10::AnyType::get());
  dump.insert("spec", spec_json(model.spec()));
  dump.insert("state", state);
  dump.insert("input", x.detach().cpu().contiguous());
  dump.insert("output", y.detach().cpu().contiguous());
  dump.insert("grads", grads);
  std::vector<char> bytes = torch::pickle_save(dump);
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("write_reference_dump: cannot open '" + path + "' for writing");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("write_reference_dump: failed writing '" + path + "'");
}

}  // namespace tsfm
