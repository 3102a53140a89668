/** Experiments: a matrix of training cells run in parallel, resumable, aggregated into a comparison table. */
export { ExperimentSchema, parseExperiment, loadExperimentFile, ExperimentConfigError, type ExperimentConfig } from './config.js';
export { expandCells, type Cell } from './matrix.js';
export { runExperiment, completedCells, experimentDir, runsDirOfCells, type CellOutcome, type ExperimentEvent, type RunExperimentOptions } from './scheduler.js';
export { aggregate, meanStd, scoreMatrix, statisticalTests, resultsMarkdown, resultsCsv, writeResults, type AggregateRow, type ExperimentResults, type StatisticalComparison } from './aggregate.js';
export { prepareDatasets } from './prepare.js';
