/**
 * Dataset versions and the ingest cache.
 *
 * version = first 16 hex digits of sha256 over: the ingest code version, the canonical JSON (sorted
 * keys) of the effective config minus `path`/`name`, and, for every source file in sorted path
 * order, its path relative to the files' common directory and its bytes. Moving the data folder
 * keeps the version; editing a byte, renaming a file or changing any ingest option changes it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { TimeSeriesDataset } from './types.js';
import { readDatasetIPC, writeDatasetIPC } from './arrow.js';

/** Bump when ingest semantics change so that old caches are not reused. */
export const INGEST_CODE_VERSION = 3; // 3: Shanghai's meal_g channel renamed food_g

export function canonicalJson(x: unknown): string {
  if (x === undefined) return 'null';
  if (x === null || typeof x !== 'object') return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map(canonicalJson).join(',')}]`;
  const o = x as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

function commonDir(files: string[]): string {
  if (files.length === 0) return '';
  let parts = path.dirname(files[0]).split(path.sep);
  for (const f of files.slice(1)) {
    const p = path.dirname(f).split(path.sep);
    let k = 0;
    while (k < parts.length && k < p.length && parts[k] === p[k]) k++;
    parts = parts.slice(0, k);
  }
  return parts.join(path.sep) || path.sep;
}

export async function computeDatasetVersion(files: string[], config: object): Promise<string> {
  const h = createHash('sha256');
  const { path: _p, name: _n, ...rest } = config as Record<string, unknown>;
  h.update(`tsfm-ingest-v${INGEST_CODE_VERSION}\n`);
  h.update(canonicalJson(rest));
  const sorted = [...files].sort();
  const root = commonDir(sorted);
  for (const f of sorted) {
    h.update(`\nfile:${path.relative(root, f).split(path.sep).join('/')}\n`);
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(f);
      s.on('data', (c) => h.update(c));
      s.on('end', () => resolve());
      s.on('error', reject);
    });
  }
  return h.digest('hex').slice(0, 16);
}

export function cacheDirFor(cacheRoot: string, name: string, version: string): string {
  return path.join(cacheRoot, `${name}-${version}`);
}

/** The cached dataset, or undefined when absent (or unreadable: it is then rebuilt). */
export async function readCachedDataset(dir: string): Promise<TimeSeriesDataset | undefined> {
  try {
    await access(path.join(dir, 'dataset.json'));
  } catch {
    return undefined;
  }
  try {
    return await readDatasetIPC(dir);
  } catch {
    return undefined;
  }
}

export async function writeCachedDataset(dir: string, ds: TimeSeriesDataset): Promise<void> {
  await writeDatasetIPC(ds, dir);
}
