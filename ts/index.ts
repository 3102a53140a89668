/** tsfm library API: configuration, data, training and the native addon, typed. */
export * from './config/index.js';
export * from './data/index.js';
export { train, loadConfiguredDataset, type TrainOptions, type TrainResult, type ProgressEvent } from './train/train.js';
export { loadNative } from './native/loader.js';
export { toNativeDataset } from './native/dataset.js';
export { detectDistributed, firstSlurmHost, type DistributedEnv } from './parallel/env.js';
export { launch, type LaunchOptions, type LaunchResult, type LaunchHandle } from './parallel/launcher.js';
export { slurmScript, SLURM_KINDS, type SlurmOptions, type SlurmKind } from './parallel/slurm.js';
