#pragma once
// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON header
// {name: {"dtype", "shape", "data_offsets": [begin, end)}, "__metadata__": {str: str}}, then the raw,
// little-endian tensor data (offsets relative to the end of the header). Read with full validation; every
// problem is one std::runtime_error line naming the file (and the tensor when there is one).
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tsfm {

struct SafetensorsEntry {
  std::string dtype;  // "F32", "F64", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range in the data section
};

class SafetensorsFile {
 public:
  // Reads and validates the whole file (header, every entry's dtype, shape and byte range).
  explicit SafetensorsFile(const std::string& path);
  const std::string& path() const { return path_; }
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  // A CPU tensor holding a copy of the named tensor's data; throws naming the file and tensor if absent.
  torch::Tensor tensor(const std::string& name) const;

 private:
  std::string path_;
  std::vector<char> data_;  // the data section
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Every tensor of a file, by name.
std::map<std::string, torch::Tensor> read_safetensors(const std::string& path);

// Writes tensors (moved to the CPU, made contiguous) in name order, the header padded with spaces to a
// multiple of 8 bytes as the reference writer does. Written to a temporary beside `path` and renamed, so a
// failure leaves no partial file.
void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace tsfm
