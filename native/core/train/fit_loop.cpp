#include "train/fit_loop.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "infer/forecast.h"
#include "train/losses.h"
#include "train/optim_step.h"
#include "train/schedule.h"

namespace tsfm {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

torch::optim::AdamWOptions& group_options(torch::optim::OptimizerParamGroup& group) {
  return static_cast<torch::optim::AdamWOptions&>(group.options());
}

}  // namespace

FitLoop::EpochTotals::EpochTotals(const torch::Device& device)
    : loss(torch::zeros({}, torch::TensorOptions().device(device))),
      window_loss(torch::zeros({}, torch::TensorOptions().device(device))),
      window_start(Clock::now()) {}

void FitLoop::EpochTotals::add(const torch::Tensor& step_loss, int64_t samples) {
  loss += step_loss;
  ++steps;
  window_loss += step_loss;
  ++window_steps;
  window_samples += samples;
}

FitLoop::FitLoop(Trainer& trainer, const DataSplit& train, const DataSplit* val, const ProgressFn& progress,
                 const std::atomic<bool>& stop, std::shared_ptr<TrainHooks> extra)
    : t_(trainer),
      opts_(trainer.opts_),
      s_(trainer.state_),
      train_(train),
      progress_(progress),
      stop_(stop),
      hooks_(hooks_from_options(trainer.opts_, trainer.device_)),
      early_(trainer.opts_.early_metric, trainer.opts_.patience, trainer.opts_.min_delta),
      world_(trainer.opts_.dist.world_size),
      rank_(trainer.opts_.dist.rank),
      accum_(trainer.opts_.grad_accum_steps) {
  hooks_.add(std::move(extra));
  check_data();
  join_ranks();
  if (train.index.size() < world_)
    throw std::invalid_argument("the training split has " + std::to_string(train.index.size()) + " windows, fewer than the " +
                                std::to_string(world_) + " ranks");
  const auto& device = t_.device_;
  const int64_t micro_full = opts_.batch_size / (world_ * accum_);  // windows per rank per micro-step
  sampler_ = std::make_unique<EpochSampler>(train.index.size(), /*shuffle=*/true, opts_.seed, rank_, world_);
  steps_ = steps_per_epoch(sampler_->size(), micro_full * accum_);
  // Tiny splits: one step over what there is (as a single process takes min(batch, windows)).
  batch_ = std::max<int64_t>(1, std::min<int64_t>(micro_full, sampler_->size() / accum_));
  total_steps_ = steps_ * opts_.epochs;
  warmup_ = opts_.warmup_steps >= 0 ? opts_.warmup_steps : static_cast<int64_t>(std::llround(opts_.warmup_fraction * total_steps_));
  global_batch_ = batch_ * accum_ * world_;
  fp16_ = device.is_cuda() && opts_.precision == "fp16";
  targets_at_ = target_positions(train.layout, device);
  val_ = thinned_validation(val, opts_.val_max_windows, val_thinned_);
  // Batches come one step ahead from a background gather on CUDA (page-locked, copied asynchronously);
  // on the CPU the gather is a small part of the step, so it runs in line unless asked otherwise.
  const bool prefetch = opts_.prefetch == "on" || (opts_.prefetch == "auto" && device.is_cuda());
  batches_ = std::make_unique<BatchPrefetcher>(*train.store, train.index, train.scaling, train.layout, batch_, device, prefetch,
                                               device.is_cuda() ? static_cast<int>(opts_.threads) : 1);
  ids_.resize(static_cast<size_t>(batch_));
  stop_check_every_ = device.is_cuda() ? 10 : 1;
}

void FitLoop::check_data() const {
  if (!train_.store) throw std::invalid_argument("fit: no training data");
  const int64_t L = train_.index.context(), H = train_.index.horizon();
  const auto& spec = t_.model_->spec();
  if (L != spec.context_length || H != spec.horizon)
    throw std::invalid_argument("windows are " + std::to_string(L) + "+" + std::to_string(H) + " but the model expects " +
                                std::to_string(spec.context_length) + "+" + std::to_string(spec.horizon));
  if (static_cast<int64_t>(train_.layout.input_channels.size()) != spec.channels)
    throw std::invalid_argument("data has " + std::to_string(train_.layout.input_channels.size()) +
                                " input channels but the model expects " + std::to_string(spec.channels));
  if (train_.index.size() == 0) throw std::invalid_argument("the training split has no windows (series too short for context + horizon?)");
}

