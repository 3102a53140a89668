/**
 * Loads every distinct dataset of an experiment once before any cell starts: a missing or malformed
 * dataset, an unknown series or an incompatible transfer dataset fails here, naming the entry, and the
 * ingest cache is written by one process instead of being raced by parallel cells.
 */
import { selectSeries } from '../data/select.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { loadConfiguredDataset } from '../pipeline/dataset.js';
import { ExperimentConfigError, type ExperimentConfig } from './config.js';
import { expandCells, needsSeriesIds, type Cell, type SeriesIds } from './matrix.js';

const firstLine = (e: unknown) => (e as Error).message.split('\n')[0];

/**
 * Loads the datasets of the cells (and their transfer datasets) and checks each cell's data.series;
 * returns the series ids of each dataset, by its label.
 */
export async function prepareDatasets(
  cells: Cell[],
  file: string,
  onLoaded?: (dataset: string, series: number) => void,
): Promise<SeriesIds> {
  const loaded = new Map<string, TimeSeriesDataset>();
  const ids: SeriesIds = new Map();
  const load = async (key: string, label: string, what: string, config: Cell['config']) => {
    let ds = loaded.get(key);
    if (ds) return ds;
    try {
      ds = await loadConfiguredDataset(config);
    } catch (e) {
      throw new ExperimentConfigError([`${file}: ${what}: ${firstLine(e)}`]);
    }
    loaded.set(key, ds);
    onLoaded?.(label, ds.series.length);
    return ds;
  };
  for (const c of cells) {
    const d = c.config.data;
    const key = JSON.stringify([d.dataset, d.overrides ?? null, d.cache_dir, c.config.model.context_length + c.config.model.horizon]);
    const ds = await load(key, c.dataset, `dataset '${c.dataset}' (cell ${c.key})`, c.config);
    if (!ids.has(c.dataset))
      ids.set(
        c.dataset,
        ds.series.map((s) => s.id),
      );
    if (d.series) {
      try {
        selectSeries({ ...ds, values: [], segments: [] }, d.series);
      } catch (e) {
        throw new ExperimentConfigError([`${file}: cell ${c.key}: ${firstLine(e)}`]);
      }
    }
    for (const t of c.testDatasets ?? []) {
      // As `tsfm evaluate --data` loads it: the run's config with the other dataset and without the run's overrides.
      const config = { ...c.config, data: { ...d, dataset: t.ref, overrides: undefined, series: undefined } };
      const tkey = JSON.stringify([t.ref, null, d.cache_dir, c.config.model.context_length + c.config.model.horizon]);
      const tds = await load(tkey, t.name, `test_datasets '${t.name}' (cell ${c.key})`, config);
      const names = (x: TimeSeriesDataset) => x.channels.map((ch) => ch.name);
      const targets = d.target_channels ?? ds.channels.filter((ch) => ch.role === 'target').map((ch) => ch.name);
      const missing = targets.find((n) => !names(tds).includes(n));
      if (missing)
        throw new ExperimentConfigError([
          `${file}: test_datasets '${t.name}': no channel '${missing}' that cell ${c.key} forecasts (channels: ${names(tds).join(', ')})`,
        ]);
      if (d.covariates && names(tds).join(',') !== names(ds).join(',')) {
        throw new ExperimentConfigError([
          `${file}: test_datasets '${t.name}': channels [${names(tds).join(', ')}] differ from the [${names(ds).join(', ')}] cell ${c.key} trains with; set data.covariates=false to transfer on the target alone`,
        ]);
      }
    }
  }
  return ids;
}

/**
 * The experiment's cells, ready to run: expanded (per-series strategies over the series of each
 * dataset, loaded here), every dataset loaded and every series and transfer dataset checked.
 */
export async function planExperiment(
  exp: ExperimentConfig,
  file: string,
  opts: { runsDir?: string; onLoaded?: (dataset: string, series: number) => void } = {},
): Promise<Cell[]> {
  let seriesIds: SeriesIds | undefined;
  if (needsSeriesIds(exp)) {
    // The datasets as the cells load them, before the series are known: the same matrix with one global strategy.
    const probe = expandCells({ ...exp, strategies: ['global'], test_datasets: undefined }, file, { runsDir: opts.runsDir });
    seriesIds = await prepareDatasets(probe, file);
  }
  const cells = expandCells(exp, file, { runsDir: opts.runsDir, seriesIds });
  await prepareDatasets(cells, file, opts.onLoaded);
  return cells;
}
