#include "data/window_index.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tsfm {

WindowIndex::WindowIndex(std::vector<int64_t> span_start, std::vector<int64_t> span_count, int64_t stride,
                         int64_t context, int64_t horizon)
    : start_(std::move(span_start)), count_(std::move(span_count)), stride_(stride), context_(context), horizon_(horizon) {
  if (start_.size() != count_.size()) throw std::invalid_argument("window spans: start and count differ in length");
  if (stride_ < 1) throw std::invalid_argument("window stride must be >= 1, got " + std::to_string(stride_));
  if (context_ < 1 || horizon_ < 1) throw std::invalid_argument("window context and horizon must be >= 1");
  prefix_.resize(start_.size());
  for (size_t i = 0; i < start_.size(); ++i) {
    if (count_[i] < 0) throw std::invalid_argument("window span " + std::to_string(i) + " has a negative count");
    prefix_[i] = total_;
    total_ += count_[i];
  }
}

int64_t WindowIndex::start_row(int64_t i) const {
  // Last span whose prefix is <= i (spans with count 0 share a prefix with the next; upper_bound skips them).
  auto it = std::upper_bound(prefix_.begin(), prefix_.end(), i);
  size_t s = static_cast<size_t>(it - prefix_.begin()) - 1;
  while (count_[s] == 0) --s;  // unreachable for valid i, kept for safety of zero-count spans
  return start_[s] + (i - prefix_[s]) * stride_;
}

void WindowIndex::check_within_segments(const SeriesStore& store) const {
  for (size_t i = 0; i < start_.size(); ++i) {
    if (count_[i] == 0) continue;
    const int64_t first = start_[i];
    const int64_t last_end = start_[i] + (count_[i] - 1) * stride_ + context_ + horizon_;  // exclusive
    const int64_t seg = store.segment_of(first);
    if (last_end > store.segment_offsets[seg] + store.segment_lengths[seg])
      throw std::invalid_argument("window span " + std::to_string(i) + " (rows " + std::to_string(first) + ".." +
                                  std::to_string(last_end) + ") crosses the end of segment " + std::to_string(seg));
  }
}

WindowIndex WindowIndex::thinned(int64_t max_windows) const {
  if (max_windows <= 0 || total_ <= max_windows) return *this;
  const int64_t every = (total_ + max_windows - 1) / max_windows;
  std::vector<int64_t> starts, counts;
  for (int64_t i = 0; i < total_; i += every) {
    starts.push_back(start_row(i));
    counts.push_back(1);
  }
  return WindowIndex(std::move(starts), std::move(counts), 1, context_, horizon_);
}

}  // namespace tsfm
