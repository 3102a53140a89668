#!/usr/bin/env bash
# One-step set-up for a fresh Debian 12 machine (and a checker elsewhere):
#   1. system packages: LibTorch (CPU, with c10d/Gloo), Gloo headers, OpenBLAS (pthread), cmake, g++,
#      chromium (the addon test opens `tsfm report` pages in headless Chromium)
#   2. Node >= 22.13 (node:sqlite for the registry; Node 24 from the npm registry's `node` package when the system Node is older)
#   3. npm dependencies, the native addon (cmake-js) and the TypeScript build
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=(libtorch-dev libgloo-dev libopenblas0-pthread cmake g++ ninja-build chromium)
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

# npm's devDependency `node` (Node 24) is put first on PATH by npm scripts; use it for the build too.
npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<22||(a===22&&b<13)) { console.error("tsfm setup: Node "+process.version+" is too old (need >= 22.13)"); process.exit(1) }'
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" npx cmake-js compile --out build --log-level warn
npx tsc -p tsconfig.json
echo "tsfm setup: ready (Node $(node --version), addon build/Release/tsfm.node)"
