import type { TsfmConfig } from '../config/index.js';
import type { TimeSeriesDataset } from '../data/types.js';

export interface ModelChannels {
  /** Indices into ds.channels of the channels the model forecasts. */
  targetChannels: number[];
  /** Indices into ds.channels of the channels the model reads (the targets, or every channel with data.covariates). */
  inputChannels: number[];
}

/** Which of `ds`'s channels a model configured by `config` reads and forecasts; one message for every caller. */
export function modelChannels(config: TsfmConfig, ds: TimeSeriesDataset): ModelChannels {
  const names = config.data.target_channels ?? ds.channels.filter((c) => c.role === 'target').map((c) => c.name);
  const targetChannels = names.map((name) => {
    const i = ds.channels.findIndex((c) => c.name === name);
    if (i < 0)
      throw new Error(
        `data.target_channels: dataset '${ds.name}' has no channel '${name}' (channels: ${ds.channels.map((c) => c.name).join(', ')})`,
      );
    return i;
  });
  const inputChannels = config.data.covariates ? ds.channels.map((_, i) => i) : [...targetChannels];
  return { targetChannels, inputChannels };
}
