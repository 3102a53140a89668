#pragma once
// Batches for the training loop, gathered one step ahead on a background thread when asked to: while
// the device trains on batch n, batch n+1 is gathered into the other of two host buffers (page-locked
// on CUDA, so the host -> device copy is asynchronous and never blocks the step). Synchronous mode
// gathers in take() on the calling thread, into one buffer: the same batches, nothing in the background.
#include <torch/torch.h>

#include <c10/core/Event.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "data/batch.h"

namespace tsfm {

class BatchPrefetcher {
 public:
  // Batches of `batch` windows of `store` through `index`, shaped x [batch, |input|, context] and
  // y [batch, |target|, horizon], delivered on `device`. gather_threads: OpenMP threads of the background
  // gather (0 = this process's default). The data must outlive the prefetcher.
  BatchPrefetcher(const SeriesStore& store, const WindowIndex& index, const Scaling& scaling, const BatchLayout& layout,
                  int64_t batch, torch::Device device, bool background, int gather_threads);
  ~BatchPrefetcher();
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // Queues the batch of these window ids (exactly `batch` of them); at most two may be outstanding.
  void request(const int64_t* window_ids);
  // The oldest requested batch, on the device (waits for its gather; rethrows a gather's error). The
  // tensors stay valid until the request after next.
  std::pair<torch::Tensor, torch::Tensor> take();

 private:
  struct Slot {
    torch::Tensor x, y;                // host buffers
    std::vector<int64_t> ids;
    std::unique_ptr<c10::Event> copied;  // CUDA: the copy out of x/y has finished once this completes
  };
  void gather(Slot& slot);
  void run();

  const SeriesStore& store_;
  const WindowIndex& index_;
  const Scaling& scaling_;
  const BatchLayout& layout_;
  const int64_t batch_;
  const torch::Device device_;
  const bool background_;
  const int gather_threads_;
  Slot slots_[2];
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t requested_ = 0, gathered_ = 0, taken_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace tsfm
