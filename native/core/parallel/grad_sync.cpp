#include "parallel/grad_sync.h"

namespace tsfm::dist {

GradientSync::GradientSync(std::vector<torch::Tensor> params, Communicator& comm, double bucket_mb)
    : params_(std::move(params)), comm_(comm) {
  const int64_t cap = std::max<int64_t>(1, static_cast<int64_t>(bucket_mb * 1024 * 1024));
  bucket_of_.assign(params_.size(), 0);
  slot_of_.assign(params_.size(), 0);
  arrived_.assign(params_.size(), false);
  // Reverse order: the last layers' gradients are computed first.
  std::vector<std::vector<size_t>> groups;
  int64_t bytes = cap;
  for (size_t k = params_.size(); k-- > 0;) {
    const auto& p = params_[k];
    if (!p.requires_grad()) continue;
    const int64_t b = p.numel() * static_cast<int64_t>(p.element_size());
    // Buckets hold one dtype (the flat buffer is a single tensor).
    const bool new_bucket = groups.empty() || bytes + b > cap || params_[groups.back().front()].scalar_type() != p.scalar_type();
    if (new_bucket) {
      groups.emplace_back();
      bytes = 0;
    }
    groups.back().push_back(k);
    bytes += b;
  }
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    auto& g = groups[gi];
    Bucket bucket;
    int64_t n = gi + 1 == groups.size() ? 1 : 0;  // the last bucket starts with the flag element
    for (size_t i = 0; i < g.size(); ++i) {
      bucket_of_[g[i]] = buckets_.size();
      slot_of_[g[i]] = i;
      bucket.offsets.push_back(n);
      n += params_[g[i]].numel();
    }
    bucket.params = g;
    bucket.flat = torch::zeros({n}, params_[g.front()].options().requires_grad(false));
    buckets_.push_back(std::move(bucket));
  }
  for (size_t k = 0; k < params_.size(); ++k) {
    if (!params_[k].requires_grad()) continue;
    hook_ids_.push_back(params_[k].register_hook([this, k](torch::Tensor grad) { on_grad(k, grad); }));
  }
}

GradientSync::~GradientSync() {
  size_t h = 0;
  for (size_t k = 0; k < params_.size(); ++k)
    if (params_[k].requires_grad()) params_[k].remove_hook(hook_ids_[h++]);
}

void GradientSync::prepare(bool sync) {
  std::lock_guard<std::mutex> lock(mutex_);
  active_ = sync;
  next_launch_ = 0;
  std::fill(arrived_.begin(), arrived_.end(), false);
  for (auto& b : buckets_) {
    b.pending = b.params.size();
    b.work.reset();
  }
  if (sync && !buckets_.empty()) buckets_.back().flat[0].fill_(flag_ ? 1.0 : 0.0);
}

bool GradientSync::flag_seen() {
  return !buckets_.empty() && buckets_.back().flat[0].item<double>() > 0;  // reads the reduced value (a device sync on CUDA)
}

void GradientSync::on_grad(size_t k, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!active_ || arrived_[k]) return;
  auto& b = buckets_[bucket_of_[k]];
  const auto& p = params_[k];
  auto slot = b.flat.narrow(0, b.offsets[slot_of_[k]], p.numel());
  torch::NoGradGuard no_grad;
  // The hook sees this backward's gradient before it is added to .grad: include what earlier
  // micro-steps accumulated so the bucket carries the full local gradient.
  if (p.grad().defined())
    torch::add_out(slot, p.grad().reshape(-1), grad.reshape(-1));
  else
    slot.copy_(grad.reshape(-1));
  arrived_[k] = true;
  --b.pending;
  launch_ready_locked();
}

void GradientSync::launch_ready_locked() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    auto& b = buckets_[next_launch_++];
    b.work = comm_.allreduce_sum_async(b.flat);
  }
}

void GradientSync::finish() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!active_) return;
  torch::NoGradGuard no_grad;
  // Parameters that took no part in this backward: reduce their current .grad (or zeros) so every rank
  // still runs the same collectives in the same order.
  for (auto& b : buckets_) {
    for (size_t i = 0; i < b.params.size(); ++i) {
      const size_t k = b.params[i];
      if (arrived_[k]) continue;
      auto slot = b.flat.narrow(0, b.offsets[i], params_[k].numel());
      if (params_[k].grad().defined())
        slot.copy_(params_[k].grad().reshape(-1));
      else
        slot.zero_();
      --b.pending;
    }
  }
  launch_ready_locked();
  active_ = false;
  lock.unlock();
  const double inv = 1.0 / static_cast<double>(comm_.world_size());
  for (auto& b : buckets_) {
    b.work->wait();
    b.work.reset();
    b.flat.mul_(inv);
    for (size_t i = 0; i < b.params.size(); ++i) {
      auto& p = params_[b.params[i]];
      auto avg = b.flat.narrow(0, b.offsets[i], p.numel()).view(p.sizes());
      if (p.grad().defined())
        p.mutable_grad().copy_(avg);
      else
        p.mutable_grad() = avg.clone();
    }
  }
}

}  // namespace tsfm::dist
