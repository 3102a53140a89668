#pragma once
// Tensors out to JS: { data: Float32Array, shape }.
#include <napi.h>
#include <torch/torch.h>

namespace tsfm::binding {

// A CPU tensor handed to JS without a copy: the ArrayBuffer owns the tensor until V8 collects it.
Napi::Object tensor_to_js(Napi::Env env, torch::Tensor t);

}  // namespace tsfm::binding
