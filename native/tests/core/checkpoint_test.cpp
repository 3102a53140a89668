// Checkpoints written by the trainer and read back: everything (resume) or the weights alone.
#include <atomic>

#include "fixture.h"
#include "harness.h"
#include "io/checkpoint.h"

namespace tsfm::test {
namespace {

ModelSpec spec_of(const std::string& family) {
  ModelSpec s;
  s.family = family;
  s.context_length = 32;
  s.horizon = 8;
  s.channels = 2;
  if (family == "ttm") s.params = {{"patch_length", 8}};
  return s;
}

bool same_state(const ForecastModelImpl& a, const ForecastModelImpl& b) {
  auto sa = model_state(a), sb = model_state(b);
  if (sa.size() != sb.size()) return false;
  for (const auto& [name, t] : sa) {
    auto it = sb.find(name);
    if (it == sb.end() || !torch::equal(t, it->second)) return false;
  }
  return true;
}

}  // namespace

TSFM_TEST("checkpoint: load_checkpoint restores the weights and the position; training resumes where it was") {
  Fixture f(32, 8);
  const auto spec = spec_of("ttm");
  auto first = trained(spec, f.split);
  const auto path = temp_path("resume.pt");
  first->save_checkpoint(path);
  torch::manual_seed(99);  // another initialisation: the loaded state must replace all of it
  Trainer second(create_model(spec), short_run(spec));
  TSFM_CHECK(!same_state(first->model(), second.model()));
  second.load_checkpoint(path);
  TSFM_CHECK(same_state(first->model(), second.model()));
  TSFM_CHECK_EQ(second.global_step(), first->global_step());
  TSFM_CHECK_EQ(second.global_step(), 3);
  // Resuming twice from the checkpoint takes the same next epoch: the sampler position, optimiser state and
  // RNG come back with it (the first resumed run moves the global RNG on before the second loads).
  auto more = short_run(spec);
  more.epochs = 2;
  Trainer a(create_model(spec), more), b(create_model(spec), more);
  std::atomic<bool> stop{false};
  a.load_checkpoint(path);
  auto ra = a.fit(f.split, nullptr, {}, stop);
  b.load_checkpoint(path);
  auto rb = b.fit(f.split, nullptr, {}, stop);
  TSFM_CHECK_EQ(ra.global_step, 6);
  TSFM_CHECK_EQ(ra.history.back().train_loss, rb.history.back().train_loss);
  TSFM_CHECK(same_state(a.model(), b.model()));
}

TSFM_TEST("checkpoint: load_weights reads the weights alone and refuses another model's") {
  Fixture f(32, 8);
  const auto spec = spec_of("dlinear");
  auto source = trained(spec, f.split);
  const auto path = temp_path("weights.pt");
  source->save_checkpoint(path);
  Trainer fresh(create_model(spec), short_run(spec));
  fresh.load_weights(path);
  TSFM_CHECK(same_state(source->model(), fresh.model()));
  TSFM_CHECK_EQ(fresh.global_step(), 0);
  Trainer other(create_model(spec_of("ttm")), short_run(spec_of("ttm")));
  TSFM_CHECK_THROWS(other.load_weights(path), "checkpoint " + path + " belongs to another model");
}

TSFM_TEST("checkpoint: the spec signature tells models apart and open_checkpoint checks it") {
  const auto dl = resolve_model_spec(spec_of("dlinear"));
  auto wider = dl;
  wider.horizon = 9;
  TSFM_CHECK(spec_signature(dl) != spec_signature(wider));
  TSFM_CHECK(spec_signature(dl).find("family=dlinear context=32 horizon=8 channels=2") == 0);
  Fixture f(32, 8);
  const auto path = temp_path("signature.pt");
  trained(spec_of("dlinear"), f.split)->save_checkpoint(path);
  open_checkpoint(path, dl);  // its own spec opens it
  TSFM_CHECK_THROWS(open_checkpoint(path, wider), "belongs to another model");
}

}  // namespace tsfm::test
