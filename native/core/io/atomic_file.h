#pragma once
// Whole-file writes that a reader sees either complete or not at all, and that fail with a clear message
// (the path and the system's reason, e.g. "No space left on device") instead of leaving a partial file.
#include <string>

namespace tsfm {

// Writes `bytes` to `path` through `path + ".tmp"` (flushed to disk, then renamed over `path`). On any
// failure the temporary file is removed and std::runtime_error names the path, what failed and why.
void write_file_atomically(const std::string& path, const std::string& bytes, const std::string& what);

}  // namespace tsfm
