/** Public API of the data layer. */
export type * from './types.js';
export { DatasetConfigSchema, parseDatasetConfig, loadDatasetConfig, resolveDataPaths } from './config.js';
export type { DatasetConfig, DatasetConfigInput } from './config.js';
export { ingestDataset, ingestDatasetWithInfo, effectiveConfig } from './ingest.js';
export type { IngestOptions, IngestResult } from './ingest.js';
export { toArrowTable, fromArrowTable, writeDatasetIPC, readDatasetIPC, datasetMeta, datasetRows } from './arrow.js';
export type { DatasetMeta } from './arrow.js';
export { computeDatasetVersion, canonicalJson, INGEST_CODE_VERSION } from './cache.js';
export { selectSeries, keepLastFraction } from './select.js';
export { makeSplits, nocturnalWindows, prandialWindows, seriesGroups, seededShuffle } from './splits.js';
export type { SplitProtocol, SplitResult, WindowParams, EventWindowsResult } from './splits.js';
export { countWindows, forEachWindow, windowStarts, coverageMask, rowSeries, seriesRowRanges } from './windows.js';
export type { RowRange } from './windows.js';
export {
  fitScaler,
  applyScaler,
  applyInverse,
  scaleInPlace,
  inverseScaleInPlace,
  scalerParams,
  scalerToJSON,
  scalerFromJSON,
  STD_FLOOR,
} from './scaler.js';
export { describeDataset, renderDescription } from './describe.js';
export type { DatasetDescription, SeriesDescription, GlucoseMetrics } from './describe.js';
export { MGDL_PER_MMOLL, parseDuration, formatDuration, checkGlucoseUnits } from './units.js';
export { DataError } from './errors.js';
export { readTable } from './readers.js';
export { readCsv, parseCsvString } from './csv.js';
export { parseInsulinText, parseDietText, classifyInsulin } from './adapters/shanghai.js';
export { loadDataset, loadDatasetFile } from './load.js';
export { openDataset, datasetConfigPath, listDatasetNames } from './resolve.js';
export type { OpenDatasetOptions } from './resolve.js';
export { renderIngestReport } from './report.js';
export { configForDataFile, isDataFile } from './autodetect.js';
export type { FileMappingOptions, FileDataset } from './autodetect.js';
export { sniffFile } from './sniff.js';
export type { DeviceFormat } from './sniff.js';
export { DEVICE_LIMITS_MGDL } from './adapters/devices.js';
export { simulateCohort, cohortStatistics } from './simulate/index.js';
export type { SimulateOptions, CohortStatistics } from './simulate/index.js';
