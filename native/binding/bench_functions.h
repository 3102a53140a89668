#pragma once
// `tsfm bench`'s measurements from JS, each on a pool thread: benchGather, memcpyBandwidth, benchMatmul,
// benchCopy, benchAllReduce. The loops live in the core (core/bench/); these only convert and queue.
#include <napi.h>

namespace tsfm::binding {

void export_bench_functions(Napi::Env env, Napi::Object exports);

}  // namespace tsfm::binding
