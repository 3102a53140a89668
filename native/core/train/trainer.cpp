#include "train/trainer.h"

#include "runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <thread>

#include "data/prefetch.h"
#include "data/sampler.h"
#include "infer/forecast.h"
#include "io/checkpoint.h"
#include "parallel/comm.h"
#include "parallel/grad_sync.h"
#include "io/atomic_file.h"
#include "models/lora.h"
#include "train/autocast.h"
#include "train/losses.h"
#include "train/optim_step.h"
#include "train/schedule.h"

namespace tsfm {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The parameters the optimiser updates: all of them, less those a fine-tuning strategy froze.
std::vector<torch::Tensor> trainable(const ForecastModelImpl& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model.parameters(/*recurse=*/true))
    if (p.requires_grad()) out.push_back(p);
  return out;
}

}  // namespace

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
      trainable(*model_), torch::optim::AdamWOptions(opts_.lr).weight_decay(opts_.weight_decay));
}

int64_t Trainer::steps_per_epoch(int64_t windows, int64_t per_step) const {
  int64_t steps = windows >= per_step ? windows / per_step : (windows > 0 ? 1 : 0);
  if (opts_.max_steps_per_epoch > 0) steps = std::min(steps, opts_.max_steps_per_epoch);
  return steps;
}

torch::Tensor Trainer::forward(const torch::Tensor& x) { return forward_at(*model_, x, device_, opts_.precision); }

// Work runs on pool threads, whose OpenMP thread count is their own: apply this trainer's setting (or the
// process-wide one) on the calling thread before each call that computes.
void Trainer::use_thread_setting() const { tsfm::use_thread_setting(opts_.threads); }

