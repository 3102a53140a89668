/**
 * Naming a dataset on the command line: a name from configs/datasets/, a dataset YAML, or a directory
 * written by `tsfm data ingest|simulate --out` (Arrow IPC + dataset.json). One resolver for every command.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configsDir } from '../config/index.js';
import { DataError } from './errors.js';
import { resolveConfigPaths } from './config.js';
import { loadDataset } from './load.js';
import { readDatasetIPC } from './arrow.js';
import type { IngestResult } from './ingest.js';
import { configForDataFile, isDataFile } from './autodetect.js';
import type { FileMappingOptions } from './autodetect.js';
import { mappingFromOverrides } from './file-mapping.js';

/** The dataset YAML a reference names, or throws listing where it looked. */
export function datasetConfigPath(ref: string): string {
  const dir = path.join(configsDir(), 'datasets');
  const candidates = [ref, path.join(dir, `${ref}.yaml`), path.join(dir, ref)];
  const found = candidates.find((p) => existsSync(p) && statSync(p).isFile() && /\.ya?ml$/.test(p));
  if (found) return found;
  const known = existsSync(dir) ? ', known: ' + listDatasetNames().join(', ') : '';
  throw new DataError(`dataset '${ref}' not found (looked for ${candidates.join(', ')})${known}`, { file: ref });
}

/** Names of the dataset configs shipped in configs/datasets/. */
export function listDatasetNames(): string[] {
  const dir = path.join(configsDir(), 'datasets');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

export interface OpenDatasetOptions {
  /** For a data file named directly: column mapping and options that override auto-detection. */
  file?: FileMappingOptions;
  /** Cache root for ingested datasets (default .tsfm-cache); false for none. */
  cacheDir?: string | false;
  /** Segments shorter than this are dropped (a trainer passes context + horizon). */
  minSegmentLength?: number;
  /** Merged over the YAML's keys (e.g. a smaller simulated cohort). */
  overrides?: Record<string, unknown>;
}

/**
 * Opens a dataset by name, YAML path, ingested directory or data file (a device export, or a table whose
 * columns are auto-detected; `note` then says what was chosen): ingesting, simulating or reading the cache.
 */
export async function openDataset(ref: string, opts: OpenDatasetOptions = {}): Promise<IngestResult & { source: string; note?: string }> {
  const mapping = Object.entries(opts.file ?? {}).filter(([, v]) => v !== undefined);
  const cacheDir = opts.cacheDir === undefined ? '.tsfm-cache' : opts.cacheDir;
  const ingestOpts = {
    baseDir: process.cwd(),
    cacheDir: cacheDir === false ? (false as const) : path.resolve(cacheDir),
    minSegmentLength: opts.minSegmentLength,
  };
  if (isDataFile(ref)) {
    // A run's `data.overrides` carry the mapping it was trained with (time, target, ...): used for detection.
    const { file, rest } = mappingFromOverrides(opts.overrides);
    const { config, note } = await configForDataFile(ref, { ...file, ...Object.fromEntries(mapping) });
    const result = await loadDataset({ ...config, ...rest }, ingestOpts, ref);
    return { ...result, source: ref, note };
  }
  if (mapping.length) {
    const flags = mapping.map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
    throw new DataError(
      `${flags} ${mapping.length > 1 ? 'apply' : 'applies'} only to a data file named directly; '${ref}' is ${existsSync(ref) && statSync(ref).isDirectory() ? 'an ingested dataset directory' : 'a dataset name or YAML'} (set these in its YAML)`,
    );
  }
  if (existsSync(ref) && statSync(ref).isDirectory()) {
    return { dataset: await readDatasetIPC(ref), cacheHit: true, cachePath: ref, source: ref };
  }
  if (!existsSync(ref) && /\.(csv|tsv|txt|json|arrow|feather|ipc|arrows|parquet|pq)(\.gz)?$/i.test(ref)) {
    throw new DataError(`data file not found: ${path.resolve(ref)}`, { file: ref });
  }
  const file = datasetConfigPath(ref);
  let raw: Record<string, unknown>;
  try {
    raw = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new DataError(`${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  // The YAML's relative paths resolve against its folder; a `path` in the overrides against the working directory.
  const result = await loadDataset(
    { ...resolveConfigPaths(raw, path.dirname(path.resolve(file))), ...(opts.overrides ?? {}) },
    ingestOpts,
    file,
  );
  return { ...result, source: file };
}
