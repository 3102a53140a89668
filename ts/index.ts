/** tsfm library API: configuration, data, training and the native addon, typed. */
export * from './config/index.js';
export * from './data/index.js';
export { train, loadConfiguredDataset, type TrainOptions, type TrainResult, type ProgressEvent } from './train/train.js';
export { loadNative, nativeAddonPath, addonCandidates, AddonLoadError } from './native/loader.js';
export type * from './native/types.js';
export { toNativeDataset } from './native/dataset.js';
export * from './runs/index.js';
export * from './runs/registry/index.js';
export * from './experiments/index.js';
export * from './predict/index.js';
export * from './metrics/index.js';
export { detectDistributed, firstSlurmHost, type DistributedEnv } from './parallel/env.js';
export { launch, type LaunchOptions, type LaunchResult, type LaunchHandle } from './parallel/launcher.js';
export { slurmScript, SLURM_KINDS, type SlurmOptions, type SlurmKind } from './parallel/slurm.js';
export { runBench, renderBench, compareResults, comparisonMarkdown, type BenchOptions, type BenchResult } from './bench/index.js';
export { runDoctor, formatDoctor, type DoctorReport, type Check } from './doctor/index.js';
