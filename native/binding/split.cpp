#include "split.h"

#include <string>

#include "convert.h"

namespace tsfm::binding {

SplitHandle to_split(const Napi::Value& v, const char* what) {
  auto env = v.Env();
  if (!v.IsObject()) throw Napi::TypeError::New(env, std::string(what) + ": expected { dataset, windows, inputChannels, targetChannels }");
  auto o = v.As<Napi::Object>();
  auto* ds = DatasetWrap::FromValue(o.Get("dataset"), (std::string(what) + ".dataset").c_str());
  SplitHandle h;
  if (!o.Get("windows").IsObject()) throw Napi::TypeError::New(env, std::string(what) + ".windows: expected a window set");
  try {
    h.columns = ds->columns();
    h.split.store = &h.columns->store;
    h.split.index = to_window_index(o.Get("windows").As<Napi::Object>());
    h.split.index.check_within_segments(*h.split.store);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, std::string(what) + ": " + e.what());
  }
  h.split.scaling = to_scaling(o.Get("scaling"));
  h.split.layout = to_layout(o);
  const int64_t nch = h.split.store->num_channels();
  for (int64_t c : h.split.layout.input_channels)
    if (c < 0 || c >= nch) throw Napi::RangeError::New(env, std::string(what) + ".inputChannels: channel " + std::to_string(c) + " out of range");
  for (int64_t c : h.split.layout.target_channels)
    if (c < 0 || c >= nch) throw Napi::RangeError::New(env, std::string(what) + ".targetChannels: channel " + std::to_string(c) + " out of range");
  if (!h.split.scaling.identity()) {
    if (h.split.scaling.num_channels != nch ||
        static_cast<int64_t>(h.split.scaling.mean.size()) != nch * h.split.store->num_series)
      throw Napi::RangeError::New(env, std::string(what) + ".scaling: expected [series][channel] = " +
                                           std::to_string(h.split.store->num_series) + "x" + std::to_string(nch) + " entries");
  }
  return h;
}

}  // namespace tsfm::binding
