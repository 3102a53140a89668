#include "model.h"

#include <string>

#include "addon_data.h"
#include "convert.h"
#include "tensor.h"

namespace tsfm::binding {

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {InstanceMethod("dispose", &ModelWrap::Dispose), InstanceMethod("info", &ModelWrap::Info),
                      InstanceMethod("forward", &ModelWrap::Forward), InstanceMethod("stateDict", &ModelWrap::StateDict),
                      InstanceMethod("writeReferenceDump", &ModelWrap::WriteReferenceDump)});
}

ModelWrap* ModelWrap::FromValue(const Napi::Value& v, const char* what) {
  auto* data = v.Env().GetInstanceData<AddonData>();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(data->model.Value()))
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a NativeModel");
  return Napi::ObjectWrap<ModelWrap>::Unwrap(v.As<Napi::Object>());
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "NativeModel: expected a model spec object");
  auto spec = to_model_spec(info[0].As<Napi::Object>());
  // A seed makes the initial weights reproducible (resume tests, seeds in experiments).
  const double seed = get_number(info[0].As<Napi::Object>(), "seed", -1);
  try {
    if (seed >= 0) torch::manual_seed(static_cast<uint64_t>(seed));
    model_ = create_model(spec);
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
  for (const auto& p : model_->parameters()) reported_bytes_ += p.numel() * static_cast<int64_t>(p.element_size());
  Napi::MemoryManagement::AdjustExternalMemory(env, reported_bytes_);  // V8 sees the weights' weight
}

ModelWrap::~ModelWrap() {
  // The finalizer may run at shutdown: only free native memory here, no JS calls.
  model_.reset();
}

void ModelWrap::release(Napi::Env env) {
  if (!model_) return;
  model_.reset();
  Napi::MemoryManagement::AdjustExternalMemory(env, -reported_bytes_);
  reported_bytes_ = 0;
}

std::shared_ptr<ForecastModelImpl> ModelWrap::model() const {
  if (!model_) throw std::runtime_error("model was disposed");
  return model_;
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& info) {
  release(info.Env());
  return info.Env().Undefined();
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  return model_info_to_js(env, model_->spec(), model_->parameter_count());
}

// forward(x: Float32Array, batch) -> { data: Float32Array, shape } (synchronous; small inputs, tests and tools)
Napi::Value ModelWrap::Forward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, "forward(x: Float32Array, batch: number)");
  auto x = info[0].As<Napi::Float32Array>();
  const int64_t b = info[1].As<Napi::Number>().Int64Value();
  const auto& s = model_->spec();
  if (b < 1 || static_cast<int64_t>(x.ElementLength()) != b * s.channels * s.context_length)
    throw Napi::RangeError::New(env, "forward: x must hold batch*channels*context = " +
                                         std::to_string(b * s.channels * s.context_length) + " values");
  try {
    torch::NoGradGuard ng;
    model_->eval();
    auto in = torch::from_blob(x.Data(), {b, s.channels, s.context_length});  // view over the JS buffer
    auto out = model_->forward(in).contiguous().to(torch::kCPU);
    return tensor_to_js(env, out);
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
}

// stateDict() -> { name: { data: Float32Array, shape } } (copies; for checks against the Python reference)
Napi::Value ModelWrap::StateDict(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  auto o = Napi::Object::New(env);
  for (const auto& item : model_->named_parameters()) o.Set(item.key(), tensor_to_js(env, item.value().detach().to(torch::kCPU).clone()));
  for (const auto& item : model_->named_buffers()) o.Set(item.key(), tensor_to_js(env, item.value().detach().to(torch::kCPU).to(torch::kFloat32).clone()));
  return o;
}

// writeReferenceDump(x: Float32Array, batch, path): weights, input and eval-mode output in a file that
// bench/python/check_equivalence.py loads (synchronous; small inputs, for the equivalence test).
Napi::Value ModelWrap::WriteReferenceDump(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!model_) throw Napi::Error::New(env, "model was disposed");
  if (info.Length() < 3 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
      !info[2].IsString())
    throw Napi::TypeError::New(env, "writeReferenceDump(x: Float32Array, batch: number, path: string)");
  auto x = info[0].As<Napi::Float32Array>();
  const int64_t b = info[1].As<Napi::Number>().Int64Value();
  const auto& s = model_->spec();
  if (b < 1 || static_cast<int64_t>(x.ElementLength()) != b * s.channels * s.context_length)
    throw Napi::RangeError::New(env, "writeReferenceDump: x must hold batch*channels*context = " +
                                         std::to_string(b * s.channels * s.context_length) + " values");
  try {
    auto in = torch::from_blob(x.Data(), {b, s.channels, s.context_length}).clone();
    write_reference_dump(*model_, in, info[2].As<Napi::String>().Utf8Value());
  } catch (const std::exception& e) {
    rethrow_as_js(env, e);
  }
  return env.Undefined();
}

}  // namespace tsfm::binding
