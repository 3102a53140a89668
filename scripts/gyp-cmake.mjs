#!/usr/bin/env node
// Called by binding.gyp's action: build the addon with cmake-js into build-cmake/ (node-gyp's `rebuild`
// wipes build/, so CMake keeps its own tree) and copy the module and its build record into node-gyp's
// product directory, given as the only argument.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const productDir = path.resolve(process.argv[2] ?? path.join(root, 'build', 'Release'));
const out = path.join(root, 'build-cmake');
const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
if (!existsSync(cmakeJs)) {
  console.error('tsfm: building the addon needs cmake-js (npm install) and cmake; or use a prebuilt binary from prebuilds/');
  process.exit(1);
}
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', out, '--log-level', 'warn'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
mkdirSync(productDir, { recursive: true });
copyFileSync(path.join(out, 'Release', 'tsfm.node'), path.join(productDir, 'tsfm.node'));
copyFileSync(path.join(out, 'build-info.json'), path.join(productDir, 'build-info.json'));
