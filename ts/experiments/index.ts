/** Experiments: a matrix of training cells run in parallel, resumable, aggregated into a comparison table. */
export {
  ExperimentSchema,
  TRANSFER_METRICS,
  EXPERIMENT_EVALUATIONS,
  parseExperiment,
  loadExperimentFile,
  ExperimentConfigError,
  type ExperimentConfig,
} from './config.js';
export { expandCells, needsSeriesIds, type Cell, type SeriesIds } from './matrix.js';
export {
  runExperiment,
  transferMetric,
  transferRecordPath,
  type TransferRecord,
  completedCells,
  experimentDir,
  runsDirOfCells,
  type CellOutcome,
  type ExperimentEvent,
  type RunExperimentOptions,
} from './scheduler.js';
export {
  aggregate,
  meanStd,
  scoreMatrix,
  statisticalTests,
  resultsMarkdown,
  resultsCsv,
  resultsTableRows,
  writeResults,
  type AggregateRow,
  type TransferScore,
  type ExperimentResults,
  type StatisticalComparison,
} from './aggregate.js';
export {
  nocturnalRecord,
  nocturnalRecordPath,
  nocturnalScores,
  nocturnalMarkdown,
  NOCTURNAL_FORECASTERS,
  type NocturnalRecord,
  type NocturnalScore,
} from './nocturnal.js';
export { prepareDatasets, planExperiment } from './prepare.js';
export { baselineValues, lastValueMetric, BASELINE_LABELS, TABLE_BASELINES, type TableBaseline } from './baselines.js';
