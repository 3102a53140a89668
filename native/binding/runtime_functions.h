#pragma once
// The process's LibTorch runtime from JS: runtimeInfo, setThreads, setFusedKernels, checkFusedKernels,
// checkOptimizerStep, cudaPeakMemory, resetCudaPeakMemory, listModelFamilies.
#include <napi.h>

namespace tsfm::binding {

void export_runtime_functions(Napi::Env env, Napi::Object exports);

}  // namespace tsfm::binding
