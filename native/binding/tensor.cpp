#include "tensor.h"

namespace tsfm::binding {

Napi::Object tensor_to_js(Napi::Env env, torch::Tensor t) {
  t = t.contiguous();
  if (t.scalar_type() != torch::kFloat32) t = t.to(torch::kFloat32);
  auto* owned = new torch::Tensor(t);
  const size_t bytes = static_cast<size_t>(owned->numel()) * sizeof(float);
  Napi::ArrayBuffer buffer;
  if (bytes == 0) {
    delete owned;
    buffer = Napi::ArrayBuffer::New(env, 0);
  } else {
    buffer = Napi::ArrayBuffer::New(
        env, owned->data_ptr(), bytes,
        [](Napi::Env e, void*, torch::Tensor* held) {
          Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(held->numel() * sizeof(float)));
          delete held;
        },
        owned);
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  }
  auto o = Napi::Object::New(env);
  o.Set("data", Napi::Float32Array::New(env, bytes / sizeof(float), buffer, 0));
  auto shape = Napi::Array::New(env, static_cast<size_t>(t.dim()));
  for (int64_t i = 0; i < t.dim(); ++i) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
  o.Set("shape", shape);
  return o;
}

}  // namespace tsfm::binding
