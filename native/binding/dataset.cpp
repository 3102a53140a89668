#include "dataset.h"

#include <string>

#include "addon_data.h"
#include "convert.h"

namespace tsfm::binding {

Napi::Function DatasetWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeDataset",
                     {InstanceMethod("dispose", &DatasetWrap::Dispose), InstanceMethod("info", &DatasetWrap::Info)});
}

DatasetWrap* DatasetWrap::FromValue(const Napi::Value& v, const char* what) {
  auto* ctor = v.Env().GetInstanceData<AddonData>();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(ctor->dataset.Value()))
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a NativeDataset");
  return Napi::ObjectWrap<DatasetWrap>::Unwrap(v.As<Napi::Object>());
}

// new NativeDataset({ columns: Float32Array[], segmentOffsets, segmentLengths, segmentSeries, numSeries })
DatasetWrap::DatasetWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatasetWrap>(info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "NativeDataset: expected an options object");
  auto o = info[0].As<Napi::Object>();
  auto cols = o.Get("columns");
  if (!cols.IsArray()) throw Napi::TypeError::New(env, "columns: expected an array of Float32Array");
  auto arr = cols.As<Napi::Array>();
  auto columns = std::make_shared<DatasetColumns>();
  auto& store = columns->store;
  int64_t rows = -1;
  for (uint32_t c = 0; c < arr.Length(); ++c) {
    auto v = arr.Get(c);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(env, "columns[" + std::to_string(c) + "]: expected a Float32Array");
    auto f = v.As<Napi::Float32Array>();
    if (rows >= 0 && static_cast<int64_t>(f.ElementLength()) != rows)
      throw Napi::RangeError::New(env, "columns[" + std::to_string(c) + "]: length " + std::to_string(f.ElementLength()) +
                                           " differs from column 0 (" + std::to_string(rows) + ")");
    rows = static_cast<int64_t>(f.ElementLength());
    store.channels.push_back(f.Data());  // zero-copy: the column's own memory
    columns->buffers.push_back(Napi::Persistent(f));
  }
  store.rows = rows < 0 ? 0 : rows;
  store.segment_offsets = get_int_array(env, o.Get("segmentOffsets"), "segmentOffsets");
  store.segment_lengths = get_int_array(env, o.Get("segmentLengths"), "segmentLengths");
  for (int64_t s : get_int_array(env, o.Get("segmentSeries"), "segmentSeries")) store.segment_series.push_back(static_cast<int32_t>(s));
  store.num_series = static_cast<int64_t>(get_number(o, "numSeries", 0));
  try {
    store.validate();
  } catch (const std::exception& e) {
    throw Napi::RangeError::New(env, std::string("NativeDataset: ") + e.what());
  }
  rows_ = store.rows;
  segments_ = static_cast<int64_t>(store.segment_offsets.size());
  columns_ = std::move(columns);
}

std::shared_ptr<const DatasetColumns> DatasetWrap::columns() const {
  if (!columns_) throw std::runtime_error("dataset was disposed");
  return columns_;
}

Napi::Value DatasetWrap::Dispose(const Napi::CallbackInfo& info) {
  columns_.reset();
  return info.Env().Undefined();
}

Napi::Value DatasetWrap::Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("rows", Napi::Number::New(env, static_cast<double>(rows_)));
  o.Set("channels", Napi::Number::New(env, columns_ ? static_cast<double>(columns_->store.channels.size()) : 0.0));
  o.Set("segments", Napi::Number::New(env, static_cast<double>(segments_)));
  o.Set("disposed", Napi::Boolean::New(env, !columns_));
  return o;
}

}  // namespace tsfm::binding
