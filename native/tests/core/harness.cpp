#include "harness.h"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace tsfm::test {
std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}
}  // namespace tsfm::test

// tsfm_core_tests [substring]: runs every case (or those whose name contains the substring); exit 1 on a failure.
int main(int argc, char** argv) {
  int failed = 0, ran = 0;
  for (const auto& c : tsfm::test::cases()) {
    if (argc > 1 && std::strstr(c.name, argv[1]) == nullptr) continue;
    ++ran;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      c.body();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("ok   %s (%.2fs)\n", c.name, s);
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s\n     %s\n", c.name, e.what());
    }
  }
  std::printf("%d of %d passed\n", ran - failed, ran);
  return failed == 0 && ran > 0 ? 0 : 1;
}
