#include "data/series_store.h"

#include <algorithm>

namespace tsfm {

int64_t SeriesStore::segment_of(int64_t row) const {
  auto it = std::upper_bound(segment_offsets.begin(), segment_offsets.end(), row);
  if (it == segment_offsets.begin()) throw std::out_of_range("row " + std::to_string(row) + " precedes the first segment");
  const int64_t s = static_cast<int64_t>(it - segment_offsets.begin()) - 1;
  if (row >= segment_offsets[s] + segment_lengths[s])
    throw std::out_of_range("row " + std::to_string(row) + " lies in no segment");
  return s;
}

void SeriesStore::validate() const {
  if (channels.empty()) throw std::invalid_argument("dataset has no channels");
  for (size_t c = 0; c < channels.size(); ++c)
    if (!channels[c] && rows > 0) throw std::invalid_argument("channel " + std::to_string(c) + " has no buffer");
  if (segment_offsets.size() != segment_lengths.size() || segment_offsets.size() != segment_series.size())
    throw std::invalid_argument("segment table columns have different lengths");
  int64_t end = 0;
  for (size_t s = 0; s < segment_offsets.size(); ++s) {
    if (segment_offsets[s] < end) throw std::invalid_argument("segment " + std::to_string(s) + " overlaps the previous one");
    if (segment_lengths[s] < 0) throw std::invalid_argument("segment " + std::to_string(s) + " has a negative length");
    end = segment_offsets[s] + segment_lengths[s];
    if (end > rows) throw std::invalid_argument("segment " + std::to_string(s) + " runs past the end of the data");
    if (segment_series[s] < 0 || segment_series[s] >= num_series)
      throw std::invalid_argument("segment " + std::to_string(s) + " names series " + std::to_string(segment_series[s]) +
                                  " of " + std::to_string(num_series));
  }
}

}  // namespace tsfm
