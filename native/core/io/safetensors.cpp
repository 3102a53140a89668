#include "io/safetensors.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "io/json.h"

namespace tsfm {
namespace {

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
  int64_t size;
};
const std::vector<DtypeInfo>& dtypes() {
  static const std::vector<DtypeInfo> kDtypes = {
      {"F32", torch::kFloat32, 4}, {"F64", torch::kFloat64, 8}, {"F16", torch::kFloat16, 2},
      {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8}, {"I32", torch::kInt32, 4},
      {"I16", torch::kInt16, 2},   {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
      {"BOOL", torch::kBool, 1}};
  return kDtypes;
}
const DtypeInfo* dtype_by_name(const std::string& n) {
  for (const auto& d : dtypes())
    if (n == d.name) return &d;
  return nullptr;
}
const DtypeInfo* dtype_by_type(torch::ScalarType t) {
  for (const auto& d : dtypes())
    if (t == d.type) return &d;
  return nullptr;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  return os.str() + "]";
}

// The host must store numbers little-endian, as the format does (every platform LibTorch ships for).
bool host_little_endian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

SafetensorsEntry parse_entry(const std::string& path, const std::string& name, const json::Value& v) {
  auto bad = [&](const std::string& what) {
    return std::runtime_error(path + ": tensor '" + name + "': " + what);
  };
  if (v.type != json::Value::Type::Object) throw bad("header entry is not an object");
  SafetensorsEntry e;
  const json::Value* dt = v.find("dtype");
  if (!dt || dt->type != json::Value::Type::String) throw bad("header entry has no dtype string");
  e.dtype = dt->string;
  if (!dtype_by_name(e.dtype)) throw bad("unsupported dtype '" + e.dtype + "'");
  const json::Value* shape = v.find("shape");
  if (!shape || shape->type != json::Value::Type::Array) throw bad("header entry has no shape array");
  for (const auto& d : shape->array) {
    if (!d.is_integer || d.integer < 0) throw bad("shape holds something other than non-negative integers");
    e.shape.push_back(d.integer);
  }
  const json::Value* off = v.find("data_offsets");
  if (!off || off->type != json::Value::Type::Array || off->array.size() != 2 || !off->array[0].is_integer ||
      !off->array[1].is_integer || off->array[0].integer < 0 || off->array[1].integer < off->array[0].integer)
    throw bad("data_offsets must be [begin, end] with 0 <= begin <= end");
  e.begin = static_cast<uint64_t>(off->array[0].integer);
  e.end = static_cast<uint64_t>(off->array[1].integer);
  int64_t numel = 1;
  for (int64_t d : e.shape) numel *= d;
  const uint64_t need = static_cast<uint64_t>(numel * dtype_by_name(e.dtype)->size);
  if (e.end - e.begin != need)
    throw bad(std::to_string(e.end - e.begin) + " bytes of data for shape " + shape_str(e.shape) + " of dtype " +
              e.dtype + " (needs " + std::to_string(need) + ")");
  return e;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  if (!host_little_endian()) throw std::runtime_error(path + ": safetensors needs a little-endian host");
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
  const uint64_t size = static_cast<uint64_t>(f.tellg());
  f.seekg(0);
  if (size < 8)
    throw std::runtime_error(path + ": not a safetensors file (" + std::to_string(size) +
                             " bytes; the format starts with an 8-byte header length)");
  unsigned char len_bytes[8];
  f.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  if (n > (uint64_t{100} << 20))
    throw std::runtime_error(path + ": not a safetensors file (header length " + std::to_string(n) + " is implausible)");
  if (n == 0 || n > size - 8)
    throw std::runtime_error(path + ": truncated or not a safetensors file (header length " + std::to_string(n) +
                             ", but only " + std::to_string(size - 8) + " bytes follow)");
  std::string header(n, '\0');
  f.read(&header[0], static_cast<std::streamsize>(n));
  if (!f) throw std::runtime_error(path + ": read error in the header");
  if (header[0] != '{') throw std::runtime_error(path + ": not a safetensors file (the header is not a JSON object)");
  json::Value root;
  try {
    root = json::parse(header);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": bad safetensors header (" + e.what() + ")");
  }
  if (root.type != json::Value::Type::Object)
    throw std::runtime_error(path + ": not a safetensors file (the header is not a JSON object)");
  const uint64_t data_size = size - 8 - n;
  for (const auto& [name, v] : root.object) {
    if (name == "__metadata__") {
      for (const auto& [k, m] : v.object)
        if (m.type == json::Value::Type::String) metadata_[k] = m.string;
      continue;
    }
    SafetensorsEntry e = parse_entry(path, name, v);
    if (e.end > data_size)
      throw std::runtime_error(path + ": tensor '" + name + "': data [" + std::to_string(e.begin) + ", " +
                               std::to_string(e.end) + ") extends past the end of the file (the data section has " +
                               std::to_string(data_size) + " bytes: truncated?)");
    entries_[name] = e;
  }
  data_.resize(data_size);
  if (data_size) f.read(data_.data(), static_cast<std::streamsize>(data_size));
  if (!f) throw std::runtime_error(path + ": read error in the data section");
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw std::runtime_error(path_ + ": missing tensor '" + name + "'");
  const auto& e = it->second;
  auto t = torch::empty(e.shape, torch::TensorOptions().dtype(dtype_by_name(e.dtype)->type));
  if (e.end > e.begin) std::memcpy(t.data_ptr(), data_.data() + e.begin, e.end - e.begin);
  return t;
}

std::map<std::string, torch::Tensor> read_safetensors(const std::string& path) {
  SafetensorsFile f(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& kv : f.entries()) out[kv.first] = f.tensor(kv.first);
  return out;
}

void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  if (!host_little_endian()) throw std::runtime_error(path + ": safetensors needs a little-endian host");
  std::vector<torch::Tensor> data;
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      header += (first ? "" : ",") + json::quote(k) + ":" + json::quote(v);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__") throw std::runtime_error(path + ": '__metadata__' cannot name a tensor");
    const DtypeInfo* d = t.defined() ? dtype_by_type(t.scalar_type()) : nullptr;
    if (!d) throw std::runtime_error(path + ": tensor '" + name + "': dtype cannot be written to safetensors");
    auto c = t.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(c.numel() * d->size);
    std::vector<int64_t> shape(c.sizes().begin(), c.sizes().end());
    std::string shape_json = "[";
    for (size_t i = 0; i < shape.size(); ++i) shape_json += (i ? "," : "") + std::to_string(shape[i]);
    header += (header.size() > 1 ? "," : "") + json::quote(name) + ":{\"dtype\":\"" + d->name +
              "\",\"shape\":" + shape_json + "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
    data.push_back(c);
  }
  header += "}";
  while (header.size() % 8) header += ' ';

  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
    unsigned char len_bytes[8];
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xFF);
    f.write(reinterpret_cast<const char*>(len_bytes), 8);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& c : data)
      f.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * c.element_size()));
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot rename the written file into place (" + why + ")");
  }
}

}  // namespace tsfm
