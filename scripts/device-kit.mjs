#!/usr/bin/env node
// Packs tsfm for a machine with no Node, no npm and no network (the GPU boxes of the `device` tool, an
// air-gapped cluster node), small enough to carry (about 35 MB):
//   <out>/node.xz   Node's own binary (from the npm `node` package), xz -9
//   <out>/tsfm/     a package root: package.json, the CLI bundled into one file (dist/ts/cli/main.js, so
//                   every path the CLI derives from its package root still holds), the native sources and
//                   CMakeLists.txt, node-addon-api and Node-API headers, configs/, bench/python/
//   <out>/run.sh    unpacks Node, builds the addon with plain CMake against the LibTorch it finds (LIBTORCH
//                   or Torch_DIR, else the installed Python torch, else a system install), writes
//                   `tsfm doctor --json` and runs the tsfm command given (default: bench --quick) into $OUT
//
//   npm run build && node scripts/device-kit.mjs [--out .device/kit] [--no-node]
//   then, on the machine:  bash .device/kit/run.sh [tsfm arguments]     (OUT=<dir>, default <kit>/out)
//
// --no-node leaves the binary out (run.sh then uses a `node` on PATH). The bundle is made with esbuild;
// parquet-wasm stays out of it (reading Parquet then says the optional dependency is missing).
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outArg = argv.indexOf('--out');
const out = path.resolve(outArg >= 0 ? argv[outArg + 1] : path.join(root, '.device', 'kit'));
const withNode = !argv.includes('--no-node');
const fail = (msg) => {
  console.error(`device-kit: ${msg}`);
  process.exit(1);
};

const cliEntry = path.join(root, 'dist', 'ts', 'cli', 'main.js');
if (!existsSync(cliEntry)) fail(`${path.relative(root, cliEntry)} is missing: run \`npm run build:ts\` first`);

rmSync(out, { recursive: true, force: true });
const pkgDir = path.join(out, 'tsfm');
mkdirSync(path.join(pkgDir, 'dist', 'ts', 'cli'), { recursive: true });

// The CLI and its JS dependencies in one ES module. CommonJS dependencies call require(), which an ES module
// lacks: the banner gives the bundle one.
await build({
  entryPoints: [cliEntry],
  outfile: path.join(pkgDir, 'dist', 'ts', 'cli', 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: ['parquet-wasm'],
  logLevel: 'error',
  banner: { js: "import { createRequire as __tsfmRequire } from 'node:module'; const require = __tsfmRequire(import.meta.url);" },
});
chmodSync(path.join(pkgDir, 'dist', 'ts', 'cli', 'main.js'), 0o755);

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
writeFileSync(
  path.join(pkgDir, 'package.json'),
  JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', private: true }, null, 2) + '\n',
);
const notCache = (src) => !/__pycache__|\.pyc$/.test(src);
for (const p of ['CMakeLists.txt', 'native', 'configs', path.join('bench', 'python')])
  cpSync(path.join(root, p), path.join(pkgDir, p), { recursive: true, filter: notCache });
cpSync(path.join(root, 'node_modules', 'node-addon-api'), path.join(pkgDir, 'node_modules', 'node-addon-api'), { recursive: true });
cpSync(path.join(root, 'node_modules', 'node-api-headers', 'include'), path.join(pkgDir, 'node_modules', 'node-api-headers', 'include'), {
  recursive: true,
});

if (withNode) {
  const nodeBin = path.join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(nodeBin)) fail('node_modules/node/bin/node is missing: `npm ci` installs Node 24 from the npm registry');
  const fd = openSync(path.join(out, 'node.xz'), 'w');
  const xz = spawnSync('xz', ['-9', '-T0', '-c', realpathSync(nodeBin)], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  if (xz.error || xz.status !== 0) fail(`xz failed (${xz.error?.message ?? `exit ${xz.status}`}): apt-get install xz-utils`);
}

writeFileSync(
  path.join(out, 'run.sh'),
  `#!/usr/bin/env bash
# tsfm from this kit (made by scripts/device-kit.mjs): Node, the addon built here, doctor, then the command.
set -euo pipefail
KIT="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
OUT="\${OUT:-$KIT/out}"
mkdir -p "$OUT"
if [ ! -x "$KIT/node" ]; then
  if [ -f "$KIT/node.xz" ]; then
    xz -dc "$KIT/node.xz" > "$KIT/node.tmp" && chmod +x "$KIT/node.tmp" && mv "$KIT/node.tmp" "$KIT/node"
  elif command -v node > /dev/null; then
    ln -sf "$(command -v node)" "$KIT/node"
  else
    echo "run.sh: no Node: this kit was made with --no-node and there is no node on PATH" >&2
    exit 1
  fi
fi
export PATH="$KIT:$PATH"
cd "$KIT/tsfm"
if [ ! -f build/Release/tsfm.node ]; then
  echo "run.sh: building the addon (log: $OUT/build.log)" >&2
  if ! { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_JS_INC="$KIT/tsfm/node_modules/node-api-headers/include" \\
           -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$KIT/tsfm/build/Release" && cmake --build build -j"$(nproc)"; } > "$OUT/build.log" 2>&1; then
    tail -n 30 "$OUT/build.log" >&2
    echo "run.sh: the addon did not build; the whole log is $OUT/build.log" >&2
    exit 1
  fi
fi
node dist/ts/cli/main.js doctor --json > "$OUT/doctor.json" || true
if [ "$#" -eq 0 ]; then set -- bench --quick --out "$OUT"; fi
exec node dist/ts/cli/main.js "$@"
`,
);
chmodSync(path.join(out, 'run.sh'), 0o755);
console.log(`device-kit: wrote ${path.relative(process.cwd(), out) || '.'} (${withNode ? 'with' : 'without'} Node)`);
