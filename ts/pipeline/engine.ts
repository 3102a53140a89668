/**
 * Where the native model and trainer are constructed: training, the doctor's health check and the training
 * benchmark all come here. Inference does not: it goes through TrainedModel (trained-model.ts).
 */
import type { NativeAddon, NativeModel, NativeModelSpec, NativeTrainer, NativeTrainerOptions } from '../native/types.js';

export function createModel(native: NativeAddon, spec: NativeModelSpec): NativeModel {
  return new native.NativeModel(spec);
}

/** A trainer with an optimiser over `model`'s parameters. */
export function createTrainer(native: NativeAddon, model: NativeModel, options: NativeTrainerOptions): NativeTrainer {
  return new native.NativeTrainer(model, options);
}
