#!/usr/bin/env bash
# One-step set-up for a fresh Debian 12 machine (and a checker elsewhere):
#   1. system packages: LibTorch (CPU, with c10d/Gloo), Gloo headers, OpenBLAS (pthread), cmake, g++,
#      chromium (the addon test opens `tsfm report` pages in headless Chromium);
#      python3-torch (the same LibTorch from Python: the bench's side-by-side loop and the equivalence test)
#   2. Node >= 22.13 (node:sqlite for the registry; Node 24 from the npm registry's `node` package when the system Node is older)
#   3. npm dependencies and the native addon (npm ci runs scripts/install.mjs: one cmake-js build), then the TypeScript build
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(libtorch-dev libgloo-dev libopenblas0-pthread cmake g++ ninja-build chromium python3-torch)
missing=()
for p in "${need_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "tsfm setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null; then
    echo "tsfm setup: missing system packages; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  else
    echo "tsfm setup: not a Debian system. Install LibTorch (set LIBTORCH=/path/to/libtorch, or have a Python torch installed), cmake and a C++17 compiler." >&2
  fi
fi

# npm ci installs the dependencies and runs the package's install step (scripts/install.mjs), which builds
# the addon once with cmake-js; npm puts its devDependency `node` (Node 24) first on PATH for that step.
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" npm ci --no-audit --no-fund --loglevel=error --foreground-scripts
export PATH="$PWD/node_modules/.bin:$PATH"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<22||(a===22&&b<13)) { console.error("tsfm setup: Node "+process.version+" is too old (need >= 22.13)"); process.exit(1) }'
npx tsc -p tsconfig.json
echo "tsfm setup: ready (Node $(node --version), addon build/Release/tsfm.node)"
