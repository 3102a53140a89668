/** Runs: ids, directories, metadata, status lifecycle, atomic writes, liveness of the owner process. */
export { openRun, listArtifacts, directorySize, errorText, type Run, type OpenRunOptions, type RunInfoPatch } from './run.js';
export { newRunId, checkRunId, RUN_ID_PATTERN } from './ids.js';
export { writeFileAtomic, writeJsonAtomic } from './atomic.js';
export { acquireLock, type Lock } from './lock.js';
export { collectEnvironment, parseBuildVersions, type RunEnvironment, type NativeRuntime } from './environment.js';
export { currentProcess, processState, type ProcessIdentity } from './liveness.js';
export {
  RUN_STATUSES,
  METADATA_FILE,
  readMetadata,
  parseMetadata,
  effectiveStatus,
  listRunDirs,
  flattenParams,
  type RunMetadata,
  type RunStatus,
} from './metadata.js';
export { STAGES, appendStage, readStageHistory, currentStage, checkStage, type Stage, type StageChange } from './stages.js';
export { fitMetrics, runStatusOf, type FitSummary } from './summary.js';
