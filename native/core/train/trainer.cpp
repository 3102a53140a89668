#include "train/trainer.h"

#include "runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <sstream>
#include <stdexcept>

#include "data/batch.h"
#include "infer/forecast.h"
#include "io/atomic_file.h"
#include "io/checkpoint.h"
#include "models/lora.h"
#include "train/fit_loop.h"

namespace tsfm {

std::vector<torch::Tensor> trainable_parameters(const ForecastModelImpl& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.parameters(/*recurse=*/true))
    if (p.requires_grad()) out.push_back(p);
  return out;
}

Trainer::Trainer(std::shared_ptr<ForecastModelImpl> model, TrainOptions options)
    : model_(std::move(model)), opts_(std::move(options)), device_(parse_device(opts_.device, "training.device")) {
  check_precision(opts_.precision, device_, "training.precision");
  if (opts_.batch_size < 1) throw std::invalid_argument("training.batch_size: must be >= 1");
  if (opts_.grad_accum_steps < 1) throw std::invalid_argument("training.grad_accumulation_steps: must be >= 1");
  if (opts_.dist.world_size < 1 || opts_.dist.rank < 0 || opts_.dist.rank >= opts_.dist.world_size)
    throw std::invalid_argument("distributed: rank " + std::to_string(opts_.dist.rank) + " outside world of size " +
                                std::to_string(opts_.dist.world_size));
  const int64_t shards = opts_.dist.world_size * opts_.grad_accum_steps;
  if (opts_.batch_size % shards != 0)
    throw std::invalid_argument("training.batch_size: " + std::to_string(opts_.batch_size) +
                                " windows cannot be split evenly over " + std::to_string(opts_.dist.world_size) +
                                " ranks x " + std::to_string(opts_.grad_accum_steps) +
                                " accumulation steps (the global batch must be a multiple of " + std::to_string(shards) + ")");
  const bool quantile = !model_->spec().quantiles.empty();
  if (quantile && opts_.loss != "pinball")
    throw std::invalid_argument("model.loss: a quantile model trains with pinball loss, not '" + opts_.loss + "'");
  if (!quantile && opts_.loss == "pinball")
    throw std::invalid_argument("model.loss: pinball loss needs model.output=quantile");
  set_threads(opts_.threads);
  if (opts_.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
  torch::manual_seed(opts_.seed);
  // Adapters are drawn from the seeded generator, before the model moves: the same run builds the same ones.
  apply_finetune(*model_, opts_.finetune);
  model_->to(device_);
  quantile_levels_ = torch::tensor(std::vector<float>(model_->spec().quantiles.begin(), model_->spec().quantiles.end()),
                                   torch::TensorOptions().dtype(torch::kFloat32))
                         .to(device_);
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      trainable_parameters(*model_), torch::optim::AdamWOptions(opts_.lr).weight_decay(opts_.weight_decay));
}

torch::Tensor Trainer::forward(const torch::Tensor& x) { return forward_at(*model_, x, device_, opts_.precision); }

// Work runs on pool threads, whose OpenMP thread count is their own: apply this trainer's setting (or the
// process-wide one) on the calling thread before each call that computes.
void Trainer::use_thread_setting() const { tsfm::use_thread_setting(opts_.threads); }

TrainResult Trainer::fit(const DataSplit& train, const DataSplit* val, const ProgressFn& progress,
                         const std::atomic<bool>& stop, std::shared_ptr<TrainHooks> extra) {
  use_thread_setting();
  return FitLoop(*this, train, val, progress, stop, std::move(extra)).run();
}

EvalSetup Trainer::eval_setup() const {
  return {device_, opts_.precision, opts_.loss, std::max<int64_t>(opts_.batch_size, 256), quantile_levels_};
}

EvalResult Trainer::evaluate(const DataSplit& data) {
  use_thread_setting();
  if (data.index.size() == 0) return {};
  return eval_from_sums(eval_sums(*model_, data, eval_setup(), 0, 1), data);
}

