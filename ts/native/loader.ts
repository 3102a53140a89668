/**
 * Finds and loads the native addon. On failure it lists every place it tried and what to do,
 * never a bare dlopen error.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('tsfm: cannot find the package root');
    dir = up;
  }
  return dir;
}

function advice(message: string): string {
  if (/libtorch|libc10|libtorch_cpu/i.test(message))
    return 'LibTorch shared libraries were not found: install libtorch-dev (Debian) or set LD_LIBRARY_PATH to your LibTorch lib/ directory, then run `bash scripts/setup.sh`';
  if (/undefined symbol/i.test(message))
    return 'ABI mismatch between the addon and the LibTorch it loaded: rebuild with `npm run build:native` against the LibTorch you run with';
  if (/libcuda|cudart|CUDA driver/i.test(message))
    return 'the addon was built against a CUDA LibTorch but no usable NVIDIA driver was found: install the driver or build against a CPU LibTorch';
  return 'build the addon with `bash scripts/setup.sh` (or `npm run build:native`)';
}

// The addon's raw surface; ts/ wraps it in typed, idiomatic classes.
export type NativeAddon = Record<string, any>;

let cached: NativeAddon | undefined;

export function loadNative(): NativeAddon {
  if (cached) return cached;
  const root = packageRoot();
  const candidates = [
    process.env.TSFM_ADDON,
    path.join(root, 'build', 'Release', 'tsfm.node'),
    path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'tsfm.node'),
  ].filter((p): p is string => Boolean(p));
  const tried: string[] = [];
  for (const file of candidates) {
    if (!existsSync(file)) {
      tried.push(`${file}: not found`);
      continue;
    }
    try {
      cached = require(file) as NativeAddon;
      return cached;
    } catch (err) {
      const message = (err as Error).message.split('\n')[0];
      tried.push(`${file}: ${message} (${advice(message)})`);
    }
  }
  throw new Error(`tsfm: could not load the native addon. Tried:\n  - ${tried.join('\n  - ')}\nFix: ${advice(tried.join(' '))}`);
}
