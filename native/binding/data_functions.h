#pragma once
// The data path from JS, for tests and tools: gatherBatch, windowCount, samplerOrder.
#include <napi.h>

namespace tsfm::binding {

void export_data_functions(Napi::Env env, Napi::Object exports);

}  // namespace tsfm::binding