// Data parallelism: every rank holds the same model (rank 0's weights), takes its shard of each global
// batch and averages gradients with the others, so W ranks take the same steps as one process would.
void FitLoop::join_ranks() {
  if (!opts_.dist.enabled()) return;
  comm_ = dist::Communicator::connect(opts_.dist, t_.device_);
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> state;
  for (auto& p : t_.model_->parameters()) state.push_back(p.detach());
  for (auto& b : t_.model_->buffers()) state.push_back(b.detach());
  comm_->broadcast(state);
  grad_sync_ = std::make_unique<dist::GradientSync>(trainable_parameters(*t_.model_), *comm_, opts_.dist.bucket_mb);
}

int64_t FitLoop::steps_per_epoch(int64_t windows, int64_t per_step) const {
  int64_t steps = windows >= per_step ? windows / per_step : (windows > 0 ? 1 : 0);
  if (opts_.max_steps_per_epoch > 0) steps = std::min(steps, opts_.max_steps_per_epoch);
  return steps;
}

// This rank's share of micro-batch m of step `step`: sampler positions are rank-strided, so the union over
// ranks of micro-batch m equals a single process's batch positions.
void FitLoop::request_batch(int64_t step, int64_t micro) {
  const int64_t first = (step * accum_ + micro) * batch_;
  for (int64_t b = 0; b < batch_; ++b) ids_[b] = sampler_->at(first + b);
  batches_->request(ids_.data());
}

bool FitLoop::writes_checkpoints() const { return !opts_.checkpoint_dir.empty() && t_.opts_.dist.rank == 0; }

TrainResult FitLoop::run() {
  TrainResult result;
  result.status = "completed";
  t_start_ = Clock::now();
  for (; s_.epoch < opts_.epochs; ++s_.epoch) {
    const auto t_epoch = Clock::now();
    EpochTotals totals(t_.device_);
    const bool stopped = !run_steps(totals);
    hooks_.on_steps_done(s_);
    if (stopped) {
      result.status = "interrupted";
      result.stop_reason = stop_reason_;
      save_last();
      break;
    }
    const EpochEnd end = end_epoch(totals, t_epoch);
    if (end != EpochEnd::Continue) {
      result.status = end == EpochEnd::EarlyStop ? "early_stopped" : "interrupted";
      result.stop_reason = end == EpochEnd::EarlyStop ? early_.reason(s_) : hooks_.stop_reason();
      ++s_.epoch;
      break;
    }
  }
  return finish(std::move(result));
}

// Distributed ranks stop on agreement only (stop_agreed_), so that all stop after the same step.
bool FitLoop::should_stop_before_step() {
  if (stop_agreed_ || (!comm_ && stop_.load())) {
    stop_reason_ = "interrupted: stop requested";
    return true;
  }
  if (stop_pending_ || hooks_.on_step_begin(s_) == HookAction::Stop) {
    stop_reason_ = hooks_.stop_reason();
    return true;
  }
  return false;
}

bool FitLoop::run_steps(EpochTotals& totals) {
  sampler_->set_epoch(s_.epoch);
  t_.model_->train();
  if (s_.step_in_epoch < steps_) request_batch(s_.step_in_epoch, 0);
  for (; s_.step_in_epoch < steps_; ++s_.step_in_epoch) {
    if (should_stop_before_step()) return false;
    const double lr = scheduled_lr(opts_.schedule, opts_.lr, s_.global_step, warmup_, total_steps_, steps_);
    const auto step_loss = train_step(lr);
    if (grad_sync_ && (s_.global_step + 1) % stop_check_every_ == 0) stop_agreed_ = grad_sync_->flag_seen();
    totals.add(step_loss, global_batch_);
    ++s_.global_step;
    samples_ += global_batch_;
    // A hook that stops at a step's end stops before the next step (which may be the next epoch's first).
    if (hooks_.on_step_end(s_) == HookAction::Stop) stop_pending_ = true;
    report_step(totals, lr);
  }
  return true;
}

torch::Tensor FitLoop::train_step(double lr) {
  auto& optimizer = *t_.optimizer_;
  for (auto& group : optimizer.param_groups()) group_options(group).lr(lr);
  optimizer.zero_grad();
  hooks_.on_phase(&StepPhases::optimizer);
  torch::Tensor step_loss;  // sum of the micro-steps' scaled losses, on the device
  for (int64_t m = 0; m < accum_; ++m) {
    auto loss = micro_step(m);
    step_loss = step_loss.defined() ? step_loss + loss : loss;
  }
  apply_gradients();
  hooks_.on_phase(&StepPhases::optimizer);
  return step_loss;
}