torch::Tensor Trainer::predict(const DataSplit& data, bool unscale) {
  use_thread_setting();
  return forecast_split(*model_, data, {device_, opts_.precision, std::max<int64_t>(opts_.batch_size, 256)}, unscale);
}

torch::Tensor Trainer::targets(const DataSplit& data, bool unscale) {
  use_thread_setting();
  const int64_t n = data.index.size();
  const int64_t L = data.index.context(), H = data.index.horizon();
  const int64_t cin = static_cast<int64_t>(data.layout.input_channels.size());
  const int64_t cout = static_cast<int64_t>(data.layout.target_channels.size());
  auto y = torch::empty({n, cout, H});
  auto x_scratch = torch::empty({std::min<int64_t>(n, 256), cin, L});
  std::vector<int64_t> ids(256);
  std::vector<int32_t> series(static_cast<size_t>(n));
  for (int64_t first = 0; first < n; first += 256) {
    const int64_t m = std::min<int64_t>(256, n - first);
    for (int64_t i = 0; i < m; ++i) ids[i] = first + i;
    gather_batch(*data.store, data.index, data.scaling, data.layout, ids.data(), m, x_scratch.data_ptr<float>(),
                 y.data_ptr<float>() + first * cout * H, series.data() + first);
  }
  if (unscale) unscale_targets(y, data, series);
  return y;
}

void Trainer::save_checkpoint(const std::string& path) const { write_checkpoint(path, state_); }

void Trainer::write_checkpoint(const std::string& path, const TrainState& state) const {
  // Serialised in memory first: LibTorch's file writer throws from its destructor on a full disk (which
  // aborts the process); writing the bytes ourselves turns every write failure into an error naming the file.
  std::ostringstream bytes;
  {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive model_archive, optim_archive;
    model_->save(model_archive);
    optimizer_->save(optim_archive);
    archive.write("model", model_archive);
    archive.write("optimizer", optim_archive);
    archive.write("meta/signature", c10::IValue(spec_signature(model_->spec())));
    archive.write("meta/finetune", c10::IValue(finetune_signature(*model_, opts_.finetune.strategy)));
    TrainState saved = state;
    saved.cpu_rng = capture_cpu_rng();  // the generator as it is now, where training goes on from
    write_train_state(archive, saved);
    archive.save_to(bytes);
  }
  write_file_atomically(path, bytes.str(), "checkpoint");
}

void Trainer::load_weights(const std::string& path) {
  auto archive = open_checkpoint(path, model_->spec());
  // Adapters in the checkpoint must find the same adapters here (a model without them would silently drop
  // them); a checkpoint without adapters loads into an adapted model, whose adapters then start afresh.
  const std::string theirs = checkpoint_finetune(archive);
  if (theirs.rfind("lora", 0) == 0 && theirs != adapter_signature(*model_))
    throw std::runtime_error("checkpoint " + path + " carries LoRA adapters (" + theirs + "), but this model has " +
                             (adapter_signature(*model_).empty() ? std::string("none") : adapter_signature(*model_)) +
                             ": load it with the training.finetune of the run that wrote it (or export it, merged, with the granite writer)");
  read_model_weights(archive, *model_);
  model_->to(device_);
}

void Trainer::load_checkpoint(const std::string& path) {
  auto archive = open_checkpoint(path, model_->spec());
  // The optimiser state covers the trainable parameters only: a resume must freeze the same ones.
  const std::string theirs = checkpoint_finetune(archive), ours = finetune_signature(*model_, opts_.finetune.strategy);
  if (theirs != ours)
    throw std::runtime_error("checkpoint " + path + " was trained with training.finetune " + theirs + ", this run has " + ours +
                             ": resume with the same training.finetune");
  read_model_weights(archive, *model_);
  model_->to(device_);
  torch::serialize::InputArchive optim_archive;
  archive.read("optimizer", optim_archive);
  optimizer_->load(optim_archive);
  state_ = read_train_state(archive);
  restore_cpu_rng(state_.cpu_rng);
  state_.cpu_rng = torch::Tensor();  // captured afresh by each checkpoint
}

}  // namespace tsfm
