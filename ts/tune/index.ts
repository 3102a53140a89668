export * from './space.js';
export * from './trial.js';
export * from './sampler.js';
export * from './tpe.js';
export * from './grid.js';
export * from './pruners.js';
export { sampleUniform } from './random-sampler.js';
export { parzenEstimator, defaultWeights, DEFAULT_PARZEN, type ParzenOptions } from './parzen.js';
export * from './store.js';
