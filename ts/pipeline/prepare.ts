/**
 * The prepared data of a config: its dataset (series selected), split protocol, leak-free splits and the
 * channels the model reads and forecasts. Training, evaluation and experiments all start here.
 */
import type { TsfmConfig } from '../config/index.js';
import { makeSplits, type SplitProtocol, type SplitResult } from '../data/splits.js';
import { keepLastFraction } from '../data/select.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { modelChannels, type ModelChannels } from './channels.js';
import { loadSelectedDataset } from './dataset.js';
import { toSplitProtocol } from './split-protocol.js';

export interface PreparedData extends ModelChannels {
  dataset: TimeSeriesDataset;
  protocol: SplitProtocol;
  splits: SplitResult;
  /**
   * The windows the scaler is fitted on: the training windows, except that the ETT protocol standardises with the
   * statistics of the whole training block, also when `data.train_fraction` keeps only part of it (few-shot, as
   * the TTM benchmarks do: its metrics stay on the same scale as a full run's).
   */
  scalerWindows: SplitResult['train'];
}

export interface PrepareOptions {
  /** Keep only the last `data.train_fraction` of the training windows (few-shot training). Default false: evaluation fits baselines on every training window. */
  applyTrainFraction?: boolean;
  /** An already loaded dataset (e.g. one shared by experiment cells); default: the config's, with `data.series` applied. */
  dataset?: TimeSeriesDataset;
}

/** Splits and channels of `ds` as `config` defines them. */
export function prepareDataset(config: TsfmConfig, ds: TimeSeriesDataset, opts: PrepareOptions = {}): PreparedData {
  const protocol = toSplitProtocol(config.data.split);
  const { context_length: context, horizon } = config.model;
  const splits = makeSplits(ds, { context, horizon, stride: config.data.stride }, protocol);
  const fullTrain = splits.train;
  if (opts.applyTrainFraction && config.data.train_fraction < 1)
    splits.train = keepLastFraction(ds, splits.train, config.data.train_fraction);
  const scalerWindows = config.data.split.protocol === 'ett' ? fullTrain : splits.train;
  return { dataset: ds, protocol, splits, scalerWindows, ...modelChannels(config, ds) };
}

/** Loads the config's dataset and prepares it. */
export async function prepare(config: TsfmConfig, opts: PrepareOptions = {}): Promise<PreparedData> {
  return prepareDataset(config, opts.dataset ?? (await loadSelectedDataset(config)), opts);
}
