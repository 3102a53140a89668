#!/usr/bin/env bash
# Builds and runs the C++ tests of native/core (the tsfm_core_tests target) in build/, configuring build/
# with cmake-js first when it has never been configured. Arguments go to ctest (e.g. -V).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then npx cmake-js configure --out build; fi
cmake --build build --target tsfm_core_tests
ctest --test-dir build --output-on-failure "$@"
