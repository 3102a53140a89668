// Module entry: registers the classes (one per file) and the function groups. Nothing else happens here.
#include <napi.h>

#include "addon_data.h"
#include "bench_functions.h"
#include "data_functions.h"
#include "dataset.h"
#include "model.h"
#include "predictor.h"
#include "pretrained.h"
#include "runtime_functions.h"
#include "trainer.h"

namespace tsfm::binding {
namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  auto dataset = DatasetWrap::Define(env);
  auto model = ModelWrap::Define(env);
  auto trainer = TrainerWrap::Define(env);
  auto predictor = PredictorWrap::Define(env);
  data->dataset = Napi::Persistent(dataset);
  data->model = Napi::Persistent(model);
  data->trainer = Napi::Persistent(trainer);
  data->predictor = Napi::Persistent(predictor);
  env.SetInstanceData<AddonData>(data);  // freed with the environment (shutdown-safe)
  exports.Set("NativeDataset", dataset);
  exports.Set("NativeModel", model);
  exports.Set("NativeTrainer", trainer);
  exports.Set("NativePredictor", predictor);
  export_runtime_functions(env, exports);
  export_data_functions(env, exports);
  export_pretrained_functions(env, exports);
  export_bench_functions(env, exports);
  return exports;
}

}  // namespace
}  // namespace tsfm::binding

static Napi::Object InitTsfm(Napi::Env env, Napi::Object exports) { return tsfm::binding::Init(env, exports); }
NODE_API_MODULE(tsfm, InitTsfm)
