#!/usr/bin/env node
// npm's install step (`npm install` / `npm ci`): the one place the addon is built at set-up. A packaged
// prebuild that loads is used as it is; otherwise the addon is built once with cmake-js into build/
// (CMakeLists.txt, with its LibTorch discovery order). Defining this script also stops npm from running
// its implicit `node-gyp rebuild` for binding.gyp, which built the same addon a second time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.TSFM_SKIP_BUILD === '1') {
  console.log('tsfm install: TSFM_SKIP_BUILD=1, addon not built (npm run build:native builds it)');
  process.exit(0);
}

const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
for (const f of existsSync(prebuildDir) ? readdirSync(prebuildDir).filter((n) => n.endsWith('.node')) : []) {
  const file = path.join(prebuildDir, f);
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8' });
  if (probe.status === 0) {
    console.log(`tsfm install: using the prebuilt addon ${path.relative(root, file)}`);
    process.exit(0);
  }
  console.log(
    `tsfm install: prebuilt ${path.relative(root, file)} does not load here (${(
      probe.stderr
        .trim()
        .split('\n')
        .find((l) => /Error/.test(l)) ?? 'error'
    ).trim()}); building`,
  );
}

const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
if (!existsSync(cmakeJs)) {
  console.error(
    'tsfm install: no prebuilt addon for this platform and cmake-js is not installed; install it (npm install cmake-js) with cmake and a C++17 compiler, then run `npm run build:native`',
  );
  process.exit(1);
}
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build', '--log-level', 'warn'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2' },
});
process.exit(r.status ?? 1);
