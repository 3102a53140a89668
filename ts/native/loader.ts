/**
 * Finds and loads the native addon: an explicit TSFM_ADDON path, the local build (build/Release), then
 * the packaged prebuilds (prebuilds/<platform>-<arch>/*.node, this libc's first). On failure it lists
 * every place it tried with what went wrong and what to do, never a bare dlopen error.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './types.js';

const require = createRequire(import.meta.url);

export function packageRootOf(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('tsfm: cannot find the package root');
    dir = up;
  }
  return dir;
}

/** What to do about a failed load, from the loader's error message. */
export function loadAdvice(message: string): string {
  if (/libtorch|libc10|libtorch_cpu/i.test(message))
    return 'LibTorch shared libraries were not found: install libtorch-dev (Debian) or set LD_LIBRARY_PATH to your LibTorch lib/ directory, then run `bash scripts/setup.sh`';
  if (/undefined symbol/i.test(message))
    return 'ABI mismatch between the addon and the LibTorch it loaded: rebuild with `npm run build:native` against the LibTorch you run with';
  if (/libcuda|cudart|libnvrtc|CUDA driver/i.test(message))
    return 'the addon was built against a CUDA LibTorch but no usable NVIDIA driver was found: install the driver or build against a CPU LibTorch';
  if (/not found$/.test(message)) return 'build the addon with `bash scripts/setup.sh` (or `npm run build:native`)';
  return 'rebuild the addon with `npm run build:native`';
}

function libc(): string {
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** Every file the loader would try, in order. */
export function addonCandidates(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const list: string[] = [];
  if (env.TSFM_ADDON) list.push(path.resolve(env.TSFM_ADDON));
  list.push(path.join(root, 'build', 'Release', 'tsfm.node'));
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const own = libc();
  const prebuilt = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  // tsfm.glibc.node before tsfm.node before another libc's build
  const rank = (f: string) => (f.includes(`.${own}.`) ? 0 : /\.(glibc|musl)\./.test(f) ? 2 : 1);
  prebuilt.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  list.push(...(prebuilt.length ? prebuilt.map((f) => path.join(dir, f)) : [path.join(dir, 'tsfm.node')]));
  return list;
}

export class AddonLoadError extends Error {
  constructor(readonly tried: string[]) {
    super(`tsfm: could not load the native addon. Tried:\n  - ${tried.join('\n  - ')}\nFix: ${loadAdvice(tried.join(' '))}`);
    this.name = 'AddonLoadError';
  }
}

/** Loads the addon from the first candidate that works (or throws AddonLoadError listing them all). */
export function loadAddonFrom(candidates: string[]): { addon: NativeAddon; file: string } {
  const tried: string[] = [];
  for (const file of candidates) {
    if (!existsSync(file)) {
      tried.push(`${file}: not found`);
      continue;
    }
    try {
      return { addon: require(file) as NativeAddon, file };
    } catch (err) {
      const message = (err as Error).message.split('\n')[0];
      tried.push(`${file}: ${message} (${loadAdvice(message)})`);
    }
  }
  throw new AddonLoadError(tried);
}

let cached: { addon: NativeAddon; file: string } | undefined;

/** The addon, loaded once per process. */
export function loadNative(): NativeAddon {
  cached ??= loadAddonFrom(addonCandidates(packageRootOf(path.dirname(fileURLToPath(import.meta.url)))));
  return cached.addon;
}

/** Which file the addon was loaded from (loads it if needed). */
export function nativeAddonPath(): string {
  loadNative();
  return cached!.file;
}
