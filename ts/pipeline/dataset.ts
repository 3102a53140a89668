import type { TsfmConfig } from '../config/index.js';
import { ShortSegmentsError } from '../data/errors.js';
import { openDataset } from '../data/resolve.js';
import { selectSeries } from '../data/select.js';
import type { TimeSeriesDataset } from '../data/types.js';

/** The config's dataset (ingested on first use, then read from the cache), before any series selection. */
export async function loadConfiguredDataset(config: TsfmConfig): Promise<TimeSeriesDataset> {
  const { context_length: context, horizon } = config.model;
  try {
    const { dataset } = await openDataset(config.data.dataset, {
      cacheDir: config.data.cache_dir,
      minSegmentLength: context + horizon,
      overrides: config.data.overrides,
    });
    return dataset;
  } catch (e) {
    // Segments are dropped when shorter than one window: the cause is the model's window, not the dataset's settings.
    if (e instanceof ShortSegmentsError && e.required === context + horizon) {
      throw new ShortSegmentsError(
        `dataset '${e.dataset}': no segment holds one window of model.context_length ${context} + model.horizon ${horizon} = ${e.required} rows (the longest has ${e.longest}); lower model.context_length or model.horizon, or raise the dataset's max_gap to join segments`,
        e.dataset,
        e.required,
        e.longest,
      );
    }
    throw e;
  }
}

/** The config's dataset restricted to `data.series` when it names some. */
export async function loadSelectedDataset(config: TsfmConfig): Promise<TimeSeriesDataset> {
  const loaded = await loadConfiguredDataset(config);
  return config.data.series ? selectSeries(loaded, config.data.series) : loaded;
}
