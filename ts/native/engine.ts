/**
 * Where the native model, trainer and predictor are constructed: training, the doctor's health check, the
 * training benchmark and the pretrained-weights check build models and trainers here; inference
 * (TrainedModel, pipeline/trained-model.ts) opens a predictor here, with no optimiser and no training options.
 */
import { Predictor } from './predictor.js';
import type { NativeAddon, NativeModel, NativeModelSpec, NativePredictorOptions, NativeTrainer, NativeTrainerOptions } from './types.js';

export function createModel(native: NativeAddon, spec: NativeModelSpec): NativeModel {
  return new native.NativeModel(spec);
}

/** A trainer with an optimiser over `model`'s parameters. */
export function createTrainer(native: NativeAddon, model: NativeModel, options: NativeTrainerOptions): NativeTrainer {
  return new native.NativeTrainer(model, options);
}

/** The model `spec` describes with the weights of `checkpoint` (a tsfm .pt), for inference. */
export function createPredictor(
  native: NativeAddon,
  spec: NativeModelSpec,
  checkpoint: string,
  options: NativePredictorOptions,
): Promise<Predictor> {
  return Predictor.open(native, spec, checkpoint, options);
}
