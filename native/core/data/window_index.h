#pragma once
// Windows as arithmetic spans: span i holds windows starting at start[i] + k*stride for k < count[i].
// Memory is O(spans), not O(windows), so 10^8 windows cost nothing beyond the prefix sums.
#include <cstdint>
#include <vector>

#include "data/series_store.h"

namespace tsfm {

class WindowIndex {
 public:
  WindowIndex() = default;
  WindowIndex(std::vector<int64_t> span_start, std::vector<int64_t> span_count, int64_t stride, int64_t context,
              int64_t horizon);

  int64_t size() const { return total_; }
  int64_t context() const { return context_; }
  int64_t horizon() const { return horizon_; }
  // First context row of window i (0 <= i < size()).
  int64_t start_row(int64_t i) const;
  // Throws std::invalid_argument if any window crosses a segment boundary of `store`.
  void check_within_segments(const SeriesStore& store) const;
  // Keeps every k-th window so that at most `max_windows` remain (for fast validation).
  WindowIndex thinned(int64_t max_windows) const;

 private:
  std::vector<int64_t> start_, count_, prefix_;  // prefix_[i] = windows before span i
  int64_t stride_ = 1, context_ = 0, horizon_ = 0, total_ = 0;
};

}  // namespace tsfm