void Trainer::inject_fault() const {
  if (opts_.fault_kind == "exit") std::_Exit(3);  // a crash: no unwinding, no message
  if (opts_.fault_kind == "throw") throw std::runtime_error("injected fault at step " + std::to_string(global_step_));
  if (opts_.fault_kind == "hang")
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

TrainResult Trainer::fit(const DataSplit& train, const DataSplit* val, const ProgressFn& progress,
                         const std::atomic<bool>& stop) {
  use_thread_setting();
  if (!train.store) throw std::invalid_argument("fit: no training data");
  const int64_t L = train.index.context(), H = train.index.horizon();
  const auto& spec = model_->spec();
  if (L != spec.context_length || H != spec.horizon)
    throw std::invalid_argument("windows are " + std::to_string(L) + "+" + std::to_string(H) + " but the model expects " +
                                std::to_string(spec.context_length) + "+" + std::to_string(spec.horizon));
  if (static_cast<int64_t>(train.layout.input_channels.size()) != spec.channels)
    throw std::invalid_argument("data has " + std::to_string(train.layout.input_channels.size()) +
                                " input channels but the model expects " + std::to_string(spec.channels));
  if (train.index.size() == 0) throw std::invalid_argument("the training split has no windows (series too short for context + horizon?)");

  // Data parallelism: every rank holds the same model (rank 0's weights), takes its shard of each global
  // batch and averages gradients with the others, so W ranks take the same steps as one process would.
  const int64_t world = opts_.dist.world_size, rank = opts_.dist.rank;
  std::unique_ptr<dist::Communicator> comm;
  std::unique_ptr<dist::GradientSync> grad_sync;
  if (opts_.dist.enabled()) {
    comm = dist::Communicator::connect(opts_.dist, device_);
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> state;
    for (auto& p : model_->parameters()) state.push_back(p.detach());
    for (auto& b : model_->buffers()) state.push_back(b.detach());
    comm->broadcast(state);
    grad_sync = std::make_unique<dist::GradientSync>(trainable(*model_), *comm, opts_.dist.bucket_mb);
  }
  if (train.index.size() < world)
    throw std::invalid_argument("the training split has " + std::to_string(train.index.size()) + " windows, fewer than the " +
                                std::to_string(world) + " ranks");

  const int64_t accum = opts_.grad_accum_steps;
  const int64_t micro_full = opts_.batch_size / (world * accum);  // windows per rank per micro-step
  EpochSampler sampler(train.index.size(), /*shuffle=*/true, opts_.seed, rank, world);
  const int64_t steps = steps_per_epoch(sampler.size(), micro_full * accum);
  // Tiny splits: one step over what there is (as a single process takes min(batch, windows)).
  const int64_t batch = std::max<int64_t>(1, std::min<int64_t>(micro_full, sampler.size() / accum));
  const int64_t total_steps = steps * opts_.epochs;
  const int64_t warmup = opts_.warmup_steps >= 0 ? opts_.warmup_steps
                                                 : static_cast<int64_t>(std::llround(opts_.warmup_fraction * total_steps));
  const bool fp16 = device_.is_cuda() && opts_.precision == "fp16";
  const auto targets_at = target_positions(train.layout, device_);
  const DataSplit* val_split = val;
  DataSplit val_thinned;
  if (val && opts_.val_max_windows > 0) {
    val_thinned = *val;
    val_thinned.index = val->index.thinned(opts_.val_max_windows);
    val_split = &val_thinned;
  }
  // Batches come one step ahead from a background gather on CUDA (page-locked, copied asynchronously);
  // on the CPU the gather is a small part of the step, so it runs in line unless asked otherwise.
  const bool prefetch = opts_.prefetch == "on" || (opts_.prefetch == "auto" && device_.is_cuda());
  BatchPrefetcher batches(*train.store, train.index, train.scaling, train.layout, batch, device_, prefetch,
                          device_.is_cuda() ? static_cast<int>(opts_.threads) : 1);
  std::vector<int64_t> ids(static_cast<size_t>(batch));
  // This rank's share of micro-batch m of step `step`: sampler positions are rank-strided, so the union
  // over ranks of micro-batch m equals a single process's batch positions.
  auto request_batch = [&](int64_t step, int64_t m) {
    const int64_t first = (step * accum + m) * batch;
    for (int64_t b = 0; b < batch; ++b) ids[b] = sampler.at(first + b);
    batches.request(ids.data());
  };
  const int64_t global_batch = batch * accum * world;

  TrainResult result;
  const auto t_start = Clock::now();
  int64_t samples = 0;
  result.status = "completed";
  bool stopped = false, stop_agreed = false;
  // How often ranks compare stop requests: every step on CPU (free), every 10 on CUDA (reading the flag
  // waits for the GPU, which would otherwise run ahead of the host).
  const int64_t stop_check_every = device_.is_cuda() ? 10 : 1;
  StepTimer timer(opts_.profile_steps, device_);
  bool timing = false;
  auto t_timed = Clock::now();
  auto sync_device = [this] {
    if (device_.is_cuda()) torch::cuda::synchronize();
  };

  for (; epoch_ < opts_.epochs && !stopped; ++epoch_) {
    sampler.set_epoch(epoch_);
    model_->train();
    const auto t_epoch = Clock::now();
    torch::Tensor epoch_loss = torch::zeros({}, torch::TensorOptions().device(device_));
    int64_t epoch_steps = 0;
    torch::Tensor window_loss = torch::zeros({}, torch::TensorOptions().device(device_));
    int64_t window_count = 0;
    auto t_log = Clock::now();
    int64_t samples_log = 0;
    if (step_in_epoch_ < steps) request_batch(step_in_epoch_, 0);
    for (; step_in_epoch_ < steps; ++step_in_epoch_) {
      // Distributed ranks stop only on agreement (below), so that all stop after the same step.
      if ((opts_.stop_after_steps > 0 && global_step_ >= opts_.stop_after_steps) || stop_agreed || (!comm && stop.load())) {
        stopped = true;
        break;
      }
      if (opts_.fault_step >= 0 && global_step_ == opts_.fault_step) inject_fault();
      if (global_step_ == opts_.time_from_step) {
        sync_device();
        t_timed = Clock::now();
        timing = true;
      }
      timer.start();

      const double lr = scheduled_lr(opts_.schedule, opts_.lr, global_step_, warmup, total_steps, steps);
      for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

      optimizer_->zero_grad();
      timer.mark(&StepPhases::optimizer);
      torch::Tensor step_loss;  // sum of the micro-steps' scaled losses, on the device
      for (int64_t m = 0; m < accum; ++m) {
        auto [x, y] = batches.take();
        // The next micro-batch (this step's or the next step's first) gathers while this one trains.
        if (m + 1 < accum) request_batch(step_in_epoch_, m + 1);
        else if (step_in_epoch_ + 1 < steps) request_batch(step_in_epoch_ + 1, 0);
        timer.mark(&StepPhases::data);
        auto pred = select_targets(forward(x), targets_at);
        auto loss = forecast_loss(opts_.loss, pred, y, quantile_levels_);
        auto scaled = accum > 1 ? loss / static_cast<double>(accum) : loss;
        timer.mark(&StepPhases::forward);
        // Only the last micro-step synchronises; earlier ones accumulate locally.
        if (grad_sync) {
          grad_sync->raise_flag(stop.load());
          grad_sync->prepare(m + 1 == accum);
        }
        if (fp16)
          (scaled * loss_scale_).backward();
        else
          scaled.backward();
        timer.mark(&StepPhases::backward);
        if (grad_sync) grad_sync->finish();
        // What is left of the all-reduce after backward (buckets overlap with it while it runs).
        timer.mark(&StepPhases::communication);
        step_loss = step_loss.defined() ? step_loss + scaled.detach() : scaled.detach();
      }
      if (fp16)
        for (auto& p : trainable(*model_))
          if (p.grad().defined()) p.grad().div_(loss_scale_);
      bool finite = true;
      if (opts_.grad_clip > 0 || fp16) {
        // On the averaged gradients, so every rank clips identically. The norm stays on the device: reading
        // it would make the host wait for the GPU every step. The CPU reads it (free there) to skip steps
        // with a non-finite gradient; fp16 must, to back off its loss scale.
        auto norm = clip_grad_norm_no_sync(trainable(*model_), opts_.grad_clip > 0 ? opts_.grad_clip : 1e30);
        if (norm.defined() && (fp16 || !device_.is_cuda())) finite = std::isfinite(norm.item<double>());
      }
      if (finite) {
        adamw_step_multi_tensor(*optimizer_);
      } else if (fp16) {
        loss_scale_ /= 2;  // overflow: skip the step and back off, as a dynamic loss scaler does
      }
      timer.mark(&StepPhases::optimizer);
      timer.finish();
      if (grad_sync && (global_step_ + 1) % stop_check_every == 0) stop_agreed = grad_sync->flag_seen();
      epoch_loss += step_loss;  // stays on the device: no host sync per step
      ++epoch_steps;
      ++global_step_;
      samples += global_batch;
      samples_log += global_batch;
      window_loss += step_loss;
      ++window_count;
      if (progress && (global_step_ % std::max<int64_t>(1, opts_.log_every) == 0 || step_in_epoch_ + 1 == steps)) {
        ProgressEvent ev;
        ev.kind = "step";
        ev.epoch = epoch_;
        ev.epochs = opts_.epochs;
        ev.step = step_in_epoch_ + 1;
        ev.steps_per_epoch = steps;
        ev.global_step = global_step_;
        ev.total_steps = total_steps;
        ev.loss = window_loss.item<double>() / static_cast<double>(window_count);
        ev.lr = lr;
        const double dt = seconds_since(t_log);
        ev.samples_per_sec = dt > 0 ? samples_log / dt : 0;
        const double overall = samples / std::max(1e-9, seconds_since(t_start));
        ev.eta_seconds = overall > 0 ? static_cast<double>(total_steps - global_step_) * global_batch / overall : 0;
        progress(ev);
        window_loss.zero_();
        window_count = 0;
        samples_log = 0;
        t_log = Clock::now();
      }
    }
    if (timing) {
      sync_device();
      result.timed_seconds = seconds_since(t_timed);
      result.timed_steps = global_step_ - opts_.time_from_step;
    }
    if (stopped) {
      result.status = "interrupted";
      if (!opts_.checkpoint_dir.empty() && writes_files()) save_checkpoint(opts_.checkpoint_dir + "/last.pt");
      break;
    }
    // End of epoch: validate, keep the best, decide on early stopping.
    EpochRecord rec;
    rec.epoch = epoch_;
    if (comm) {
      // Every rank records the mean over all ranks, so decisions below come out the same everywhere.
      auto sum = epoch_loss.reshape({1}).to(torch::kFloat64);
      comm->allreduce_sum(sum);
      rec.train_loss = epoch_steps ? sum.item<double>() / world / epoch_steps : 0;
    } else {
      rec.train_loss = epoch_steps ? epoch_loss.item<double>() / epoch_steps : 0;
    }
    rec.lr = optimizer_->param_groups().empty() ? 0 : static_cast<torch::optim::AdamWOptions&>(optimizer_->param_groups()[0].options()).lr();
    double metric = rec.train_loss;
    if (comm && !model_->buffers().empty()) {
      // Running statistics (e.g. BatchNorm) drift apart per rank; evaluate and save rank 0's, as DDP does.
      torch::NoGradGuard no_grad;
      std::vector<torch::Tensor> buffers;
      for (auto& b : model_->buffers()) buffers.push_back(b.detach());
      comm->broadcast(buffers);
    }
    if (val_split && val_split->index.size() > 0) {
      auto sums = eval_sums(*val_split, rank, world);  // each rank evaluates its share of the windows
      if (comm) comm->allreduce_sum(sums);
      auto ev = eval_from_sums(sums, *val_split);
      rec.val_loss = ev.loss;
      rec.val_mse = ev.mse;
      rec.val_mae = ev.mae;
      metric = opts_.early_metric == "val_mse" ? ev.mse : opts_.early_metric == "val_mae" ? ev.mae : ev.loss;
    }
    rec.improved = metric < best_metric_ - opts_.min_delta;
    if (rec.improved) {
      best_metric_ = metric;
      best_epoch_ = epoch_;
      bad_epochs_ = 0;
    } else {
      ++bad_epochs_;
    }
    rec.seconds = seconds_since(t_epoch);
    history_.push_back(rec);
    step_in_epoch_ = 0;
    const bool early_stop = opts_.patience > 0 && bad_epochs_ >= opts_.patience;
    if (!opts_.checkpoint_dir.empty() && writes_files()) {
      ++epoch_;  // the checkpoint resumes at the next epoch
      if (rec.improved) save_checkpoint(opts_.checkpoint_dir + "/best.pt");
      if ((epoch_ % std::max<int64_t>(1, opts_.checkpoint_every_epochs)) == 0 || early_stop || epoch_ == opts_.epochs)
        save_checkpoint(opts_.checkpoint_dir + "/last.pt");
      --epoch_;
    }
    if (progress) {
      ProgressEvent ev;
      ev.kind = "epoch";
      ev.epoch = epoch_;
      ev.epochs = opts_.epochs;
      ev.steps_per_epoch = steps;
      ev.global_step = global_step_;
      ev.total_steps = total_steps;
      ev.loss = rec.train_loss;
      ev.lr = rec.lr;
      ev.val_loss = rec.val_loss;
      ev.val_mse = rec.val_mse;
      ev.val_mae = rec.val_mae;
      ev.improved = rec.improved;
      ev.samples_per_sec = samples / std::max(1e-9, seconds_since(t_start));
      progress(ev);
    }
    if (early_stop) {
      result.status = "early_stopped";
      ++epoch_;
      break;
    }
  }
  // No rank tears its process group down while a peer may still be in a collective (or saving).
  if (comm) comm->barrier();
  grad_sync.reset();  // removes the gradient hooks before the process group goes
  result.epochs_completed = static_cast<int64_t>(history_.size());
  result.global_step = global_step_;
  result.best_epoch = best_epoch_;
  result.best_metric = best_metric_;
  result.history = history_;
  result.step_phases = timer.steps();
  result.seconds = seconds_since(t_start);
  result.samples_per_sec = samples / std::max(1e-9, result.seconds);
  return result;
}

torch::Tensor Trainer::eval_sums(const DataSplit& data, int64_t rank, int64_t world) {
  torch::NoGradGuard no_grad;
  model_->eval();
  const int64_t n = data.index.size();
  const int64_t L = data.index.context();
  const int64_t cin = static_cast<int64_t>(data.layout.input_channels.size());
  const int64_t cout = static_cast<int64_t>(data.layout.target_channels.size());
  const int64_t H = data.index.horizon();
  const int64_t mine = n > rank ? (n - rank + world - 1) / world : 0;  // windows rank, rank + world, ...
  const int64_t bs = std::max<int64_t>(opts_.batch_size, 256);
  auto x_host = torch::empty({bs, cin, L});
  auto y_host = torch::empty({bs, cout, H});
  std::vector<int64_t> ids(static_cast<size_t>(bs));
  const auto targets_at = target_positions(data.layout, device_);
  // Sums stay on the device until the end: no host sync per batch.
  auto zero = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  auto loss_sum = zero.clone(), se = zero.clone(), ae = zero.clone();
  for (int64_t first = 0; first < mine; first += bs) {
    const int64_t m = std::min(bs, mine - first);
    for (int64_t i = 0; i < m; ++i) ids[i] = (first + i) * world + rank;
    gather_batch(*data.store, data.index, data.scaling, data.layout, ids.data(), m, x_host.data_ptr<float>(),
                 y_host.data_ptr<float>(), nullptr);
    auto x = x_host.narrow(0, 0, m).to(device_);
    auto y = y_host.narrow(0, 0, m).to(device_);
    auto pred = select_targets(forward(x), targets_at);
    loss_sum += forecast_loss(opts_.loss, pred, y, quantile_levels_).to(torch::kFloat64) * static_cast<double>(m);
    auto point = point_of(pred, model_->spec().quantiles);
    se += (point - y).pow(2).sum().to(torch::kFloat64);
    ae += (point - y).abs().sum().to(torch::kFloat64);
  }
  return torch::stack({loss_sum, se, ae, zero + static_cast<double>(mine)});
}

EvalResult Trainer::eval_from_sums(const torch::Tensor& sums, const DataSplit& data) const {
  auto s = sums.to(torch::kCPU).contiguous();
  const double* d = s.data_ptr<double>();
  EvalResult r;
  r.windows = static_cast<int64_t>(d[3]);
  if (r.windows == 0) return r;
  const double points = d[3] * static_cast<double>(data.layout.target_channels.size()) * data.index.horizon();
  r.loss = d[0] / d[3];
  r.mse = d[1] / points;
  r.mae = d[2] / points;
  return r;
}

EvalResult Trainer::evaluate(const DataSplit& data) {
  use_thread_setting();
  if (data.index.size() == 0) return {};
  return eval_from_sums(eval_sums(data, 0, 1), data);
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

void Trainer::save_checkpoint(const std::string& path) const {
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
    archive.write("meta/epoch", c10::IValue(epoch_));
    archive.write("meta/step_in_epoch", c10::IValue(step_in_epoch_));
    archive.write("meta/global_step", c10::IValue(global_step_));
    archive.write("meta/best_epoch", c10::IValue(best_epoch_));
    archive.write("meta/bad_epochs", c10::IValue(bad_epochs_));
    archive.write("meta/best_metric", c10::IValue(best_metric_));
    archive.write("meta/loss_scale", c10::IValue(loss_scale_));
    {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      archive.write("meta/cpu_rng", gen.get_state(), /*is_buffer=*/true);
    }
    std::vector<double> hist;
    for (const auto& h : history_) {
      hist.insert(hist.end(), {static_cast<double>(h.epoch), h.train_loss, h.val_loss, h.val_mse, h.val_mae, h.lr, h.seconds,
                               h.improved ? 1.0 : 0.0});
    }
    archive.write("meta/history", torch::tensor(hist, torch::kFloat64), true);
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
  c10::IValue v;
  archive.read("meta/epoch", v);
  epoch_ = v.toInt();
  archive.read("meta/step_in_epoch", v);
  step_in_epoch_ = v.toInt();
  archive.read("meta/global_step", v);
  global_step_ = v.toInt();
  archive.read("meta/best_epoch", v);
  best_epoch_ = v.toInt();
  archive.read("meta/bad_epochs", v);
  bad_epochs_ = v.toInt();
  archive.read("meta/best_metric", v);
  best_metric_ = v.toDouble();
  archive.read("meta/loss_scale", v);
  loss_scale_ = v.toDouble();
  torch::Tensor rng, hist;
  archive.read("meta/cpu_rng", rng, true);
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
  }
  archive.read("meta/history", hist, true);
  history_.clear();
  auto h = hist.contiguous();
  const double* d = h.data_ptr<double>();
  for (int64_t i = 0; i + 8 <= h.numel(); i += 8) {
    EpochRecord r;
    r.epoch = static_cast<int64_t>(d[i]);
    r.train_loss = d[i + 1];
    r.val_loss = d[i + 2];
    r.val_mse = d[i + 3];
    r.val_mae = d[i + 4];
    r.lr = d[i + 5];
    r.seconds = d[i + 6];
    r.improved = d[i + 7] != 0;
    history_.push_back(r);
  }
}

}  // namespace tsfm
