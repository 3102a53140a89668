#!/usr/bin/env node
// `npm run prebuildify`: package the addon as prebuilds/<platform>-<arch>/tsfm.glibc.node with prebuildify
// (N-API, stripped). prebuildify drives node-gyp, which runs binding.gyp's CMake action. Node's own headers
// are taken from the running Node's installation when it ships them (the npm `node` package does), so
// nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PREBUILD_NODE_GYP: path.join(root, 'node_modules', '.bin', 'node-gyp') };
const nodeDir = path.resolve(path.dirname(process.execPath), '..');
if (!env.npm_config_nodedir && existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = nodeDir;
const bin = path.join(root, 'node_modules', 'prebuildify', 'bin.js');
const r = spawnSync(process.execPath, [bin, '--napi', '--strip', '--tag-libc', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);
// node-gyp's rebuild emptied build/ and prebuildify moved the module out of it: put the (unstripped) local
// build back so a checkout keeps working exactly as before.
const built = path.join(root, 'build-cmake', 'Release', 'tsfm.node');
mkdirSync(path.join(root, 'build', 'Release'), { recursive: true });
copyFileSync(built, path.join(root, 'build', 'Release', 'tsfm.node'));
console.log(`tsfm: prebuilds/${process.platform}-${process.arch}/ written; build/Release/tsfm.node kept`);
