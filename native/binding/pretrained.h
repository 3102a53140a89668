#pragma once
// hfWeights(model, 'load' | 'save', dir) -> Promise<number>: Hugging Face checkpoint weights
// (<dir>/model.safetensors, tensors named as the model's state) into or out of a NativeModel, on a worker.
#include <napi.h>

namespace tsfm::binding {

void export_pretrained_functions(Napi::Env env, Napi::Object exports);

}  // namespace tsfm::binding
