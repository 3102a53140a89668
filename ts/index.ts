/**
 * tsfm's public API for Node: what an embedding tool needs, with its types. Internals (the raw addon, SQLite
 * helpers, run locking, file plumbing) stay inside; their modules may change without notice.
 */

// Configuration
export {
  loadConfig,
  validateConfig,
  parseConfigYaml,
  parseOverride,
  renderConfigYaml,
  configHash,
  defaultConfig,
  configDocs,
  configJsonSchema,
  ConfigError,
  MODEL_FAMILIES,
  LOSSES,
  METRICS,
} from './config/index.js';
export type {
  TsfmConfig,
  TsfmConfigInput,
  ModelConfig,
  DataConfig,
  SplitConfig,
  TrainingConfig,
  EvaluationConfig,
  OutputConfig,
  LoadOptions,
  LoadedConfig,
} from './config/index.js';

// Data: datasets, ingestion, splits, scalers, the simulated cohort
export {
  openDataset,
  listDatasetNames,
  loadDataset,
  loadDatasetFile,
  ingestDataset,
  parseDatasetConfig,
  loadDatasetConfig,
  describeDataset,
  renderDescription,
  renderIngestReport,
  selectSeries,
  makeSplits,
  fitScaler,
  applyScaler,
  simulateCohort,
  cohortStatistics,
  readTable,
  DataError,
} from './data/index.js';
export type {
  TimeSeriesDataset,
  ChannelInfo,
  SeriesInfo,
  WindowSet,
  ScalerState,
  IngestReport,
  DatasetConfig,
  DatasetConfigInput,
  SplitProtocol,
  SplitResult,
  OpenDatasetOptions,
  DatasetDescription,
  SimulateOptions,
  CohortStatistics,
} from './data/index.js';

// The pipeline: a config's prepared data, and a trained run as one object
export { prepare, prepareDataset, type PreparedData, type PrepareOptions } from './pipeline/prepare.js';
export { loadConfiguredDataset } from './pipeline/dataset.js';
export { TrainedModel, type TrainedModelOptions } from './pipeline/trained-model.js';

// Training, evaluation, prediction
export { train, type TrainOptions, type TrainResult, type ProgressEvent } from './train/train.js';
export {
  evaluateRun,
  evaluateTask,
  evaluateExperiment,
  taskWindows,
  EVAL_SPLITS,
  type EvaluateRunOptions,
  type EvaluationSummary,
  type ChannelEvaluation,
  type RunEvaluation,
  type EvalSplit,
} from './evaluate/index.js';
export {
  predictWithRun,
  forecastDataset,
  writeForecasts,
  forecastsCsv,
  forecastsJson,
  forecastsTable,
  type PredictOptions,
  type ForecastColumns,
  type ForecastMeta,
} from './predict/index.js';
export type { SeriesArrays } from './data/in-memory.js';
export type { FileMappingOptions } from './data/autodetect.js';
export { writeReport, renderReport, type ReportInput, type RenderedReport } from './report/index.js';

// Metrics (pure functions over arrays)
export {
  evaluateForecasts,
  evaluatePoint,
  evaluateQuantiles,
  evaluateClinical,
  clarkeZone,
  parkesZone,
  timeInRanges,
  brierScore,
  auroc,
  auprc,
  rocCurve,
  lastValueForecast,
  seasonalNaiveForecast,
  fitLinReg,
  linRegForecast,
  pairedBootstrapCI,
  wilcoxonSignedRank,
  friedmanTest,
  criticalDifference,
  comparePaired,
  compareAcrossDatasets,
  EvalError,
} from './metrics/index.js';
export type {
  ForecastSet,
  ForecasterMetrics,
  PointEvaluation,
  ProbabilisticEvaluation,
  ClinicalEvaluation,
  PairedComparison,
  BootstrapCI,
} from './metrics/index.js';

// Runs and the registry
export {
  openRun,
  readMetadata,
  listRunDirs,
  RUN_STATUSES,
  type Run,
  type OpenRunOptions,
  type RunMetadata,
  type RunStatus,
} from './runs/index.js';
export { resolveRunDir, defaultRunsDir } from './runs/resolve.js';
export {
  Registry,
  markStaleRuns,
  selectionMetric,
  oneTask,
  compareRuns,
  resolveCheckpoint,
  type RunRow,
  type ModelRow,
  type RunFilter,
  type ModelFilter,
} from './runs/registry/index.js';

// Experiments
export {
  loadExperimentFile,
  parseExperiment,
  expandCells,
  planExperiment,
  runExperiment,
  completedCells,
  experimentDir,
  runsDirOfCells,
  aggregate,
  resultsMarkdown,
  resultsCsv,
  resultsTableRows,
  writeResults,
  ExperimentConfigError,
} from './experiments/index.js';
export type {
  ExperimentConfig,
  Cell,
  CellOutcome,
  ExperimentEvent,
  RunExperimentOptions,
  AggregateRow,
  ExperimentResults,
} from './experiments/index.js';

// Distributed training
export { detectDistributed, type DistributedEnv } from './parallel/env.js';
export { launch, type LaunchOptions, type LaunchResult, type LaunchHandle } from './parallel/launcher.js';
export { slurmScript, SLURM_KINDS, type SlurmOptions, type SlurmKind } from './parallel/slurm.js';

// Hardware diagnostics and benchmarks
export { runBench, renderBench, compareResults, comparisonMarkdown, type BenchOptions, type BenchResult } from './bench/index.js';
export { runDoctor, formatDoctor, type DoctorReport, type Check } from './doctor/index.js';

// Where the native addon was found (for `tsfm doctor`-like checks in embedding tools); the addon itself stays internal.
export { nativeAddonPath, addonCandidates, AddonLoadError } from './native/loader.js';
