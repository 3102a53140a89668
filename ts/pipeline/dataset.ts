import type { TsfmConfig } from '../config/index.js';
import { openDataset } from '../data/resolve.js';
import { selectSeries } from '../data/select.js';
import type { TimeSeriesDataset } from '../data/types.js';

/** The config's dataset (ingested on first use, then read from the cache), before any series selection. */
export async function loadConfiguredDataset(config: TsfmConfig): Promise<TimeSeriesDataset> {
  const { dataset } = await openDataset(config.data.dataset, {
    cacheDir: config.data.cache_dir,
    minSegmentLength: config.model.context_length + config.model.horizon,
    overrides: config.data.overrides,
  });
  return dataset;
}

/** The config's dataset restricted to `data.series` when it names some. */
export async function loadSelectedDataset(config: TsfmConfig): Promise<TimeSeriesDataset> {
  const loaded = await loadConfiguredDataset(config);
  return config.data.series ? selectSeries(loaded, config.data.series) : loaded;
}