// Forward and backward over micro-batch `micro` of the current step; returns its scaled loss, detached.
torch::Tensor FitLoop::micro_step(int64_t micro) {
  auto [x, y] = batches_->take();
  // The next micro-batch (this step's or the next step's first) gathers while this one trains.
  if (micro + 1 < accum_) request_batch(s_.step_in_epoch, micro + 1);
  else if (s_.step_in_epoch + 1 < steps_) request_batch(s_.step_in_epoch + 1, 0);
  hooks_.on_phase(&StepPhases::data);
  auto pred = select_targets(t_.forward(x), targets_at_);
  auto loss = forecast_loss(opts_.loss, pred, y, t_.quantile_levels_);
  auto scaled = accum_ > 1 ? loss / static_cast<double>(accum_) : loss;
  hooks_.on_phase(&StepPhases::forward);
  // Only the last micro-step synchronises; earlier ones accumulate locally.
  if (grad_sync_) {
    grad_sync_->raise_flag(stop_.load());
    grad_sync_->prepare(micro + 1 == accum_);
  }
  if (fp16_)
    (scaled * s_.loss_scale).backward();
  else
    scaled.backward();
  hooks_.on_phase(&StepPhases::backward);
  if (grad_sync_) grad_sync_->finish();
  // What is left of the all-reduce after backward (buckets overlap with it while it runs).
  hooks_.on_phase(&StepPhases::communication);
  return scaled.detach();
}

// fp16 unscaling, clipping and the optimiser step (skipped on a non-finite gradient).
void FitLoop::apply_gradients() {
  const bool cuda = t_.device_.is_cuda();
  if (fp16_)
    for (auto& p : trainable_parameters(*t_.model_))
      if (p.grad().defined()) p.grad().div_(s_.loss_scale);
  bool finite = true;
  if (opts_.grad_clip > 0 || fp16_) {
    // On the averaged gradients, so every rank clips identically. The norm stays on the device: reading it
    // would make the host wait for the GPU every step. The CPU reads it (free there) to skip steps with a
    // non-finite gradient; fp16 must, to back off its loss scale.
    auto norm = clip_grad_norm_no_sync(trainable_parameters(*t_.model_), opts_.grad_clip > 0 ? opts_.grad_clip : 1e30);
    if (norm.defined() && (fp16_ || !cuda)) finite = std::isfinite(norm.item<double>());
  }
  if (finite)
    adamw_step_multi_tensor(*t_.optimizer_);
  else if (fp16_)
    s_.loss_scale /= 2;  // overflow: skip the step and back off, as a dynamic loss scaler does
}

// End of epoch: validate, keep the best, decide on early stopping, checkpoint, report.
FitLoop::EpochEnd FitLoop::end_epoch(const EpochTotals& totals, Clock::time_point t_epoch) {
  EpochRecord rec;
  rec.epoch = s_.epoch;
  rec.train_loss = mean_train_loss(totals);
  auto& groups = t_.optimizer_->param_groups();
  rec.lr = groups.empty() ? 0 : group_options(groups[0]).lr();
  const double metric = validate(rec);
  rec.improved = early_.observe(s_, metric);
  rec.seconds = seconds_since(t_epoch);
  s_.history.push_back(rec);
  s_.step_in_epoch = 0;
  EpochEnd end = EpochEnd::Continue;
  if (hooks_.on_epoch_end(s_, rec) == HookAction::Stop) end = EpochEnd::HookStop;
  if (early_.should_stop(s_)) end = EpochEnd::EarlyStop;
  save_epoch_checkpoints(rec.improved, end != EpochEnd::Continue);
  report_epoch(rec);
  return end;
}

// Every rank records the mean over all ranks, so the decisions that follow come out the same everywhere.
double FitLoop::mean_train_loss(const EpochTotals& totals) const {
  if (!totals.steps) return 0;
  if (!comm_) return totals.loss.item<double>() / totals.steps;
  auto sum = totals.loss.reshape({1}).to(torch::kFloat64);
  comm_->allreduce_sum(sum);
  return sum.item<double>() / world_ / totals.steps;
}

