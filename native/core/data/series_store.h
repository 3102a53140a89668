#pragma once
// A non-owning, channel-major view of a dataset: one contiguous float buffer per channel (the Arrow
// column buffers themselves), plus the segment table that windows must never cross.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tsfm {

struct SeriesStore {
  std::vector<const float*> channels;      // channels[c][row]
  int64_t rows = 0;
  std::vector<int64_t> segment_offsets;    // first row of each segment, ascending
  std::vector<int64_t> segment_lengths;
  std::vector<int32_t> segment_series;     // series index of each segment (for per-series scaling)
  int64_t num_series = 0;

  int64_t num_channels() const { return static_cast<int64_t>(channels.size()); }

  // Segment holding `row`; rows not in any segment throw (they never belong to a window).
  int64_t segment_of(int64_t row) const;

  // Checks internal consistency once, so that the hot paths need no checks.
  void validate() const;
};

}  // namespace tsfm
