#include "data_functions.h"

#include <string>

#include "convert.h"
#include "data/batch.h"
#include "data/sampler.h"
#include "split.h"
#include "tensor.h"

namespace tsfm::binding {
namespace {

// gatherBatch(split, ids) -> { x: {data, shape}, y: {data, shape}, series: Int32Array }
Napi::Value GatherBatchJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto h = to_split(info[0], "split");
  auto ids = get_int_array(env, info[1], "ids");
  const int64_t n = static_cast<int64_t>(ids.size());
  for (int64_t id : ids)
    if (id < 0 || id >= h.split.index.size())
      throw Napi::RangeError::New(env, "ids: window " + std::to_string(id) + " out of range [0, " + std::to_string(h.split.index.size()) + ")");
  const int64_t L = h.split.index.context(), H = h.split.index.horizon();
  auto x = torch::empty({n, static_cast<int64_t>(h.split.layout.input_channels.size()), L});
  auto y = torch::empty({n, static_cast<int64_t>(h.split.layout.target_channels.size()), H});
  auto series = Napi::Int32Array::New(env, static_cast<size_t>(n));
  gather_batch(*h.split.store, h.split.index, h.split.scaling, h.split.layout, ids.data(), n, x.data_ptr<float>(),
               y.data_ptr<float>(), series.Data());
  auto o = Napi::Object::New(env);
  o.Set("x", tensor_to_js(env, x));
  o.Set("y", tensor_to_js(env, y));
  o.Set("series", series);
  return o;
}

Napi::Value WindowCountJs(const Napi::CallbackInfo& info) {
  auto h = to_split(info[0], "split");
  return Napi::Number::New(info.Env(), static_cast<double>(h.split.index.size()));
}

// samplerOrder(n, { seed, epoch, rank, worldSize, shuffle }) -> Float64Array of window ids for this rank
Napi::Value SamplerOrderJs(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const int64_t n = info[0].As<Napi::Number>().Int64Value();
  auto o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  try {
    EpochSampler s(n, get_bool(o, "shuffle", true), static_cast<uint64_t>(get_number(o, "seed", 0)),
                   static_cast<int64_t>(get_number(o, "rank", 0)), static_cast<int64_t>(get_number(o, "worldSize", 1)));
    s.set_epoch(static_cast<int64_t>(get_number(o, "epoch", 0)));
    auto out = Napi::Float64Array::New(env, static_cast<size_t>(s.size()));
    for (int64_t k = 0; k < s.size(); ++k) out[static_cast<size_t>(k)] = static_cast<double>(s.at(k));
    return out;
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
}

}  // namespace

void export_data_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("gatherBatch", Napi::Function::New(env, GatherBatchJs));
  exports.Set("windowCount", Napi::Function::New(env, WindowCountJs));
  exports.Set("samplerOrder", Napi::Function::New(env, SamplerOrderJs));
}

}  // namespace tsfm::binding
