// The Predictor against the trainer that wrote its checkpoint, and its refusals.
#include <fstream>

#include "fixture.h"
#include "harness.h"
#include "infer/predictor.h"

namespace tsfm::test {
namespace {

ModelSpec point_spec() {
  ModelSpec s;
  s.family = "ttm";
  s.context_length = 48;
  s.horizon = 12;
  s.channels = 2;
  s.params = {{"patch_length", 8}};
  return s;
}

ModelSpec quantile_spec() {
  ModelSpec s;
  s.family = "dlinear";
  s.context_length = 48;
  s.horizon = 12;
  s.channels = 2;
  s.quantiles = {0.1, 0.5, 0.9};
  return s;
}

}  // namespace

TSFM_TEST("predictor: a checkpoint's forecasts equal its trainer's, bit for bit, scaled and unscaled") {
  Fixture f(48, 12);
  for (const auto& spec : {point_spec(), quantile_spec()}) {
    auto trainer = trained(spec, f.split);
    const auto path = temp_path(spec.family + ".pt");
    trainer->save_checkpoint(path);
    PredictorOptions o;
    o.batch_size = 256;  // the trainer predicts max(batch_size, 256) windows at a time
    o.threads = 1;
    Predictor p(spec, path, o);
    for (bool unscale : {true, false}) {
      auto want = trainer->predict(f.split, unscale);
      auto got = p.predict(f.split, unscale);
      TSFM_CHECK_EQ(got.sizes(), want.sizes());
      TSFM_CHECK_EQ(got.size(0), f.split.index.size());
      TSFM_CHECK(torch::equal(got, want));
    }
    TSFM_CHECK(torch::equal(p.predict(f.split, true), p.predict(f.split, true)));  // predicting changes nothing
  }
}

TSFM_TEST("predictor: a missing, unreadable or another model's checkpoint throws naming the file") {
  Fixture f(48, 12);
  const auto missing = temp_path("nope.pt");
  TSFM_CHECK_THROWS(Predictor(point_spec(), missing, {}), "checkpoint not found: " + missing);
  const auto junk = temp_path("junk.pt");
  std::ofstream(junk) << "not a checkpoint";
  TSFM_CHECK_THROWS(Predictor(point_spec(), junk, {}), "checkpoint " + junk + " is unreadable");
  const auto point = temp_path("point-for-refusal.pt");
  trained(point_spec(), f.split)->save_checkpoint(point);
  TSFM_CHECK_THROWS(Predictor(quantile_spec(), point, {}), "checkpoint " + point + " belongs to another model");
  PredictorOptions bad;
  bad.device = "tpu";
  TSFM_CHECK_THROWS(Predictor(point_spec(), point, bad), "device: unknown device 'tpu'");
}

TSFM_TEST("predictor: windows or channels that are not the model's are refused") {
  Fixture f(48, 12), longer(64, 12);
  const auto path = temp_path("point-for-windows.pt");
  trained(point_spec(), f.split)->save_checkpoint(path);
  Predictor p(point_spec(), path, {});
  TSFM_CHECK_THROWS(p.predict(longer.split, true), "windows are 64+12 but the model expects 48+12");
  DataSplit one_channel = f.split;
  one_channel.layout.input_channels = {0};
  TSFM_CHECK_THROWS(p.predict(one_channel, true), "data has 1 input channels but the model expects 2");
}

}  // namespace tsfm::test
