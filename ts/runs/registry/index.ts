/** The registry: an SQLite index (WAL, safe for concurrent writers) over run directories. */
export { Registry, REGISTRY_FILE, taskOf, type RunRow, type ModelRow, type RunFilter, type ModelFilter } from './registry.js';
export { markStaleRuns } from './reconcile.js';
export { selectionMetric, oneTask } from './selection.js';
export { openDatabase, withRetry, transaction, isBusy } from './sqlite.js';
export { selectGarbage, removeRun, compareRuns, resolveCheckpoint, type GcOptions } from './maintenance.js';
