/**
 * metadata.json of a run: who, what, on what and how it ended. Names follow MLflow's run model
 * (params, metrics, tags, artifacts) so that an exporter is a mapping, not a redesign.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunEnvironment } from './environment.js';
import { processState, type ProcessIdentity } from './liveness.js';

export const RUN_STATUSES = ['running', 'completed', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const METADATA_FILE = 'metadata.json';
export const METADATA_FORMAT = 1;

export interface RunMetadata {
  format: number;
  run_id: string;
  /** What created the run: 'train', 'evaluate', ... */
  kind: string;
  status: RunStatus;
  /** Why the run failed or was interrupted; null otherwise. */
  error: string | null;
  start_time: string;
  end_time: string | null;
  duration_s: number | null;
  /** The process that writes the run (liveness: a dead owner of a 'running' run means it was killed). */
  owner: ProcessIdentity;
  seed: number | null;
  config_hash: string | null;
  /** parameters: all of them; trainable_parameters: those a fine-tuning strategy left trainable (when it froze some). */
  model: { family: string; parameters?: number; trainable_parameters?: number; context_length?: number; horizon?: number } | null;
  /** Dataset the model was trained on, with its content version. */
  dataset: { name: string; version: string | null } | null;
  /** Every dataset involved (training first, then evaluation datasets that differ). */
  datasets: string[];
  /** How the weights were obtained: 'from_scratch', 'fine_tune' or 'zero_shot'. */
  strategy: string;
  device: string | null;
  world_size: number;
  train_seconds: number | null;
  environment: RunEnvironment;
  /** The resolved config flattened to dotted keys (MLflow params). */
  params: Record<string, string>;
  /** Final numbers, e.g. test_rmse, val_loss, baseline_last_value_rmse (MLflow metrics). */
  metrics: Record<string, number>;
  /** Free labels, e.g. experiment, cell, task (MLflow tags). */
  tags: Record<string, string>;
  /** Files of the run directory, relative to it. */
  artifacts: string[];
  /** The run whose checkpoint this run started from (`--resume` with other settings). */
  parent?: string | null;
  /** Every resume of this run or from its parent, oldest first. */
  resumes?: ResumeEntry[];
}

export interface ResumeEntry {
  time: string;
  checkpoint: string;
  from_run: string;
  from_status: string | null;
  /** Settings that differ from the resumed run's: [before, after]. */
  changed: Record<string, [string | null, string | null]>;
}

/** Flatten a nested object to `a.b.c` -> string (arrays as JSON), as MLflow params. */
export function flattenParams(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenParams(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined && prefix) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** Parse metadata.json; throws naming the file when it is not a run's metadata. */
export function parseMetadata(text: string, file: string): RunMetadata {
  let m: RunMetadata;
  try {
    m = JSON.parse(text) as RunMetadata;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!m || typeof m !== 'object' || typeof m.run_id !== 'string' || !RUN_STATUSES.includes(m.status)) {
    throw new Error(`${file}: not a tsfm run metadata file (needs run_id and status)`);
  }
  return m;
}

export function readMetadata(runDir: string): RunMetadata {
  const file = path.join(runDir, METADATA_FILE);
  return parseMetadata(readFileSync(file, 'utf8'), file);
}

/**
 * The status a reader should believe: a run still marked 'running' whose owner process is gone was
 * killed before it could say so, and is reported failed.
 */
export function effectiveStatus(m: RunMetadata): { status: RunStatus; error: string | null; stale: boolean } {
  if (m.status === 'running' && m.owner && processState(m.owner) === 'dead') {
    return { status: 'failed', error: `process ${m.owner.pid} on ${m.owner.host} ended without finishing the run (killed?)`, stale: true };
  }
  return { status: m.status, error: m.error, stale: false };
}

/** Run directories (those holding metadata.json) directly under runsDir, sorted by name. */
export function listRunDirs(runsDir: string): string[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(runsDir, e.name, METADATA_FILE)))
    .map((e) => path.join(runsDir, e.name))
    .sort();
}
