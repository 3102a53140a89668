/**
 * Loads every distinct dataset of an experiment once before any cell starts: a missing or malformed
 * dataset fails here, naming the entry, and the ingest cache is written by one process instead of
 * being raced by parallel cells.
 */
import { loadConfiguredDataset } from '../train/train.js';
import { ExperimentConfigError } from './config.js';
import type { Cell } from './matrix.js';

export async function prepareDatasets(cells: Cell[], file: string, onLoaded?: (dataset: string, series: number) => void): Promise<void> {
  const seen = new Set<string>();
  for (const c of cells) {
    const d = c.config.data;
    const key = JSON.stringify([d.dataset, d.overrides ?? null, d.cache_dir, c.config.model.context_length + c.config.model.horizon]);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const ds = await loadConfiguredDataset(c.config);
      onLoaded?.(c.dataset, ds.series.length);
    } catch (e) {
      throw new ExperimentConfigError([`${file}: dataset '${c.dataset}' (cell ${c.key}): ${(e as Error).message.split('\n')[0]}`]);
    }
  }
}
