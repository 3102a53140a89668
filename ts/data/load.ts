/**
 * One entry point for the CLI: a dataset YAML (or an already parsed object) -> TimeSeriesDataset.
 * `format: simulated` goes to the simulator (ts/data/simulate); every other format to ingest.
 * Both are cached under `<cacheDir>/<name>-<version>/` when a cache directory is given.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { TimeSeriesDataset } from './types.js';
import { DataError } from './errors.js';
import { parseDatasetConfig, resolveConfigPaths } from './config.js';
import { ingestDatasetWithInfo } from './ingest.js';
import type { IngestOptions, IngestResult } from './ingest.js';
import { cacheDirFor, readCachedDataset, writeCachedDataset } from './cache.js';
import { simulateCohort, simulateOptionsFromConfig, simulationVersion } from './simulate/index.js';

/** Loads (ingests, simulates, or reads from cache) the dataset a config object describes. */
export async function loadDataset(raw: unknown, opts: IngestOptions = {}, source = 'dataset config'): Promise<IngestResult> {
  if (raw && typeof raw === 'object' && (raw as { format?: unknown }).format === 'simulated') {
    const so = simulateOptionsFromConfig(raw as Record<string, unknown>);
    const version = simulationVersion(so);
    const name = String((raw as { name?: unknown }).name ?? 'simulated_t1d');
    const cachePath = opts.cacheDir ? cacheDirFor(opts.cacheDir, name, version) : undefined;
    if (cachePath) {
      const hit = await readCachedDataset(cachePath);
      if (hit) return { dataset: hit, cacheHit: true, cachePath };
    }
    const dataset: TimeSeriesDataset = simulateCohort(so);
    if (cachePath) await writeCachedDataset(cachePath, dataset);
    return { dataset, cacheHit: false, cachePath };
  }
  return ingestDatasetWithInfo(parseDatasetConfig(raw, source), opts);
}

/** Loads the dataset of a YAML config file. Relative data paths resolve against the YAML's own folder. */
export async function loadDatasetFile(file: string, opts: IngestOptions = {}): Promise<IngestResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new DataError(`dataset config not found: ${file}`, { file });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new DataError(`${file}: invalid YAML: ${(e as Error).message}`, { file });
  }
  return loadDataset(resolveConfigPaths(raw, path.dirname(path.resolve(file))), opts, file);
}
