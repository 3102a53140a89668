#pragma once
// A small JSON reader for file headers the core parses itself (the safetensors header): objects, arrays,
// strings (with escapes), numbers (integers kept exact up to 2^63), true/false/null. Not a general library:
// no streaming, whole text in memory, nesting limited to 64 levels.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tsfm {
namespace json {

struct Value {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  double number = 0.0;
  bool is_integer = false;  // the literal had no fraction or exponent and fits int64
  int64_t integer = 0;
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  // in file order

  const Value* find(const std::string& key) const;  // object member or nullptr
};

// Throws std::runtime_error("<what> at byte <offset>") on malformed text or trailing garbage.
Value parse(const std::string& text);

// Serialises a string as a JSON string literal (quotes and escapes).
std::string quote(const std::string& s);

}  // namespace json
}  // namespace tsfm
