/** Evaluation of trained runs: task windows (test, nocturnal, ...), forecasts beside baselines, tables on disk. */
export { taskWindows, limitWindows, parseEvalSplit, EVAL_SPLITS, type EvalSplit, type TaskWindows, type TaskOptions } from './tasks.js';
export {
  evaluateRun,
  evaluateTask,
  resolveRunDir,
  type EvaluateRunOptions,
  type EvaluationSummary,
  type ChannelEvaluation,
  type ForecastSample,
  type RunEvaluation,
} from './evaluate.js';
export { writeArrowTable, readArrowTable } from './tables.js';
export { evaluateExperiment, experimentRuns, type ExperimentEvaluation } from './experiment.js';
export {
  evaluateNightTask,
  nightTaskSets,
  nightForecastWindows,
  nightTruth,
  nightPanels,
  type NightPanel,
  type NightTaskSets,
  type NightSetOptions,
  type NightForecast,
  type NightTaskOptions,
  type NightTaskResult,
  type NightTaskEvaluation,
} from './night-task.js';
export { nightBedtimeFeatures } from './night-features.js';
