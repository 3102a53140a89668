#include "data/prefetch.h"

#include <c10/core/impl/VirtualGuardImpl.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <stdexcept>

namespace tsfm {

BatchPrefetcher::BatchPrefetcher(const SeriesStore& store, const WindowIndex& index, const Scaling& scaling,
                                 const BatchLayout& layout, int64_t batch, torch::Device device, bool background,
                                 int gather_threads)
    : store_(store), index_(index), scaling_(scaling), layout_(layout), batch_(batch), device_(device),
      background_(background), gather_threads_(gather_threads) {
  // Page-locked buffers only where a device copies from them (the CPU build has no pinned allocator).
  auto host = torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(device.is_cuda());
  const int64_t cin = static_cast<int64_t>(layout.input_channels.size());
  const int64_t cout = static_cast<int64_t>(layout.target_channels.size());
  for (int s = 0; s < (background ? 2 : 1); ++s) {
    slots_[s].x = torch::empty({batch, cin, index.context()}, host);
    slots_[s].y = torch::empty({batch, cout, index.horizon()}, host);
    slots_[s].ids.resize(static_cast<size_t>(batch));
    if (device.is_cuda()) slots_[s].copied = std::make_unique<c10::Event>(device.type());
  }
  if (background_) worker_ = std::thread([this] { run(); });
}

BatchPrefetcher::~BatchPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void BatchPrefetcher::gather(Slot& slot) {
  // The device may still be copying this buffer's previous batch: wait for that copy, not for the step.
  if (slot.copied)
    while (!slot.copied->query()) std::this_thread::yield();
  gather_batch(store_, index_, scaling_, layout_, slot.ids.data(), batch_, slot.x.data_ptr<float>(),
               slot.y.data_ptr<float>(), nullptr);
}

void BatchPrefetcher::request(const int64_t* window_ids) {
  std::unique_lock<std::mutex> lock(mu_);
  if (requested_ - taken_ >= (background_ ? 2 : 1)) throw std::logic_error("BatchPrefetcher: too many batches requested");
  Slot& slot = slots_[background_ ? requested_ % 2 : 0];
  std::copy(window_ids, window_ids + batch_, slot.ids.begin());
  ++requested_;
  lock.unlock();
  cv_.notify_all();
}

void BatchPrefetcher::run() {
#ifdef _OPENMP
  // OpenMP's thread count is per thread: this one gathers while the caller's threads train.
  if (gather_threads_ > 0) omp_set_num_threads(gather_threads_);
#endif
  for (;;) {
    int64_t n;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || gathered_ < requested_; });
      if (stopping_) return;
      n = gathered_;
    }
    Slot& slot = slots_[n % 2];
    try {
      gather(slot);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++gathered_;
    }
    cv_.notify_all();
  }
}

std::pair<torch::Tensor, torch::Tensor> BatchPrefetcher::take() {
  Slot* slot;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (taken_ >= requested_) throw std::logic_error("BatchPrefetcher: take() without a request");
    if (background_) {
      cv_.wait(lock, [this] { return gathered_ > taken_ || error_; });
      if (error_) std::rethrow_exception(error_);
    }
    slot = &slots_[background_ ? taken_ % 2 : 0];
    ++taken_;
  }
  if (!background_) gather(*slot);
  if (!device_.is_cuda()) return {slot->x, slot->y};
  // Asynchronous copies on the current stream; the event tells the gather thread when the buffer is free.
  auto on_device = torch::TensorOptions().device(device_);
  auto x = slot->x.to(on_device, /*non_blocking=*/true);
  auto y = slot->y.to(on_device, /*non_blocking=*/true);
  c10::impl::VirtualGuardImpl guard(device_.type());
  slot->copied->record(guard.getStream(device_));
  return {x, y};
}

}  // namespace tsfm