// Fills rec's validation figures; returns the early-stopping metric (the training loss without validation).
double FitLoop::validate(EpochRecord& rec) {
  auto& model = *t_.model_;
  if (comm_ && !model.buffers().empty()) {
    // Running statistics (e.g. BatchNorm) drift apart per rank; evaluate and save rank 0's, as DDP does.
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> buffers;
    for (auto& b : model.buffers()) buffers.push_back(b.detach());
    comm_->broadcast(buffers);
  }
  if (!val_ || val_->index.size() == 0) return rec.train_loss;
  auto sums = eval_sums(model, *val_, t_.eval_setup(), rank_, world_);  // each rank evaluates its share
  if (comm_) comm_->allreduce_sum(sums);
  const auto ev = eval_from_sums(sums, *val_);
  rec.val_loss = ev.loss;
  rec.val_mse = ev.mse;
  rec.val_mae = ev.mae;
  return opts_.early_metric == "val_mse" ? ev.mse : opts_.early_metric == "val_mae" ? ev.mae : ev.loss;
}

// best.pt when the epoch improved; last.pt every checkpoint_every_epochs, at the last epoch and when the run
// stops here. Both resume at the next epoch.
void FitLoop::save_epoch_checkpoints(bool improved, bool stopping) const {
  if (!writes_checkpoints()) return;
  const TrainState next = s_.at_next_epoch();
  if (improved) t_.write_checkpoint(opts_.checkpoint_dir + "/best.pt", next);
  if ((next.epoch % std::max<int64_t>(1, opts_.checkpoint_every_epochs)) == 0 || stopping || next.epoch == opts_.epochs)
    t_.write_checkpoint(opts_.checkpoint_dir + "/last.pt", next);
}

void FitLoop::save_last() const {
  if (writes_checkpoints()) t_.write_checkpoint(opts_.checkpoint_dir + "/last.pt", s_);
}

void FitLoop::report_step(EpochTotals& totals, double lr) const {
  if (!progress_) return;
  if (s_.global_step % std::max<int64_t>(1, opts_.log_every) != 0 && s_.step_in_epoch + 1 != steps_) return;
  ProgressEvent ev;
  ev.kind = "step";
  ev.epoch = s_.epoch;
  ev.epochs = opts_.epochs;
  ev.step = s_.step_in_epoch + 1;
  ev.steps_per_epoch = steps_;
  ev.global_step = s_.global_step;
  ev.total_steps = total_steps_;
  ev.loss = totals.window_loss.item<double>() / static_cast<double>(totals.window_steps);
  ev.lr = lr;
  const double dt = seconds_since(totals.window_start);
  ev.samples_per_sec = dt > 0 ? totals.window_samples / dt : 0;
  const double overall = samples_ / std::max(1e-9, seconds_since(t_start_));
  ev.eta_seconds = overall > 0 ? static_cast<double>(total_steps_ - s_.global_step) * global_batch_ / overall : 0;
  progress_(ev);
  totals.window_loss.zero_();
  totals.window_steps = 0;
  totals.window_samples = 0;
  totals.window_start = Clock::now();
}

void FitLoop::report_epoch(const EpochRecord& rec) const {
  if (!progress_) return;
  ProgressEvent ev;
  ev.kind = "epoch";
  ev.epoch = s_.epoch;
  ev.epochs = opts_.epochs;
  ev.steps_per_epoch = steps_;
  ev.global_step = s_.global_step;
  ev.total_steps = total_steps_;
  ev.loss = rec.train_loss;
  ev.lr = rec.lr;
  ev.val_loss = rec.val_loss;
  ev.val_mse = rec.val_mse;
  ev.val_mae = rec.val_mae;
  ev.improved = rec.improved;
  ev.samples_per_sec = samples_ / std::max(1e-9, seconds_since(t_start_));
  progress_(ev);
}

TrainResult FitLoop::finish(TrainResult result) {
  // No rank tears its process group down while a peer may still be in a collective (or saving).
  if (comm_) comm_->barrier();
  grad_sync_.reset();  // removes the gradient hooks before the process group goes
  result.epochs_completed = static_cast<int64_t>(s_.history.size());
  result.global_step = s_.global_step;
  result.best_epoch = s_.best_epoch;
  result.best_metric = s_.best_metric;
  result.history = s_.history;
  hooks_.on_fit_end(result);
  result.seconds = seconds_since(t_start_);
  result.samples_per_sec = samples_ / std::max(1e-9, result.seconds);
  return result;
}

}  // namespace tsfm
