/**
 * What training checks before a run directory exists, and what `tsfm train --validate-config` runs: the data
 * loads, the split leaves training windows, and the native model accepts its parameters.
 */
import type { TsfmConfig } from '../config/index.js';
import { countWindows } from '../data/windows.js';
import { loadNative } from '../native/loader.js';
import { createModel } from '../native/engine.js';
import { modelSpecOf } from '../pipeline/native-options.js';
import { prepare, type PreparedData } from '../pipeline/prepare.js';

/** Throws one line when the prepared data holds no training window. */
export function checkTrainingWindows(config: TsfmConfig, prepared: PreparedData): void {
  if (countWindows(prepared.splits.train) > 0) return;
  const { context_length: context, horizon } = config.model;
  const longest = Math.max(0, ...prepared.dataset.segments.map((s) => s.length));
  throw new Error(
    `dataset '${prepared.dataset.name}': no training window of model.context_length ${context} + model.horizon ${horizon} = ${context + horizon} rows fits the training part of any series (the longest segment has ${longest} rows before splitting); lower model.context_length or model.horizon, or give the training split more of each series`,
  );
}

export interface TrainingCheck {
  dataset: string;
  series: number;
  windows: { train: number; val: number; test: number };
  model: { family: string; parameters: number };
}

/** Loads the data and builds the model as training would, then releases them; throws one line on the first problem. */
export async function validateTrainingInputs(config: TsfmConfig): Promise<TrainingCheck> {
  const prepared = await prepare(config, { applyTrainFraction: true });
  checkTrainingWindows(config, prepared);
  const model = createModel(loadNative(), modelSpecOf(config, prepared.inputChannels.length));
  try {
    const info = model.info();
    const { splits } = prepared;
    return {
      dataset: prepared.dataset.name,
      series: prepared.dataset.series.length,
      windows: { train: countWindows(splits.train), val: countWindows(splits.val), test: countWindows(splits.test) },
      model: { family: info.family, parameters: info.parameters },
    };
  } finally {
    model.dispose();
  }
}
