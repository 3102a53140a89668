#pragma once
// A minimal test harness for the core's C++ tests (no dependency): TSFM_TEST registers a case, the TSFM_CHECK
// macros (prefixed: LibTorch brings glog's CHECK) throw with file and line, and main() (harness.cpp) runs
// every case and reports each failure.
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tsfm::test {

struct Case {
  const char* name;
  std::function<void()> body;
};
std::vector<Case>& cases();
struct Register {
  Register(const char* name, std::function<void()> body) { cases().push_back({name, std::move(body)}); }
};

[[noreturn]] inline void fail(const char* file, int line, const std::string& what) {
  std::ostringstream o;
  o << file << ":" << line << ": " << what;
  throw std::runtime_error(o.str());
}

}  // namespace tsfm::test

#define TSFM_CAT2(a, b) a##b
#define TSFM_CAT(a, b) TSFM_CAT2(a, b)
#define TSFM_TEST(name)                                                              \
  static void TSFM_CAT(tsfm_test_, __LINE__)();                                      \
  static ::tsfm::test::Register TSFM_CAT(tsfm_register_, __LINE__)(name, TSFM_CAT(tsfm_test_, __LINE__)); \
  static void TSFM_CAT(tsfm_test_, __LINE__)()

#define TSFM_CHECK(cond) \
  do {              \
    if (!(cond)) ::tsfm::test::fail(__FILE__, __LINE__, "TSFM_CHECK(" #cond ") failed"); \
  } while (0)

#define TSFM_CHECK_EQ(a, b)                                                                              \
  do {                                                                                              \
    const auto& tsfm_a = (a);                                                                       \
    const auto& tsfm_b = (b);                                                                       \
    if (!(tsfm_a == tsfm_b)) {                                                                      \
      std::ostringstream tsfm_o;                                                                    \
      tsfm_o << "TSFM_CHECK_EQ(" #a ", " #b ") failed: " << tsfm_a << " != " << tsfm_b;                  \
      ::tsfm::test::fail(__FILE__, __LINE__, tsfm_o.str());                                         \
    }                                                                                               \
  } while (0)

// `expr` must throw a std::exception whose what() contains `text`.
#define TSFM_CHECK_THROWS(expr, text)                                                                         \
  do {                                                                                                        \
    bool tsfm_threw = false;                                                                                  \
    try {                                                                                                     \
      (void)(expr);                                                                                           \
    } catch (const std::exception& tsfm_e) {                                                                  \
      tsfm_threw = true;                                                                                      \
      if (std::string(tsfm_e.what()).find(text) == std::string::npos)                                         \
        ::tsfm::test::fail(__FILE__, __LINE__, std::string("threw '") + tsfm_e.what() + "', expected '" + (text) + "'"); \
    }                                                                                                         \
    if (!tsfm_threw) ::tsfm::test::fail(__FILE__, __LINE__, "TSFM_CHECK_THROWS(" #expr ") did not throw");   \
  } while (0)
